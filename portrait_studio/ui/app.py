"""The GUI entry point: the QApplication (`make_app`), then the main window or the smoke test."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from portrait_studio.core.i18n import set_language
from portrait_studio.core.logs import setup_logging
from portrait_studio.ui.style.application import make_app


def run_gui(argv: Sequence[str] = (), paths: Sequence[Path] = (), *, edit_in: Path | None = None) -> int:
    """Open the main window (with `paths`: photos or folders given on the command line) and run the loop.

    `edit_in`: the window in round-trip mode on that one file (`portrait-studio edit FILE`, edit_in_flow.py).
    """
    if "--smoke-test" in argv:  # offscreen end-to-end check of an install or a bundle
        from portrait_studio.ui.smoke import run_smoke_test

        return run_smoke_test()
    setup_logging("window")  # the log file that error messages point at (core/logs.py)
    from portrait_studio.core.settings import load_settings
    from portrait_studio.core.shoot import ShootStore

    set_language(load_settings().language)  # before any widget is built: their words are taken at build time
    app = make_app(argv)
    from portrait_studio.ui.style.theme import ThemeFollower
    from portrait_studio.ui.window.main_window import MainWindow

    settings = load_settings()
    ThemeFollower(app, settings.theme)  # parented to the app: follows the OS light/dark switch
    # The round trip opens exactly the host's file; otherwise the last shoot comes back.
    window = MainWindow(settings, shoot=None if edit_in is not None else ShootStore())
    if edit_in is not None:
        from portrait_studio.core.errors import PortraitStudioError
        from portrait_studio.ui.window.edit_in_flow import EditInFlow

        try:
            EditInFlow.attach(window, edit_in)
        except PortraitStudioError as err:  # not a file it can write back into: say so, open nothing
            print(f"error: {err}", file=sys.stderr)
            window.shutdown()
            return 1
    window.show()
    if paths:
        window.open_paths(list(paths))  # decoding and face detection run on the window's loader thread
    return app.exec()


__all__ = ["make_app", "run_gui"]
