"""What the Run worker executes: one edit through the shared pipeline (api.pipeline.run_edit)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from portrait_studio.core.settings import Settings
from portrait_studio.ui.threads.run_worker import RunJob, RunOutcome

ProgressFn = Callable[[float | None, float | None, str], None]

# Stage names of api.pipeline.Progress in the words the run panel shows.
STAGES = {
    "preparing": "preparing the photo",
    "estimating": "estimating the cost",
    "creating": "sending",
    "running": "retouching",
    "downloading": "downloading",
    "saving": "saving",
    "done": "done",
}


class PipelineExecutor:
    """Calls run_edit with one journal per worker thread; results go to the cache (Save as exports them)."""

    def __init__(self, settings: Settings | None = None) -> None:
        self._journal: Any = None
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
                price[:] = [f"estimate ${p.estimate}"]
            on_progress(p.fraction, p.eta, " · ".join([STAGES.get(p.stage, p.stage), *price]))

        result = run_edit(
            backend,
            job.path,
            job.params,
            journal=self.journal(),
            settings=self.settings,
            out_dir=cache_dir() / "results",
            on_progress=report,
            cancel=cancel,
            max_cost=job.max_cost,
            budget_cap=_cap(self.settings),
        )
        return RunOutcome(
            key=job.key,
            result_path=Path(result.output_path),
            task_id=result.task_id,
            cost=str(result.cost) if result.cost is not None else None,
            engine=result.engine,
            notes=result.notes,
            estimate=str(result.estimate) if result.estimate is not None else None,
        )

    def journal(self) -> Any:
        """The window's one task journal (SQLite, safe to share between threads), opened on first use."""
        with self._lock:
            if self._journal is None:
                from portrait_studio.core.journal import Journal

                self._journal = Journal()
            return self._journal

    def close(self) -> None:
        """Close the journal (call when the worker thread has stopped)."""
        with self._lock:
            if self._journal is not None:
                self._journal.close()
                self._journal = None


def _cap(settings: Settings | None) -> Decimal | None:
    """The daily budget cap of Settings as the pipeline takes it."""
    cap = settings.budget_cap if settings is not None else None
    return Decimal(str(cap)) if cap is not None else None


__all__ = ["STAGES", "PipelineExecutor"]
