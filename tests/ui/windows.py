"""Opening the real main window in a test (shared by the window tests)."""

from __future__ import annotations

from typing import Any

from portrait_studio.core.settings import Settings
from portrait_studio.ui.main_window import MainWindow


def make_window(qtbot: Any, backend: Any = None, settings: Settings | None = None) -> MainWindow:
    """A shown, exposed MainWindow (closed by qtbot after the test); `backend` None = it opens its own."""
    w = MainWindow(settings or Settings(), backend=backend)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w
