"""`portrait-studio presets list|show NAME|import FILE|export NAME FILE|rename OLD NEW|delete NAME`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from portrait_studio.core.errors import PortraitStudioError
from portrait_studio.core.i18n import _
from portrait_studio.core.params import describe_strengths
from portrait_studio.core.presets import Preset, PresetStore


def add_parser(subparsers: Any) -> None:
    """Register the `presets` subcommand."""
    parser = subparsers.add_parser("presets", help=_("list, show, import, export, rename or delete presets"))
    parser.add_argument("--json", action="store_true", help=_("machine-readable output"))
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help=_("all presets (built-in first)"))
    show = actions.add_parser("show", help=_("the parameters of one preset"))
    show.add_argument("name")
    imp = actions.add_parser("import", help=_("add a preset from a JSON file"))
    imp.add_argument("file", type=Path)
    imp.add_argument("--name", help=_("save it under this name instead"))
    exp = actions.add_parser("export", help=_("write a preset to a JSON file"))
    exp.add_argument("name")
    exp.add_argument("file", type=Path)
    rename = actions.add_parser("rename", help=_("rename a user preset"))
    rename.add_argument("name")
    rename.add_argument("new_name")
    delete = actions.add_parser("delete", help=_("delete a user preset"))
    delete.add_argument("name")


def _describe(p: Preset) -> dict[str, Any]:
    return {**p.to_dict(), "builtin": p.builtin, "path": str(p.path) if p.path else None}


def _print_list(store: PresetStore, as_json: bool) -> None:
    presets = store.list()
    if as_json:
        print(json.dumps({"presets": [_describe(p) for p in presets]}, ensure_ascii=False))
    else:
        for p in presets:
            kind = "built-in" if p.builtin else "user"
            v = p.params
            shape = "photo's aspect" if v.follows_photo else f"{v.width}×{v.height}"
            print(f"{p.name:<24} {kind:<8} {describe_strengths(v, '  ')}  {shape}, result: {p.result_size}")
    for problem in store.problems:
        print(_("warning: skipped {problem}").format(problem=problem.message), file=sys.stderr)


def _act(args: argparse.Namespace, store: PresetStore) -> Preset | Path | None:
    if args.action == "show":
        return store.get(args.name)
    if args.action == "import":
        return store.import_file(args.file, name=args.name)
    if args.action == "export":
        return store.export(args.name, args.file)
    if args.action == "rename":
        return store.rename(args.name, args.new_name)
    store.delete(args.name)
    return None


def run(args: argparse.Namespace) -> int:
    """Exit 0 on success, 1 when the preset or file is wrong (the message says what to do)."""
    store = PresetStore()
    if args.action == "list":
        _print_list(store, args.json)
        return 0
    try:
        result = _act(args, store)
    except PortraitStudioError as err:
        if args.json:
            print(json.dumps({"error": err.to_dict()}, ensure_ascii=False))
        print(_("error: {message}").format(message=err), file=sys.stderr)
        return 1
    if isinstance(result, Preset):
        out = _describe(result)
        print(
            json.dumps(out, ensure_ascii=False)
            if args.json
            else json.dumps(out, indent=2, ensure_ascii=False)
        )
    elif isinstance(result, Path):
        print(
            json.dumps({"exported": str(result)})
            if args.json
            else _("exported to {result}").format(result=result)
        )
    else:
        print(json.dumps({"deleted": args.name}) if args.json else _("deleted {name}").format(name=args.name))
    return 0


__all__ = ["add_parser", "run"]
