"""QApplication set-up and the GUI entry point."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from PySide6.QtWidgets import QApplication

from portrait_studio import APP_ID, APP_NAME, __version__


def make_app(argv: Sequence[str] = ()) -> QApplication:
    """The one QApplication, with the identity the .desktop file and metainfo use."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication([sys.argv[0], *argv])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName("Portrait Studio")
    app.setDesktopFileName(APP_ID)
    return app


def run_gui(argv: Sequence[str] = ()) -> int:
    """Open the main window and run the event loop."""
    app = make_app(argv)
    from portrait_studio.ui.main_window import MainWindow

    window = MainWindow()
    window.show()
    return app.exec()
