"""Issue 18 item 6: the Edit panel keeps every control visible at 1280×720 and after History is opened and
closed (the controls are not squeezed into a scroll area, nor clipped by a scroll bar)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect

from tests.ui.windows import make_window


def visible_in(w, widget) -> bool:
    viewport = w.edit_scroll.viewport()
    top_left = widget.mapTo(viewport, QPoint(0, 0))
    in_viewport = viewport.rect().contains(QRect(top_left, widget.size()))
    in_window = w.rect().contains(QRect(widget.mapTo(w, QPoint(0, 0)), widget.size()))
    return widget.isVisible() and widget.height() > 0 and in_viewport and in_window


def test_every_edit_control_stays_visible_at_1280x720_after_history_opens_and_closes(qtbot, portrait_file):
    w = make_window(qtbot)
    w.resize(1280, 720)
    seen: list[int] = []
    w.photo_analysed.connect(seen.append)
    w.open_paths([portrait_file])
    qtbot.waitUntil(lambda: bool(seen) and "history" in w.docks, timeout=60_000)
    controls = [*w.controls.sliders.values(), *w.controls.findChildren(type(w.controls.sliders["gpen"]))]
    from PySide6.QtWidgets import QSpinBox

    sizes = w.controls.findChildren(QSpinBox)
    assert sizes, "no output-size controls found"
    history = w.docks["history"]
    for state in ("start", "history open", "history closed"):
        if state == "history open":
            history.show()
        elif state == "history closed":
            history.hide()
        qtbot.wait(100)
        hidden = [c.objectName() or repr(c) for c in [*controls, *sizes] if not visible_in(w, c)]
        assert not hidden, f"{state}: hidden {hidden}"
        assert not w.edit_scroll.horizontalScrollBar().isVisible()
