"""Light, dark and high-contrast palettes, following the OS colour scheme or forced by Settings.theme."""

from __future__ import annotations

from typing import Literal

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

Scheme = Literal["light", "dark", "high_contrast"]

# Neutral greys (no colour cast) so the chrome does not bias how a photo's colours are judged; photo editors
# (Lightroom, darktable) use mid/dark greys for the same reason. Accent is a desaturated blue.
_DARK = {
    "window": "#2b2b2b",
    "base": "#1f1f1f",
    "alt": "#262626",
    "text": "#dcdcdc",
    "button": "#353535",
    "mid": "#3c3c3c",
    "dark": "#181818",
    "light": "#4a4a4a",
    "disabled": "#7a7a7a",
    "highlight": "#4a7bb7",
    "highlighted_text": "#ffffff",
    "link": "#78a6dc",
    "tooltip": "#3a3a3a",
}
_LIGHT = {
    "window": "#e6e6e6",
    "base": "#f7f7f7",
    "alt": "#eeeeee",
    "text": "#202020",
    "button": "#dadada",
    "mid": "#bdbdbd",
    "dark": "#9e9e9e",
    "light": "#ffffff",
    "disabled": "#8c8c8c",
    "highlight": "#3d6fa8",
    "highlighted_text": "#ffffff",
    "link": "#2f5f95",
    "tooltip": "#fafafa",
}


# For low vision: black and white, a yellow focus/selection (WCAG contrast above 15:1 for text, 12:1 for the
# highlight), white borders so every control's edge shows. The compare view keeps its neutral grey surround
# (ui/panels/compare_view.CANVAS): colour judgement needs it whatever the chrome.
_HIGH_CONTRAST = {
    "window": "#000000",
    "base": "#000000",
    "alt": "#141414",
    "text": "#ffffff",
    "button": "#000000",
    "mid": "#ffffff",
    "dark": "#ffffff",
    "light": "#ffffff",
    "disabled": "#a6a6a6",
    "highlight": "#ffd700",
    "highlighted_text": "#000000",
    "link": "#66ccff",
    "tooltip": "#000000",
}
_SCHEMES = {"dark": _DARK, "light": _LIGHT, "high_contrast": _HIGH_CONTRAST}

# Fusion draws frames, slider handles and check boxes in shades of the window colour (its outline is
# Window.darker(140)): on the high-contrast black they vanish, and its thin focus frame is hard to find.
# The high-contrast theme draws them itself: a white edge on every control, a 3 px yellow edge on the one
# with the keyboard focus (buttons, fields, sliders, check boxes, list and filmstrip items). Seen in
# docs/screenshots/18-high-contrast.png, 21 and 22 (focus on a button, on a filmstrip thumbnail).
HIGH_CONTRAST_SHEET = """
QPushButton, QToolButton { border: 1px solid #ffffff; border-radius: 3px; padding: 3px 10px;
    background: #000000; color: #ffffff; }
QPushButton:checked, QToolButton:checked { background: #ffffff; color: #000000; }
QPushButton:disabled, QToolButton:disabled { border: 1px dashed #a6a6a6; color: #a6a6a6; }
QPushButton#run-button:enabled { background: #ffd700; color: #000000; }
QLineEdit, QComboBox, QAbstractSpinBox, QAbstractItemView, QPlainTextEdit, QTextEdit {
    border: 1px solid #ffffff; }
QComboBox { padding: 1px 6px; }
QCheckBox::indicator, QRadioButton::indicator { width: 14px; height: 14px; border: 2px solid #ffffff;
    background: #000000; }
QCheckBox::indicator:checked, QRadioButton::indicator:checked { background: #ffd700; }
QSlider { border: 3px solid transparent; }
QSlider::groove:horizontal { height: 4px; background: #a6a6a6; }
QSlider::sub-page:horizontal { background: #ffd700; }
QSlider::handle:horizontal { width: 14px; margin: -7px 0; border: 2px solid #000000; border-radius: 8px;
    background: #ffffff; }
QPushButton:focus, QToolButton:focus, QLineEdit:focus, QComboBox:focus, QAbstractSpinBox:focus,
QAbstractItemView:focus, QSlider:focus, QCheckBox:focus, QRadioButton:focus { border: 3px solid #ffd700; }
QAbstractItemView::item:focus { border: 3px solid #ffd700; }
"""


