"""The main window's flows (open, analyse, preview, run, save, settings), kept apart from its layout."""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from portrait_studio.core.errors import PortraitStudioError
from portrait_studio.core.params import EditParams
from portrait_studio.core.settings import Settings
from portrait_studio.ui.session import Photo

if TYPE_CHECKING:
    from portrait_studio.ui.main_window import MainWindow
    from portrait_studio.ui.worker import RunOutcome

log = logging.getLogger(__name__)
KEEP_SCREEN_COPIES = 6  # photos whose screen copies stay in memory (the ones just seen: ←/→ is instant)


def _message(err: object) -> tuple[str, str | None]:
    if isinstance(err, PortraitStudioError):
        return err.message, err.fix
    return str(err), None


class WindowFlows:
    """Mixin of MainWindow: reactions to the user and to the worker threads."""

    # ------------------------------------------------------------------ open
    def open_paths(self: MainWindow, paths: list[Path]) -> list[int]:
        """Open photos and folders; returns the session indexes of the photos opened now."""
        from portrait_studio.ui.loader import expand_paths, load_screen

        files, skipped = expand_paths(paths)
        if skipped:
            names = ", ".join(p.name for p in skipped[:3]) + ("…" if len(skipped) > 3 else "")
            self.statusBar().showMessage(
                f"Skipped {len(skipped)} item(s) that are not photos: {names}", 10000
            )
        if not files:
            if not skipped:
                self.statusBar().showMessage("No photos found there (JPEG, PNG, WebP, TIFF, HEIC).", 10000)
            return []
        self.recent.add([Path(p) for p in paths])
        new = self.session.add(files, self.controls.params())
        for i in new:
            self.loader.submit(("screen", i), functools.partial(load_screen, self.session.photos[i].path))
            self._loading.add(i)
        target = new[0] if new else self.session.index_of(files[0])
        self.session.set_current(target)
        return new

    def _ensure_loaded(self: MainWindow, index: int, first: bool = True) -> None:
        """The photo shown needs its screen copy: load it ahead of everything queued (it may be evicted)."""
        from portrait_studio.ui.loader import load_screen

        photo = self.session.photos[index]
        if photo.display is None and not photo.error and index not in self._loading:
            self._loading.add(index)
            self.loader.submit(("screen", index), functools.partial(load_screen, photo.path), first=first)

    def _evict(self: MainWindow) -> None:
        """Keep screen copies only of the photos seen last (~18 MB each): a 500-photo shoot fits in memory."""
        cur = self.session.current_index
        keep = set(self._recently_shown[-KEEP_SCREEN_COPIES:]) | {cur - 1, cur, cur + 1}
        for i, photo in enumerate(self.session.photos):
            if i not in keep and photo.display is not None and photo.report is not None and not photo.running:
                photo.display = None
                for key in ("image", "preview_rgb", "preview_image", "result_image"):
                    photo.meta.pop(key, None)
                if photo.meta.get("after") == "result":
                    photo.meta["after"] = "reload-result"

    def _on_loader_done(self: MainWindow, token: Any, result: Any) -> None:
        kind, i = token
        if self._closed:
            return  # a result that was already on its way when the window closed
        if kind == "warm-up":
            self._warmed("loader")
            return
        photo = self.session.photos[i]
        if kind == "screen":
            from portrait_studio.ui.loader import analyse

            self._loading.discard(i)
            photo.display, photo.source_size = result.rgb, result.size
            photo.meta["image"] = result.image
            photo.meta["preview_rgb"] = result.preview_rgb
            self.filmstrip.set_thumbnail(i, result.thumb)
            if photo.report is None:
                # Ahead of the other photos' decodes: the array it holds is released as soon as it is done.
                job = functools.partial(analyse, photo.path, result.rgb, photo.params)
                self.loader.submit(("analyse", i), job, first=True)
            if i == self.session.current_index:
                self._show_photo(i)
            self.photo_loaded.emit(i)
        elif kind == "fixed":
            self._on_fixed(i, result)
        elif kind == "analyse" and result.path == photo.meta.get("run_path", photo.path):
            # (an analysis of the original that lands after a one-click fix is stale: the check above)
            photo.faces, photo.report = result.faces, result.report
            photo.meta["sha256"] = result.sha256
            self._evict()
            if i == self.session.current_index:
                self._show_history(photo)
                self._show_banner(photo)
                self._update_status_bar()
                self._start_preview(photo)
            self.photo_analysed.emit(i)
        self.session.touch(i)

    def _on_loader_failed(self: MainWindow, token: Any, err: Any) -> None:
        kind, i = token
        if kind == "warm-up":
            log.warning("warm-up failed: %s", err)  # the first photo will import what it needs itself
            self._warmed("loader")
            return
        if self._closed:
            return
        self._loading.discard(i)
        photo = self.session.photos[i]
        message, fix = _message(err)
        photo.error = message
        photo.meta["error_fix"] = fix
        if i == self.session.current_index:
            self.banner.show_error(message, fix)
        self.session.touch(i)
        self.photo_analysed.emit(i)

    def apply_fix(self: MainWindow, problem: Any) -> None:
        """A banner's one-click fix: make a fixed copy off the GUI thread; Run then sends that copy."""
        from portrait_studio.ui.loader import apply_fixes

        photo = self.session.current
        if photo is None or not getattr(problem, "auto_fix", None):
            return
        self.banner.show_busy("Applying the fix…")
        source = photo.meta.get("run_path", photo.path)
        job = functools.partial(apply_fixes, source, problem.auto_fix, photo.params)
        self.loader.submit(("fixed", self.session.current_index), job)

    def _on_fixed(self: MainWindow, i: int, fixed: Any) -> None:
        photo = self.session.photos[i]
        photo.meta["run_path"] = fixed.path
        photo.meta["fixes"] = [*photo.meta.get("fixes", []), *fixed.fixes]
        photo.display, photo.meta["image"] = fixed.screen.rgb, fixed.screen.image
        photo.meta["preview_rgb"] = fixed.screen.preview_rgb
        photo.faces, photo.report = fixed.analysis.faces, fixed.analysis.report
        photo.meta.pop("preview_image", None)
        self.filmstrip.set_thumbnail(i, fixed.screen.thumb)
        self.statusBar().showMessage("Fixed: " + "; ".join(fixed.fixes), 10000)
        if i == self.session.current_index:
            self._show_photo(i)
        self.photo_analysed.emit(i)

    # ------------------------------------------------------------------ current photo
    def _on_current_changed(self: MainWindow, index: int) -> None:
        self._recently_shown = [i for i in self._recently_shown if i != index] + [index]
        self._ensure_loaded(index)
        for neighbour in (index + 1, index - 1):  # prefetch: ←/→ through a shoot shows the next photo at once
            if 0 <= neighbour < len(self.session.photos):
                self._ensure_loaded(neighbour, first=False)
        self._show_photo(index)
        self._evict()

    def _show_photo(self: MainWindow, index: int) -> None:
        photo = self.session.photos[index]
        if self.controls.seed_lock.isChecked() and photo.params.seed != self.controls.params().seed:
            photo.params = photo.params.replace(seed=self.controls.params().seed)  # a locked seed follows
        self.controls.set_params(photo.params)
        self.setWindowTitle(f"{photo.path.name} — {self._app_name()}")
        same = self.compare.before is not None and self.compare.before is photo.meta.get("image")
        self.compare.set_before(photo.meta.get("image"), keep_view=same)
        self._show_after(photo)
        self._show_banner(photo)
        self._start_preview(photo)
        self._show_history(photo)
        if photo.running:
            self.run_panel.running("Running…")
        else:
            self.run_panel.idle(photo.meta.get("run_text", ""))
            if photo.error and photo.display is not None:
                self.run_panel.show_error(photo.error, photo.meta.get("error_fix"))
        self._update_status_bar()

    def _start_preview(self: MainWindow, photo: Photo) -> None:
        """Point the preview at `photo` once its faces are known (they are reused, not detected twice)."""
        rgb = photo.meta.get("preview_rgb")
        if rgb is None or photo.faces is None:
            self.preview.set_photo(_preview_key(photo), None)  # nothing to render until faces are known
            return
        from portrait_studio.core.preflight import scale_faces

        # scale_faces divides by its factor: working-copy pixels per preview pixel.
        faces = scale_faces(photo.faces, photo.display.shape[1] / rgb.shape[1])
        self.preview.set_photo(_preview_key(photo), rgb, faces)
        if photo.result_path is None:
            self.preview.request(photo.params)

    def _show_after(self: MainWindow, photo: Photo) -> None:
        if photo.meta.get("after") == "reload-result" and photo.result_path is not None:
            from portrait_studio.ui.imaging import decode_screen, to_qimage

            path, i = photo.result_path, self.session.photos.index(photo)
            photo.meta["after"] = "result"  # shown when the decode lands (the screen copy was evicted)
            self.io.submit(("result-again", i), lambda: to_qimage(decode_screen(path)[0]))
            self.compare.set_after(None)
        elif photo.meta.get("after") == "result" and photo.meta.get("result_image") is not None:
            self.compare.set_after(photo.meta["result_image"], self._result_label())
        elif photo.meta.get("preview_image") is not None and self.preview.enabled:
            self.compare.set_after(photo.meta["preview_image"], self._preview_label())
        else:
            self.compare.set_after(None)

    def _show_banner(self: MainWindow, photo: Photo) -> None:
        boxes = [f.box for f in photo.faces.faces] if photo.faces is not None else []
        self.compare.set_faces(boxes)
        if photo.error and photo.display is None:
            self.banner.show_error(photo.error, photo.meta.get("error_fix"))
        elif photo.report is None:
            self.banner.show_busy("Looking for faces…" if photo.display is not None else "Loading…")
        else:
            approx = bool(getattr(photo.faces, "approximate", False))
            self.banner.show_report(photo.report, photo.face_count, approx)

    def _app_name(self: MainWindow) -> str:
        from portrait_studio import APP_NAME

        return APP_NAME

    def _result_label(self: MainWindow) -> str:
        return "Result · local engine" if self.settings.backend == "local" else "Result · cloud"

    def _preview_label(self: MainWindow) -> str:
        # On the cloud backend the preview comes from the local engine; only Run sends the real task.
        return "Preview" if self.settings.backend == "local" else "Local preview"

    # ------------------------------------------------------------------ edit + preview
    def _on_params_changed(self: MainWindow, params: EditParams) -> None:
        photo = self.session.current
        if photo is None:
            return
        photo.params = params
        photo.meta["after"] = "preview"
        self.preview.request(params)

    def _on_preview_ready(self: MainWindow, key: object, image: Any, ms: float) -> None:
        self.last_preview_ms = ms
        photo = self.session.current
        if photo is None or _preview_key(photo) != key:
            return
        photo.meta["preview_image"] = image
        if photo.meta.get("after") != "result":
            self.compare.set_after(image, self._preview_label())
        self.preview_shown.emit(ms)

    def set_params(self: MainWindow, params: EditParams) -> None:
        """Apply parameters to the current photo as if the user set them (presets use this)."""
        self.controls.set_params(params)
        self._on_params_changed(params)

    # ------------------------------------------------------------------ run
    def run_current(self: MainWindow) -> bool:
        """Ctrl+Enter: send the current photo with its parameters; False when it cannot start."""
        from portrait_studio.ui.session import _blocking, is_blocking
        from portrait_studio.ui.worker import RunJob

        photo = self.session.current
        if photo is None or (photo.display is None and photo.report is None):
            self.statusBar().showMessage("Open a photo first (Ctrl+O or drop it on the window).", 8000)
            return False
        if self.runner.busy:
            self.statusBar().showMessage("An edit is already running; wait for it or cancel it (Esc).", 8000)
            return False
        if photo.report is not None and _blocking(photo.report):
            first = next(p for p in photo.report.problems if is_blocking(p))
            self.run_panel.show_error(f"Not sent: {first.message}", first.fix)
            return False
        params = self.controls.params_for_run()
        photo.params = params
        photo.error = None
        photo.running = True
        self.session.touch(self.session.current_index)
        self.run_panel.running("Sending…")
        run_path = photo.meta.get("run_path", photo.path)  # a fixed copy when a one-click fix was applied
        self._submit(RunJob(key=photo.path, path=run_path, params=params, max_cost=self._cost_limit()))
        return True

    def _submit(self: MainWindow, job: Any) -> None:
        _i, photo = self._photo_for(job.key)
        if photo is not None:
            photo.meta["job"] = job
        self.runner.submit(job)

    def _cost_limit(self: MainWindow) -> Any:
        """Cloud: ask before paying more than Settings' threshold (the pipeline stops at it, nothing paid)."""
        if self.settings.backend != "cloud":
            return None
        from decimal import Decimal

        return Decimal(str(self.settings.confirm_cost_above))

    def confirm_cost(self: MainWindow, estimate: Any, limit: Any) -> bool:
        """Ask whether to pay `estimate` (USD) for this edit, above the threshold `limit`."""
        from PySide6.QtWidgets import QMessageBox

        answer = QMessageBox.question(
            self,
            "Confirm the cost",
            f"This edit is estimated at ${estimate}, more than your limit of ${limit} per edit.\n\nRun it?",
        )
        return answer == QMessageBox.StandardButton.Yes

    def _retry_if_confirmed(self: MainWindow, photo: Photo | None, err: Any) -> bool:
        """A per-edit cost limit was hit: ask, and resend without the limit when the user agrees."""
        import dataclasses

        from portrait_studio.api.pipeline import BudgetError

        job = photo.meta.get("job") if photo is not None else None
        if not isinstance(err, BudgetError) or err.daily or job is None or job.max_cost is None:
            return False
        if not self.confirm_cost(err.estimate, job.max_cost):
            return False
        photo.running = True
        self.run_panel.running("Sending…")
        self._submit(dataclasses.replace(job, max_cost=None))
        return True

    def cancel_run(self: MainWindow) -> None:
        """Esc: stop waiting for the edit in hand."""
        if self.runner.busy:
            self.runner.cancel()
            self.run_panel.status.setText("Cancelling…")

    def _photo_for(self: MainWindow, key: object) -> tuple[int, Photo | None]:
        i = self.session.index_of(key) if isinstance(key, Path) else -1
        return i, (self.session.photos[i] if i >= 0 else None)

    def _on_run_progress(self: MainWindow, key: object, fraction: float, eta: float, stage: str) -> None:
        i, photo = self._photo_for(key)
        if photo is not None and i == self.session.current_index:
            self.run_panel.progress(fraction, eta, stage)
        self.run_progress.emit(fraction)

    def _on_run_finished(self: MainWindow, outcome: RunOutcome) -> None:
        from portrait_studio.ui.imaging import decode_screen, to_qimage

        i, photo = self._photo_for(outcome.key)
        self._apply_pending_settings()
        if photo is None:
            return
        photo.running = False
        photo.result_path, photo.task_id, photo.cost = outcome.result_path, outcome.task_id, outcome.cost
        photo.saved_path = None
        photo.meta["outcome"] = outcome
        cost = _cost(outcome.cost)
        self.session.total_cost += cost
        text = f"Done in {outcome.seconds:.1f} s · {outcome.engine}"
        if outcome.estimate is not None or cost:
            text += f" · cost ${cost:.3f}"
            text += f" (estimate ${outcome.estimate})" if outcome.estimate is not None else ""
        else:
            text += " · free"
        photo.meta["run_text"] = text
        if i == self.session.current_index:
            self.run_panel.done(text)
        self._update_status_bar()
        self.session.touch(i)
        self.io.submit(("result", i), lambda: to_qimage(decode_screen(outcome.result_path)[0]))

    def _on_run_failed(self: MainWindow, key: object, err: object) -> None:
        i, photo = self._photo_for(key)
        if self._retry_if_confirmed(photo, err):
            return
        self._apply_pending_settings()
        message, fix = _message(err)
        if photo is not None:
            photo.running = False
            photo.error, photo.meta["error_fix"] = message, fix
            self.session.touch(i)
        if i == self.session.current_index:
            self.run_panel.show_error(message, fix)
        self.run_failed.emit(f"{message} — {fix}" if fix else message)

    def _on_run_cancelled(self: MainWindow, key: object) -> None:
        i, photo = self._photo_for(key)
        self._apply_pending_settings()
        if photo is not None:
            photo.running = False
            self.session.touch(i)
        self.run_panel.idle("Cancelled — nothing more is waited for.")
        self.run_cancelled.emit()

    # ------------------------------------------------------------------ save
    def quick_save(self: MainWindow) -> None:
        """Ctrl+S: save as JPEG in the output folder (or next to the original), never over a file."""
        from portrait_studio.core.fileio import unique_path

        photo = self.session.current
        if photo is None:
            return
        folder = Path(self.settings.output_dir) if self.settings.output_dir else photo.path.parent
        self.save_as(unique_path(folder / f"{photo.path.stem}-retouched.jpg"))

    def choose_save_as(self: MainWindow) -> None:
        """Ctrl+Shift+S: the Save as dialog."""
        from portrait_studio.ui.save_dialog import SaveAsDialog

        photo = self.session.current
        if photo is None or photo.result_path is None:
            self.statusBar().showMessage("Nothing to save yet: run the edit first (Ctrl+Enter).", 8000)
            return
        folder = Path(self.settings.output_dir) if self.settings.output_dir else photo.path.parent
        dialog = SaveAsDialog(folder / f"{photo.path.stem}-retouched.jpg", photo.path, self)
        if dialog.exec():
            self.save_as(dialog.request())

    def save_as(self: MainWindow, target: Any, fmt: str | None = None, quality: int | None = None) -> bool:
        """Save the result to `target` (path or SaveRequest) off the GUI thread; False: nothing to save."""
        from portrait_studio.ui.save_dialog import DEFAULT_QUALITY, SaveRequest, format_for, write_result

        photo = self.session.current
        if photo is None or photo.result_path is None:
            self.save_failed.emit("Nothing to save yet — run the edit first (Ctrl+Enter).")
            return False
        if isinstance(target, SaveRequest):
            request = target
        else:
            path = Path(target)
            request = SaveRequest(path, fmt or format_for(path), quality or DEFAULT_QUALITY)
        outcome = photo.meta.get("outcome")
        sidecar = {
            "params": photo.params.to_dict(),
            "seed": photo.params.seed,
            "task_id": photo.task_id,
            "engine": getattr(outcome, "engine", self.settings.backend),
            "cost": photo.cost,
            **(getattr(outcome, "sidecar", None) or {}),
        }
        i, result, original = self.session.current_index, photo.result_path, photo.path
        self.io.submit(("save", i), lambda: write_result(request, result, original, sidecar))
        self.statusBar().showMessage(f"Saving {request.path.name}…")
        return True

    def _on_io_done(self: MainWindow, token: Any, value: Any) -> None:
        kind, i = token
        if self._closed:
            return
        photo = self.session.photos[i]
        if kind in ("result", "result-again"):
            photo.meta["result_image"] = value
            photo.meta["after"] = "result"
            if i == self.session.current_index:
                self.compare.set_after(value, self._result_label())
            if kind == "result":
                self.run_finished.emit(photo.meta.get("outcome"))
        elif kind == "versions":
            before, after = value
            if i == self.session.current_index:
                self.compare.set_before(before or photo.meta.get("image"), keep_view=True)
                self.compare.set_after(after, "Newer version")
        elif kind == "save":
            photo.saved_path = value
            self.statusBar().showMessage(f"Saved {value}", 10000)
            self.session.touch(i)
            self.saved.emit(value)

    def _on_io_failed(self: MainWindow, token: Any, err: Any) -> None:
        message, fix = _message(err)
        self.run_panel.show_error(message, fix)
        if token[0] == "save":
            self.save_failed.emit(f"{message} — {fix}" if fix else message)
        else:
            self.run_failed.emit(message)

    # ------------------------------------------------------------------ history
    def _show_history(self: MainWindow, photo: Photo) -> None:
        panel = getattr(self, "history_panel", None)
        if panel is not None and photo.meta.get("sha256"):
            panel.set_photo(photo.meta["sha256"], photo.path)

    def compare_versions(self: MainWindow, older: Any, newer: Any) -> None:
        """History ▸ Compare: two versions (or the original and a version) in the compare view."""
        photo = self.session.current
        if photo is None or newer is None or not newer.result_path:
            return
        from portrait_studio.ui.imaging import decode_screen, to_qimage

        def load() -> tuple[Any, Any]:
            before = to_qimage(decode_screen(Path(older.result_path))[0]) if older is not None else None
            return before, to_qimage(decode_screen(Path(newer.result_path))[0])

        self.io.submit(("versions", self.session.current_index), load)

    def show_version(self: MainWindow, row: Any) -> None:
        """History ▸ Make current / Undo: that version becomes the photo's result (what Save as writes)."""
        photo = self.session.current
        if photo is None or not row.result_path or not Path(row.result_path).exists():
            return
        from portrait_studio.ui.imaging import decode_screen, to_qimage

        photo.result_path, photo.task_id = Path(row.result_path), row.task_id
        photo.cost = str(row.cost) if row.cost is not None else None
        photo.params = row.params
        self.controls.set_params(row.params)
        path = photo.result_path
        self.io.submit(("result", self.session.current_index), lambda: to_qimage(decode_screen(path)[0]))

    # ------------------------------------------------------------------ settings
    def open_settings(self: MainWindow) -> None:
        """The Settings dialog (backend, key, hosting, output folder, theme)."""
        from portrait_studio.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.settings, self)
        dialog.settings_changed.connect(self.apply_settings)
        self.settings_dialog = dialog
        dialog.exec()

    def apply_settings(self: MainWindow, settings: Settings) -> None:
        """Use new settings (the backend changes from the next run on)."""
        self.settings = settings
        self._pending_settings = settings
        if not self.runner.busy:
            self._apply_pending_settings()
        self._apply_theme(settings.theme)
        self._update_status_bar()
        photo = self.session.current
        if photo is not None:
            self._show_after(photo)

    def _apply_theme(self: MainWindow, theme: str) -> None:
        from PySide6.QtWidgets import QApplication

        from portrait_studio.ui.theme import ThemeFollower, apply_theme

        app = QApplication.instance()
        follower = app.findChild(ThemeFollower) if app is not None else None
        if follower is not None:
            follower.set_theme(theme)
        elif isinstance(app, QApplication):
            apply_theme(app, theme)

    def _apply_pending_settings(self: MainWindow) -> None:
        pending = getattr(self, "_pending_settings", None)
        if pending is not None:
            self._pending_settings = None
            self.runner.worker.set_settings(pending)  # the worker thread is idle: no job reads them now
            if hasattr(self.executor, "settings"):
                self.executor.settings = pending


def _preview_key(photo: Photo) -> object:
    """Previews are per file: a fixed copy gets its own (its faces and framing differ)."""
    return photo.meta.get("run_path", photo.path)


def _cost(value: Any) -> float:
    try:
        return float(value) if value is not None else 0.0
    except (TypeError, ValueError):
        return 0.0


__all__ = ["WindowFlows"]
