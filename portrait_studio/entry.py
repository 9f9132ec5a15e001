"""Entry point of `portrait-studio` and `python -m portrait_studio`: the window, or a CLI subcommand.

It sits above both `ui` and `cli`, which are independent layers: neither may import the other, so the choice
between them is made here.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from portrait_studio import cli


def main(argv: Sequence[str] | None = None) -> int:
    """Open the window when the arguments ask for it (none, or photos), else run the CLI subcommand."""
    args = list(sys.argv[1:] if argv is None else argv)
    gui = cli.gui_request(args)
    if gui is not None:
        # The GUI path imports no subcommand module and no argparse subparsers: start-up time matters.
        from portrait_studio.ui.app import run_gui

        return run_gui(*gui)
    edit = cli.edit_window_request(args)  # `portrait-studio edit FILE`: the window in round-trip mode
    if edit is not None and Path(edit[1]).is_file():
        from portrait_studio.ui.app import run_gui

        return run_gui(edit[0], (), edit_in=edit[1])
    return cli.main(args)


__all__ = ["main"]
