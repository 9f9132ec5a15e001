"""Group photos in the window: "Retouch each face (N tasks, estimate $x)", face boxes as toggles, keys.

When the current photo has several faces, the bar under the pre-flight banner offers to retouch each face as
its own task (api.group). Turned on, the face boxes on the photo become toggles (all on, tiny background
faces off and marked "tiny"): a click on a box turns that face on or off, and with the image focused keys 1–9
toggle face N, A turns every face on. Shift+click (Alt+1–9 with the image focused) selects a face: the
sliders then set that face's own strengths (the bar's "Use the photo's settings" returns it to the
photo's); Shift+click again, or another photo, ends the selection. Run then sends one task per chosen face
and merges them into the full photo (`RunJob.faces`, `RunJob.face_params`). A face that cannot be sent
alone is drawn crossed out, with its reason as the bar's tooltip, and cannot be turned on.

The plan (faces numbered on the full-size photo, each face's isolated upload) and the estimate (one
precharge per face, cloud only) are made on the io thread (`api.group.estimate_group`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from portrait_studio.core.i18n import _, ngettext
from portrait_studio.core.params import EditParams
from portrait_studio.core.settings import Settings
from portrait_studio.ui import text
from portrait_studio.ui.model.session import Session
from portrait_studio.ui.panels.compare_view import CompareView
from portrait_studio.ui.threads.runner import BackgroundRunner

if TYPE_CHECKING:
    from portrait_studio.ui.panels.controls import ControlsPanel

CLICK_SLOP = 4.0  # px: a press and release closer than this is a click on a box, not a pan
ON, OFF, ALONE = QColor(110, 220, 140), QColor(170, 170, 170), QColor(240, 130, 120)
SELECTED = QColor(250, 210, 90)
STRENGTHS = ("gpen", "skin", "skin_unifi")  # what a face may have of its own (the rest is the photo's)


@dataclass
class FaceBox:
    """A face as the window shows it: number, box in the display copy's pixels, tiny, why not sendable."""

    number: int
    box: tuple[float, float, float, float]
    tiny: bool
    refused: str | None = None  # the reason it cannot be sent alone


@dataclass
class GroupChoice:
    """One photo's face-by-face state: on or not, its faces, the chosen numbers, the prices."""

    faces: list[FaceBox] = field(default_factory=list)
    chosen: set[int] = field(default_factory=set)
    on: bool = False
    ready: bool = False  # the plan (and the estimate) came back
    per_face: dict[int, Decimal | None] = field(default_factory=dict)
    cloud: bool = False
    selected: int | None = None  # the face the sliders set, when one is selected
    strengths: dict[int, dict[str, float]] = field(default_factory=dict)  # faces with their own strengths

    def params_of(self, number: int, photo: EditParams) -> EditParams:
        """Face `number`'s parameters: the photo's, with its own strengths if it has them."""
        return photo.replace(**self.strengths.get(number, {}))

    @property
    def tasks(self) -> int:
        """How many tasks a Run sends."""
        return len(self.chosen)

    @property
    def estimate(self) -> Decimal | None:
        """The sum of the chosen faces' precharges (None: local, free, or not known)."""
        prices = [self.per_face.get(n) for n in self.chosen]
        known = [p for p in prices if p is not None]
        return sum(known, Decimal(0)) if known else None


def banner_text(choice: GroupChoice) -> str:
    """ "Retouch each face (3 tasks, estimate $1.20)" — or "free" on the local engine."""
    n = choice.tasks
    if not choice.ready:
        return _("Retouch each face (looking at the faces…)")
    if not choice.cloud:
        return ngettext(
            "Retouch each face ({n} task, estimate $0 — local engine)",
            "Retouch each face ({n} tasks, estimate $0 — local engine)",
            n,
        ).format(n=n)
    est = choice.estimate
    if est is None:
        return ngettext("Retouch each face ({n} task)", "Retouch each face ({n} tasks)", n).format(n=n)
    return ngettext(
        "Retouch each face ({n} task, estimate {cost})", "Retouch each face ({n} tasks, estimate {cost})", n
    ).format(n=n, cost=text.money(est))