def resolve_scheme(theme: str, os_scheme: Qt.ColorScheme) -> Scheme:
    """The scheme to paint: forced light/dark wins; "system" follows the OS (dark when it does not say)."""
    if theme in _SCHEMES:
        return theme  # type: ignore[return-value]
    if os_scheme == Qt.ColorScheme.Light:
        return "light"
    # Unknown (offscreen, some Linux desktops) → dark: the usual default of photo editors.
    return "dark"


def make_palette(scheme: Scheme) -> QPalette:
    """A complete QPalette for the scheme (all roles set, disabled group greyed)."""
    c = {k: QColor(v) for k, v in _SCHEMES[scheme].items()}
    R = QPalette.ColorRole
    pal = QPalette()
    roles = {
        R.Window: c["window"],
        R.WindowText: c["text"],
        R.Base: c["base"],
        R.AlternateBase: c["alt"],
        R.Text: c["text"],
        R.Button: c["button"],
        R.ButtonText: c["text"],
        R.BrightText: QColor("#ff5555"),
        R.Light: c["light"],
        R.Midlight: c["mid"].lighter(110),
        R.Mid: c["mid"],
        R.Dark: c["dark"],
        R.Shadow: QColor("#000000"),
        R.Highlight: c["highlight"],
        R.HighlightedText: c["highlighted_text"],
        R.Link: c["link"],
        R.LinkVisited: c["link"].darker(115),
        R.ToolTipBase: c["tooltip"],
        R.ToolTipText: c["text"],
        R.PlaceholderText: c["disabled"],
        R.Accent: c["highlight"],
    }
    for role, color in roles.items():
        pal.setColor(role, color)
    G = QPalette.ColorGroup.Disabled
    for role in (R.WindowText, R.Text, R.ButtonText, R.HighlightedText):
        pal.setColor(G, role, c["disabled"])
    pal.setColor(G, R.Highlight, c["disabled"] if scheme == "high_contrast" else c["mid"])
    return pal


def apply_theme(app: QApplication, theme: str = "system", os_scheme: Qt.ColorScheme | None = None) -> Scheme:
    """Paint the whole app with the Fusion style and the chosen palette; returns the scheme applied."""
    if os_scheme is None:
        os_scheme = app.styleHints().colorScheme()
    scheme = resolve_scheme(theme, os_scheme)
    # Fusion draws every widget from the palette on every platform, so both schemes look the same everywhere.
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    app.setPalette(make_palette(scheme))
    sheet = HIGH_CONTRAST_SHEET if scheme == "high_contrast" else ""
    if app.styleSheet() != sheet:  # (setting one re-polishes every widget: only when it changes)
        app.setStyleSheet(sheet)
    app.setProperty("portrait_studio_scheme", scheme)
    return scheme


def current_scheme(app: QApplication) -> Scheme | None:
    """The scheme last applied by apply_theme, or None."""
    value = app.property("portrait_studio_scheme")
    return value if value in _SCHEMES else None


class ThemeFollower(QObject):
    """Keeps the app's palette in step with the OS while Settings.theme is "system"."""

    def __init__(self, app: QApplication, theme: str = "system") -> None:
        super().__init__(app)
        self._app = app
        self._theme = theme
        apply_theme(app, theme)
        # colorSchemeChanged exists since Qt 6.5; it fires when the user flips the OS light/dark switch.
        app.styleHints().colorSchemeChanged.connect(self._on_os_scheme_changed)

    @property
    def theme(self) -> str:
        """The Settings.theme value being followed."""
        return self._theme

    def set_theme(self, theme: str) -> Scheme:
        """Switch to another Settings.theme value and repaint at once."""
        self._theme = theme
        return apply_theme(self._app, theme)

    def _on_os_scheme_changed(self, scheme: Qt.ColorScheme) -> None:
        if self._theme == "system":
            apply_theme(self._app, "system", scheme)


__all__ = [
    "HIGH_CONTRAST_SHEET",
    "Scheme",
    "ThemeFollower",
    "apply_theme",
    "current_scheme",
    "make_palette",
    "resolve_scheme",
]
