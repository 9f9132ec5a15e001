"""The Result size choice: the photographer's own file at its size, or the model's image as it comes back.

    choice = ResultSizeChoice(parent)              # in the Edit panel, the last row of Output size
    ResultSizeBinding(choice, session)             # follows the current photo: its size, request, result
    choice.size_for(photo)                         # "original" | "model" (api.output.SIZES) for a Run

"Original (6000 × 4000)" is the default whenever the original is larger than the model's output; once the
user picks one, that pick holds for every photo (a shoot is usually delivered one way). What the shown result
is (its size and depth, or that it is the model's image and why) is said by the compare view's label, the run
panel's note (a refused merge, in the pipeline's words) and this choice's tooltip.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QComboBox, QWidget

from portrait_studio.core.i18n import N_, _
from portrait_studio.core.params import MODEL_DEFAULT_SIZE, fit_size
from portrait_studio.ui.model.session import AfterPane, Session

if TYPE_CHECKING:
    from portrait_studio.ui.model.session import Photo

ORIGINAL, MODEL = "original", "model"
TIP = N_(
    "Original: the retouch is merged onto your own file at its size, bit depth and colour space (a 16-bit "
    "Adobe RGB TIFF comes back as one). Model output: the model's image as it comes back (sRGB JPEG)."
)
GROUP_TIP = N_(
    "Retouched face by face, a group photo comes back at the original's size: its faces are merged into it."
)


def default_size(original: tuple[int, int] | None, model: tuple[int, int]) -> str:
    """ "original" when the original has more pixels than the model's output, else "model"."""
    if original is None:
        return ORIGINAL
    return ORIGINAL if original[0] * original[1] > model[0] * model[1] else MODEL


class ResultSizeChoice(QComboBox):
    """The drop-down: Original (W × H) / Model output (W × H); its tooltip says what the shown result is."""

    changed = Signal(str)  # the user picked "original" or "model"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("result-size")
        self.chosen: str | None = None  # the user's pick; None: the default for each photo
        self.addItem(_("Original"), ORIGINAL)
        self.addItem(_("Model output"), MODEL)
        self.setToolTip(_(TIP))
        self.activated.connect(self._on_activated)
        self.note = ""  # what the shown result is, or why it is only the model's image
        self.locked = False  # fixed for the whole window (Edit-In: the host re-reads its own file)
        # Whether a photo is retouched face by face (set by the window): its result is then the original's
        # size whatever is chosen, and the choice says so instead of offering what a Run would not give.
        self.in_group: Callable[[Photo], bool] = lambda _photo: False
        self._group = False

    def set_sizes(self, original: tuple[int, int] | None, model: tuple[int, int]) -> None:
        """The current photo's size (None: not known yet) and the model's output size it would get."""
        self.setItemText(
            0,
            _("Original ({width} × {height})").format(width=original[0], height=original[1])
            if original
            else _("Original"),
        )
        self.setItemText(1, _("Model output ({width} × {height})").format(width=model[0], height=model[1]))
        self.setCurrentIndex(self.findData(self.size_of(original, model)))

    def size_of(self, original: tuple[int, int] | None, model: tuple[int, int]) -> str:
        """What a Run of a photo of this size asks for: the user's pick, else the default."""
        return self.chosen or default_size(original, model)

    def size_for(self, photo: Photo) -> str:
        """What a Run (or the batch) of `photo` asks for."""
        if self.in_group(photo):
            return ORIGINAL
        return self.size_of(photo.source_size, model_size(photo))

    def lock(self, size: str) -> None:
        """Fix the choice for this window (it is shown, and cannot be changed)."""
        self.choose(size)
        self.locked = True
        self.setEnabled(False)

    def show_group(self, group: bool) -> None:
        """The current photo is (or is no longer) retouched face by face: Original, fixed, and why."""
        self._group = group
        if group:
            self.setCurrentIndex(self.findData(ORIGINAL))
        self.setEnabled(not (group or self.locked))
        self.set_note(self.note)

    def current(self) -> str:
        """The choice shown ("original" | "model")."""
        return str(self.currentData())

    def choose(self, size: str) -> None:
        """Pick a result size as the user would (it holds for every photo from now on)."""
        self.setCurrentIndex(self.findData(size))
        self._on_activated(self.currentIndex())

    def set_note(self, text: str) -> None:
        """What the shown result is ("" when none is shown): the tooltip's first line."""
        self.note = text
        tip = _(GROUP_TIP) if self._group else _(TIP)
        self.setToolTip(f"{text}\n\n{tip}" if text else tip)

    def _on_activated(self, index: int) -> None:
        self.chosen = str(self.itemData(index))
        self.changed.emit(self.chosen)


def model_size(photo: Photo) -> tuple[int, int]:
    """The model's output size for this photo: its pinned width × height, else the photo's own aspect at the
    largest size the model allows (core.params.fit_size); the model's default edge while it is unknown."""
    params = photo.params
    if params.width is not None and params.height is not None:
        return params.width, params.height
    if photo.source_size is None:
        return MODEL_DEFAULT_SIZE, MODEL_DEFAULT_SIZE
    return fit_size(*photo.source_size)


class ResultSizeBinding(QObject):
    """Keeps a ResultSizeChoice on the session's current photo."""

    def __init__(
        self,
        choice: ResultSizeChoice,
        session: Session,
        on_model_size: Callable[[tuple[int, int] | None], None] | None = None,
    ) -> None:
        super().__init__(choice)
        self.choice = choice
        self.session = session
        self.on_model_size = on_model_size or (lambda _size: None)  # the photo's aspect, for the size boxes
        session.current_changed.connect(lambda _i: self.refresh())
        session.photo_changed.connect(lambda i: self.refresh() if i == session.current_index else None)
        self.refresh()

    def refresh(self) -> None:
        """Show the current photo's sizes and what its result is."""
        photo = self.session.current
        if photo is None:
            self.choice.set_sizes(None, (1328, 1328))
            self.choice.show_group(False)
            self.choice.set_note("")
            self.on_model_size(None)
            return
        self.choice.set_sizes(photo.source_size, model_size(photo))
        self.choice.show_group(self.choice.in_group(photo))
        # What the photo's own aspect gives, whatever the photo is set to now (the boxes show it only then).
        self.on_model_size(fit_size(*photo.source_size) if photo.source_size is not None else None)
        shown = photo.screen.result
        showing = photo.after is AfterPane.RESULT and shown is not None and photo.result_path is not None
        self.choice.set_note(shown.summary() if showing and shown is not None else "")


__all__ = ["MODEL", "ORIGINAL", "ResultSizeBinding", "ResultSizeChoice", "default_size"]
