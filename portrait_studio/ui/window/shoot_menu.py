"""The verbs on a selection of the filmstrip, in the Photo menu and the filmstrip's right-click menu.

Select all (Ctrl+A), Retouch selected… (Ctrl+Shift+Enter: the batch dialog, then batch_flow), Copy / Paste
settings (Ctrl+Shift+C / Ctrl+Shift+V) and Sync settings to selected (sync_flow), Watch folder… (a toggle:
the watch dialog, then watch_flow). The batch and the watch need the journal, which the window opens after its
first paint: `attach(batch, watch)` then; until then their actions say the window is still starting.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QMessageBox, QWidget

from portrait_studio.core.i18n import _, ngettext
from portrait_studio.core.params import EditParams
from portrait_studio.core.settings import Settings
from portrait_studio.ui.model.session import Session
from portrait_studio.ui.panels.filmstrip import Filmstrip
from portrait_studio.ui.window.batch_flow import OUTPUT_SUB_FOLDER, BatchFlow, Choice
from portrait_studio.ui.window.sync_flow import SyncController
from portrait_studio.ui.window.watch_flow import OFF, PAUSED, WatchController


class ShootActions(QObject):
    """See the module docstring."""

    batch_list_requested = Signal()  # the batch's status line was clicked, or the budget paused it

    def __init__(
        self,
        window: QMainWindow,
        photo_menu: QMenu,
        session: Session,
        filmstrip: Filmstrip,
        set_params: Callable[[EditParams], None],
        settings: Callable[[], Settings],
        presets: Callable[[], list[Any]],
    ) -> None:
        super().__init__(window)
        self.window, self.session, self.filmstrip = window, session, filmstrip
        self._settings, self._presets = settings, presets
        self._batch_said = ""  # the batch's last status-bar message
        self.batch: BatchFlow | None = None
        self.watch: WatchController | None = None
        self.dialog: Any = None  # the last batch or watch dialog opened (tests drive it)
        self.sync = SyncController(session, filmstrip.selected_indexes, set_params, self)
        self.sync.message.connect(self._say)
        act = self._action
        self.select_all_action = act(_("Select &all photos"), filmstrip.select_all_photos, "Ctrl+A")
        self.retouch_action = act(
            _("&Retouch selected…"), self.retouch_selected, "Ctrl+Shift+Return",
            _("Retouch the photos selected in the filmstrip with one batch (Ctrl+Shift+Enter)"),
        )  # fmt: skip
        self.copy_action = act(_("&Copy settings"), self.sync.copy, "Ctrl+Shift+C")
        self.paste_action = act(_("Pa&ste settings"), self.sync.paste, "Ctrl+Shift+V")
        self.paste_action.setEnabled(False)
        self.sync.copied_changed.connect(self.paste_action.setEnabled)
        self.sync_action = act(
            _("S&ync settings to selected"), self.sync.sync_to_selected, "",
            _("The settings of the photo shown onto the other selected photos"),
        )  # fmt: skip
        self.preset_menu = QMenu(_("Apply pr&eset to selected"), window)
        self.preset_menu.aboutToShow.connect(self._fill_preset_menu)
        self.watch_action = act(
            _("&Watch folder…"), lambda: None, "",
            _("Retouch each photo that arrives in a folder (tethered or hot-folder shooting)"),
        )  # fmt: skip
        self.watch_action.setCheckable(True)
        self.watch_action.triggered.connect(self._on_watch_toggled)
        photo_menu.addSeparator()
        photo_menu.addActions([self.select_all_action, self.retouch_action])
        photo_menu.addSeparator()
        photo_menu.addActions([self.copy_action, self.paste_action, self.sync_action])
        photo_menu.addMenu(self.preset_menu)
        photo_menu.addSeparator()
        photo_menu.addAction(self.watch_action)
        filmstrip.set_menu_actions(
            [self.retouch_action, None, self.copy_action, self.paste_action, self.sync_action,
             self.preset_menu.menuAction(), None, self.select_all_action]
        )  # fmt: skip
        # (after the window's own, which hides the strip for one photo: a watched photo's badge is the answer)
        session.added.connect(lambda *_args: self._show_strip_when_watching())
        bar = window.statusBar()
        self.batch_label = QLabel(window)
        self.batch_label.setObjectName("batch-summary-label")
        self.batch_label.setToolTip(_("Show the list of the batch's photos (View ▸ Panels ▸ Batch)"))
        self.batch_label.linkActivated.connect(lambda _link: self.batch_list_requested.emit())
        self.watch_label = QLabel(window)
        self.watch_label.setObjectName("watch-label")
        self.watch_label.setWordWrap(False)
        for at, label in enumerate((self.watch_label, self.batch_label)):
            label.setContentsMargins(8, 0, 8, 0)
            label.hide()
            bar.insertPermanentWidget(at, label)  # (a normal one hides under every status message)

    def _action(self, text: str, slot: Callable[[], object], keys: str, tip: str = "") -> QAction:
        action = QAction(text, self.window)
        if keys:  # (Return and the keypad's Enter are two keys: both, as for Run)
            both = [keys, keys.replace("Return", "Enter")] if "Return" in keys else [keys]
            action.setShortcuts([QKeySequence(k) for k in both])
            # In a text field Ctrl+A selects its text (the field claims the key first: ShortcutOverride).
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.triggered.connect(lambda *_a: slot())
        self.window.addAction(action)  # (shortcuts work with the menu bar hidden)
        return action

    def _say(self, message: str, ms: int = 8000) -> None:
        self.window.statusBar().showMessage(message, ms)

    def _say_for_batch(self, message: str, ms: int = 8000) -> None:
        self._batch_said = message
        self._say(message, ms)

    def _batch_settled(self) -> None:
        # "Retouching 4 photos into …" is not left beside "4 done" when a short batch ends within its 8 s.
        bar = self.window.statusBar()
        if self._batch_said and bar.currentMessage() == self._batch_said:
            bar.clearMessage()

    def attach(self, batch: BatchFlow, watch: WatchController) -> None:
        """The batch and the watch, once the journal is open."""
        self.batch, self.watch = batch, watch
        batch.message.connect(self._say_for_batch)
        batch.settled.connect(self._batch_settled)
        batch.summary.connect(self._show_summary)
        batch.paused.connect(lambda _why: self.batch_list_requested.emit())  # (its Resume button)
        watch.message.connect(self._say)
        watch.state_changed.connect(self._on_watch_state)

    # ------------------------------------------------------------------ Retouch selected…
    def choices(self, indexes: list[int] | None = None) -> list[Choice]:
        """The settings photos can be sent with: each photo's own (a batch of others than the photo shown),
        the photo shown's, each preset; never none (the defaults, when there is no photo nor preset)."""
        photo = self.session.current
        found: list[Choice] = []
        if indexes and indexes != [self.session.current_index]:
            found.append(Choice(_("Each photo's own settings")))
        if photo is not None:
            found.append(
                Choice(
                    _("The settings of the photo shown ({name})").format(name=photo.path.name), photo.params
                )
            )
        for preset in self._presets():
            label = _("Preset: {name}").format(name=preset.shown_name)
            found.append(Choice(label, preset.params, preset.name))
        return found or [Choice(_("The default settings"), EditParams())]

    def retouch_selected(self) -> bool:
        """Ctrl+Shift+Enter: the batch dialog over the photos selected in the filmstrip (False: none)."""
        from portrait_studio.ui.dialogs.batch_dialog import BatchDialog

        batch = self.batch
        indexes = self.filmstrip.selected_indexes()
        if batch is None:
            self._say(_("The batch is not ready yet (the window is still starting)."))
            return False
        if not indexes:
            self._say(_("Open photos first (Ctrl+O, or a folder with Ctrl+Shift+O), then select some."))
            return False

        def describe(choice: Choice, out_dir: Path, _watch: Path | None) -> tuple[str, bool]:
            plan = batch.plan(indexes, choice, out_dir)
            n = len(plan.send)
            lines = [
                ngettext(
                    "{n} photo will be retouched into {folder}.",
                    "{n} photos will be retouched into {folder}.",
                    n,
                ).format(n=n, folder=out_dir)
            ]
            if plan.left_out:
                names = [
                    _("{name}: {why}").format(name=self.session.photos[i].path.name, why=why.rstrip(".。"))
                    for i, why in plan.left_out[:4]
                ]
                named = "; ".join(names)
                left = len(plan.left_out)
                lines.append(
                    (
                        _("{n} left out — {names} and {more} more.")
                        if left > 4
                        else _("{n} left out — {names}.")
                    ).format(n=left, names=named, more=left - 4)
                )
            if n:
                lines.append(plan.estimate.describe(n))
            lines.append(
                _("Results are named NAME.retouched.EXT, never over a file; originals stay as they are.")
            )
            return "\n".join(lines), n > 0

        def start(choice: Choice, out_dir: Path, _watch: Path | None) -> str | None:
            from portrait_studio.core.errors import PortraitStudioError

            try:
                batch.start(batch.plan(indexes, choice, out_dir))
            except PortraitStudioError as err:
                return f"{err.message} {err.fix or ''}".strip()
            return None

        dialog = BatchDialog(
            self.choices(indexes), batch.default_out_dir(indexes), describe, start, self.window,
            count=len(indexes),
        )  # fmt: skip
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()  # (window-modal, not exec: the window keeps running, a test clicks Start)
        return True

    def add_to_filmstrip(self, paths: list[Path], open_paths: Callable[[list[Path]], list[int]]) -> None:
        """The Batch panel's Add photos / Add folder / drop: into the filmstrip, selected, then Retouch…"""
        new = open_paths(paths)
        if new:
            self.filmstrip.select_indexes(new)
            self.retouch_selected()

    def _show_summary(self, line: str) -> None:
        self.batch_label.setText(f'<a href="batch" style="color: inherit;">{escape(line)}</a>')
        paused = self.batch is not None and bool(self.batch.queue.paused_reason)
        self.batch_label.setStyleSheet("color: #d9a13b;" if line and paused else "")
        self.batch_label.setVisible(bool(line))

    def busy_words(self) -> str:
        """What quitting now would stop ("" when nothing): photos of the batch, the watched folder."""
        n = 0
        if self.batch is not None:
            n = sum(1 for i in self.batch.queue.items() if i.status in ("queued", "running"))
        watching = self.watch is not None and self.watch.state != OFF
        if n and watching:
            return ngettext(
                "{n} photo of the batch and the watched folder",
                "{n} photos of the batch and the watched folder",
                n,
            ).format(n=n)
        if n:
            return ngettext("{n} photo of the batch", "{n} photos of the batch", n).format(n=n)
        return _("the watched folder") if watching else ""

    # ------------------------------------------------------------------ presets on the selection
    def _fill_preset_menu(self) -> None:
        self.preset_menu.clear()
        for preset in self._presets():
            action = self.preset_menu.addAction(preset.shown_name)
            action.triggered.connect(
                lambda _c=False, p=preset: self.sync.apply_to_selected(p.params, p.shown_name)
            )
        if self.preset_menu.isEmpty():
            self.preset_menu.addAction(_("(no presets)")).setEnabled(False)

    # ------------------------------------------------------------------ Watch folder…
    def _on_watch_toggled(self, on: bool) -> None:
        if on:
            self.watch_folder()
        elif self.watch is not None:
            self.watch.stop()

    def watch_folder(self) -> bool:
        """The watch dialog (False: not ready); Start watching starts watch_flow."""
        from portrait_studio.ui.dialogs.batch_dialog import BatchDialog

        watch = self.watch
        if watch is None:
            self.watch_action.setChecked(False)
            self._say(_("The watch folder is not ready yet (the window is still starting)."))
            return False
        current = self.session.current
        in_dir = current.path.parent if current is not None else Path.home() / "Pictures"
        out_dir = self._settings().output_folder() or in_dir / OUTPUT_SUB_FOLDER

        def describe(choice: Choice, out: Path, watched: Path | None) -> tuple[str, bool]:
            problem = watch.check(watched or Path(), out, choice)
            if problem:
                return problem, False
            estimate = self.batch.estimate(1) if self.batch is not None else None
            cost = estimate.describe(1) if estimate is not None else ""
            return _("New photos in {watched} are retouched into {folder}.").format(
                watched=watched, folder=out
            ) + "\n" + cost, True

        def start(choice: Choice, out: Path, watched: Path | None) -> str | None:
            return watch.start(watched or Path(), out, choice)

        dialog = BatchDialog(self.choices(), out_dir, describe, start, self.window, watch_dir=in_dir)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.rejected.connect(lambda: self.watch_action.setChecked(watch.state != OFF))
        self.dialog = dialog
        dialog.open()
        return True

    def _on_watch_state(self, state: str, words: str) -> None:
        self.watch_action.setChecked(state != OFF)
        self.watch_label.setText(words)
        self.watch_label.setToolTip(words)
        self.watch_label.setStyleSheet("color: #d9a13b; font-weight: bold;" if state == PAUSED else "")
        self.watch_label.setVisible(state != OFF)
        if state == PAUSED:
            self._say(words, 20000)
        self._show_strip_when_watching()

    def _show_strip_when_watching(self) -> None:
        if self.watch is not None and self.watch.state != OFF and self.session.photos:
            self.filmstrip.show()  # (even for one photo: its badge is the watch's result)


def ask_quit_busy(parent: QWidget, busy: str) -> bool:
    """Quit while the batch or the watch works: True to quit anyway."""
    box = QMessageBox(parent)
    box.setObjectName("batch-running")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(_("Quit"))
    box.setText(_("Still being retouched: {what}.").format(what=busy))
    box.setInformativeText(
        _(
            "Quit anyway? Photos already sent are finished at the next start (nothing is paid twice); the "
            "others are not sent. Their results so far are in the output folder."
        )
    )
    quit_button = box.addButton(_("Quit"), QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is quit_button


__all__ = ["ShootActions", "ask_quit_busy"]