def face_tag(face: FaceBox, *, on: bool, own: bool) -> str:
    """The tag over a face box: "2", "2 own", "3 tiny off"."""
    words = [str(face.number)]
    if own:
        words.append(_("own"))  # its own strengths
    if face.tiny:
        words.append(_("tiny"))
    if not on:
        words.append(_("off"))
    return " ".join(words)


class FacesBar(QFrame):
    """The line under the pre-flight banner: the offer, and the button that turns face-by-face on or off."""

    toggled = Signal(bool)
    reset = Signal()  # "Use the photo's settings" for the selected face

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("faces-bar")
        self.setStyleSheet(
            "#faces-bar { background: #1f2c36; border-bottom: 1px solid #6fb7e0; }"
            "#faces-bar QLabel { color: #9fd3f0; }"
        )
        h = QHBoxLayout(self)
        h.setContentsMargins(12, 4, 12, 4)
        self.label = QLabel(self)
        self.label.setObjectName("faces-text")
        self.hint = QLabel(self)
        self.hint.setObjectName("fix")
        for label in (self.label, self.hint):
            label.setWordWrap(True)  # a narrow window wraps the line instead of growing
        self.button = QPushButton(_("Retouch each face"), self)
        self.button.setObjectName("each-face-button")
        self.button.setCheckable(True)
        self.button.toggled.connect(self.toggled.emit)
        self.reset_button = QPushButton(_("Use the photo's settings"), self)
        self.reset_button.setObjectName("face-reset-button")
        self.reset_button.clicked.connect(self.reset.emit)
        h.addWidget(self.label, 2)
        h.addWidget(self.hint, 3)
        h.addWidget(self.reset_button, 0)
        h.addWidget(self.button, 0)
        self.hide()

    def show_choice(self, choice: GroupChoice | None) -> None:
        """Draw a photo's state (None: one face, nothing to offer)."""
        if choice is None or len(choice.faces) < 2:
            self.hide()
            return
        self.label.setText(banner_text(choice))
        if choice.on and choice.selected is not None:
            hint = (
                _("Face {n} selected: the sliders set its strengths (now its own strengths).")
                if choice.selected in choice.strengths
                else _("Face {n} selected: the sliders set its strengths (now the photo's strengths).")
            ).format(n=choice.selected)
        elif choice.on:
            hint = _(
                "Click a face (or press its number) to leave it out; A takes every face; Shift+click one "
                "to give it its own strengths."
            )
        else:
            hint = _("One task per face, merged into the full photo.")
        self.hint.setText(hint)
        self.reset_button.setVisible(choice.on and choice.selected in choice.strengths)
        refused = [_("face {n}: {why}").format(n=f.number, why=f.refused) for f in choice.faces if f.refused]
        self.setToolTip("\n".join(refused))
        self.button.blockSignals(True)
        self.button.setChecked(choice.on)
        self.button.setText(_("Back to one face") if choice.on else _("Retouch each face"))
        self.button.blockSignals(False)
        self.button.setEnabled(choice.ready)
        self.show()


class FaceToggles(QWidget):
    """Drawn over the compare view: each face box on (solid, numbered), off (dashed), tiny or not sendable."""

    def __init__(self, view: CompareView, choice: Callable[[], GroupChoice | None]) -> None:
        super().__init__(view)
        self.setObjectName("face-toggles")
        self.view = view
        self._choice = choice
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.resize(view.size())

    def box_rect(self, box: tuple[float, float, float, float]) -> QRectF:
        """A face box (display pixels) in the view's widget coordinates."""
        x, y, w, h = box
        tl = self.view.image_to_widget(x, y)
        return QRectF(tl, QPointF(tl.x() + w * self.view.scale, tl.y() + h * self.view.scale))

    def paintEvent(self, event: QPaintEvent) -> None:
        choice = self._choice()
        if choice is None or not choice.on or self.view.before is None:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        for face in choice.faces:
            r = self.box_rect(face.box)
            on = face.number in choice.chosen
            colour = ALONE if face.refused else (ON if on else OFF)
            if face.number == choice.selected:
                colour = SELECTED
            pen = QPen(colour, 3.5 if face.number == choice.selected else 2.5 if on else 1.5)
            pen.setStyle(Qt.PenStyle.SolidLine if on else Qt.PenStyle.DashLine)
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(r)
            if face.refused:
                p.drawLine(r.topLeft(), r.bottomRight())
            tag = face_tag(face, on=on, own=face.number in choice.strengths)
            width = QFontMetrics(p.font()).horizontalAdvance(tag) + 12  # (CJK words are wider than Latin)
            label = QRectF(r.left(), r.top() - 20, max(28.0, float(width)), 18)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(0, 0, 0, 160))
            p.drawRoundedRect(label, 3, 3)
            p.setPen(colour)
            p.drawText(label, Qt.AlignmentFlag.AlignCenter, tag)
        p.end()


