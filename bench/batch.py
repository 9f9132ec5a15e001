"""Batch throughput: N photos through the local gateway vs. the engine's own time divided by the cores.

Goal: wall time of the batch ≤ 1.3 × (sum of engine time / cores).

Baseline, measured in the same run: the same photos through `LocalEngine.run` one after another in one
process set up as each batch worker is (no HTTP, no journal, no files; OpenCV on one thread, freed memory kept
for the next photo) — the sum of those times divided by the core count is what a perfect scheduler with zero
overhead would take. (The same sum
with OpenCV's thread pool is printed too; divided by the cores it counts the pool's use of the second core
twice, so no scheduler can reach it: see docs/BENCHMARKS.md.)

Then the batch: `BatchQueue` (the local default: 3 photos in flight
per engine worker) → pipeline (load, prepare upload, journal, inline data URL) → real HTTP → LocalGateway
(one task thread per worker) → ProcessEngine (LocalEngine in one worker process per core, started before the
clock, as the app does after its first paint) → download → result + sidecar on disk.

Also printed, because the machine is shared: "usable cores" (a CPU-bound loop in 1 process vs in `cores`
processes, measured just before) and the wall ratio against that; and the batch's CPU time ÷ the engine-only
CPU time, worker processes included (what the pipeline costs on top of the engine, whatever share of the
machine it gets).

Usage: python bench/batch.py [--photos 50] [--size 1024] [--rounds 1] [--camera]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.photos (real photographs shipped by scikit-image/matplotlib)

GOAL = 1.3
COLUMNS = (
    "round",
    "load avg",
    "usable cores",
    "Σ engine, 1 thread (s)",
    "ideal = Σ/cores (s)",
    "batch wall (s)",
    "wall ratio (goal ≤ 1.3)",
    "Σ engine, OpenCV threads (s)",
    "wall ratio vs that Σ/cores",
    "wall ratio vs usable cores",
    "workers busy",
    "CPU engine-only (s)",
    "CPU batch: workers (s)",
    "CPU batch: app process (s)",
    "CPU ratio",
    "polls per photo",
    "results",
)


def make_photos(folder: Path, count: int, *, camera: bool = False) -> list[Path]:
    """`count` distinct real portraits: the astronaut and Grace Hopper, mirrored and cropped differently.

    camera=True: 24 MP camera-size JPEGs instead (bench/_photo24.py's portrait on a background, 4.6 MB),
    which the app must downscale and re-encode to the service's 4096 px / 5 MB before sending.
    """
    from tests.photos import astronaut, grace_hopper

    sources = [astronaut(), grace_hopper()]
    if camera:
        import io

        from _photo24 import photo_24mp

        sources = [np.asarray(Image.open(io.BytesIO(photo_24mp())))]
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        n = len(sources)
        rgb = sources[i % n]
        if (i // n) % 2:
            rgb = rgb[:, ::-1]
        m = 4 * (i // (2 * n))  # a different crop margin for every source × mirror: all uploads differ
        rgb = np.ascontiguousarray(rgb[m : rgb.shape[0] - m // 2, m // 2 : rgb.shape[1] - m // 2])
        path = folder / f"portrait{i:03d}.jpg"
        Image.fromarray(rgb).save(path, quality=92)
        paths.append(path)
    return paths


class TimedEngine:
    """Wraps the engine to add up the time it spends inside the gateway (to see contention)."""

    def __init__(self, inner: object) -> None:
        self.inner, self.total, self._lock = inner, 0.0, threading.Lock()
        self.name = getattr(inner, "name", "local")

    def run(self, image_bytes: bytes, params: object, progress: object) -> bytes:
        start = time.perf_counter()
        try:
            return self.inner.run(image_bytes, params, progress)  # type: ignore[attr-defined]
        finally:
            with self._lock:
                self.total += time.perf_counter() - start


def _children_cpu(pids: list[int]) -> float:
    """CPU seconds (user + system) the engine's worker processes have used so far (Linux /proc)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of proc(5)
    return total / os.sysconf("SC_CLK_TCK")


def _spin(n: int) -> float:
    start, total = time.perf_counter(), 0
    for i in range(n):
        total += i
    return time.perf_counter() - start


def usable_cores(cores: int, n: int = 15_000_000) -> float:
    """How many cores this machine gives right now: a CPU-bound loop in 1 process vs in `cores` processes."""
    from concurrent.futures import ProcessPoolExecutor

    one = _spin(n)
    with ProcessPoolExecutor(cores) as pool:
        pool.submit(_spin, 1).result()  # start the workers before timing
        start = time.perf_counter()
        list(pool.map(_spin, [n] * cores))
        many = time.perf_counter() - start
    return cores * one / many


def _engine_one_after_another(paths: list[str], params: object, threads: int | None) -> tuple[float, float]:
    import cv2

    from portrait_studio.engine import LocalEngine

    cv2.setNumThreads(-1 if threads is None else threads)  # -1: OpenCV's default pool
    engine = LocalEngine()
    total, cpu = 0.0, time.process_time()
    for path in paths:
        data = Path(path).read_bytes()
        start = time.perf_counter()
        engine.run(data, params, lambda p: None)  # type: ignore[arg-type]
        total += time.perf_counter() - start
    return total, time.process_time() - cpu


def engine_baseline(photos: list[Path], params: object, threads: int | None) -> tuple[float, float]:
    """(sum of LocalEngine.run wall times one photo after another, CPU seconds they used).

    Run in a fresh process set up as the gateway's workers are (gateway.processes.worker_setup: OpenCV on one
    thread, freed memory kept for the next photo), so the baseline is the engine as each worker runs it.
    threads=None gives OpenCV its own pool back, which makes one photo ~10 % faster by using a share of the
    second core, so that sum divided by the cores counts that share twice; it is shown only for comparison.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from portrait_studio.gateway.processes import worker_setup

    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=spawn, initializer=worker_setup) as pool:
        job = pool.submit(_engine_one_after_another, [str(p) for p in photos], params, threads)
        return job.result()


def batch_run(
    photos: list[Path], params: object, work: Path, cores: int
) -> tuple[float, float, tuple[float, float], int, int]:
    """(wall s, engine s in the gateway, (CPU s of this process, of the workers), polls, results)."""
    from portrait_studio.api.batch import BatchQueue, default_concurrency
    from portrait_studio.api.client import Client
    from portrait_studio.api.pipeline import Backend
    from portrait_studio.core.journal import Journal
    from portrait_studio.engine import LocalEngine
    from portrait_studio.gateway import LocalGateway
    from portrait_studio.gateway.processes import ProcessEngine

    processes = ProcessEngine(LocalEngine, workers=cores)  # what default_engine() gives the app
    processes.warm(wait=True)  # the app warms its workers after the first paint (RunWorker.prepare)
    engine = TimedEngine(processes)
    out = work / "out"
    with (
        LocalGateway(engine, cache_dir=work / "gateway", workers=cores) as gateway,  # type: ignore[arg-type]
        Client(gateway.base_url, gateway.token) as client,
        Journal(work / "journal.sqlite3") as journal,
    ):
        queue = BatchQueue.for_session(Backend(client, "local"), params, journal=journal, out_dir=out)
        assert queue.concurrency == default_concurrency("local")
        queue.add(photos)
        start, own, workers = time.perf_counter(), time.process_time(), _children_cpu(processes.pids)
        queue.start()
        queue.wait()
        wall = time.perf_counter() - start
        own, workers = time.process_time() - own, _children_cpu(processes.pids) - workers
        failed = [i for i in queue.items() if i.status != "done"]
        polls = gateway.stats.poll_requests
        queue.close()
    processes.close()
    if failed:
        raise SystemExit(f"{len(failed)} photos failed, e.g. {failed[0].path}: {failed[0].error}")
    return wall, engine.total, (own, workers), polls, len(list(out.glob("*.retouched.jpg")))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=50)
    parser.add_argument("--size", type=int, default=1024, help="result width and height")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--camera", action="store_true", help="24 MP camera-size photos (not the goal's)")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        os.environ["PORTRAIT_STUDIO_DATA_DIR"] = str(Path(tmp) / "appdata")  # never the user's journal
        from portrait_studio.core.params import EditParams

        params = EditParams(gpen=0.5, skin=0.4, skin_unifi=0.3, width=args.size, height=args.size, seed=1)
        photos = make_photos(Path(tmp) / "photos", args.photos, camera=args.camera)
        ratios, cpu_ratios = [], []
        kind = "24 MP camera JPEGs" if args.camera else "photos of 512-600 px"
        print(f"{args.photos} {kind} → {args.size}², {cores} cores")
        print("| " + " | ".join(COLUMNS) + " |")
        print("|" + "---|" * len(COLUMNS))
        for n in range(args.rounds):
            load, usable = os.getloadavg()[0], usable_cores(cores)
            engine_sum, engine_cpu = engine_baseline(photos, params, threads=1)
            threaded_sum, _ = engine_baseline(photos, params, threads=None)
            ideal = engine_sum / cores
            wall, in_batch, cpu, polls, results = batch_run(photos, params, Path(tmp) / f"round{n}", cores)
            ratios.append(wall / ideal)
            cpu_ratios.append(sum(cpu) / engine_cpu)
            cells = [
                n + 1,
                load,
                usable,
                engine_sum,
                ideal,
                wall,
                ratios[-1],
                threaded_sum,
                wall / (threaded_sum / cores),
                wall / (engine_sum / usable),
                f"{in_batch / (cores * wall):.0%}",
                engine_cpu,
                cpu[1],
                cpu[0],
                cpu_ratios[-1],
                polls / args.photos,
            ]
            row = [f"{c:.2f}" if isinstance(c, float) else str(c) for c in cells]
            print("| " + " | ".join([*row, f"{results}/{args.photos}"]) + " |", flush=True)
        median = statistics.median(ratios)
        verdict = "meets" if median <= GOAL else "MISSES"
        print(f"wall ratio: median {median:.2f} over {len(ratios)} round(s), {verdict} the goal ≤ {GOAL}")
        print(
            f"CPU ratio (pipeline overhead on top of the engine): median {statistics.median(cpu_ratios):.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
