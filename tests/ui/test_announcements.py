"""Screen readers hear what changes away from the focus: the banner's verdict (a blocked photo at once), a
run's progress by quarters and its end, an error (at once) — each once, as a Qt accessibility announcement."""

from __future__ import annotations

from portrait_studio.ui.style.accessibility import announcer
from tests import photos
from tests.ui.windows import make_window


def test_the_banner_and_a_run_are_announced_once_each(qtbot, tmp_path, ui_backend, portrait_file):
    said: list[tuple[str, bool]] = []
    announcer().announced.connect(lambda text, assertive: said.append((text, assertive)))
    w = make_window(qtbot, ui_backend)
    with qtbot.waitSignal(w.photo_analysed, timeout=30_000):
        w.open_paths([portrait_file])
    qtbot.waitUntil(lambda: any("ready to retouch" in t for t, _a in said), timeout=10_000)
    verdict = [s for s in said if "ready to retouch" in s[0]]
    assert verdict == [("1 face found — ready to retouch", False)]  # polite, and once
    w.banner._follow()  # nothing changed: nothing is said again
    assert len([s for s in said if "ready to retouch" in s[0]]) == 1

    before = len(said)
    with qtbot.waitSignal(w.run_finished, timeout=120_000):
        assert w.run_current()
    run = [t for t, _a in said[before:]]
    assert run and run[-1] == w.run_panel.status.text()  # the end (result and cost) is said last
    assert len(run) <= 7  # start, at most one per quarter, the end: not every progress figure

    none = photos.save(photos.coffee(), tmp_path / "cup.jpg", quality=90)  # no face: the model would refuse
    with qtbot.waitSignal(w.photo_analysed, timeout=30_000):
        w.open_paths([none])
    qtbot.waitUntil(lambda: any(a for _t, a in said), timeout=10_000)
    blocked = [t for t, a in said if a]
    assert blocked and "face" in blocked[0].lower()  # "No face found…", said at once