class FacesController(QObject):
    """Face-by-face for the current photo: plans it, keeps each photo's choice, answers the Run's question."""

    changed = Signal()  # the current photo's choice changed (the bar and the toggles redraw)

    def __init__(
        self,
        session: Session,
        view: CompareView,
        io: BackgroundRunner,
        settings: Callable[[], Settings],
        backend: Callable[[], Any],
        controls: ControlsPanel,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.view = view
        self.io = io
        self._settings = settings
        self._backend = backend
        self.controls = controls  # the ControlsPanel: shows a selected face's strengths (set_params)
        self._choices: dict[Path, GroupChoice] = {}
        self._press: QPointF | None = None
        self.bar = FacesBar()
        self.toggles = FaceToggles(view, self.current)
        self.bar.toggled.connect(self.set_on)
        self.bar.reset.connect(self.reset_face)
        self.changed.connect(self._redraw)
        view.installEventFilter(self)
        session.current_changed.connect(lambda _i: self._new_photo())
        session.photo_changed.connect(lambda i: self._follow() if i == session.current_index else None)

    # ------------------------------------------------------------------ state
    def current(self) -> GroupChoice | None:
        """The current photo's choice, or None when it has fewer than two faces (or is not counted yet)."""
        photo = self.session.current
        return self._choices.get(photo.path) if photo is not None else None

    def group_for(self, photo: Any) -> tuple[tuple[int, ...], dict[int, EditParams]] | None:
        """What Run sends for `photo`: the chosen face numbers and the faces' own parameters (those with
        their own strengths) when face-by-face is on, else None."""
        choice = self._choices.get(photo.path)
        if choice is None or not choice.on or not choice.ready:
            return None
        own = {n: choice.params_of(n, photo.params) for n in choice.strengths if n in choice.chosen}
        return tuple(sorted(choice.chosen)), own

    def set_on(self, on: bool) -> None:
        """Turn face-by-face on or off for the current photo."""
        choice = self.current()
        if choice is not None and choice.ready:
            choice.on = on
            if not on:
                self.select(None)
            self.changed.emit()

    def select(self, number: int | None) -> None:
        """Select a face (its strengths go on the sliders) or none (the photo's go back)."""
        choice, photo = self.current(), self.session.current
        if choice is None or photo is None or choice.selected == number:
            return
        choice.selected = number
        self.controls.set_params(photo.params if number is None else choice.params_of(number, photo.params))
        self.changed.emit()

    def take_params(self, params: EditParams) -> bool:
        """The sliders moved: True when they set the selected face's strengths (not the photo's)."""
        choice, photo = self.current(), self.session.current
        if choice is None or photo is None or not choice.on or choice.selected is None:
            return False
        own = {name: getattr(params, name) for name in STRENGTHS}
        if all(own[name] == getattr(photo.params, name) for name in STRENGTHS):
            choice.strengths.pop(choice.selected, None)
        else:
            choice.strengths[choice.selected] = own
        self.changed.emit()
        return True

    def reset_face(self) -> None:
        """The selected face takes the photo's strengths again."""
        choice, photo = self.current(), self.session.current
        if choice is None or photo is None or choice.selected is None:
            return
        choice.strengths.pop(choice.selected, None)
        self.controls.set_params(photo.params)
        self.changed.emit()

    def toggle(self, number: int) -> bool:
        """Turn face `number` on or off (not a face that cannot be sent alone); True when it changed."""
        choice = self.current()
        if choice is None or not choice.on:
            return False
        face = next((f for f in choice.faces if f.number == number), None)
        if face is None or face.refused:
            return False
        choice.chosen.symmetric_difference_update({number})
        self.changed.emit()
        return True

    def take_all(self) -> None:
        """Every face that can be sent alone, tiny ones too."""
        choice = self.current()
        if choice is not None and choice.on:
            choice.chosen = {f.number for f in choice.faces if not f.refused}
            self.changed.emit()

    # ------------------------------------------------------------------ following the session
    def _new_photo(self) -> None:
        for choice in self._choices.values():  # the window shows the new photo's own params
            choice.selected = None
        self._follow()

    def _follow(self) -> None:
        photo = self.session.current
        if photo is None or photo.face_count is None or photo.face_count < 2 or photo.run_path is not None:
            self._redraw()
            return
        if photo.path not in self._choices:
            self._choices[photo.path] = GroupChoice(cloud=self._settings().backend == "cloud")
            self._plan(photo.path, photo)
        self._redraw()

    def _plan(self, path: Path, photo: Any) -> None:
        from portrait_studio.api.group import estimate_group

        cloud = self._settings().backend == "cloud"
        params, settings = photo.params, self._settings()
        scale = photo.display.shape[1] / photo.source_size[0] if photo.source_size else 1.0

        def work() -> Any:
            backend = self._backend() if cloud else None
            return estimate_group(backend, path, params, every=True, settings=settings)

        def done(found: Any) -> None:
            choice = self._choices.get(path)
            if choice is None:
                return
            refused = {n.number: n.reason for n in found.plan.not_isolated}
            choice.faces = [
                FaceBox(f.number, tuple(v * scale for v in f.box), f.tiny, refused.get(f.number))
                for f in found.plan.faces
            ]
            choice.chosen = {f.number for f in found.plan.faces if not f.tiny and f.number not in refused}
            choice.per_face = dict(found.per_face)
            choice.ready = True
            if path == (self.session.current.path if self.session.current else None):
                self.changed.emit()

        def failed(err: Exception) -> None:
            self._choices.pop(path, None)  # no offer for a photo that cannot be planned; Run says why
            self._redraw()

        self.io.submit(work, done, failed)

    def _redraw(self) -> None:
        self.bar.show_choice(self.current())
        self.toggles.resize(self.view.size())
        self.toggles.update()

    # ------------------------------------------------------------------ mouse and keys on the photo
    def face_at(self, pos: QPointF) -> int | None:
        """The number of the face box under a widget position (the smallest, where boxes overlap)."""
        choice = self.current()
        if choice is None or not choice.on:
            return None
        hits = [f for f in choice.faces if self.toggles.box_rect(f.box).contains(pos)]
        return min(hits, key=lambda f: f.box[2] * f.box[3]).number if hits else None

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.Resize, QEvent.Type.Paint):
            if self.toggles.size() != self.view.size():
                self.toggles.resize(self.view.size())
            self.toggles.update()  # the view zoomed or panned: the boxes follow
            return False
        if kind == QEvent.Type.MouseButtonPress and isinstance(event, QMouseEvent):
            self._press = event.position() if event.button() == Qt.MouseButton.LeftButton else None
        elif kind == QEvent.Type.MouseButtonRelease and isinstance(event, QMouseEvent) and self._press:
            pos, start = event.position(), self._press
            self._press = None
            if (pos - start).manhattanLength() <= CLICK_SLOP and (number := self.face_at(pos)) is not None:
                if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                    choice = self.current()
                    self.select(None if choice is not None and choice.selected == number else number)
                else:
                    self.toggle(number)
        elif kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            return self._key(event)
        return False

    def _key(self, event: QKeyEvent) -> bool:
        choice = self.current()
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if choice is None or not choice.on:
            return False
        key = event.key()
        if modifiers == Qt.KeyboardModifier.AltModifier and Qt.Key.Key_1 <= key <= Qt.Key.Key_9:
            # Alt+N is Shift+click on face N without a mouse (Shift+N is another key on most layouts: "!").
            number = key - Qt.Key.Key_0
            if not any(f.number == number for f in choice.faces):
                return False
            self.select(None if choice.selected == number else number)
            return True
        if modifiers:
            return False
        if Qt.Key.Key_1 <= key <= Qt.Key.Key_9:
            return self.toggle(key - Qt.Key.Key_0)
        if key == Qt.Key.Key_A:
            self.take_all()
            return True
        return False


__all__ = ["FaceBox", "FaceToggles", "FacesBar", "FacesController", "GroupChoice", "banner_text", "face_tag"]
