"""Finish what a crash interrupted (the GUI at start-up, `portrait-studio resume`).

    report = resume_pending(journal, open_local=lambda: open_backend(Settings(backend="local")))
    report.finished, report.failed, report.uncertain

- Cloud rows "submitted" with a task id: polled again by id at the base URL they were created on (with the
  current API key), downloaded, saved where the original run would have put them. Nothing is created again.
  A task the service answers 404 for is closed with the reason (pipeline.finish_task), not retried forever.
- Cloud rows whose create may or may not have happened ("creating" left by a dead process, or "uncertain"):
  listed in `report.uncertain` for the user, never resubmitted (that could charge twice).
- Local rows: the edit is run again on the local engine, which costs nothing, and the old row is closed as
  failed with the reason. The gateway the row recorded is never asked: an in-process gateway dies with the
  app, and whatever listens on its port now must not be sent anything — least of all the cloud API key,
  which only ever goes to a cloud row's own origin (`_finish_remote`).
- One row that cannot be finished (any error) is reported and let go; it never stops the others.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portrait_studio.api.client import Client
from portrait_studio.api.keys import get_api_key
from portrait_studio.api.pipeline import Backend, EditResult, ProgressFn, finish_task, run_edit
from portrait_studio.core.errors import CancelledError, PortraitStudioError
from portrait_studio.core.i18n import _
from portrait_studio.core.journal import Journal
from portrait_studio.core.journal_rows import IN_FLIGHT, JournalRow

INTERRUPTED = "interrupted"


@dataclass
class ResumeReport:
    """What resume did: finished results, failures (row, error), and rows left for the user to decide."""

    finished: list[EditResult] = field(default_factory=list)
    failed: list[tuple[JournalRow, PortraitStudioError]] = field(default_factory=list)
    uncertain: list[JournalRow] = field(default_factory=list)


def _rerun_locally(row: JournalRow, journal: Journal, open_local: Callable[[], Any], **kw: Any) -> EditResult:
    """The local task died with its gateway: run it again (free), into the folder first planned.

    The old row is closed only once the new run has an outcome: an app closed while the engine starts
    (cancelled before anything was sent) leaves it for the next start, instead of losing the edit. `force`:
    this row *is* the request, so it is not waited on as "the same request still running".
    """
    out_dir = Path(row.out_path).parent if row.out_path else None
    try:
        with open_local() as session:
            result = run_edit(
                session,
                row.input_path,
                row.params,
                journal=journal,
                out_dir=out_dir,
                preset=row.preset,
                force=True,
                **kw,
            )
    except CancelledError:
        journal.release(row.id)
        raise
    except PortraitStudioError as err:
        journal.mark_failed(row.id, err.to_dict())  # e.g. the original is gone: not retried at every start
        raise
    interrupted = _("The local engine stopped before this edit finished; it was run again (free).")
    journal.mark_failed(row.id, {"code": INTERRUPTED, "message": interrupted, "fix": None})
    return result


def _finish_remote(row: JournalRow, journal: Journal, **kw: Any) -> EditResult:
    """A cloud row: polled by id at the cloud origin it was created on, with the API key."""
    assert row.task_id is not None and row.backend == "cloud"  # a local row must never get the cloud key
    with Client(row.base_url, get_api_key()) as client:
        return finish_task(Backend(client, row.backend, row.engine), journal, row.id, row.task_id, **kw)


def _resume_one(
    row: JournalRow, journal: Journal, open_local: Callable[[], Any] | None, **kw: Any
) -> EditResult:
    if row.backend == "cloud":
        return _finish_remote(row, journal, **kw)
    if open_local is None:
        raise PortraitStudioError(
            _("This local edit was interrupted and the local engine is not available to run it again."),
            _("Run the edit again."),
        )
    return _rerun_locally(row, journal, open_local, **kw)


def _isolated(row: JournalRow, journal: Journal, err: Exception) -> PortraitStudioError:
    """A failed row is let go (so the next start, or a batch of the same photo, can take it) and reported."""
    current = journal.get(row.id)
    if current.status in IN_FLIGHT and current.owner_pid == os.getpid():
        journal.release(row.id)
    if isinstance(err, PortraitStudioError):
        return err
    return PortraitStudioError(
        _("Row #{row} could not be resumed ({type}: {error}).").format(
            row=row.id, type=type(err).__name__, error=err
        ),
        _("The other interrupted edits were resumed; run this one again, or report it."),
    )


def _resume_groups(
    journal: Journal,
    open_local: Callable[[], Any] | None,
    report: ResumeReport,
    on_result: Callable[[JournalRow, EditResult | PortraitStudioError], None] | None,
    on_progress: ProgressFn | None,
    cancel: threading.Event | None,
) -> None:
    """Group edits a dead process left (api.group.resume_group): paid faces finished, then merged."""
    from portrait_studio.api.group import resume_group

    for row in journal.orphaned_groups():
        if cancel is not None and cancel.is_set():
            return
        if not journal.claim(row.id):
            continue
        try:
            result = resume_group(row, journal, open_local, on_progress=on_progress, cancel=cancel)
        except Exception as err:
            failure = _isolated(row, journal, err)
            report.failed.append((journal.get(row.id), failure))
            if on_result:
                on_result(row, failure)
            continue
        report.finished.append(result)
        if on_result:
            on_result(row, result)


def resume_pending(
    journal: Journal,
    *,
    open_local: Callable[[], Any] | None = None,
    on_result: Callable[[JournalRow, EditResult | PortraitStudioError], None] | None = None,
    on_progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> ResumeReport:
    """Finish every orphaned task this process can claim; list the uncertain ones (see module docstring)."""
    report = ResumeReport()
    _resume_groups(journal, open_local, report, on_result, on_progress, cancel)
    # A group's face task is finished by its group; a local one is never run again on the whole photo.
    local_uncertain = [r for r in journal.uncertain() if r.backend != "cloud" and r.parent_id is None]
    rows = [r for r in journal.resumable() if r.parent_id is None or r.backend == "cloud"] + local_uncertain
    for row in rows:
        if cancel is not None and cancel.is_set():
            break
        if not journal.claim(row.id):
            continue  # another live process took it
        try:
            result = _resume_one(row, journal, open_local, on_progress=on_progress, cancel=cancel)
        except Exception as err:  # one bad row (a name the disk refuses, a bug) never blocks the others
            failure = _isolated(row, journal, err)
            report.failed.append((journal.get(row.id), failure))
            if on_result:
                on_result(row, failure)
            continue
        report.finished.append(result)
        if on_result:
            on_result(row, result)
    report.uncertain = [r for r in journal.uncertain() if r.backend == "cloud"]
    return report


__all__ = ["INTERRUPTED", "ResumeReport", "resume_pending"]
