"""What the Run worker executes: one edit through the shared pipeline (api.pipeline)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from portrait_studio.ui.worker import RunJob, RunOutcome


def pipeline_executor(
    job: RunJob,
    backend: Any,
    on_progress: Callable[[float | None, float | None, str], None],
    cancel: threading.Event,
) -> RunOutcome:
    """Run `job` with api.pipeline.run_edit on the worker thread (the one pipeline every caller uses)."""
    raise NotImplementedError("api.pipeline has not landed yet")


__all__ = ["pipeline_executor"]
