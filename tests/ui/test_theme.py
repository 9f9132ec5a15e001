from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QPushButton

from portrait_studio.ui.style.theme import (
    ThemeFollower,
    apply_theme,
    current_scheme,
    make_palette,
    resolve_scheme,
)

R = QPalette.ColorRole


@pytest.fixture
def app(qapp: QApplication) -> Iterator[QApplication]:
    """The shared QApplication, with its palette and style restored after the test."""
    palette, style = QPalette(qapp.palette()), qapp.style().name()
    yield qapp
    qapp.setStyle(style)
    qapp.setPalette(palette)


@pytest.mark.parametrize(
    ("theme", "os_scheme", "expected"),
    [
        ("system", Qt.ColorScheme.Light, "light"),
        ("system", Qt.ColorScheme.Dark, "dark"),
        ("system", Qt.ColorScheme.Unknown, "dark"),
        ("light", Qt.ColorScheme.Dark, "light"),
        ("dark", Qt.ColorScheme.Light, "dark"),
    ],
)
def test_resolve_scheme_follows_os_unless_forced(theme, os_scheme, expected):
    assert resolve_scheme(theme, os_scheme) == expected


def test_palettes_are_neutral_grey_and_readable():
    for scheme in ("light", "dark"):
        pal = make_palette(scheme)
        window, text = pal.color(R.Window), pal.color(R.WindowText)
        # neutral: no colour cast in the chrome around a photo
        assert window.red() == window.green() == window.blue()
        assert pal.color(R.Base).red() == pal.color(R.Base).blue()
        # readable: text far from its background (WCAG-style luminance gap)
        assert abs(window.lightnessF() - text.lightnessF()) > 0.6
        disabled = pal.color(QPalette.ColorGroup.Disabled, R.Text)
        assert disabled != pal.color(QPalette.ColorGroup.Active, R.Text)
    assert make_palette("dark").color(R.Window).lightnessF() < 0.3
    assert make_palette("light").color(R.Window).lightnessF() > 0.8


def test_apply_theme_paints_real_widgets(app, qtbot):
    assert apply_theme(app, "light") == "light"
    assert current_scheme(app) == "light"
    assert app.style().name().lower() == "fusion"
    button = QPushButton("Run")
    qtbot.addWidget(button)
    assert button.palette().color(R.Button).lightnessF() > 0.7
    apply_theme(app, "dark")
    assert current_scheme(app) == "dark"
    # existing widgets get the new palette through a posted ApplicationPaletteChange event
    qtbot.waitUntil(lambda: button.palette().color(R.Button).lightnessF() < 0.3, timeout=2000)
    # the pixels change too, not just the palette object
    img = button.grab().toImage()
    assert img.pixelColor(6, img.height() // 2).lightnessF() < 0.4


def test_follower_tracks_os_switch_only_in_system_mode(app, qtbot):
    follower = ThemeFollower(app, "system")
    try:
        hints = app.styleHints()
        # The offscreen platform cannot flip the OS scheme, so emit Qt's own signal as the OS would.
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
        assert current_scheme(app) == "light"
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
        assert current_scheme(app) == "dark"
        assert follower.set_theme("light") == "light"
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
        assert current_scheme(app) == "light"  # forced by Settings: the OS switch is ignored
        assert follower.theme == "light"
    finally:
        follower.setParent(None)
        follower.deleteLater()
        qtbot.wait(1)


def test_qt_binding_keeps_none_and_true_alive(qapp):
    """PySide6 6.12.0 under CPython 3.11 lost a reference to None per void call and to True per signal emit,
    aborting any GUI after a few thousand calls (pyproject.toml excludes it). Guard against a relapse."""
    import sys

    from PySide6.QtCore import QObject, Signal

    class Emitter(QObject):
        fired = Signal(int)

    button, emitter = QPushButton(), Emitter()
    emitter.fired.connect(lambda _n: None)
    before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(100):
        button.setText("x")
        emitter.fired.emit(1)
    after = sys.getrefcount(None), sys.getrefcount(True)
    # (On CPython 3.12+ None and True are immortal, so this can only fail below 3.12, where it matters.)
    assert after[0] >= before[0] - 5 and after[1] >= before[1] - 5, (before, after)
    button.deleteLater()
