"""`portrait-studio retouch` on group photos as real processes: --faces, and kill -9 in the middle of a group
then `portrait-studio resume` — every face task created once, the group result lands."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from portrait_studio.core.journal import Journal
from tests import photos
from tests.conftest import cli_args
from tests.group_photos import tight_group

SIZE = ("--width", "512", "--height", "512")


@pytest.fixture
def slow_engine_gateway(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A `portrait-studio gateway` with the real local engine whose tasks take 3 s (a client is surely
    polling one when it is killed)."""
    cache = tmp_path / "gateway-cache"
    args = ("gateway", "--min-task-seconds", "3", "--cache-dir", str(cache))
    with subprocess.Popen(cli_args(*args), stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        yield {**info, "cache": str(cache)}
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


def _created(gateway: dict[str, str]) -> list[str]:
    """Task ids the gateway made a result for (files `<task id>-<random>.jpg`): one per create."""
    return sorted(p.name.rsplit("-", 1)[0] for p in (Path(gateway["cache"]) / "files").glob("*.jpg"))


def test_kill_9_in_the_middle_of_a_group_then_resume(tmp_path: Path, slow_engine_gateway: dict[str, str]):
    gateway = slow_engine_gateway
    group, _ = tight_group(5)
    photo = photos.save(group, tmp_path / "shoot" / "team.png")
    env = {**os.environ, "PORTRAIT_STUDIO_API_KEY": gateway["token"]}
    retouch = (
        "retouch",
        str(photo),
        "--backend",
        "cloud",
        "--base-url",
        gateway["base_url"],
        "--json",
        *SIZE,
    )
    with subprocess.Popen(cli_args(*retouch), env=env) as proc, Journal() as journal:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # two faces done, the third paid for and polled
            faces = [r for r in journal.rows() if r.parent_id]
            done = [r for r in faces if r.status == "completed"]
            if len(done) >= 2 and any(r.status == "submitted" and (r.progress or 0) > 0 for r in faces):
                break
            assert proc.poll() is None, "retouch ended before it could be killed"
            time.sleep(0.05)
        else:
            pytest.fail("the group never reached its third face")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        [group_row] = [r for r in journal.rows() if r.kind == "group"]
        assert group_row.status == "creating" and journal.orphaned_groups() == [group_row]
    assert not photo.with_name("team.retouched.png").exists()
    before = _created(gateway)

    resumed = subprocess.run(
        cli_args("resume", "--json"), env=env, capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr
    [line] = [json.loads(text) for text in resumed.stdout.splitlines()]
    assert line["status"] == "completed" and line["row"] == group_row.id
    assert line["output"] == str(photo.with_name("team.retouched.png"))
    tasks = [f["task_id"] for f in line["faces"]]
    created = _created(gateway)
    assert len(tasks) == 5 and sorted(tasks) == created  # 5 faces, 5 creates: none twice
    assert set(before) <= set(created)  # the paid ones were finished, not made again
    with Image.open(line["output"]) as im:
        out = np.asarray(im.convert("RGB"))
    assert out.shape == group.shape
    for f in line["faces"]:
        x, y, w, h = f["box"]
        assert np.abs(out[y : y + h, x : x + w].astype(int) - group[y : y + h, x : x + w]).mean() > 1.0
    with Journal() as journal:
        assert journal.get(group_row.id).status == "completed"
        assert not journal.resumable() and not journal.uncertain() and not journal.orphaned_groups()


def test_faces_option_picks_faces_and_refuses_bad_values(tmp_path: Path):
    group, _ = tight_group(3, gap=1.1)
    photo = photos.save(group, tmp_path / "three.png")
    bad = subprocess.run(cli_args("retouch", str(photo), "--faces", "two"), capture_output=True, text=True)
    assert bad.returncode == 2 and "--faces takes all, largest or face numbers" in bad.stderr
    run = subprocess.run(
        cli_args("retouch", str(photo), "--faces", "1,3", *SIZE), capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert "3 faces" not in lines[0] and "2 faces" in lines[0]  # faces 1 and 3 only
    assert [x.split(" (")[0].strip() for x in lines if x.startswith("  face")] == ["face 1", "face 3"]
    sidecar = json.loads(photo.with_name("three.retouched.json").read_text())
    assert [f["number"] for f in sidecar["faces"]] == [1, 3]
