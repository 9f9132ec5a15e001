"""The shoot that survives quitting: reopen the last one at start, remember it as it changes, ask before
quitting with results not saved as files.

The photos, each one's settings and result, and which one was shown go to `core.shoot.ShootStore`
(data_dir()/shoot.json, atomic) a second after the last change, and once more on close; a crash loses at
most that second. The results stay in the cache where the pipeline put them and their versions in the
journal (History finds them by the photo's hash once it is analysed again). A photo no longer where it was
comes back as "missing" in the filmstrip, with its settings, instead of an error dialog.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, SignalInstance
from PySide6.QtWidgets import QMessageBox, QWidget

from portrait_studio.core.i18n import N_, _, ngettext
from portrait_studio.core.shoot import Shoot, ShootPhoto, ShootStore
from portrait_studio.ui.model.session import Session

log = logging.getLogger(__name__)
REMEMBER_AFTER_MS = 1000  # a slider drag is dozens of changes: one write after it settles
MISSING = N_(
    "{name} is not where it was when the shoot was last open (moved, renamed, deleted, or its card is out)."
)
MISSING_FIX = N_("Put it back, or open it again from where it is now (Ctrl+O); its results are in History.")


class ShootFlow(QObject):
    """Reopen (`restore`), remember (follows the Session), and what quitting would leave unsaved."""

    message = Signal(str, int)  # status bar text, milliseconds
    restored = Signal(int)  # number of photos reopened

    def __init__(
        self,
        session: Session,
        store: ShootStore,
        load: Callable[[list[int]], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.store = store
        self._load = load  # decode + analyse photos already in the session (OpenController.load)
        self._discarded: set[Path] = set()  # photos whose result the user chose not to keep (quit ▸ Discard)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REMEMBER_AFTER_MS)
        self._timer.timeout.connect(self.write_now)
        for signal in (session.added, session.photo_changed, session.current_changed):
            signal.connect(self._changed)

    # ------------------------------------------------------------------ reopen
    def restore(self) -> list[int]:
        """Open the last shoot's photos with their settings and results; returns their indexes."""
        shoot = self.store.load()
        if not shoot.photos:
            return []
        self._timer.blockSignals(True)  # (what is being restored is what the file already says)
        try:
            indexes = self._add(shoot)
        finally:
            self._timer.blockSignals(False)
        self._timer.stop()
        there = [i for i in indexes if not self.session.photos[i].missing]
        self._load(there)
        if shoot.current >= 0 and indexes:
            self.session.set_current(indexes[min(shoot.current, len(indexes) - 1)])
        gone, n = len(indexes) - len(there), len(indexes)
        words = ngettext("Reopened the last shoot: {n} photo.", "Reopened the last shoot: {n} photos.", n)
        if gone:
            words = ngettext(
                "Reopened the last shoot: {n} photo, {gone} missing.",
                "Reopened the last shoot: {n} photos, {gone} missing.",
                n,
            )
        self.message.emit(words.format(n=n, gone=gone), 10000)
        self.restored.emit(len(indexes))
        return indexes

    def _add(self, shoot: Shoot) -> list[int]:
        indexes: list[int] = []
        for entry in shoot.photos:
            new = self.session.add([entry.path], entry.params)
            if not new:
                continue  # (the same photo twice in the file)
            i = new[0]
            indexes.append(i)
            self.session.set_restored(i, _found(entry))
            if not entry.path.is_file():
                self.session.set_missing(i, _(MISSING).format(name=entry.path.name), _(MISSING_FIX))
        return indexes

    # ------------------------------------------------------------------ remember
    def _changed(self, *_args: object) -> None:
        self._timer.start()

    def snapshot(self) -> Shoot:
        """The session as the shoot file keeps it."""
        photos = []
        for p in self.session.photos:
            keep = p.result_path is not None and p.path not in self._discarded
            photos.append(
                ShootPhoto(
                    path=p.path,
                    params=p.params,
                    result_path=p.result_path if keep else None,
                    task_id=p.task_id if keep else None,
                    cost=p.cost if keep else None,
                    saved_path=p.saved_path if keep else None,
                    sha256=p.sha256,
                )
            )
        return Shoot(tuple(photos), self.session.current_index)

    def write_now(self) -> None:
        """Write the shoot file now (also on close)."""
        self._timer.stop()
        try:
            self.store.save(self.snapshot())
        except OSError as err:  # a full disk must not stop retouching; the status bar says it
            log.warning("the shoot could not be remembered: %s", err)
            self.message.emit(
                _("The open photos could not be remembered for next time: {err}").format(err=err), 10000
            )

    # ------------------------------------------------------------------ quit
    def unsaved(self) -> list[int]:
        """Photos with a result not saved as a file (what Ctrl+Q asks about)."""
        return [
            i
            for i, p in enumerate(self.session.photos)
            if p.result_path is not None and p.saved_path is None and not p.running
        ]

    def discard(self, indexes: list[int]) -> None:
        """Quit ▸ Discard: the next start shows these photos without their result (History keeps it)."""
        self._discarded.update(self.session.photos[i].path for i in indexes)

    def save_all(
        self,
        indexes: list[int],
        save: Callable[[], None],
        saved: SignalInstance,
        failed: SignalInstance,
        done: Callable[[bool], None],
    ) -> None:
        """Quit ▸ Save all: Ctrl+S each photo in turn (`save` saves the current one; `saved` / `failed` are
        the save controller's answers); `done(True)` once all are saved, `done(False)` at the first failure
        (its message is shown, and the window stays open)."""
        queue, shown = list(indexes), self.session.current_index

        def finish(ok: bool) -> None:
            saved.disconnect(step)
            failed.disconnect(stop)
            if ok:  # (the next start shows the photo the user was on, not the last one saved)
                self.session.set_current(shown)
            done(ok)

        def step(*_args: object) -> None:
            while queue:
                i = queue.pop(0)
                if self.session.photos[i].saved_path is None:
                    self.session.set_current(i)
                    save()
                    return
            finish(True)

        def stop(*_args: object) -> None:
            finish(False)

        saved.connect(step)
        failed.connect(stop)
        step()

    def stop(self) -> None:
        """Write what is pending and stop the timer (the window is closing)."""
        self.write_now()


def _found(entry: ShootPhoto) -> ShootPhoto:
    """`entry` without the files that are gone (a cleared cache, a saved copy deleted since)."""
    if entry.result_path is None or not entry.result_path.is_file():
        return dataclasses.replace(entry, result_path=None, task_id=None, cost=None, saved_path=None)
    if entry.saved_path is not None and not entry.saved_path.is_file():
        return dataclasses.replace(entry, saved_path=None)
    return entry


def ask_unsaved(parent: QWidget, count: int) -> str:
    """Quit with results not saved as files: "save", "discard" or "cancel"."""
    box = QMessageBox(parent)
    box.setObjectName("unsaved-results")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(_("Quit"))
    box.setText(
        ngettext(
            "{n} result is not saved as files yet.", "{n} results are not saved as files yet.", count
        ).format(n=count)
    )
    box.setInformativeText(
        _(
            "Save all writes each with Ctrl+S's name (the output folder of Settings, or next to its "
            "photo). Discard quits without them: they stay in each photo's History, and the photos with "
            "their settings open again next time."
        )
    )
    save = box.addButton(_("Save all"), QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton(QMessageBox.StandardButton.Discard)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(save)
    box.exec()
    clicked = box.clickedButton()
    return "save" if clicked is save else "discard" if clicked is discard else "cancel"


__all__ = ["MISSING", "ShootFlow", "ask_unsaved"]
