"""The presets panel: apply, save current as, rename, delete, import and export named EditParams."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from portrait_studio.core.errors import PortraitStudioError
from portrait_studio.core.i18n import N_, _
from portrait_studio.core.params import EditParams
from portrait_studio.core.presets import Preset, PresetError, PresetStore
from portrait_studio.ui import text as words
from portrait_studio.ui.threads.bridge import Bridge

PRESET_FILTER = N_("Portrait Studio preset (*.json);;All files (*)")
NAME_ROLE = Qt.ItemDataRole.UserRole


class PresetsPanel(QWidget):
    """A list of presets over core.presets.PresetStore, with the actions photographers expect."""

    preset_applied = Signal(str, object)  # name, EditParams
    error = Signal(str)  # plain "message — fix", also shown in the panel

    def __init__(
        self,
        store: PresetStore,
        current_params: Callable[[], EditParams] | None = None,
        parent: QWidget | None = None,
        *,
        current_result_size: Callable[[], str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("presets-panel")
        self.store = store
        self._current_params = current_params
        self._current_result_size = current_result_size or (lambda: "original")  # saved with the preset
        self._presets: dict[str, Preset] = {}
        self._build()
        bridge = Bridge(self.refresh, self)  # store callbacks may come from any thread
        unsubscribe = store.subscribe(bridge.call)
        self.destroyed.connect(lambda *_: unsubscribe())
        # Presets saved by the CLI or another window appear without a restart.
        self._watcher = QFileSystemWatcher([str(store.user_dir)], self)
        self._watcher.directoryChanged.connect(lambda _path: self.refresh())
        self.refresh()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(6, 6, 6, 6)
        self.list = QListWidget()
        self.list.setObjectName("preset-list")
        self.list.setSpacing(1)
        # "activated" = double-click or Enter (or a single click where the desktop is set to single-click).
        self.list.itemActivated.connect(lambda item: self.apply(item.data(NAME_ROLE)))
        self.list.currentItemChanged.connect(self._on_selection)
        root.addWidget(self.list, 1)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setObjectName("preset-details")
        root.addWidget(self.details)
        grid = QGridLayout()
        self.apply_button = self._button(
            _("Apply"), self._on_apply_clicked, _("Apply the selected preset (double-click or Enter)")
        )
        self.save_button = self._button(
            _("Save current as…"), self._on_save_clicked, _("Save the sliders as a preset")
        )
        self.rename_button = self._button(_("Rename…"), self._on_rename_clicked)
        self.delete_button = self._button(_("Delete"), self._on_delete_clicked)
        self.import_button = self._button(_("Import…"), self._on_import_clicked)
        self.export_button = self._button(_("Export…"), self._on_export_clicked)
        buttons = [
            self.apply_button,
            self.save_button,
            self.rename_button,
            self.delete_button,
            self.import_button,
            self.export_button,
        ]
        for i, b in enumerate(buttons):
            grid.addWidget(b, i // 2, i % 2)
        root.addLayout(grid)
        self.save_button.setEnabled(self._current_params is not None)
        self.message = QLabel()
        self.message.setObjectName("preset-message")
        self.message.setWordWrap(True)
        self.message.hide()
        root.addWidget(self.message)
        self.problems_label = QLabel()
        self.problems_label.setObjectName("preset-problems")
        self.problems_label.setWordWrap(True)
        self.problems_label.setStyleSheet("color: #d9a13b;")
        self.problems_label.hide()
        root.addWidget(self.problems_label)

    def _button(self, text: str, slot: Callable[[], None], tip: str = "") -> QPushButton:
        b = QPushButton(text)
        b.clicked.connect(slot)
        if tip:
            b.setToolTip(tip)
        return b

    # ------------------------------------------------------------------ model → view
    @Slot()
    def refresh(self) -> None:
        """Re-read the store and redraw the list, keeping the selection."""
        keep = self.selected_name()
        presets = self.store.list()
        self._presets = {p.name: p for p in presets}  # one disk scan per refresh, not one per click
        self.list.blockSignals(True)
        self.list.clear()
        for p in presets:
            self.list.addItem(self._item(p))
        self.list.blockSignals(False)
        if not (keep and self.select(keep)):
            self._on_selection()
        text = words.describe_problems(self.store.problems)
        self.problems_label.setText(text)
        self.problems_label.setVisible(bool(text))

    def _item(self, p: Preset) -> QListWidgetItem:
        item = QListWidgetItem(_("{name}  ·  built-in").format(name=p.shown_name) if p.builtin else p.name)
        item.setData(NAME_ROLE, p.name)
        item.setToolTip("\n".join(x for x in (p.shown_description, words.describe_params(p.params)) if x))
        return item

    def names(self) -> list[str]:
        """The preset names in the order shown."""
        return [self.list.item(i).data(NAME_ROLE) for i in range(self.list.count())]

    def selected_name(self) -> str | None:
        """The selected preset's name, or None."""
        item = self.list.currentItem()
        return item.data(NAME_ROLE) if item else None

    def select(self, name: str) -> bool:
        """Select a preset by name (case-insensitive); False when it is not listed."""
        for i in range(self.list.count()):
            if self.list.item(i).data(NAME_ROLE).casefold() == name.casefold():
                self.list.setCurrentRow(i)
                return True
        self._on_selection()
        return False

    def _selected_preset(self) -> Preset | None:
        name = self.selected_name()
        return self._presets.get(name) if name is not None else None

    def _on_selection(self, *_args: object) -> None:
        p = self._selected_preset()
        self.apply_button.setEnabled(p is not None)
        self.export_button.setEnabled(p is not None)
        editable = p is not None and not p.builtin
        self.rename_button.setEnabled(editable)
        self.delete_button.setEnabled(editable)
        if p is None:
            self.details.setText(_("Select a preset to see its settings."))
        else:
            lock = _(" Built-in: save a copy to change it.") if p.builtin else ""
            self.details.setText(
                f"<b>{p.shown_name}</b><br>{words.describe_params(p.params)}<br><i>{p.shown_description}{lock}</i>"
            )

    # ------------------------------------------------------------ actions (no dialogs: tests call these)
    def set_params_source(self, current_params: Callable[[], EditParams]) -> None:
        """Give the panel the callable that returns the editor's current EditParams."""
        self._current_params = current_params
        self.save_button.setEnabled(True)

    def apply(self, name: str) -> EditParams | None:
        """Emit preset_applied(name, params) for this preset; returns the params (None on error)."""
        try:
            preset = self.store.get(name)
        except PresetError as err:
            self._fail(err)
            return None
        self._say(_("Applied “{preset}”.").format(preset=preset.shown_name))
        self.preset_applied.emit(preset.name, preset.params)
        return preset.params

    def save_current_as(self, name: str, description: str = "", *, replace: bool = False) -> Preset | None:
        """Save the editor's current params as a user preset; an existing one is replaced only if asked."""
        if self._current_params is None:
            self._fail(PresetError(_("There are no edit settings to save yet."), _("Open a photo first.")))
            return None
        try:
            existing = self._find(name)
            if existing is not None and not existing.builtin and not replace:
                raise PresetError(
                    _("A preset called “{existing}” already exists.").format(existing=existing.name),
                    _("Choose another name."),
                )
            preset = self.store.save(name, self._current_params(), description, self._current_result_size())
        except PortraitStudioError as err:
            self._fail(err)
            return None
        return self._done(preset, _("Saved “{preset}”.").format(preset=preset.name))

    def rename(self, old: str, new: str) -> Preset | None:
        """Rename a user preset (built-ins refuse, with a message)."""
        try:
            preset = self.store.rename(old, new)
        except PortraitStudioError as err:
            self._fail(err)
            return None
        return self._done(preset, _("Renamed “{old}” to “{preset}”.").format(old=old, preset=preset.name))

    def delete(self, name: str) -> bool:
        """Delete a user preset (built-ins refuse, with a message); True when it is gone."""
        try:
            self.store.delete(name)
        except PortraitStudioError as err:
            self._fail(err)
            return False
        self.refresh()
        self._say(_("Deleted “{name}”.").format(name=name))
        return True

    def import_from(self, path: Path | str, name: str | None = None) -> Preset | None:
        """Import a preset file (as written by export); a broken file gives a message, not a crash."""
        try:
            preset = self.store.import_file(Path(path), name=name)
        except PortraitStudioError as err:
            self._fail(err)
            return None
        return self._done(
            preset, _("Imported “{preset}” from {path}.").format(preset=preset.name, path=Path(path).name)
        )

    def export_to(self, name: str, path: Path | str) -> Path | None:
        """Write a preset to a file another Portrait Studio can import."""
        try:
            written = self.store.export(name, Path(path))
        except (PortraitStudioError, OSError) as err:
            self._fail(err)
            return None
        self._say(_("Exported “{name}” to {written}.").format(name=name, written=written))
        return written

    def _find(self, name: str) -> Preset | None:
        try:
            return self.store.get(name)
        except PresetError:
            return None

    def _done(self, preset: Preset, text: str) -> Preset:
        self.refresh()
        self.select(preset.name)
        self._say(text)
        return preset

    def _say(self, text: str, *, problem: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #e06c5a;" if problem else "")
        self.message.show()

    def _fail(self, err: Exception) -> None:
        """Show the error in the panel and emit it."""
        text = (
            str(err)
            if isinstance(err, PortraitStudioError)
            else _("{error} — Check the file and folder.").format(error=err)
        )
        self._say(text, problem=True)
        self.error.emit(text)
        return None

    # ------------------------------------------------------------------ button handlers (dialogs)
    def _on_apply_clicked(self) -> None:
        name = self.selected_name()
        if name:
            self.apply(name)

    def _on_save_clicked(self) -> None:
        name, ok = QInputDialog.getText(self, _("Save preset"), _("Name for the current settings:"))
        if not ok or not name.strip():
            return
        existing = self._find(name)
        replace = False
        if existing is not None and not existing.builtin:
            answer = QMessageBox.question(
                self,
                _("Replace preset"),
                _("Replace the preset “{existing}”?").format(existing=existing.name),
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
            replace = True
        self.save_current_as(name, replace=replace)

    def _on_rename_clicked(self) -> None:
        old = self.selected_name()
        if not old:
            return
        new, ok = QInputDialog.getText(self, _("Rename preset"), _("New name:"), text=old)
        if ok and new.strip() and new != old:
            self.rename(old, new)

    def _on_delete_clicked(self) -> None:
        name = self.selected_name()
        if name and QMessageBox.question(
            self, _("Delete preset"), _("Delete “{name}”?").format(name=name)
        ) == (QMessageBox.StandardButton.Yes):
            self.delete(name)

    def _on_import_clicked(self) -> None:
        path, _chosen = QFileDialog.getOpenFileName(
            self, _("Import preset"), str(Path.home()), _(PRESET_FILTER)
        )
        if path:
            self.import_from(path)

    def _on_export_clicked(self) -> None:
        name = self.selected_name()
        if not name:
            return
        suggested = str(Path.home() / f"{name}.json")
        path, _chosen = QFileDialog.getSaveFileName(self, _("Export preset"), suggested, _(PRESET_FILTER))
        if path:
            self.export_to(name, path)


__all__ = ["NAME_ROLE", "PresetsPanel"]
