"""Issue 18 item 6: the Edit panel keeps every control visible at 1280×720 after each panel is opened and
closed, and with a long error under Run (the controls are not squeezed into a scroll area, nor clipped by a
scroll bar); opening a panel never makes the window grow past the screen it was sized for."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QSpinBox

from tests.ui.windows import make_window

LONG_ERROR = (
    "The service failed while generating: internal generation error (RuntimeError) on /very/long/path/to/"
    "a/card/DCIM/100CANON/IMG_0001.jpg after 3 attempts, the last one with a timeout after 120 s. " * 4
)


def visible_in(w, widget) -> bool:
    viewport = w.edit_scroll.viewport()
    top_left = widget.mapTo(viewport, QPoint(0, 0))
    in_viewport = viewport.rect().contains(QRect(top_left, widget.size()))
    in_window = w.rect().contains(QRect(widget.mapTo(w, QPoint(0, 0)), widget.size()))
    return widget.isVisible() and widget.height() > 0 and in_viewport and in_window


def hidden_controls(w) -> list[str]:
    controls = [*w.controls.sliders.values(), *w.controls.value_labels.values()]
    sizes = w.controls.findChildren(QSpinBox)
    assert sizes, "no output-size controls found"
    return [c.objectName() or repr(c) for c in [*controls, *sizes] if not visible_in(w, c)]


def test_every_edit_control_stays_visible_at_1280x720_after_each_panel_opens_and_closes(qtbot, portrait_file):
    w = make_window(qtbot)
    w.resize(1280, 720)
    seen: list[int] = []
    w.photo_analysed.connect(seen.append)
    w.open_paths([portrait_file])
    qtbot.waitUntil(lambda: bool(seen) and {"history", "batch", "presets"} <= set(w.docks), timeout=60_000)
    qtbot.wait(100)
    assert not hidden_controls(w), "at start"
    edit_height = w.edit_scroll.height()
    for name, dock in w.docks.items():
        was_visible = dock.isVisible()
        for state in ("opened", "closed"):
            dock.setVisible(state == "opened")
            qtbot.wait(100)
            assert w.height() <= 720, f"{name} {state}: the window grew to {w.height()} px"
            hidden = hidden_controls(w)
            assert not hidden, f"{name} {state}: hidden {hidden}"
            assert not w.edit_scroll.horizontalScrollBar().isVisible(), f"{name} {state}: sideways scroll bar"
        dock.setVisible(was_visible)
        qtbot.wait(50)
        assert w.edit_scroll.height() >= edit_height, f"{name}: the Edit panel stayed squeezed"

    w.run_panel.show_error(LONG_ERROR, "Run the edit again; you are not charged for failed tasks.")
    qtbot.wait(100)
    assert w.height() <= 720, f"a long error made the window grow to {w.height()} px"
    assert not hidden_controls(w), "a long error pushed controls out of view"
