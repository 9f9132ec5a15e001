"""Issue 18 item 10: History ▸ Compare names what is compared as the list does ("Original", "v1", "v2")."""

from __future__ import annotations

from tests.ui.windows import make_window


def test_compare_labels_name_the_versions_compared(qtbot, portrait_file, ui_backend):
    w = make_window(qtbot, ui_backend)
    seen: list[int] = []
    w.photo_analysed.connect(seen.append)
    w.open_paths([portrait_file])
    qtbot.waitUntil(lambda: bool(seen) and w.history_panel is not None, timeout=60_000)
    for value in (5, 9):
        w.controls.sliders["gpen"].setValue(value)
        with qtbot.waitSignal(w.run_finished, timeout=120_000):
            assert w.run_current()
    panel = w.history_panel
    panel.refresh()
    qtbot.waitUntil(lambda: len(panel._order) == 2, timeout=10_000)
    v1, v2 = panel._order
    panel.select(v1)
    assert panel.compare_selected()  # one version: with the original
    qtbot.waitUntil(lambda: w.compare.after_label == "v1", timeout=10_000)
    assert w.compare.before_label == "Original"  # not "Before" / "NEWER VERSION" for v1
    panel.select(v1, v2)
    assert panel.compare_selected()
    qtbot.waitUntil(lambda: w.compare.after_label == "v2", timeout=10_000)
    assert w.compare.before_label == "v1"
    w.controls.sliders["gpen"].setValue(3)  # back to the live preview: the plain labels again
    qtbot.waitUntil(lambda: w.compare.before_label == "Before", timeout=10_000)


def test_the_original_line_is_as_tall_as_the_versions_and_make_current_says_what_it_does(
    qtbot, portrait_file, ui_backend
):
    w = make_window(qtbot, ui_backend)
    seen: list[int] = []
    w.photo_analysed.connect(seen.append)
    w.open_paths([portrait_file])
    qtbot.waitUntil(lambda: bool(seen) and w.history_panel is not None, timeout=60_000)
    for value in (5, 9):
        w.controls.sliders["gpen"].setValue(value)
        with qtbot.waitSignal(w.run_finished, timeout=120_000):
            assert w.run_current()
    w.docks["history"].show()
    panel = w.history_panel
    panel.refresh()
    qtbot.waitUntil(lambda: len(panel._order) == 2, timeout=10_000)
    tree = panel.tree
    heights = {tree.visualItemRect(tree.topLevelItem(i)).height() for i in range(tree.topLevelItemCount())}
    text_height = tree.fontMetrics().height()
    # Original, v1 and the bold current v2 alike, with room around the text (they were drawn 1 px apart)
    assert len(heights) == 1 and min(heights) >= text_height + 4, (heights, text_height)
    v1, v2 = panel._order
    button = panel.restore_button
    panel.select(v1)
    assert button.isEnabled() and button.text() == "Make v1 current"
    panel.select(v2)
    assert not button.isEnabled() and "already the current version" in button.toolTip()
    from portrait_studio.ui.panels.history_panel import ORIGINAL

    panel.select(ORIGINAL)
    assert not button.isEnabled() and "original is always kept" in button.toolTip()
    panel.select(v1)
    with qtbot.waitSignal(panel.version_restored, timeout=10_000):
        button.click()
    assert panel.current_id() == v1
    panel.select(v1)
    assert not button.isEnabled()
