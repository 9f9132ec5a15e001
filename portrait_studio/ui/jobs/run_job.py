"""What the Run worker executes: one edit through the shared pipeline (api.pipeline.run_edit).

`RunJob` goes in, `RunOutcome` comes out; an `Executor` turns one into the other on the run thread. The
window's executor is `PipelineExecutor`; tests may pass any object with the same shape.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from portrait_studio.core.i18n import _, format_money
from portrait_studio.core.journal import Journal
from portrait_studio.core.params import EditParams
from portrait_studio.core.settings import Settings
from portrait_studio.ui import text

#: on_progress(fraction | None, eta seconds | None, stage words)
ProgressFn = Callable[[float | None, float | None, str], None]


@dataclass(frozen=True)
class RunJob:
    """One edit to run: which photo, with which parameters."""

    key: Path  # the open photo (Session.index_of)
    path: Path  # the file sent: the photo, or its fixed copy
    params: EditParams
    max_cost: Decimal | None = None  # cloud: stop before paying more than this (the user is asked first)
    faces: tuple[int, ...] | None = None  # a group photo, face by face (api.group): the chosen face numbers
    face_params: tuple[tuple[int, EditParams], ...] = ()  # faces with their own strengths
    size: str = "original"  # the result size: "original" (merged at full size) or "model" (api.output.SIZES)


@dataclass(frozen=True)
class RunOutcome:
    """What came back: the downloaded result and what it cost."""

    key: Path
    result_path: Path
    task_id: str | None
    cost: Decimal | None
    engine: str
    notes: tuple[str, ...] = ()  # what the engine did that the sliders do not show (EditResult.notes)
    seconds: float = 0.0
    estimate: Decimal | None = None  # the precharge estimate (cloud), for "estimate vs cost"


class Executor(Protocol):
    """Runs one job on the run thread; `settings` follow the window's, `journal()` is the task journal."""

    settings: Settings | None

    def __call__(
        self, job: RunJob, backend: Any, on_progress: ProgressFn, cancel: threading.Event
    ) -> RunOutcome:
        """Edit `job` through `backend`, reporting progress; raise CancelledError once `cancel` is set."""
        ...

    def journal(self) -> Journal | None:
        """The journal the runs write (History and the batch read it), or None."""
        ...

    def close(self) -> None:
        """Release what the executor holds (called once the run thread has stopped)."""
        ...


class PipelineExecutor:
    """Calls run_edit with one journal per worker thread; results go to the cache (Save as exports them)."""

    def __init__(self, settings: Settings | None = None) -> None:
        self._journal: Journal | None = None
        self._lock = threading.Lock()
        self.settings = settings

    def __call__(
        self, job: RunJob, backend: Any, on_progress: ProgressFn, cancel: threading.Event
    ) -> RunOutcome:
        from portrait_studio.api.pipeline import run_edit
        from portrait_studio.core.paths import cache_dir

        price: list[str] = []  # the precharge estimate, once the pipeline knows it (before paying)

        def report(p: Any) -> None:
            if p.estimate is not None and backend.kind == "cloud":
                price[:] = [_("estimate {cost}").format(cost=format_money(p.estimate, None))]
            on_progress(p.fraction, p.eta, " · ".join([text.stage(p.stage), *price]))

        run: Any = run_edit
        if job.faces is not None:  # one task per chosen face, merged (ui/window/faces_flow.py)
            from functools import partial

            from portrait_studio.api.group import run_group

            run = partial(run_group, faces=job.faces, face_params=dict(job.face_params))
        result = run(
            backend,
            job.path,
            job.params,
            journal=self.journal(),
            settings=self.settings,
            out_dir=cache_dir() / "results",
            on_progress=report,
            cancel=cancel,
            max_cost=job.max_cost,
            budget_cap=self.settings.budget_cap if self.settings is not None else None,
            size=job.size,
        )
        return RunOutcome(
            key=job.key,
            result_path=Path(result.output_path),
            task_id=result.task_id,
            cost=result.cost,
            engine=result.engine,
            notes=result.notes,
            estimate=result.estimate,
        )

    def journal(self) -> Journal:
        """The window's one task journal (SQLite, safe to share between threads), opened on first use."""
        with self._lock:
            if self._journal is None:
                self._journal = Journal()
            return self._journal

    def close(self) -> None:
        """Close the journal (call when the worker thread has stopped)."""
        with self._lock:
            if self._journal is not None:
                self._journal.close()
                self._journal = None


__all__ = ["Executor", "PipelineExecutor", "ProgressFn", "RunJob", "RunOutcome"]
