"""`check` over many files on a process pool (cli/check_pool.py): same results, same order, clean Ctrl+C."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from portrait_studio.cli.check_pool import Checked, check_files
from tests import photos
from tests.conftest import cli_args
from tests.core.test_faces_composites import side_by_side


def _folder(tmp_path: Path) -> list[str]:
    a, g = photos.astronaut(), photos.grace_hopper()
    bad = tmp_path / "notes.jpg"
    bad.write_text("not a photo")
    files = [
        photos.save(a, tmp_path / "a.jpg"),
        photos.save(side_by_side(a, g), tmp_path / "two.png"),
        bad,
        photos.save(photos.chelsea(), tmp_path / "cat.jpg"),
        photos.save(g, tmp_path / "g.jpg"),
    ]
    return [str(p) for p in files]


def _summary(c: Checked) -> object:
    if c.error is not None:
        return (c.name, "unreadable", c.error.message, c.error.fix)
    assert c.report is not None
    return (c.name, c.report.to_json(), c.image is not None)


def test_pool_gives_the_one_process_results_in_the_order_given(tmp_path: Path) -> None:
    names = _folder(tmp_path)
    alone = [_summary(c) for c in check_files(names, None, keep_image=True, workers=1)]
    pooled = [_summary(c) for c in check_files(names, None, keep_image=True, workers=2)]
    assert pooled == alone
    assert [s[0] for s in pooled] == names  # type: ignore[index]
    assert pooled[2][1] == "unreadable"  # type: ignore[index]
    assert [s[1]["faces"] for i, s in enumerate(pooled) if i != 2] == [1, 2, 0, 1]  # type: ignore[index]


def test_stopping_early_ends_the_workers(tmp_path: Path) -> None:
    names = _folder(tmp_path) * 3
    results = check_files(names, None, workers=2)
    assert next(results).name == names[0]
    results.close()  # the pool is shut down: nothing queued still runs, no process is left behind
    import multiprocessing

    assert multiprocessing.active_children() == []


def test_ctrl_c_stops_cleanly_with_the_files_done_so_far(tmp_path: Path) -> None:
    # Enough files that the pool cannot finish them in the 0.2 s before the Ctrl+C: with the detections
    # cached, 40 (the five files eight times) were all done in time once (CI, 3 Dec).
    names = _folder(tmp_path) * 100
    proc = subprocess.Popen(
        cli_args("check", *names),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the SIGINT below reaches it and its workers only
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()  # the pool is running: the first report is out
    assert first.startswith(names[0])
    time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl+C in a terminal does
    rest, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err
    printed = [line.split(":")[0] for line in (first + rest).splitlines() if not line.startswith(" ")]
    assert len(printed) < len(names)
