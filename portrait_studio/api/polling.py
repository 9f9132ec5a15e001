"""When to poll next: estimate the finish from `progress` and look just after it, back off otherwise."""

from __future__ import annotations

from portrait_studio.api import _constants as C


class PollPlanner:
    """Plans the delay before each poll from the (time, progress) pairs seen so far.

    With progress: the rate is the slope between the first and the latest observation; while the finish is far
    off the planner waits a share of the remaining time (so the estimate is refined as the baseline grows),
    then polls `margin` after the estimated finish. Without progress, or once overdue: exponential backoff.
    `initial` delays the first poll (when the task's usual duration is known, looking at once is wasted).
    """

    def __init__(
        self,
        *,
        first: float = C.POLL_FIRST,
        minimum: float = C.POLL_MIN,
        maximum: float = C.POLL_MAX,
        backoff: float = C.POLL_BACKOFF,
        margin: float = C.POLL_MARGIN,
        approach: float = C.POLL_APPROACH,
        initial: float = 0.0,
    ) -> None:
        self.first, self.minimum, self.maximum = first, minimum, maximum
        self.initial = initial  # seconds before the very first poll (0: look at once)
        self.backoff, self.margin, self.approach = backoff, margin, approach
        self._seen: list[tuple[float, float]] = []
        self._blind = 0  # polls in a row without a usable estimate
        self._late = 0  # polls in a row after the estimated finish

    def observe(self, now: float, progress: float | None) -> None:
        """Record one poll answer (monotonic seconds, progress 0..1 or None)."""
        if progress is not None and 0.0 <= progress < 1.0:
            if not self._seen or progress >= self._seen[-1][1]:
                self._seen.append((now, progress))
            else:  # progress went backwards (a retry on the server): start the estimate again
                self._seen = [(now, progress)]

    def finish_at(self) -> float | None:
        """The estimated finish (monotonic seconds), or None without two distinct observations."""
        if len(self._seen) < 2:
            return None
        (t0, p0), (t1, p1) = self._seen[0], self._seen[-1]
        if t1 <= t0 or p1 <= p0:
            return None
        rate = (p1 - p0) / (t1 - t0)
        if rate <= 1e-9:  # a progress step of 5e-324 underflows to 0 (found by hypothesis)
            return None
        return t1 + (1.0 - p1) / rate

    def next_delay(self, now: float) -> float:
        """Seconds to wait before the next poll."""
        finish = self.finish_at()
        remaining = None if finish is None else finish - now
        if remaining is None:
            delay = self.first * self.backoff**self._blind
            self._blind += 1
        elif remaining <= -self.margin:  # overdue: the estimate was early, look again soon, then less often
            delay = self.minimum * self.backoff**self._late
            self._late += 1
        elif remaining > 2.0 * self.minimum / (1.0 - self.approach):
            self._blind = self._late = 0
            delay = remaining * self.approach
        else:
            self._blind = self._late = 0
            delay = max(remaining, 0.0) + self.margin
        return min(max(delay, self.minimum), self.maximum)


__all__ = ["PollPlanner"]
