"""QApplication set-up and the GUI entry point."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import QApplication

from portrait_studio import APP_ID, APP_NAME, __version__
from portrait_studio.core.logs import setup_logging
from portrait_studio.ui.app_icon import app_icon


def make_app(argv: Sequence[str] = ()) -> QApplication:
    """The one QApplication, with the identity the .desktop file and metainfo use."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication([sys.argv[0], *argv])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName("Portrait Studio")
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(app_icon())
    return app


def run_gui(argv: Sequence[str] = (), paths: Sequence[Path] = ()) -> int:
    """Open the main window (with `paths`: photos or folders given on the command line) and run the loop."""
    if "--smoke-test" in argv:  # issue 7: offscreen end-to-end check of an install or a bundle
        from portrait_studio.ui.smoke import run_smoke_test

        return run_smoke_test()
    setup_logging("window")  # the log file that error messages point at (core/logs.py)
    app = make_app(argv)
    from portrait_studio.core.settings import load_settings
    from portrait_studio.ui.main_window import MainWindow
    from portrait_studio.ui.theme import ThemeFollower

    settings = load_settings()
    ThemeFollower(app, settings.theme)  # parented to the app: follows the OS light/dark switch
    window = MainWindow(settings)
    window.show()
    if paths:
        window.open_paths(list(paths))  # decoding and face detection run on the window's loader thread
    return app.exec()
