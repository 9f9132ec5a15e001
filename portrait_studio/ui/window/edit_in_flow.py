"""The window in Edit-In round-trip mode (`portrait-studio edit FILE`): one file, saved back into itself.

    flow = EditInFlow.attach(window, Path("IMG_0001-Edit.tif"))   # before the window opens any photo

A catalog (Lightroom Classic, Capture One, darktable) rendered FILE and waits for it to change. In this mode:
the title says so; the Result size is locked to the file's own; the window works on a copy of FILE as it
was rendered (api.edit_in.working_copy, in the data folder), so running again with other settings starts
from the rendering, not from the last save; Save (Ctrl+S) writes the current result back into FILE in place
(api.edit_in.write_back: the file's own size, format, bit depth, ICC and metadata; the previous version
kept; atomic), off the GUI thread; "Restore previous version" puts the last kept one back; Open, Open
folder, Open recent, Save as and drops are off (nothing else is written beside the file); closing with a
result not yet saved asks (Save / Discard / Cancel).

The window gives this controller its pieces through `attach` (the session, the io runner, its actions) and
holds no round-trip logic of its own; `ask` is the close question, replaceable in tests.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox, QWidget

from portrait_studio import APP_NAME
from portrait_studio.core.i18n import _
from portrait_studio.ui import text
from portrait_studio.ui.model.session import Session
from portrait_studio.ui.threads.runner import BackgroundRunner
from portrait_studio.ui.window.open_flow import message_of

SAVE, DISCARD, CANCEL = "save", "discard", "cancel"


def question_box(parent: QWidget, name: str) -> QMessageBox:
    """The close question: write the retouch back into `name` (Save), leave the file (Discard), or Cancel."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(_("Edit In"))
    box.setText(_("Write the retouch back into {name} before closing?").format(name=name))
    box.setInformativeText(_("Your catalog reads the file once it is saved; unsaved, it stays as it was."))
    button = QMessageBox.StandardButton
    box.setStandardButtons(button.Save | button.Discard | button.Cancel)
    box.setDefaultButton(button.Save)
    return box


def _ask(parent: QWidget, name: str) -> str:
    answer = question_box(parent, name).exec()
    button = QMessageBox.StandardButton
    if answer == button.Save:
        return SAVE
    return DISCARD if answer == button.Discard else CANCEL


