"""`portrait-studio edit FILE`: the Edit-In round trip for catalogs (Lightroom, Capture One, darktable).

    portrait-studio edit FILE            the window in round-trip mode (entry.py opens it, not this module)
    portrait-studio edit FILE --apply [--preset NAME | --gpen X --skin X --skin-unifi X] [--backend B]
    portrait-studio edit --restore FILE  the previous version back, byte for byte

`--apply` retouches FILE and writes it back in place (api.edit_in: same size, format, bit depth, ICC and
metadata; the previous version kept in the data folder; nothing written beside the file). Prints one line
(`--json`: one JSON object). Exit 0 written back / restored, 1 not (the file is as it was; the message says
why), 2 bad usage or a setting that stops it (no API key, unknown preset).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from portrait_studio.cli.retouch import add_strength_flags, build_params, open_session, usd_amount
from portrait_studio.core.errors import PortraitStudioError
from portrait_studio.core.i18n import _


def add_parser(subparsers: Any) -> None:
    """Register the `edit` subcommand."""
    p = subparsers.add_parser(
        "edit",
        help=_("Edit In: retouch a catalog's rendered file and write it back in place"),
        description=_(
            "The external-editor round trip of Lightroom Classic, Capture One and darktable. Without "
            "--apply or --restore it opens the window on FILE in round-trip mode (Save writes back in "
            "place). "
            "The previous version is kept in the app's data folder; nothing is written beside FILE."
        ),
    )
    p.add_argument(
        "file", type=Path, metavar="FILE", help=_("the file the catalog rendered (TIFF, JPEG or PNG)")
    )
    what = p.add_mutually_exclusive_group()
    what.add_argument("--apply", action="store_true", help=_("retouch without the window and write back"))
    what.add_argument("--restore", action="store_true", help=_("put the previous version of FILE back"))
    p.add_argument("--preset", help=_("start from this preset (see `portrait-studio presets list`)"))
    add_strength_flags(p)  # as `retouch`
    p.add_argument("--seed", type=int, help=_("-1 = random (default)"))
    p.add_argument("--backend", choices=("local", "cloud"), default=None, help=_("default: from Settings"))
    p.add_argument("--max-cost", type=usd_amount, metavar="USD", help=_("stop when the estimate is higher"))
    p.add_argument("--force", action="store_true", help=_("run again even when an identical result exists"))
    p.add_argument("--json", action="store_true", help=_("one JSON object instead of the line"))
    # What retouch's shared helpers read, not offered here (the size is the file's own; no prompt).
    p.set_defaults(
        width=None, height=None, prompt=None, gen_mode=None, base_url=None, image_host=None, upload_url=None
    )


def _say(args: argparse.Namespace, fields: dict[str, Any], line: str, *, error: bool = False) -> None:
    if args.json:
        print(json.dumps(fields, ensure_ascii=False), flush=True)
    else:
        print(line, file=sys.stderr if error else sys.stdout, flush=True)


def _apply(args: argparse.Namespace) -> int:
    from portrait_studio.api import edit_in
    from portrait_studio.core.journal import Journal
    from portrait_studio.core.params import check_local

    edit_in.check_target(args.file)  # before a backend is opened or anything is sent
    params, preset, _size = build_params(args)  # the round trip is always at the file's own size
    session, settings = open_session(args)
    with session, Journal() as journal:
        if session.kind == "local":
            check_local(params)
        done = edit_in.apply(
            session,
            args.file,
            params,
            journal=journal,
            settings=settings,
            preset=preset,
            max_cost=args.max_cost,
            budget_cap=settings.budget_cap,
            force=args.force,
        )
    assert done.result is not None
    cost = done.result.cost
    _say(
        args,
        {
            "status": "written_back",
            "path": str(done.path),
            "kept": str(done.kept),
            "task_id": done.result.task_id,
            "cost": None if cost is None else str(cost),
            "engine": done.result.engine,
            "notes": list(done.result.notes),
        },
        _("{path}: retouched in place (previous version kept: {kept})").format(path=done.path, kept=done.kept)
        + "".join("\n" + _("note: {message}").format(message=n) for n in done.result.notes),
    )
    return 0


def run(args: argparse.Namespace) -> int:
    """Exit 0 written back or restored, 1 not (the file unchanged), 2 bad usage or settings."""
    from portrait_studio.api import edit_in
    from portrait_studio.core.errors import ConfigError, EditInError, ParamsError
    from portrait_studio.core.presets import PresetError

    if not (args.apply or args.restore):
        try:
            edit_in.check_target(args.file)  # (entry.py opened the window for a file that is there)
        except EditInError as err:
            _say(
                args,
                {"status": "failed", "error": err.to_dict()},
                _("error: {message}").format(message=err),
                error=True,
            )
            return 1
        print(
            _(
                "error: `portrait-studio edit FILE` opens the window; without a display, add --apply "
                "(retouch and write back) or --restore."
            ),
            file=sys.stderr,
        )
        return 2
    try:
        if args.restore:
            path = edit_in.restore(args.file)
            _say(
                args,
                {"status": "restored", "path": str(path)},
                _("{path}: previous version restored").format(path=path),
            )
            return 0
        return _apply(args)
    except EditInError as err:
        _say(
            args,
            {"status": "failed", "error": err.to_dict()},
            _("error: {message}").format(message=err),
            error=True,
        )
        return 1
    except PortraitStudioError as err:  # bad parameters, unknown preset, no API key, budget, a failed task…
        _say(
            args,
            {"status": "failed", "error": err.to_dict()},
            _("error: {message}").format(message=err),
            error=True,
        )
        return 2 if isinstance(err, (ConfigError, ParamsError, PresetError)) else 1


__all__ = ["add_parser", "run"]
