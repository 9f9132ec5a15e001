"""The one QApplication, with the app's identity (name, version, .desktop id, icon)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from portrait_studio import APP_ID, APP_NAME, __version__
from portrait_studio.core.i18n import current_language
from portrait_studio.ui.style import accessibility
from portrait_studio.ui.style.app_icon import app_icon

_qt_translator: QTranslator | None = None  # kept alive here: Qt does not own an installed translator


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
    apply_qt_language(app)
    if not app.property("portrait_studio_a11y"):  # once, however often make_app is called
        accessibility.install(app)
        app.setProperty("portrait_studio_a11y", True)
    return app


def apply_qt_language(app: QApplication, code: str | None = None) -> bool:
    """Qt's own words (the OK/Cancel/Save of standard buttons, file dialogs, context menus) and the number
    format of spin boxes in the app's language (core.i18n); True when Qt's catalogue was found.

    Our own strings are gettext's (core.i18n); these come from Qt's `qtbase_<lang>.qm`, shipped in the
    PySide6 wheel (and bundled by PyInstaller's PySide6 hook)."""
    global _qt_translator
    code = code or current_language()
    if _qt_translator is not None:
        app.removeTranslator(_qt_translator)
        _qt_translator = None
    # Numbers in spin boxes as the language writes them; English keeps the OS's own number format.
    QLocale.setDefault(QLocale(code) if code != "en" else QLocale.system())
    if code == "en":
        return True
    translator = QTranslator(app)
    if not translator.load(f"qtbase_{code}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        return False
    app.installTranslator(translator)
    _qt_translator = translator
    return True


__all__ = ["apply_qt_language", "make_app"]
