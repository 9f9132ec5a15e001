"""Settings across a shoot, as in Lightroom: Copy / Paste settings, Sync settings to selected, a preset on a
selection.

    sync = SyncController(session, selected=filmstrip.selected_indexes, set_current=window.set_params)
    sync.copy(); sync.paste()            # Ctrl+Shift+C / Ctrl+Shift+V: the current photo's → the selected
    sync.sync_to_selected()              # the current photo's settings → every other selected photo
    sync.apply_to_selected(params, "Natural")   # a preset applied with several photos selected

The settings are the photo's whole EditParams (strengths, output size, seed, prompt). The current photo is
changed through `set_current` (the window's: the sliders and the live preview follow), the others through
the Session. Photos of the selection that are queued or running keep the settings they were sent with.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Signal

from portrait_studio.core.i18n import N_plural, _, ngettext
from portrait_studio.core.params import EditParams
from portrait_studio.ui import text
from portrait_studio.ui.model.session import Session


class SyncController(QObject):
    """See the module docstring."""

    message = Signal(str, int)  # status bar text, milliseconds
    copied_changed = Signal(bool)  # whether Paste has something to paste

    def __init__(
        self,
        session: Session,
        selected: Callable[[], Sequence[int]],
        set_current: Callable[[EditParams], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self._selected = selected
        self._set_current = set_current
        self.copied: EditParams | None = None

    def copy(self) -> bool:
        """Ctrl+Shift+C: remember the current photo's settings."""
        photo = self.session.current
        if photo is None:
            self.message.emit(_("Open a photo first: its settings are what Copy settings takes."), 6000)
            return False
        self.copied = photo.params
        self.copied_changed.emit(True)
        described = text.describe_params(photo.params)
        self.message.emit(
            _("Copied the settings of {name}: {settings}.").format(name=photo.path.name, settings=described),
            6000,
        )
        return True

    def paste(self) -> int:
        """Ctrl+Shift+V: the copied settings onto every selected photo; returns how many changed."""
        if self.copied is None:
            self.message.emit(_("Nothing to paste yet: copy a photo's settings first (Ctrl+Shift+C)."), 6000)
            return 0
        pasted = N_plural("Pasted the settings onto {n} photo.", "Pasted the settings onto {n} photos.")
        return self._apply(self._selected(), self.copied, pasted)

    def sync_to_selected(self) -> int:
        """The current photo's settings onto the other selected photos; returns how many changed."""
        photo = self.session.current
        others = [i for i in self._selected() if i != self.session.current_index]
        if photo is None or not others:
            self.message.emit(
                _(
                    "Select the photos to sync first (Ctrl- or Shift-click in the filmstrip, Ctrl+A for "
                    "all); the photo shown gives its settings."
                ),
                8000,
            )
            return 0
        synced = N_plural(
            "Synced the settings of {name} to {n} photo.", "Synced the settings of {name} to {n} photos."
        )
        return self._apply(others, photo.params, synced, name=photo.path.name)

    def apply_to_selected(self, params: EditParams, name: str) -> int:
        """A preset applied: onto every selected photo (the current one only when it is the selection)."""
        applied = N_plural("Applied “{name}” to {n} photo.", "Applied “{name}” to {n} photos.")
        return self._apply(self._selected(), params, applied, quiet_single=True, name=name)

    def _apply(
        self,
        indexes: Sequence[int],
        params: EditParams,
        what: tuple[str, str],
        *,
        quiet_single: bool = False,
        name: str = "",
    ) -> int:
        """`what`: the message's singular/plural pair, with {n} (and {name})."""
        busy = [i for i in indexes if self.session.photos[i].running or self.session.photos[i].queued]
        targets = [i for i in dict.fromkeys(indexes) if i not in busy]
        for i in targets:
            if i == self.session.current_index:
                self._set_current(params)  # (the sliders and the live preview follow)
            else:
                self.session.set_params(i, params)
        n = len(targets)
        if n and not (quiet_single and n == 1 and not busy):
            line = ngettext(*what, n).format(n=n, name=name)
            if busy:
                line += _(" {n} being retouched kept theirs.").format(n=len(busy))
            self.message.emit(line, 6000)
        elif busy and not n:
            self.message.emit(
                _("The selected photos are being retouched: they keep the settings they were sent."), 6000
            )
        return n


__all__ = ["SyncController"]
