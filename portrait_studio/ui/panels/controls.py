"""The edit controls: 0.1-step strength sliders, gen_mode picker, prompt, output size and seed.

Every widget reads and writes one `EditParams` (docs/STYLE.md item 2): `set_params` shows a value,
user changes emit `params_changed` with the new, validated `EditParams`.
"""

from __future__ import annotations

import random

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QMouseEvent, QPalette, QRegularExpressionValidator, QWheelEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from portrait_studio.core.i18n import N_, _
from portrait_studio.core.params import (
    ASPECT_PRESETS,
    AUTO,
    DEFAULTS,
    SEED_MAX,
    SIZE_MAX,
    SIZE_MIN,
    STRENGTH_FIELDS,
    STRENGTH_MEANINGS,
    STRENGTH_NAMES,
    EditParams,
    snap_strength,
)
from portrait_studio.ui import text as words
from portrait_studio.ui.panels.result_size import ResultSizeChoice

# The three strengths (docs/PROTOCOL.md) by the one name every view uses (marked N_ in core.params, translated
# where shown), with what each does; the API's name goes in the tooltip.
STRENGTHS = tuple((name, STRENGTH_NAMES[name], STRENGTH_MEANINGS[name]) for name in STRENGTH_FIELDS)
GEN_MODE_CHOICES = (
    (None, N_("Automatic")),
    ("reference", N_("Reference — keep clothing, hair, background")),
    ("reference_char", N_("Character — keep the person, new background")),
    ("creative", N_("Creative — follow the prompt")),
)
# The fixed output shapes (core.params.ASPECT_PRESETS); 1:1 is the seed's 1328 × 1328. The default, the
# photo's own aspect, is the combo's "Photo" entry.
ASPECTS = tuple((name, size[0], size[1]) for name, size in ASPECT_PRESETS.items() if size is not None)


class StrengthSlider(QSlider):
    """A slider that can only hold 0.0, 0.1 … 1.0 (integer tenths); one wheel notch = one step."""

    reset_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setRange(0, 10)
        self.setSingleStep(1)
        self.setPageStep(1)
        self.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.setTickInterval(1)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def strength(self) -> float:
        """The value as the API takes it (exact tenths: 0.3, not 0.30000000000000004)."""
        return self.value() / 10

    def set_strength(self, value: float) -> None:
        """Show `value`, snapped half-up like EditParams (0.25 → 0.3; Python's round() would give 0.2)."""
        self.setValue(round(snap_strength(self.objectName() or "strength", value) * 10))

    def wheelEvent(self, event: QWheelEvent) -> None:
        # Qt scrolls wheelScrollLines() (3) steps per notch by default; a photographer wants one 0.1 step.
        steps = event.angleDelta().y() // 120 or (1 if event.angleDelta().y() > 0 else -1)
        if event.angleDelta().y() == 0:
            event.ignore()
            return
        self.setValue(self.value() + steps)
        event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.reset_requested.emit()
        event.accept()


