"""`portrait-studio` subcommands (no subcommand opens the window: `portrait_studio.entry`).

Each subcommand lives in its own module of this package exposing `add_parser(subparsers)` and
`run(args) -> int`; modules are imported only when needed so that starting the GUI stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from portrait_studio import APP_NAME, __version__
from portrait_studio.core.errors import PortraitStudioError, printable
from portrait_studio.core.i18n import _, set_language, translate_argparse
from portrait_studio.core.logs import current_log, setup_logging

log = logging.getLogger(__name__)
EXIT_STOPPED = 2  # an error that stopped the whole command (as for bad usage)

#: subcommand → module under portrait_studio.cli
SUBCOMMANDS: dict[str, str] = {
    "presets": "presets",
    "retouch": "retouch",
    "resume": "resume",
    "gateway": "gateway",
    "check": "check",
    "watch": "watch",
    "edit": "edit",
}


def _load(name: str) -> ModuleType:
    return importlib.import_module(f"portrait_studio.cli.{SUBCOMMANDS[name]}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="portrait-studio",
        description=_("{APP_NAME}: portrait retouching (no subcommand opens the window).").format(
            APP_NAME=APP_NAME
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    # Handled by entry.py before this parser is built (ui/app.py); listed here so that --help shows it.
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help=_("check that this install works: open the window offscreen and retouch a sample portrait"),
    )
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


def edit_window_request(args: Sequence[str]) -> tuple[list[str], Path] | None:
    """(Qt options, the file) for `portrait-studio edit FILE` without --apply/--restore: the window in
    round-trip mode; else None (the `edit` subcommand, or something else)."""
    if list(args[:1]) != ["edit"]:
        return None
    rest = list(args[1:])
    options = [a for a in rest if a.startswith("-")]
    files = [a for a in rest if not a.startswith("-")]
    if any(a in ("-h", "--help", "--apply", "--restore", "--json") for a in options) or len(files) != 1:
        return None
    return options, Path(files[0])


def _tolerant_output() -> None:
    """A non-UTF-8 file name (its bytes kept as surrogate escapes) is printed as \\udcff, never a crash
    halfway through a batch's report; JSON lines stay valid JSON (the same escape)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def _run(command: str, args: argparse.Namespace) -> int:
    """The subcommand, with every error that escapes it said in plain words (and the details in the log)."""
    try:
        return int(_load(command).run(args))
    except PortraitStudioError as err:
        log.warning("%s stopped: %s", command, err)
        print(_("error: {message}").format(message=printable(str(err))), file=sys.stderr)
    except sqlite3.Error as err:  # the journal went bad while in use (it is checked when opened)
        from portrait_studio.core.journal import journal_error, journal_path

        log.exception("%s: journal error", command)
        print(
            _("error: {message}").format(message=printable(str(journal_error(err, journal_path())))),
            file=sys.stderr,
        )
    except KeyboardInterrupt:
        print("cancelled", file=sys.stderr)
        return 130
    except Exception:
        log.exception("%s: unexpected error", command)
        where = current_log()
        details = (
            _("The details are in the log file {where}; please report it with that file.").format(where=where)
            if where
            else ""
        )
        print(
            _("error: an unexpected problem stopped `{command}`. {details}")
            .format(command=command, details=details)
            .rstrip(),
            file=sys.stderr,
        )
    return EXIT_STOPPED


def _language() -> None:
    """The language of every message and of --help: the Settings choice, "system" following LANG etc."""
    from portrait_studio.core.settings import load_settings

    set_language(load_settings().language)
    translate_argparse()  # argparse's own words ("usage:", "options", its errors) in the same language


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand (`portrait_studio.entry.main` decides first whether the window is asked for)."""
    _tolerant_output()
    _language()
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.command is None:
        parser.print_help()
        return 2
    setup_logging(f"portrait-studio {args.command}")
    return _run(args.command, args)


__all__ = ["SUBCOMMANDS", "build_parser", "edit_window_request", "gui_request", "main"]