class EditInFlow(QObject):
    """Round-trip mode of the window for one host file: Save writes back in place; closing asks."""

    written = Signal(object)  # Path: the host file, written back
    restored = Signal(object)  # Path: the host file, its previous version back
    failed = Signal(str)  # "message — fix"
    message = Signal(str, int)  # status bar text, milliseconds

    def __init__(
        self, target: Path, session: Session, io: BackgroundRunner, parent: QObject | None = None
    ) -> None:
        from portrait_studio.api.edit_in import check_target, working_copy

        super().__init__(parent)
        self.target = Path(target).absolute()
        check_target(self.target)  # EditInError (message + fix) before the window shows the file
        self.source = working_copy(self.target)  # what the window opens and every run sends
        self.session = session
        self.io = io
        self.ask: Callable[[str], str] = lambda name: CANCEL
        self._written: Path | None = None  # the result last written back (None: none yet)
        self._busy = False
        self.restore_action: QAction | None = None  # File → Restore previous version (attach)

    # ------------------------------------------------------------------ wiring
    @classmethod
    def attach(cls, window: Any, target: Path) -> EditInFlow:
        """Put `window` (a MainWindow, before it opens any photo) in round-trip mode for `target`."""
        flow = cls(target, window.session, window.io, window)
        flow.ask = lambda name: _ask(window, name)
        actions = window.window_actions
        actions.save_action.triggered.disconnect()
        actions.save_action.triggered.connect(flow.save)
        actions.save_action.setText(_("&Save back into the file"))
        actions.save_action.setStatusTip(
            _("Write the result back into {name} (Ctrl+S)").format(name=flow.target.name)
        )
        for off in (actions.save_as_action, actions.open_action, actions.open_folder_action):
            off.setEnabled(False)  # one file, saved into itself: nothing else is opened or written
        actions.recent_menu.menuAction().setVisible(False)  # (the recent list re-enables it when it refills)
        # The window opens a copy in the data folder: that path is not one to offer among recent photos.
        window.recent.add = lambda paths: None
        window.setAcceptDrops(False)
        window.controls.result_size.lock("original")  # the file's own size: the host re-reads that file
        undo = QAction(_("&Restore previous version"), window)
        undo.setStatusTip(
            _("Put the version of {name} before the last Save back").format(name=flow.target.name)
        )
        undo.triggered.connect(flow.restore)
        menus = [a.menu() for a in window.menuBar().actions() if a.menu() is not None]
        file_menu = next(m for m in menus if actions.save_action in m.actions())
        file_menu.insertAction(actions.save_as_action, undo)
        flow.restore_action = undo
        window.session.current_changed.connect(lambda _i: window.setWindowTitle(flow.title()))
        flow.message.connect(window.statusBar().showMessage)
        flow.written.connect(window.saved)
        flow.failed.connect(window.save_failed)
        window.installEventFilter(flow)
        window.setWindowTitle(flow.title())
        window.open_paths([flow.source])
        return flow

    def title(self) -> str:
        """The window title: the host's file, and that Save writes back into it."""
        return _("{name} — Edit In (Save writes back into the file) — {app}").format(
            name=self.target.name, app=APP_NAME
        )

    # ------------------------------------------------------------------ state
    def result(self) -> Path | None:
        """The result on screen for the file (the last run's, or a History version's), if any."""
        i = self.session.index_of(self.source)
        photo = self.session.photos[i] if i >= 0 else None
        return photo.result_path if photo is not None and photo.result_path else None

    @property
    def unsaved(self) -> bool:
        """A result is on screen that was not written back into the file."""
        result = self.result()
        return result is not None and result != self._written

    # ------------------------------------------------------------------ Save / Restore
    def save(self) -> bool:
        """Write the current result back into the file, off the GUI thread; False when there is none."""
        from portrait_studio.api.edit_in import write_back

        result = self.result()
        if result is None:
            self.failed.emit(_("Nothing to save yet — run the edit first (Ctrl+Enter)."))
            return False
        if self._busy:
            return False
        if result == self._written:
            self.message.emit(_("{name} already holds this result").format(name=self.target.name), 10000)
            return False
        self._busy = True
        target = self.target
        self.message.emit(_("Writing the result back into {name}…").format(name=target.name), 0)
        self.io.submit(lambda: write_back(target, result), lambda _done: self._saved(result), self._failed)
        return True

    def _saved(self, result: Path) -> None:
        self._busy = False
        self._written = result
        self.message.emit(
            _("Saved into {path} (the previous version is kept: File → Restore)").format(path=self.target),
            10000,
        )
        self.written.emit(self.target)

    def _failed(self, err: Exception) -> None:
        self._busy = False
        message, fix = message_of(err)
        self.message.emit(_("Not saved: {message}").format(message=message), 10000)
        self.failed.emit(text.error(message, fix))

    def restore(self) -> None:
        """Put the version before the last Save back into the file (off the GUI thread)."""
        from portrait_studio.api.edit_in import restore

        target = self.target

        def done(_path: Path) -> None:
            self._written = None  # the file no longer holds the result on screen
            self.message.emit(_("{name}: previous version restored").format(name=target.name), 10000)
            self.restored.emit(target)

        self.io.submit(lambda: restore(target), done, self._failed)

    # ------------------------------------------------------------------ close
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        """Closing the window with a result not written back asks first."""
        if event.type() != QEvent.Type.Close or not self.unsaved:
            return False
        answer = self.ask(self.target.name)
        if answer == CANCEL:
            event.ignore()
            return True
        if answer == SAVE:
            try:  # at close, on this thread: the window and its io thread are about to stop
                from portrait_studio.api.edit_in import write_back

                result = self.result()
                assert result is not None
                write_back(self.target, result)
                self._written = result
                self.written.emit(self.target)
            except Exception as err:
                message, fix = message_of(err)
                self.failed.emit(text.error(message, fix))
                event.ignore()
                return True
        return False


__all__ = ["CANCEL", "DISCARD", "SAVE", "EditInFlow", "question_box"]
