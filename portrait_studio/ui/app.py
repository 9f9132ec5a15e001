"""The GUI entry point: the QApplication (`make_app`), then the main window or the smoke test."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from portrait_studio.core.i18n import set_language
from portrait_studio.core.logs import setup_logging
from portrait_studio.ui.style.application import make_app


def run_gui(argv: Sequence[str] = (), paths: Sequence[Path] = ()) -> int:
    """Open the main window (with `paths`: photos or folders given on the command line) and run the loop."""
    if "--smoke-test" in argv:  # offscreen end-to-end check of an install or a bundle
        from portrait_studio.ui.smoke import run_smoke_test

        return run_smoke_test()
    setup_logging("window")  # the log file that error messages point at (core/logs.py)
    from portrait_studio.core.settings import load_settings

    set_language(load_settings().language)  # before any widget is built: their words are taken at build time
    app = make_app(argv)
    from portrait_studio.ui.style.theme import ThemeFollower
    from portrait_studio.ui.window.main_window import MainWindow

    settings = load_settings()
    ThemeFollower(app, settings.theme)  # parented to the app: follows the OS light/dark switch
    window = MainWindow(settings)
    window.show()
    if paths:
        window.open_paths(list(paths))  # decoding and face detection run on the window's loader thread
    return app.exec()


__all__ = ["make_app", "run_gui"]
