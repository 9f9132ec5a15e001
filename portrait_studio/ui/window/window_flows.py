"""The main window's open/show flows: load, analyse, pre-flight fixes, current photo, live preview."""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from portrait_studio.core.errors import PortraitStudioError
from portrait_studio.core.params import EditParams
from portrait_studio.ui.model.session import Photo

if TYPE_CHECKING:
    from portrait_studio.ui.window.main_window import MainWindow

log = logging.getLogger(__name__)
KEEP_SCREEN_COPIES = 6  # photos whose screen copies stay in memory (the ones just seen: ←/→ is instant)


def message_of(err: object) -> tuple[str, str | None]:
    if isinstance(err, PortraitStudioError):
        return err.message, err.fix
    return str(err), None


class WindowFlows:
    """Mixin of MainWindow: reactions to the user and to the worker threads."""

    # ------------------------------------------------------------------ open
    def open_paths(self: MainWindow, paths: list[Path]) -> list[int]:
        """Open photos and folders; returns the session indexes of the photos opened now."""
        from portrait_studio.ui.jobs.loader import expand_paths, load_screen

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
        from portrait_studio.ui.jobs.loader import load_screen

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
            from portrait_studio.ui.jobs.loader import analyse

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
        message, fix = message_of(err)
        photo.error = message
        photo.meta["error_fix"] = fix
        if i == self.session.current_index:
            self.banner.show_error(message, fix)
        self.session.touch(i)
        self.photo_analysed.emit(i)

    def apply_fix(self: MainWindow, problem: Any) -> None:
        """A banner's one-click fix: make a fixed copy off the GUI thread; Run then sends that copy."""
        from portrait_studio.ui.jobs.loader import apply_fixes

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
        from portrait_studio.ui.jobs.loader import forget_detail

        forget_detail(keep=self.session.photos[index].path)  # the last zoomed photo's full decode
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
        if photo.display is not None and photo.source_size and not photo.meta.get("run_path"):
            self.compare.one_to_one = photo.source_size[0] / photo.display.shape[1]
        else:
            self.compare.one_to_one = 1.0
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

    def request_detail(self: MainWindow) -> bool:
        """Zoomed in past the working copy's resolution: fetch the original's pixels for the visible part."""
        from portrait_studio.ui.jobs.loader import load_detail

        photo, before = self.session.current, self.compare.before
        if photo is None or before is None or not photo.source_size or self.compare.scale <= 1.0:
            return False
        if self.compare.one_to_one <= 1.0:
            return False  # nothing sharper to show (small photo, or a fixed copy of another framing)
        r = self.compare.visible_rect()
        rect, key, path, width = (
            (r.x(), r.y(), r.width(), r.height()),
            before.cacheKey(),
            photo.path,
            before.width(),
        )
        self.io.submit(("detail", key), lambda: load_detail(path, rect, width))
        return True

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
            from portrait_studio.ui.jobs.imaging import screen_image

            path, i = photo.result_path, self.session.photos.index(photo)
            photo.meta["after"] = "result"  # shown when the decode lands (the screen copy was evicted)
            self.io.submit(("result-again", i), lambda: screen_image(path))
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


def _preview_key(photo: Photo) -> object:
    """Previews are per file: a fixed copy gets its own (its faces and framing differ)."""
    return photo.meta.get("run_path", photo.path)


__all__ = ["KEEP_SCREEN_COPIES", "WindowFlows", "message_of"]
