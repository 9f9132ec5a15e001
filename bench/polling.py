"""Polling benchmark: a ~60 s task with linear progress on the local gateway.

Goal: at most 12 polls AND a median of ≤ 1 s between the task completing and the client noticing.
Baselines measured in the same run: a fixed 5 s poller (vtrix-cli) and a fixed 3 s poller (the SDKs).
Each strategy follows the same five tasks of 58–62 s (so no poller is lucky with a round 60 s), all at once.

Usage: .venv/bin/python bench/polling.py [--seconds 60] [--tasks 5]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image

from portrait_studio.api.client import Client
from portrait_studio.api.hosting import data_url
from portrait_studio.core.params import EditParams
from portrait_studio.gateway import LocalGateway, TrivialEngine

Waiter = Callable[[Client, str], None]


class SeedTimedEngine:
    """The trivial engine, then linear progress for `seed` milliseconds: one gateway, many task lengths."""

    name = "bench"

    def __init__(self) -> None:
        self.inner = TrivialEngine()

    def run(self, image_bytes: bytes, params: EditParams, progress: Callable[[float], None]) -> bytes:
        start = time.monotonic()
        result = self.inner.run(image_bytes, params, lambda p: None)
        seconds = params.seed / 1000.0
        while (elapsed := time.monotonic() - start) < seconds:
            progress(elapsed / seconds)
            time.sleep(min(0.05, seconds - elapsed))
        return result


def fixed_poller(interval: float) -> Waiter:
    """Poll at once, then every `interval` seconds, like the official clients."""

    def wait(client: Client, task_id: str) -> None:
        while client.poll(task_id).status == "in_progress":
            time.sleep(interval)

    return wait


def adaptive(client: Client, task_id: str) -> None:
    """Client.wait: estimate the finish from progress."""
    client.wait(task_id)


def follow(gw: LocalGateway, client: Client, image: str, seconds: float, waiter: Waiter) -> tuple[int, float]:
    """Create one task, wait with `waiter`; (polls the gateway counted, seconds from finish to notice)."""
    task = client.submit(EditParams(width=512, height=512, seed=int(seconds * 1000)), image)
    waiter(client, task.id)
    noticed = time.monotonic()
    finished = gw.task_finished_at(task.id)
    record = gw.runner.get(task.id)
    assert finished is not None and record is not None and record.status == "completed"
    return record.polls, noticed - finished


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="median task length")
    parser.add_argument("--tasks", type=int, default=5, help="tasks per strategy (lengths spread ±2 s)")
    args = parser.parse_args()
    spread = [args.seconds + (i - (args.tasks - 1) / 2) for i in range(args.tasks)]
    strategies = {"adaptive (ours)": adaptive, "fixed 5 s": fixed_poller(5.0), "fixed 3 s": fixed_poller(3.0)}
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the real photos live in tests/photos.py
    from tests.photos import astronaut

    buf = io.BytesIO()
    Image.fromarray(astronaut()).save(buf, "JPEG")
    image = data_url(buf.getvalue(), "image/jpeg")
    jobs = [(name, s) for name in strategies for s in spread]
    with (
        LocalGateway(SeedTimedEngine(), workers=len(jobs)) as gw,
        Client(gw.base_url, gw.token) as client,
        ThreadPoolExecutor(len(jobs)) as pool,
    ):
        start = threading.Event()

        def run(name: str, seconds: float) -> tuple[int, float]:
            start.wait()  # every task is created at the same moment
            return follow(gw, client, image, seconds, strategies[name])

        futures = {job: pool.submit(run, *job) for job in jobs}
        start.set()
        results = {job: f.result() for job, f in futures.items()}
    rows = {}
    for name in strategies:
        polls = [results[(name, s)][0] for s in spread]
        lat = [results[(name, s)][1] for s in spread]
        rows[name] = (statistics.median(polls), max(polls), statistics.median(lat), max(lat))
    print(
        f"polling benchmark: {args.tasks} tasks of {spread[0]:g}–{spread[-1]:g} s per strategy, run at once"
    )
    print(f"{'strategy':<18}{'polls median':>14}{'polls max':>11}{'notice median':>15}{'notice max':>12}")
    for name, (pm, px, lm, lx) in rows.items():
        print(f"{name:<18}{pm:>14g}{px:>11}{lm:>14.2f}s{lx:>11.2f}s")
    ours, five, three = rows["adaptive (ours)"], rows["fixed 5 s"], rows["fixed 3 s"]
    print(
        f"ratios (ours / baseline): polls {ours[0] / five[0]:.2f}× fixed-5 s, "
        f"{ours[0] / three[0]:.2f}× fixed-3 s; notice latency {ours[2] / five[2]:.2f}× fixed-5 s, "
        f"{ours[2] / three[2]:.2f}× fixed-3 s"
    )
    ok = ours[1] <= 12 and ours[2] <= 1.0
    print(f"goal (≤ 12 polls and median notice ≤ 1 s): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
