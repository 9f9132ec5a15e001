"""`portrait-studio` subcommands (no subcommand opens the window: `portrait_studio.entry`).

Each subcommand lives in its own module of this package exposing `add_parser(subparsers)` and
`run(args) -> int`; modules are imported only when needed so that starting the GUI stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from portrait_studio import APP_NAME, __version__

#: subcommand → module under portrait_studio.cli
SUBCOMMANDS: dict[str, str] = {
    "presets": "presets",
    "retouch": "retouch",
    "resume": "resume",
    "gateway": "gateway",
    "check": "check",
}


def _load(name: str) -> ModuleType:
    return importlib.import_module(f"portrait_studio.cli.{SUBCOMMANDS[name]}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="portrait-studio",
        description=f"{APP_NAME}: portrait retouching (no subcommand opens the window).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        _load(name).add_parser(sub)
    return parser


def gui_request(args: Sequence[str]) -> tuple[list[str], list[Path]] | None:
    """(Qt options, photos to open) when `args` ask for the window, else None (a subcommand or bad usage).

    `portrait-studio [PHOTO|FOLDER…]` opens the window with those photos (the .desktop file passes %F).
    """
    options = [a for a in args if a.startswith("-")]
    files = [a for a in args if not a.startswith("-")]
    if any(a in ("-h", "--help", "--version") for a in options):
        return None
    if files and (files[0] in SUBCOMMANDS or not all(Path(f).exists() for f in files)):
        return None
    return options, [Path(f) for f in files]


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand (`portrait_studio.entry.main` decides first whether the window is asked for)."""
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.command is None:
        parser.print_help()
        return 2
    return int(_load(args.command).run(args))


__all__ = ["SUBCOMMANDS", "build_parser", "gui_request", "main"]
