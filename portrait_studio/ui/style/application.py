"""The one QApplication, with the app's identity (name, version, .desktop id, icon)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from PySide6.QtWidgets import QApplication

from portrait_studio import APP_ID, APP_NAME, __version__
from portrait_studio.ui.style.app_icon import app_icon


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


__all__ = ["make_app"]
