"""Progress of one edit as the pipeline reports it, the ETA from the task's progress, and the poll planner."""

from __future__ import annotations

import statistics
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from portrait_studio.api.polling import PollPlanner

# A batch's local planner looks first at this share of the typical task time. Below 1 on purpose: the pace
# is measured by the same waits, so a first look after the typical time lengthens every wait it measures and
# the typical time runs away (1.1 measured: batch wall 3.3 s → 4.8–6.0 s); below 1 it settles on the real one.
LOCAL_INITIAL_SHARE = 0.9

Stage = Literal["preparing", "estimating", "creating", "running", "downloading", "saving", "done"]


@dataclass(frozen=True)
class Progress:
    """Where one edit is: stage, task progress 0..1 (None = unknown), seconds left (None = unknown).

    `estimate` is the precharge price (USD) once known: reported before the create, so a user sees what a
    cloud edit will cost before it is paid for.
    """

    stage: Stage
    fraction: float | None = None
    eta: float | None = None
    task_id: str | None = None
    estimate: Decimal | None = None
    face: tuple[int, int] | None = None  # a group photo (api.group): the face task this is of, (k, of n)


ProgressFn = Callable[[Progress], None]


class Eta:
    """Seconds left from the progress rate since the first report (None until progress moves)."""

    def __init__(self) -> None:
        self.start: tuple[float, float] | None = None

    def __call__(self, fraction: float | None) -> float | None:
        now = time.monotonic()
        if fraction is None:
            return None
        if self.start is None:
            self.start = (now, fraction)
            return None
        t0, f0 = self.start
        if fraction <= f0 or fraction >= 1.0:
            return 0.0 if fraction >= 1.0 else None
        return (now - t0) / (fraction - f0) * (1.0 - fraction)


class Pace:
    """How long one batch's recent tasks took from create to completed: the median of the last few."""

    def __init__(self, window: int = 8) -> None:
        self._recent: deque[float] = deque(maxlen=window)
        self._lock = threading.Lock()

    def add(self, seconds: float) -> None:
        """Record one finished task."""
        with self._lock:
            self._recent.append(seconds)

    def typical(self) -> float | None:
        """The median of the recent tasks (None before the first one)."""
        with self._lock:
            return statistics.median(self._recent) if self._recent else None


def planner_for(kind: str, typical: float | None = None) -> PollPlanner:
    """The client's default planner for the cloud; a quick one for the local gateway.

    `typical` (seconds, BatchQueue.pace) is how long the same edit took for the photos before: a local
    planner then takes its first look at LOCAL_INITIAL_SHARE (0.9) × that time instead of at once. In a batch
    each photo waits in the gateway's queue behind others, and polling it all along was a third of the app's
    own CPU (bench/batch.py: 4.3 polls per photo). A single edit has no Pace, so it is not delayed by an
    earlier, slower one.
    """
    # Polls on loopback cost ~1 ms and a local task takes well under a second to a few seconds: the default
    # first look after 1 s left the engine idle longer than it worked (bench/batch.py: ratio 6.8 → 1.8 at
    # 512²). The engine's progress jumps unevenly (decode, faces, retouch), so estimates miss by up to 0.3 s;
    # a 0.1 s cap keeps the notice delay small for ~10 polls/s per task (a few % of one core).
    if kind != "local":
        return PollPlanner()
    initial = 0.0 if typical is None else LOCAL_INITIAL_SHARE * typical
    return PollPlanner(first=0.05, minimum=0.05, maximum=0.1, margin=0.02, initial=initial)


__all__ = ["Eta", "Pace", "Progress", "ProgressFn", "Stage", "planner_for"]
