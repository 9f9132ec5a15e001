"""The main window's run flows: Run / Cancel, cost confirmation, results, Save as, history, settings."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from portrait_studio.core.settings import Settings
from portrait_studio.ui.model.session import Photo
from portrait_studio.ui.window.window_flows import message_of

if TYPE_CHECKING:
    from portrait_studio.ui.threads.run_worker import RunOutcome
    from portrait_studio.ui.window.main_window import MainWindow

log = logging.getLogger(__name__)


class RunFlows:
    """Mixin of MainWindow: sending edits, their results, saving them, and settings."""

    # ------------------------------------------------------------------ run
    def run_current(self: MainWindow) -> bool:
        """Ctrl+Enter: send the current photo with its parameters; False when it cannot start."""
        from portrait_studio.ui.threads.run_worker import RunJob

        photo = self.session.current
        if photo is not None and photo.error and photo.report is None:
            self.run_panel.show_error(f"Not sent: {photo.error}", photo.meta.get("error_fix"))
            return False
        if photo is None or (photo.display is None and photo.report is None):
            self.statusBar().showMessage("Open a photo first (Ctrl+O or drop it on the window).", 8000)
            return False
        if self.runner.busy:
            self.statusBar().showMessage("An edit is already running; wait for it or cancel it (Esc).", 8000)
            return False
        if photo.report is not None and photo.report.blocked:
            first = next(p for p in photo.report.problems if p.blocks)
            self.run_panel.show_error(f"Not sent: {first.message}", first.fix)
            return False
        if self.settings.backend == "local" and not self._local_can_run():
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

    def _local_can_run(self: MainWindow) -> bool:
        """The local engine only retouches: a prompt (creative mode) is refused here, before any upload."""
        from portrait_studio.core.errors import PortraitStudioError
        from portrait_studio.core.params import check_local

        try:
            check_local(self.controls.params())
        except PortraitStudioError as err:
            self.run_panel.show_error(f"Not sent: {err.message}", err.fix)
            return False
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
        from portrait_studio.ui.jobs.imaging import screen_image

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
        for note in outcome.notes:  # what the engine did that the sliders hide
            text += f"\nNote: {note[:1].upper()}{note[1:]}."
        photo.meta["run_text"] = text
        if i == self.session.current_index:
            self.run_panel.done(text)
        self._update_status_bar()
        self.session.touch(i)
        self.io.submit(("result", i), lambda: screen_image(outcome.result_path))

    def _on_run_failed(self: MainWindow, key: object, err: object) -> None:
        i, photo = self._photo_for(key)
        if self._retry_if_confirmed(photo, err):
            return
        self._apply_pending_settings()
        message, fix = message_of(err)
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
        from portrait_studio.ui.dialogs.save_dialog import SaveRequest

        photo = self.session.current
        if photo is None:
            return
        self.save_as(SaveRequest(self._save_target(photo), new_name=True))

    def choose_save_as(self: MainWindow) -> None:
        """Ctrl+Shift+S: the Save as dialog."""
        from portrait_studio.ui.dialogs.save_dialog import SaveAsDialog

        photo = self.session.current
        if photo is None or photo.result_path is None:
            self.statusBar().showMessage("Nothing to save yet: run the edit first (Ctrl+Enter).", 8000)
            return
        dialog = SaveAsDialog(self._save_target(photo), photo.path, self)
        if dialog.exec():
            self.save_as(dialog.request())

    def _save_target(self: MainWindow, photo: Photo) -> Path:
        """Where Save puts a result: the output folder of Settings, or next to the original."""
        from portrait_studio.api._output import saved_name

        return (self.settings.output_folder() or photo.path.parent) / saved_name(photo.path)

    def save_as(self: MainWindow, target: Any, fmt: str | None = None, quality: int | None = None) -> bool:
        """Save the result to `target` (path or SaveRequest) off the GUI thread; False: nothing to save."""
        from portrait_studio.ui.dialogs.save_dialog import (
            DEFAULT_QUALITY,
            SaveRequest,
            format_for,
            write_result,
        )

        photo = self.session.current
        if photo is None or photo.result_path is None:
            self.save_failed.emit("Nothing to save yet — run the edit first (Ctrl+Enter).")
            return False
        if isinstance(target, SaveRequest):
            request = target
        else:
            path = Path(target)
            request = SaveRequest(path, fmt or format_for(path), quality or DEFAULT_QUALITY)
        from portrait_studio.api._output import read_sidecar, sidecar_for

        basics = {
            "params": photo.params.to_dict(),
            "seed": photo.params.seed,
            "task_id": photo.task_id,
            "engine": self.settings.backend,
            "cost": photo.cost,
        }
        i, result, original = self.session.current_index, photo.result_path, photo.path

        def save() -> Any:
            # The sidecar of the result being saved (the last run's, or a History version's), read off the GUI
            # thread, over the basics the window knows.
            return write_result(request, result, original, {**basics, **read_sidecar(sidecar_for(result))})

        self.io.submit(("save", i), save)
        self.statusBar().showMessage(f"Saving {request.path.name}…")
        return True

    def _on_io_done(self: MainWindow, token: Any, value: Any) -> None:
        kind, i = token
        if self._closed:
            return
        if kind == "detail":  # i is the before image's cacheKey here; a detail for another image is dropped
            from PySide6.QtCore import QRectF

            rect, image = value
            self.compare.set_detail(i, QRectF(*rect), image)
            self.detail_shown.emit()
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
            photo.saved_path = value.path
            note = f", {value.note}" if value.note else ""
            self.statusBar().showMessage(f"Saved {value.path}{note}", 10000)
            self.session.touch(i)
            self.saved.emit(value.path)

    def _on_io_failed(self: MainWindow, token: Any, err: Any) -> None:
        message, fix = message_of(err)
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
        from portrait_studio.ui.jobs.imaging import screen_image

        def load() -> tuple[Any, Any]:
            before = screen_image(Path(older.result_path)) if older is not None else None
            return before, screen_image(Path(newer.result_path))

        self.io.submit(("versions", self.session.current_index), load)

    def show_version(self: MainWindow, row: Any) -> None:
        """History ▸ Make current / Undo: that version becomes the photo's result (what Save as writes)."""
        photo = self.session.current
        if photo is None or not row.result_path or not Path(row.result_path).exists():
            return
        from portrait_studio.ui.jobs.imaging import screen_image

        photo.result_path, photo.task_id = Path(row.result_path), row.task_id
        photo.cost = str(row.cost) if row.cost is not None else None
        photo.params = row.params
        photo.meta.pop("outcome", None)  # the last run's: its "Done · Note" no longer describes this result
        photo.meta["run_text"] = ""
        self.run_panel.idle("")
        self.controls.set_params(row.params)
        path = photo.result_path
        # "result-again": showing a version is not a finished run (no run_finished).
        self.io.submit(("result-again", self.session.current_index), lambda: screen_image(path))

    # ------------------------------------------------------------------ settings
    def open_settings(self: MainWindow) -> None:
        """The Settings dialog (backend, key, hosting, output folder, theme)."""
        from portrait_studio.ui.dialogs.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.settings, self)
        dialog.settings_changed.connect(self.apply_settings)
        self.settings_dialog = dialog
        dialog.exec()

    def apply_settings(self: MainWindow, settings: Settings) -> None:
        """Use new settings (the backend changes from the next run on)."""
        self.settings = settings
        self._pending_settings = settings
        if not self.runner.busy:
            self._apply_pending_settings()  # or when the Run / the batch's running photos are done
        self._apply_theme(settings.theme)
        self._apply_to_panels(settings)
        self._update_status_bar()
        photo = self.session.current
        if photo is not None:
            self._show_after(photo)

    def _apply_to_panels(self: MainWindow, settings: Settings) -> None:
        """The batch queue and the history ledger follow the backend and the daily budget cap."""
        from portrait_studio.api.batch import default_concurrency

        queue = getattr(self, "batch_queue", None)
        if queue is not None:
            queue.budget_cap = settings.budget_cap
            queue.set_concurrency(default_concurrency(settings.backend))
        history = getattr(self, "history_panel", None)
        if history is not None:
            history.set_budget_cap(settings.budget_cap)

    def _apply_theme(self: MainWindow, theme: str) -> None:
        from PySide6.QtWidgets import QApplication

        from portrait_studio.ui.style.theme import ThemeFollower, apply_theme

        app = QApplication.instance()
        follower = app.findChild(ThemeFollower) if app is not None else None
        if follower is not None:
            follower.set_theme(theme)
        elif isinstance(app, QApplication):
            apply_theme(app, theme)

    def _apply_pending_settings(self: MainWindow) -> None:
        pending = getattr(self, "_pending_settings", None)
        queue = getattr(self, "batch_queue", None)
        if queue is not None and not queue.idle():
            return  # the batch's photos use the Run worker's backend: a new one waits until none will start
        if pending is not None:
            self._pending_settings = None
            self.runner.set_settings(pending)  # the worker thread is idle: no job reads them now
            if hasattr(self.executor, "settings"):
                self.executor.settings = pending


def _cost(value: Any) -> float:
    try:
        return float(value) if value is not None else 0.0
    except (TypeError, ValueError):
        return 0.0


__all__ = ["RunFlows"]
