"""Entry point of `portrait-studio` and `python -m portrait_studio`: the window, or a CLI subcommand.

It sits above both `ui` and `cli`, which are independent layers: neither may import the other, so the choice
between them is made here.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from portrait_studio import cli
from portrait_studio.core.memory import give_back_large_blocks

EDIT_NAME = "portrait-studio-edit"  # started under this name (a link, or the script): `portrait-studio edit`


def edit_main(argv: Sequence[str] | None = None) -> int:
    """`portrait-studio-edit FILE [options]` = `portrait-studio edit FILE [options]` (for catalogs, which
    start an external editor with the file as its only argument)."""
    return main(["edit", *(sys.argv[1:] if argv is None else argv)])


def main(argv: Sequence[str] | None = None) -> int:
    """Open the window when the arguments ask for it (none, or photos), else run the CLI subcommand."""
    give_back_large_blocks()  # a photo's large buffers do not stay with the process (core.memory)
    args = list(sys.argv[1:] if argv is None else argv)
    if argv is None and Path(sys.argv[0]).name.startswith(EDIT_NAME) and args[:1] != ["edit"]:
        args = ["edit", *args]  # a link named portrait-studio-edit to the bundle's executable
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


__all__ = ["EDIT_NAME", "edit_main", "main"]
