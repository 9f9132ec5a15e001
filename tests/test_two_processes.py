"""Two processes on one folder create each task once and overwrite nothing.

Real processes only: a standalone `portrait-studio gateway` (the trivial engine) counts the creates, two
`portrait-studio retouch` runs on the same photos start at once and share only the journal file.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from portrait_studio.core.fileio import create_exclusive, create_unique
from portrait_studio.core.journal import AlreadyBegun, Journal
from portrait_studio.core.params import EditParams
from tests.conftest import cli_args
from tests.photos import astronaut, grace_hopper

ROUNDS = 10
SMALL = ("--width", "512", "--height", "512")


def created(cache: Path) -> int:
    """Tasks the gateway made (each leaves one result file `<task id>-<random>.jpg`)."""
    return len(list((cache / "files").glob("*.jpg")))


@contextmanager
def trivial_gateway(cache: Path, seconds: float = 0.5) -> Iterator[dict[str, Any]]:
    """A `portrait-studio gateway` process (trivial engine): {"base_url", "token", "cache"}."""
    args = ("gateway", "--engine", "trivial", "--min-task-seconds", str(seconds), "--cache-dir", str(cache))
    with subprocess.Popen(cli_args(*args), stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        try:
            yield {**info, "cache": cache}
        finally:
            proc.terminate()
            proc.wait(30)


def retouch_args(gateway: dict[str, Any], *args: str) -> list[str]:
    """`portrait-studio retouch ARGS` on the local backend served by `gateway` (its token as the key)."""
    return cli_args("retouch", *args, "--backend", "local", "--base-url", gateway["base_url"], "--json")


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[dict[str, Any]]:
    with trivial_gateway(tmp_path / "gateway-cache") as info:
        yield info


def test_two_retouch_runs_at_once_create_each_task_once_and_overwrite_nothing(tmp_path: Path, gateway):
    env = {**os.environ, "PORTRAIT_STUDIO_API_KEY": gateway["token"]}
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    Image.fromarray(astronaut()).save(shoot / "a.jpg", quality=90)
    Image.fromarray(grace_hopper()).save(shoot / "b.jpg", quality=90)
    for n in range(ROUNDS):
        out = tmp_path / f"round-{n}"
        before = created(gateway["cache"])
        # A new seed each round: a new request, so each round must create (not reuse) both photos.
        args = retouch_args(gateway, str(shoot), "-o", str(out), "--seed", str(100 + n), *SMALL)
        runs = [
            subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        outputs = [run.communicate(timeout=180) for run in runs]
        for run, (_stdout, stderr) in zip(runs, outputs, strict=True):
            assert run.returncode == 0, stderr
        lines = [[json.loads(t) for t in stdout.splitlines()] for stdout, _ in outputs]
        assert created(gateway["cache"]) - before == 2, f"round {n}: {lines}"  # each photo created once
        names = sorted(p.name for p in out.iterdir())
        assert names == ["a.retouched.jpg", "a.retouched.json", "b.retouched.jpg", "b.retouched.json"], n
        first, second = ({d["input"]: d["output"] for d in run} for run in lines)
        assert first == second  # both runs name the one result of each photo
        for result in out.glob("*.retouched.jpg"):
            sidecar = json.loads(result.with_suffix(".json").read_text())
            assert sidecar["output"] == str(result)
    with Journal() as journal:
        done = journal.rows(status="completed")
    assert len(done) == 2 * ROUNDS and len({r.result_path for r in done}) == 2 * ROUNDS


_HOLD_A_ROW = textwrap.dedent(
    """
    import sys, time
    from portrait_studio.core.journal import Journal
    from portrait_studio.core.params import EditParams
    journal = Journal()
    journal.begin(input_path="/p/a.jpg", input_sha256="s", upload_sha256="u", params=EditParams(seed=1),
                  backend="cloud", base_url="https://cloud.example")
    print("started", flush=True)
    sys.stdin.read()  # alive (and owning the row) until the test closes stdin
    """
)


def test_the_same_request_in_flight_in_a_live_process_is_not_begun_again():
    same = dict(
        input_path="/p/a.jpg",
        input_sha256="s",
        upload_sha256="u",
        params=EditParams(seed=1),
        backend="cloud",
        base_url="https://cloud.example",
    )
    with (
        subprocess.Popen(
            [sys.executable, "-c", _HOLD_A_ROW], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        ) as other,
        Journal() as journal,
    ):
        assert other.stdout is not None and other.stdout.readline().strip() == "started"
        with pytest.raises(AlreadyBegun) as running:
            journal.begin(**same, once=True)  # type: ignore[arg-type]
        assert running.value.row.owner_pid == other.pid and len(journal.rows()) == 1
        assert other.stdin is not None
        other.stdin.close()
        other.wait(30)
        # Its owner is gone: the row is left for the user (uncertain), and a new one may be begun.
        row = journal.begin(**same, once=True)  # type: ignore[arg-type]
        assert journal.get(row).status == "creating" and len(journal.rows()) == 2


def _race(args: tuple[str, int, object]) -> str:
    folder, n, barrier = args
    barrier.wait()  # type: ignore[attr-defined]
    return create_unique(Path(folder) / "a.retouched.jpg", f"result {n}".encode()).name


def test_results_created_at_once_by_many_processes_never_replace_each_other(tmp_path: Path):
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager, ctx.Pool(6) as pool:
        for attempt in range(5):
            folder = tmp_path / str(attempt)
            folder.mkdir()
            barrier = manager.Barrier(6)
            names = pool.map(_race, [(str(folder), n, barrier) for n in range(6)])
            assert len(set(names)) == 6  # six names, each holding the bytes of the one that made it
            for n, name in enumerate(names):
                assert (folder / name).read_bytes() == f"result {n}".encode()
            assert sorted(p.name for p in folder.iterdir()) == sorted(names)  # no temp file left


def test_a_name_someone_else_made_is_never_written_over(tmp_path: Path):
    theirs = tmp_path / "a.retouched.jpg"
    theirs.write_bytes(b"another process's paid result")
    with pytest.raises(FileExistsError):
        create_exclusive(theirs, b"ours")
    ours = create_unique(theirs, b"ours")
    assert ours.name == "a.retouched-2.jpg" and theirs.read_bytes() == b"another process's paid result"
