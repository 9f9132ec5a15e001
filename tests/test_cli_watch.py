"""`portrait-studio watch` as a real process (issue 20): 200 photos copied in slowly and in bursts, some
written in pieces over a second, the watcher killed with SIGKILL midway and started again: every photo done
exactly once, no partial file ever read.

The gateway runs in this process (the real LocalGateway, the trivial engine): it outlives the killed watcher,
as a `portrait-studio gateway` would, and its engine records the sha256 of every image a task was created
with. The photos are small JPEGs that go to the gateway as they are, so each upload is a file's bytes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

from portrait_studio.core.journal import Journal
from portrait_studio.core.params import EditParams
from portrait_studio.core.presets import PresetStore
from portrait_studio.gateway import LocalGateway
from tests.api.test_watch import RecordingEngine, photo_bytes, sha
from tests.conftest import cli_args

PHOTOS = 200


def write_photo(folder: Path, i: int) -> None:
    """Photo i as a camera, a copy or a download would write it (three ways, in turn)."""
    path, data = folder / f"p{i:03d}.jpg", photo_bytes(i)
    if i % 10 == 0:  # in pieces over a second, held open (a slow card reader or share)
        with path.open("wb") as f:
            for k in range(4):
                f.write(data[k * len(data) // 4 : (k + 1) * len(data) // 4])
                f.flush()
                time.sleep(0.3)
    elif i % 10 == 1:  # a download: a `.part` file renamed when whole
        part = folder / f"p{i:03d}.jpg.part"
        part.write_bytes(data)
        os.replace(part, path)
    else:
        path.write_bytes(data)


def copy_in(folder: Path, numbers: range, pause: float) -> threading.Thread:
    """Write the photos from a thread, `pause` s apart (0: a burst); piecewise ones alongside the others."""

    def run() -> None:
        writers = []
        for i in numbers:
            if i % 10 == 0:
                writers.append(threading.Thread(target=write_photo, args=(folder, i)))
                writers[-1].start()
            else:
                write_photo(folder, i)
            time.sleep(pause)
        for w in writers:
            w.join()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def completed(journal: Journal) -> int:
    return len(journal.rows(status="completed", limit=10 * PHOTOS))


def wait_for(condition, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while not condition():
        assert proc is None or proc.poll() is None, "the watcher ended by itself"
        assert time.monotonic() < end, "timed out"
        time.sleep(0.1)


def kill_between_requests(proc: subprocess.Popen[bytes], journal: Journal) -> None:
    """SIGKILL the watcher at a moment when no create request is unanswered (frozen first, then looked at).

    A row still "creating" may have reached the gateway; the local backend (free) sends it again, which a
    count of creates would see as a double. Paid tasks and half-written results are what the kill tests.
    """
    for _ in range(200):
        proc.send_signal(signal.SIGSTOP)
        if not journal.rows(status="creating"):
            proc.kill()
            proc.wait(10)  # reaped: its pid is dead for the journal's owner check
            return
        proc.send_signal(signal.SIGCONT)
        time.sleep(0.02)
    raise AssertionError("the watcher was never between two create requests")


def test_200_photos_copied_in_with_a_sigkill_midway_are_each_done_exactly_once(tmp_path: Path):
    shoot, out = tmp_path / "shoot", tmp_path / "out"
    shoot.mkdir()
    PresetStore().save("small", EditParams(width=512, height=512, seed=3))
    engine = RecordingEngine()
    with LocalGateway(engine, cache_dir=tmp_path / "gw") as gateway, Journal() as journal:
        env = {**os.environ, "PORTRAIT_STUDIO_API_KEY": gateway.token}
        args = cli_args(
            "watch", str(shoot), "-o", str(out), "--backend", "local", "--base-url", gateway.base_url,
            "--preset", "small", "--settle", "0.5", "--json",
        )  # fmt: skip
        logs = [tmp_path / "first.jsonl", tmp_path / "second.jsonl"]
        with logs[0].open("wb") as log, subprocess.Popen(args, env=env, stdout=log) as first:
            try:
                slow = copy_in(shoot, range(60), 0.05)  # one every 50 ms
                slow.join()
                burst = copy_in(shoot, range(60, 140), 0)  # 80 at once
                wait_for(lambda: completed(journal) >= 40, 120, first)
                kill_between_requests(first, journal)
                done_at_kill = completed(journal)
            finally:
                if first.poll() is None:
                    first.kill()
        assert first.returncode == -signal.SIGKILL and done_at_kill < 140  # midway: the burst not done yet
        burst.join()
        late = copy_in(shoot, range(140, PHOTOS), 0)  # while it is down, and as it starts again
        with logs[1].open("wb") as log, subprocess.Popen(args, env=env, stdout=log) as second:
            try:
                late.join()
                wait_for(lambda: completed(journal) >= PHOTOS, 180, second)
                time.sleep(1.0)  # a little longer: nothing more may happen
                second.send_signal(signal.SIGTERM)
                assert second.wait(60) == 0
            finally:
                if second.poll() is None:
                    second.kill()
        whole = {sha(photo_bytes(i)) for i in range(PHOTOS)}
        assert len(engine.seen) == PHOTOS == gateway.stats.creates  # each photo created exactly once
        assert set(engine.seen) == whole  # and every upload was a complete file
        assert sorted(p.name for p in out.glob("*.jpg")) == [f"p{i:03d}.retouched.jpg" for i in range(PHOTOS)]
        rows = journal.rows(limit=10 * PHOTOS)
        assert len(rows) == PHOTOS and {r.status for r in rows} == {"completed"}
        assert {r.input_sha256 for r in rows} == whole  # what the watcher read was each whole file
    lines = [json.loads(line) for path in logs for line in path.read_text().splitlines()]
    assert lines and not [line for line in lines if line.get("status") == "failed"]


def test_a_missing_folder_is_said_plainly(tmp_path: Path):
    run = subprocess.run(
        cli_args("watch", str(tmp_path / "nowhere"), "-o", str(tmp_path / "out"), "--backend", "local"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    assert "does not exist" in run.stderr and "Traceback" not in run.stderr
