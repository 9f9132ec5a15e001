"""PollPlanner on simulated clocks, and the lenient parsers on the raw variants of docs/PROTOCOL.md."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portrait_studio.api.models import (
    normalize_status,
    parse_estimate,
    parse_progress,
    parse_task,
    parse_time,
)
from portrait_studio.api.polling import PollPlanner
from portrait_studio.core.errors import APIError
from portrait_studio.core.money import parse_money


def simulate(duration: float, *, with_progress: bool = True, start_lag: float = 0.0) -> tuple[int, float]:
    """(polls, notice latency) for a task ending at `duration`, progress linear after `start_lag`."""
    planner, now, polls = PollPlanner(), 0.0, 0
    planner.observe(now, 0.0 if with_progress else None)  # the create answer
    while True:
        now += planner.next_delay(now)
        polls += 1
        if now >= duration:
            return polls, now - duration
        progress = max(0.0, (now - start_lag) / (duration - start_lag)) if with_progress else None
        planner.observe(now, progress)


def test_linear_60_s_task_meets_the_goal() -> None:
    polls, latency = simulate(60.0)
    assert polls <= 12 and latency <= 1.0, (polls, latency)


@pytest.mark.parametrize("duration", [3.0, 10.0, 25.0, 60.0, 120.0, 300.0])
def test_goal_holds_for_other_durations(duration: float) -> None:
    polls, latency = simulate(duration)
    assert latency <= 1.0 and polls <= max(12, duration / 10), (polls, latency)


def test_queue_time_before_progress_starts_still_ends_close() -> None:
    polls, latency = simulate(60.0, start_lag=10.0)
    assert latency <= 1.0 and polls <= 14, (polls, latency)


def test_without_progress_the_planner_backs_off() -> None:
    planner = PollPlanner()
    delays = [planner.next_delay(float(i)) for i in range(12)]
    assert delays[0] == 1.0 and delays == sorted(delays) and delays[-1] == 20.0
    polls, _ = simulate(60.0, with_progress=False)
    assert polls <= 12


def test_progress_going_backwards_restarts_the_estimate() -> None:
    planner = PollPlanner()
    planner.observe(0.0, 0.0)
    planner.observe(10.0, 0.5)
    assert planner.finish_at() == pytest.approx(20.0)
    planner.observe(11.0, 0.1)
    assert planner.finish_at() is None


@given(st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=20))
def test_delays_stay_in_bounds(progresses: list[float]) -> None:
    planner, now = PollPlanner(), 0.0
    for p in progresses:
        planner.observe(now, p)
        delay = planner.next_delay(now)
        assert 0.5 <= delay <= 20.0
        now += delay


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("completed", "completed"),
        ("COMPLETED", "completed"),
        ("Failed", "failed"),
        ("pending", "in_progress"),
        ("PROCESSING", "in_progress"),
        ("queued", "in_progress"),
        ("brand-new-state", "in_progress"),
        (None, "in_progress"),
        (7, "in_progress"),
    ],
)
def test_status_variants(raw: object, expected: str) -> None:
    assert normalize_status(raw) == expected


def test_scalar_variants() -> None:
    assert parse_progress("0.25") == 0.25 and parse_progress(None) is None and parse_progress("n/a") is None
    assert parse_progress("45%") == 0.45 and parse_progress(True) is None
    assert parse_money("0.02") == Decimal("0.02") and parse_money(0.035) == Decimal("0.035")
    assert parse_money(None) is None and parse_money("free") is None
    when = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    assert parse_time(int(when.timestamp())) == when == parse_time("2025-03-01T12:00:00Z")
    assert parse_time(int(when.timestamp() * 1000)) == when and parse_time("yesterday") is None


def test_task_without_any_id_is_an_error_but_poll_fills_it_in() -> None:
    with pytest.raises(APIError):
        parse_task({"status": "in_progress"})
    assert parse_task({"status": "in_progress"}, fallback_id="t1").id == "t1"
    with pytest.raises(APIError):
        parse_task(["not", "a", "task"])


def test_precharge_variants() -> None:
    ok = parse_estimate({"status": "success", "data": {"cost": "0.035", "currency": "USD", "discount": 0.7}})
    assert ok.cost == Decimal("0.035") and ok.discount == 0.7
    miss = parse_estimate({"status": "failed", "data": {"cost": None, "reason": "COST_CACHE_MISS"}})
    assert miss.cost is None and miss.reason == "COST_CACHE_MISS"


def test_retry_after_forms() -> None:
    from email.utils import format_datetime

    import httpx

    from portrait_studio.api._retry import backoff_delay, retry_after_seconds

    def answer(**headers: str) -> httpx.Response:
        return httpx.Response(429, headers=headers)

    assert retry_after_seconds(answer()) is None
    assert retry_after_seconds(answer(**{"Retry-After": "2.5"})) == 2.5
    assert retry_after_seconds(answer(**{"Retry-After": "86400"})) == 60.0  # capped
    assert retry_after_seconds(answer(**{"retry-after-ms": "1500"})) == 1.5
    assert retry_after_seconds(answer(**{"Retry-After": "soon"})) is None
    in_ten = format_datetime(
        datetime.now(UTC).replace(microsecond=0) + __import__("datetime").timedelta(seconds=10)
    )
    assert 7.0 <= (retry_after_seconds(answer(**{"Retry-After": in_ten})) or 0) <= 10.0
    assert backoff_delay(0, 3.0) == 3.0
    for attempt in range(8):
        delay = backoff_delay(attempt)
        cap = min(8.0, 0.5 * 2**attempt)
        assert cap / 2 <= delay <= cap


def test_a_batch_pace_delays_only_the_local_first_look() -> None:
    from portrait_studio.api._progress import Pace, planner_for

    pace = Pace(window=3)
    assert pace.typical() is None and planner_for("local", pace.typical()).initial == 0.0
    for seconds in (0.4, 9.0, 0.5, 0.6):  # the oldest (0.4) falls out of the window; one outlier is ignored
        pace.add(seconds)
    assert pace.typical() == 0.6
    assert planner_for("local", pace.typical()).initial == pytest.approx(0.54)
    assert planner_for("cloud", pace.typical()).initial == 0.0  # the cloud planner has its own schedule
