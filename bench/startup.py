"""Cold start to first painted frame: Portrait Studio vs a bare PySide6 window (goal ≤ 2× the bare window).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/startup.py [rounds]

Each start is a fresh interpreter (`python -c`), timed from just before the process is spawned to the first
Paint event of the top-level window, reported by the child on stdout. Rounds alternate bare/app so both see
the same machine load; the figure is the ratio of the medians.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL = 2.0

# Both children end the same way: on the window's first Paint they print the wall clock and quit.
_FIRST_PAINT = """
import time
from PySide6.QtCore import QEvent, QObject, QTimer
class _FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and obj is WINDOW:
            print(f"PAINTED {time.time():.6f}", flush=True)
            QTimer.singleShot(0, APP.quit)
        return False
_watch = _FirstPaint()
WINDOW.installEventFilter(_watch)
"""

BARE = (
    """
import sys
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
APP = QApplication(sys.argv)
WINDOW = QMainWindow()
WINDOW.setCentralWidget(QLabel("hello"))
WINDOW.resize(1440, 900)
"""
    + _FIRST_PAINT
    + """
WINDOW.show()
APP.exec()
"""
)

# What `portrait-studio` does (ui/app.py run_gui), with the first-paint probe added before show().
APP = (
    """
import sys
from portrait_studio.ui.app import make_app
APP = make_app([])
from portrait_studio.core.settings import load_settings
from portrait_studio.ui.window.main_window import MainWindow
from portrait_studio.ui.style.theme import ThemeFollower
settings = load_settings()
ThemeFollower(APP, settings.theme)
WINDOW = MainWindow(settings)
WINDOW.resize(1440, 900)
"""
    + _FIRST_PAINT
    + """
WINDOW.show()
APP.exec()
WINDOW.close()
"""
)


def start(code: str, env: dict[str, str]) -> float:
    """Seconds from spawn to the first painted frame."""
    t0 = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    for line in out.stdout.splitlines():
        if line.startswith("PAINTED "):
            return float(line.split()[1]) - t0
    raise RuntimeError(f"no first paint reported:\n{out.stdout}\n{out.stderr[-2000:]}")


def main(argv: list[str]) -> int:
    rounds = int(argv[1]) if len(argv) > 1 else 7
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    # An installed app starts from compiled bytecode (pip compiles at install); the Makefile's
    # PYTHONDONTWRITEBYTECODE would make every start recompile our edited modules, a dev-only cost.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PORTRAIT_STUDIO_DATA_DIR"] = tempfile.mkdtemp(prefix="ps-bench-startup-")
    start(BARE, env), start(APP, env)  # warm the OS file cache once; "cold" here means a new interpreter
    bare, app = [], []
    for _ in range(rounds):
        bare.append(start(BARE, env))
        app.append(start(APP, env))
    b, a = statistics.median(bare), statistics.median(app)
    ratio = a / b
    verdict = "meets" if ratio <= GOAL else "MISSES"
    print(f"bare PySide6 window: median {b * 1000:.0f} ms (min {min(bare) * 1000:.0f}) over {rounds} starts")
    print(f"Portrait Studio:     median {a * 1000:.0f} ms (min {min(app) * 1000:.0f}) over {rounds} starts")
    print(
        f"| startup.py | {a * 1000:.0f} ms to first paint | bare window {b * 1000:.0f} ms | "
        f"ratio {ratio:.2f}× | goal ≤ {GOAL:.0f}×: {verdict} |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