class ControlsPanel(QWidget):
    """All request parameters of one photo, bound to a single `EditParams`."""

    params_changed = Signal(object)  # EditParams

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("controls")
        self._params = EditParams()
        self._updating = False
        self._photo_size: tuple[int, int] | None = None  # what a size that follows the photo becomes
        self._backend = "local"
        self.sliders: dict[str, StrengthSlider] = {}
        self.value_labels: dict[str, QLabel] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(14)
        layout.addWidget(_section(_("Retouch")))
        layout.addLayout(self._build_sliders())
        layout.addWidget(_section(_("Generation")))
        layout.addLayout(self._build_generation())
        layout.addWidget(_section(_("Output size")))
        size_form = self._build_size()
        layout.addLayout(size_form)
        self.result_size = ResultSizeChoice(self)  # a run option, not a request parameter: not in EditParams
        size_form.addRow(_("Result"), self.result_size)
        layout.addWidget(_section(_("Seed")))
        layout.addLayout(self._build_seed())
        layout.addStretch(1)
        self.set_params(self._params)

    # ------------------------------------------------------------------ building
    def _build_sliders(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        for row, (name, label, tip) in enumerate(STRENGTHS):
            slider = StrengthSlider(self)
            slider.setObjectName(f"slider-{name}")
            meaning = _(tip)
            slider.setToolTip(
                _("{meaning} (API: {name}). 0.0–1.0 in 0.1 steps; double-click resets to {default}.").format(
                    meaning=meaning[:1].upper() + meaning[1:], name=name, default=DEFAULTS[name]
                )
            )
            value = QLabel("0.0", self)
            value.setObjectName("slider-value")
            value.setFont(QFont("monospace"))
            value.setMinimumWidth(28)
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            slider.valueChanged.connect(lambda _v, n=name: self._on_strength(n))
            slider.reset_requested.connect(lambda n=name: self.reset_strength(n))
            caption = QLabel(_(label), self)
            caption.setObjectName(f"caption-{name}")
            caption.setToolTip(slider.toolTip())
            grid.addWidget(caption, row, 0)
            grid.addWidget(slider, row, 1)
            grid.addWidget(value, row, 2)
            self.sliders[name] = slider
            self.value_labels[name] = value
        grid.setColumnStretch(1, 1)
        return grid

    def _build_generation(self) -> QFormLayout:
        form = _form()
        self.gen_mode = QComboBox(self)
        self.gen_mode.setObjectName("gen-mode")
        for value, text in GEN_MODE_CHOICES:
            self.gen_mode.addItem(_(text), value)
        self.gen_mode.currentIndexChanged.connect(self._on_any_change)
        self.prompt = QLineEdit(self)
        self.prompt.setObjectName("prompt")
        self.prompt.setPlaceholderText(_("No prompt: keeps the photo (reference)"))
        self.prompt.setClearButtonEnabled(True)
        self.prompt.textChanged.connect(self._on_any_change)
        form.addRow(_("Mode"), self.gen_mode)
        form.addRow(_("Prompt"), self.prompt)
        self.prompt_hint = QLabel(_("Prompts and creative mode need the cloud backend (Settings)."), self)
        self.prompt_hint.setObjectName("prompt-hint")
        self.prompt_hint.setWordWrap(True)
        self.prompt_hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.prompt_hint.hide()
        form.addRow("", self.prompt_hint)
        return form

    def set_backend(self, kind: str) -> None:
        """local / cloud: on the local engine a prompt or creative mode gets an explanation under the box."""
        self._backend = kind
        self._update_prompt_hint()

    def _update_prompt_hint(self, params: EditParams | None = None) -> None:
        p = params or self._params
        wants_cloud = bool(p.effective_prompt) or p.effective_gen_mode == "creative"
        self.prompt_hint.setVisible(self._backend == "local" and wants_cloud)

    def _build_size(self) -> QFormLayout:
        form = _form()
        self.aspect = QComboBox(self)
        self.aspect.setObjectName("aspect")
        self.aspect.addItem(_("Custom"), None)
        self.aspect.addItem(_("Photo's aspect (up to 2048)"), AUTO)  # the default: the whole frame is sent
        for name, w, h in ASPECTS:
            self.aspect.addItem(f"{name}  ({w}×{h})", f"{w}x{h}")  # str: Qt cannot findData() a tuple
        self.aspect.activated.connect(self._on_aspect)
        self.width_box = _size_box(self, "width")
        self.height_box = _size_box(self, "height")
        self.width_box.valueChanged.connect(self._on_any_change)
        self.height_box.valueChanged.connect(self._on_any_change)
        row = QHBoxLayout()
        row.addWidget(self.width_box)
        row.addWidget(QLabel("×", self))
        row.addWidget(self.height_box)
        form.addRow(_("Preset"), self.aspect)
        form.addRow(_("Size"), row)
        return form

    def _build_seed(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.seed = QLineEdit(self)
        self.seed.setObjectName("seed")
        self.seed.setValidator(QRegularExpressionValidator(r"-1|\d{1,10}", self))
        self.seed.setToolTip(
            _("-1 draws a new seed for every run; 0–{SEED_MAX} repeats a result.").format(SEED_MAX=SEED_MAX)
        )
        self.seed.editingFinished.connect(self._on_any_change)
        self.seed_lock = QCheckBox(_("Lock"), self)
        self.seed_lock.setObjectName("seed-lock")
        self.seed_lock.setToolTip(
            _("Keep this seed for every run (same seed + same settings → same result).")
        )
        self.new_seed = QPushButton(_("New seed"), self)
        self.new_seed.setObjectName("new-seed")
        self.new_seed.clicked.connect(self.draw_new_seed)
        row.addWidget(self.seed, 1)
        row.addWidget(self.seed_lock)
        row.addWidget(self.new_seed)
        return row

    # ------------------------------------------------------------------ model ↔ view
    def params(self) -> EditParams:
        """The current parameters."""
        return self._params

    def set_params(self, params: EditParams) -> None:
        """Show `params` without emitting `params_changed`."""
        self._params = params
        self._updating = True
        try:
            for name, slider in self.sliders.items():
                slider.set_strength(getattr(params, name))
                self.value_labels[name].setText(f"{getattr(params, name):.1f}")
            self.gen_mode.setCurrentIndex(max(0, self.gen_mode.findData(params.gen_mode)))
            if self.prompt.text() != (params.prompt or ""):
                self.prompt.setText(params.prompt or "")
            if params.width is not None and params.height is not None:
                self.width_box.setValue(params.width)
                self.height_box.setValue(params.height)
            self.seed.setText(str(params.seed))
            self._sync_aspect()
            self._update_auto_label()
            self._update_prompt_hint()
        finally:
            self._updating = False

    def reset_strength(self, name: str) -> None:
        """Put one slider back to the seed document's default."""
        self.sliders[name].set_strength(DEFAULTS[name])

    def draw_new_seed(self) -> None:
        """Pick a fresh random seed and show it (it is used until changed)."""
        self.seed.setText(str(random.randint(0, SEED_MAX)))
        self._on_any_change()

    def params_for_run(self) -> EditParams:
        """The params a Run sends: a -1 seed is drawn here so the sidecar records a seed that repeats it.

        With the lock on, the drawn seed is written back to the field and kept for the following runs. Not for
        the local engine: it is deterministic, so a drawn seed repeats nothing, and the engine would note on
        every run that the seed does not change its result.
        """
        if self._params.seed != -1 or self._backend == "local":
            return self._params
        params = self._params.replace(seed=random.randint(0, SEED_MAX))
        if self.seed_lock.isChecked():
            self.set_params(params)
        return params

    # ------------------------------------------------------------------ reactions
    def _on_strength(self, name: str) -> None:
        self.value_labels[name].setText(f"{self.sliders[name].strength():.1f}")
        self._on_any_change()

    def _on_aspect(self, index: int) -> None:
        size = self.aspect.itemData(index)
        if size == AUTO:
            self._on_any_change()
        elif size:
            w, h = (int(v) for v in size.split("x"))
            self._updating = True
            self.width_box.setValue(w)
            self.height_box.setValue(h)
            self._updating = False
            self._on_any_change()

    def _on_any_change(self, *_args: object) -> None:
        if self._updating:
            return
        seed_text = self.seed.text().strip()
        params = self._params.replace(
            **{name: s.strength() for name, s in self.sliders.items()},
            gen_mode=self.gen_mode.currentData(),
            prompt=self.prompt.text() or None,
            # The photo's aspect: the size is pinned per photo as it is sent (EditParams.for_photo).
            width=None if self.aspect.currentData() == AUTO else self.width_box.value(),
            height=None if self.aspect.currentData() == AUTO else self.height_box.value(),
            seed=int(seed_text) if seed_text not in ("", "-") and int(seed_text) <= SEED_MAX else -1,
        )
        self._update_auto_label(params)
        self._update_prompt_hint(params)
        self._sync_aspect(params)
        if params != self._params:
            self._params = params
            self.params_changed.emit(params)

    def _update_auto_label(self, params: EditParams | None = None) -> None:
        p = params or self._params
        auto = EditParams(prompt=p.prompt).effective_gen_mode
        why = _("prompt given") if p.effective_prompt else _("no prompt")
        self.gen_mode.setItemText(
            0, _("Automatic — {auto} ({why})").format(auto=words.gen_mode_name(auto), why=why)
        )

    def show_photo_size(self, size: tuple[int, int] | None) -> None:
        """The size the shown photo is sent at while the size follows it: the disabled boxes show it (they
        showed the last fixed size, 512 × 512, above a Result row naming another)."""
        self._photo_size = size
        self._sync_aspect()

    def _sync_aspect(self, params: EditParams | None = None) -> None:
        p = params or self._params
        index = self.aspect.findData(AUTO if p.follows_photo else f"{p.width}x{p.height}")
        self.aspect.setCurrentIndex(max(0, index))
        for box in (self.width_box, self.height_box):
            box.setEnabled(not p.follows_photo)
        if p.follows_photo and self._photo_size is not None:
            was, self._updating = self._updating, True  # shown only: the request's size stays the photo's
            self.width_box.setValue(self._photo_size[0])
            self.height_box.setValue(self._photo_size[1])
            self._updating = was


def _section(text: str) -> QLabel:
    """A quiet small-caps heading (the hierarchy of a develop module: headings recede, values stand out)."""
    label = QLabel(text.upper())
    label.setObjectName("section")
    font = label.font()
    font.setPointSizeF(max(7.0, font.pointSizeF() * 0.8))
    font.setBold(True)
    font.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, 1.0)
    label.setFont(font)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    label.setContentsMargins(0, 6, 0, 0)
    return label


def _form() -> QFormLayout:
    form = QFormLayout()
    form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return form


def _size_box(parent: QWidget, name: str) -> QSpinBox:
    box = QSpinBox(parent)
    box.setObjectName(name)
    box.setRange(SIZE_MIN, SIZE_MAX)
    box.setSingleStep(16)
    box.setSuffix(" px")
    box.setAccelerated(True)
    box.setToolTip(
        _("Output {name}: {SIZE_MIN}–{SIZE_MAX} pixels.").format(
            name=name, SIZE_MIN=SIZE_MIN, SIZE_MAX=SIZE_MAX
        )
    )
    return box


__all__ = ["ASPECTS", "GEN_MODE_CHOICES", "ControlsPanel", "StrengthSlider"]
