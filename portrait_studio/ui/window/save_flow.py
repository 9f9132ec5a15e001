"""Saving a result: where Save puts it, and the write (with its sidecar) off the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from portrait_studio.core.i18n import _
from portrait_studio.core.settings import Settings
from portrait_studio.ui import text
from portrait_studio.ui.model.session import Photo, Session
from portrait_studio.ui.threads.runner import BackgroundRunner
from portrait_studio.ui.window.open_flow import message_of

if TYPE_CHECKING:
    from portrait_studio.ui.dialogs.save_dialog import Saved, SaveRequest


class SaveController(QObject):
    """Save / Save as of the current photo's result; never over the original, never over another file."""

    saved = Signal(object)  # Path
    save_failed = Signal(str)  # "message — fix"
    problem = Signal(str, object)  # (message, fix) for the run panel
    message = Signal(str, int)  # status bar text, milliseconds
    cannot_write = Signal(str)  # "message — fix" of a Save that could not write: the window offers Save as

    def __init__(
        self,
        session: Session,
        io: BackgroundRunner,
        settings: Callable[[], Settings],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.io = io
        self._settings = settings

    def target(self, photo: Photo) -> Path:
        """Where Save puts a result: `NAME.retouched.EXT` (api/output.py's one rule, as the CLI and the batch)
        in the output folder of Settings, or next to the original; in the result's own format (a full-size
        result of a TIFF is a TIFF, a model-size result a JPEG)."""
        from portrait_studio.api.output import SUFFIX, planned_output

        suffix = SUFFIX
        if photo.result_path is not None and photo.result_path.suffix:
            suffix = ".retouched" + photo.result_path.suffix
        return planned_output(photo.path, self._settings().output_folder(), suffix)

    def quick_save(self) -> None:
        """Ctrl+S: save the result as it is (its size, depth, profile and format) in the output folder (or
        next to the original), never over a file."""
        from portrait_studio.ui.dialogs.save_dialog import SaveRequest, format_for

        photo = self.session.current
        if photo is not None and photo.saved_path is not None and photo.saved_path.is_file():
            # The same result again would only write an identical "-2" copy.
            self.message.emit(_("Already saved as {path}").format(path=photo.saved_path), 10000)
            return
        if photo is not None:
            target = self.target(photo)
            self.save_as(SaveRequest(target, format_for(target), new_name=True))

    def save_as(
        self, target: SaveRequest | Path | str, fmt: str | None = None, quality: int | None = None
    ) -> bool:
        """Save the result to `target` (path or SaveRequest) off the GUI thread; False: nothing to save."""
        from portrait_studio.api.output import read_sidecar, sidecar_for
        from portrait_studio.ui.dialogs.save_dialog import (
            DEFAULT_QUALITY,
            SaveRequest,
            format_for,
            write_result,
        )

        i, photo = self.session.current_index, self.session.current
        if photo is None or photo.result_path is None:
            self.save_failed.emit(_("Nothing to save yet — run the edit first (Ctrl+Enter)."))
            return False
        if isinstance(target, SaveRequest):
            request = target
        else:
            path = Path(target)
            request = SaveRequest(path, fmt or format_for(path), quality or DEFAULT_QUALITY)
        basics = {
            "params": photo.params.to_dict(),
            "seed": photo.params.seed,
            "task_id": photo.task_id,
            "engine": self._settings().backend,
            "cost": str(photo.cost) if photo.cost is not None else None,
        }
        result, original = photo.result_path, photo.path

        def save() -> Saved:
            # The sidecar of the result being saved (the last run's, or a History version's), read off the GUI
            # thread, over the basics the window knows.
            return write_result(request, result, original, {**basics, **read_sidecar(sidecar_for(result))})

        self.io.submit(save, lambda saved: self._saved(i, saved), self._failed)
        self.message.emit(_("Saving {name}…").format(name=request.path.name), 0)
        return True

    def _saved(self, i: int, saved: Saved) -> None:
        self.session.set_saved(i, saved.path)
        note = f", {saved.note}" if saved.note else ""
        self.message.emit(_("Saved {path}{note}").format(path=saved.path, note=note), 10000)
        self.saved.emit(saved.path)

    def _failed(self, err: Exception) -> None:
        message, fix = message_of(err)
        self.problem.emit(message, fix)
        self.message.emit(
            _("Not saved: {message}").format(message=message), 10000
        )  # (replaces "Saving …", which would stay)
        self.save_failed.emit(text.error(message, fix))
        if isinstance(err, OSError) or isinstance(err.__cause__, OSError):
            self.cannot_write.emit(text.error(message, fix))


__all__ = ["SaveController"]
