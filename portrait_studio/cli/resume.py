"""`portrait-studio resume [--json] [--dismiss ROW]`: finish tasks a crash interrupted; list uncertain ones.

With --json, one line per task: {"row", "input", "output", "status": "completed"|"failed"|"uncertain",
"task_id", "cost", "error"}. Exit 0 when nothing failed (uncertain rows are listed, not failed), else 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from portrait_studio.core.i18n import N_, _

_UNCERTAIN = N_("The app stopped between sending this task and hearing back; it may have been created.")


def add_parser(subparsers: Any) -> None:
    """Register the `resume` subcommand."""
    p = subparsers.add_parser(
        "resume",
        help=_("finish tasks interrupted by a crash"),
        description=_(
            "Poll again, by task id, every task that was submitted but not finished, and save "
            "its result where the original run would have. Tasks that may or may not have been "
            "created are only listed: check them in your account, then close them with --dismiss."
        ),
    )
    p.add_argument("--json", action="store_true", help=_("one JSON line per task"))
    p.add_argument("--dismiss", type=int, metavar="ROW", action="append", help=_("close an uncertain row"))


def _row_line(
    row: Any, status: str, *, output: str | None = None, cost: Any = None, error: Any = None
) -> dict:
    return {
        "row": row.id,
        "input": row.input_path,
        "output": output,
        "status": status,
        "task_id": row.task_id,
        "cost": str(cost) if cost is not None else None,
        "error": error,
    }


def _emit(line: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(line, ensure_ascii=False), flush=True)
        return
    text = f"#{line['row']} {line['input']}: {line['status']}"
    if line["output"]:
        text += f" → {line['output']}"
    if line["error"]:
        text += f" ({line['error']['message']} — {line['error'].get('fix') or ''})"
    print(text, flush=True)


def _dismiss(rows: list[int], as_json: bool) -> int:
    from portrait_studio.core.journal import Journal

    with Journal() as journal:
        for row_id in rows:
            try:
                row = journal.get(row_id)
            except KeyError:
                print(_("error: there is no journal row #{row_id}").format(row_id=row_id), file=sys.stderr)
                return 1
            if row not in journal.uncertain():
                print(
                    _("error: row #{row_id} is {status}, not uncertain").format(
                        row_id=row_id, status=row.status
                    ),
                    file=sys.stderr,
                )
                return 1
            journal.dismiss(row_id)
            _emit(_row_line(row, "dismissed"), as_json)
    return 0


def run(args: argparse.Namespace) -> int:
    """Resume everything resumable; exit 1 if any of it failed."""
    if args.dismiss:
        return _dismiss(args.dismiss, args.json)
    from portrait_studio.api.backend import open_backend
    from portrait_studio.api.resume import resume_pending
    from portrait_studio.core.journal import Journal
    from portrait_studio.core.settings import load_settings

    settings = load_settings().replace(backend="local")
    with Journal() as journal:
        report = resume_pending(journal, open_local=lambda: open_backend(settings))
        for result in report.finished:
            _emit({"row": result.row_id, **result.to_json()}, args.json)
        for row, err in report.failed:
            _emit(_row_line(row, "failed", error=err.to_dict()), args.json)
        for row in report.uncertain:
            fix = _(
                "Check your account's task list, then run `portrait-studio resume --dismiss {row}`."
            ).format(row=row.id)
            message = (row.error or {}).get("message") or _(_UNCERTAIN)
            error = {"code": (row.error or {}).get("code"), "message": message, "fix": fix}
            _emit(_row_line(row, "uncertain", error=error), args.json)
        if not (report.finished or report.failed or report.uncertain) and not args.json:
            print(_("nothing to resume"))
    return 1 if report.failed else 0


__all__ = ["add_parser", "run"]
