"""Live preview: slider change → new preview painted in the window, 24 MP photo (goal ≤ 150 ms median).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/preview.py [changes]

Drives the real MainWindow: opens a 6000×4000 JPEG, moves the skin slider one 0.1 step at a time and times
each change until the compare view has painted the new preview. Baseline, measured in the same run: the naive
preview that analyses the photo again on every change (PreviewRenderer built + rendered per change).
"""

from __future__ import annotations

import sys
import time

from _ui_common import isolated_data_dir, median, portrait_24mp, spin

GOAL_MS = 150.0


def window_changes(photo, changes: int) -> tuple[float, list[float]]:
    """(ms to first screen view, [ms per slider change until painted])."""
    from PySide6.QtCore import QEvent, QObject

    from portrait_studio.core.settings import Settings
    from portrait_studio.ui.app import make_app
    from portrait_studio.ui.window.main_window import MainWindow

    app = make_app()
    w = MainWindow(Settings())
    w.resize(1440, 900)
    w.show()
    spin(app, lambda: w.isVisible())
    t0 = time.perf_counter()
    w.open_paths([photo])
    spin(app, lambda: w.compare.before is not None)
    first_view = (time.perf_counter() - t0) * 1000
    spin(app, lambda: w.compare.after is not None and not w.preview.is_busy())

    painted: dict[str, object] = {"image": None}

    class PaintWatch(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                painted["image"] = w.compare.after
            return False

    watch = PaintWatch()
    w.compare.installEventFilter(watch)
    times = []
    slider = w.controls.sliders["skin"]
    for i in range(changes):
        old = w.compare.after
        painted["image"] = None
        start = time.perf_counter()
        slider.setValue((slider.value() + 1) % 11 if i % 2 == 0 else (slider.value() + 10) % 11)
        spin(app, lambda o=old: w.compare.after is not o and painted["image"] is w.compare.after)
        times.append((time.perf_counter() - start) * 1000)
    w.close()
    return first_view, times


def naive_changes(photo, changes: int) -> list[float]:
    """ms per change when every change re-analyses the photo (no analyse-once renderer)."""
    from portrait_studio.core.params import EditParams
    from portrait_studio.engine import PreviewRenderer
    from portrait_studio.ui.jobs.imaging import PREVIEW_MAX, decode_screen, downscale

    rgb = downscale(decode_screen(photo)[0], PREVIEW_MAX)
    times = []
    for i in range(changes):
        start = time.perf_counter()
        PreviewRenderer(rgb).render(EditParams(skin=(i % 10) / 10))
        times.append((time.perf_counter() - start) * 1000)
    return times


def main(argv: list[str]) -> int:
    changes = int(argv[1]) if len(argv) > 1 else 20
    from portrait_studio.core.memory import give_back_large_blocks

    give_back_large_blocks()  # as the app's entry point does
    root = isolated_data_dir()
    photo = portrait_24mp(root)
    first_view, live = window_changes(photo, changes)
    naive = naive_changes(photo, max(3, changes // 4))
    live_ms, naive_ms = median(live), median(naive)
    p90 = sorted(live)[int(0.9 * (len(live) - 1))]
    verdict = "meets" if live_ms <= GOAL_MS else "MISSES"
    print(f"24 MP photo: first screen view {first_view:.0f} ms after open (draft decode)")
    print(
        f"slider change → painted preview: median {live_ms:.0f} ms, p90 {p90:.0f} ms, max {max(live):.0f} ms"
    )
    print(f"baseline (re-analyse on every change): median {naive_ms:.0f} ms")
    print(
        f"| preview.py | {live_ms:.0f} ms median (p90 {p90:.0f}) | baseline {naive_ms:.0f} ms | "
        f"ratio {live_ms / naive_ms:.2f}× | goal ≤ {GOAL_MS:.0f} ms: {verdict} |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
