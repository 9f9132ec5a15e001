"""kill -9 during polling, then `portrait-studio resume`: the task is finished, nothing is created twice.

Everything is a real process: a standalone `portrait-studio gateway`, a `portrait-studio retouch` that is
killed with SIGKILL while it polls, and `portrait-studio resume`; they share only the journal file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

from portrait_studio.core.journal import Journal
from tests.conftest import cli_args, retouch_killed_while_polling
from tests.photos import astronaut


def _created_tasks(gateway: dict[str, str]) -> set[str]:
    """Task ids the gateway made a result for (its files are named `<task id>-<random>.jpg`)."""
    return {p.name.rsplit("-", 1)[0] for p in (Path(gateway["cache"]) / "files").glob("*.jpg")}


def test_kill_9_while_polling_then_resume_finishes_with_one_create(
    tmp_path: Path, standalone_gateway: dict[str, str]
):
    gateway = standalone_gateway
    photo = tmp_path / "shoot" / "eileen.jpg"
    photo.parent.mkdir()
    Image.fromarray(astronaut()).save(photo, quality=90)
    env = {**os.environ, "PORTRAIT_STUDIO_API_KEY": gateway["token"]}
    row_id = retouch_killed_while_polling(photo, gateway, env)
    journal = Journal()
    [row] = journal.rows()
    assert row.id == row_id
    assert row.status == "submitted" and row.task_id
    assert not (photo.parent / "eileen.retouched.jpg").exists()
    assert [r.id for r in journal.resumable()] == [row.id]

    resumed = subprocess.run(
        cli_args("resume", "--json"), env=env, capture_output=True, text=True, timeout=120
    )
    assert resumed.returncode == 0, resumed.stderr
    [line] = [json.loads(text) for text in resumed.stdout.splitlines()]
    expected = photo.parent / "eileen.retouched.jpg"  # where the original run would have put it
    assert line["status"] == "completed" and line["task_id"] == row.task_id
    assert line["output"] == str(expected) and line["row"] == row.id
    with Image.open(expected) as result:
        assert result.size == (512, 512)
    sidecar = json.loads(expected.with_suffix(".json").read_text())
    assert sidecar["task_id"] == row.task_id and gateway["token"] not in json.dumps(sidecar)
    assert journal.get(row.id).status == "completed"
    assert _created_tasks(gateway) == {row.task_id}  # exactly one create, never resubmitted
    # A second resume has nothing left to do.
    again = subprocess.run(cli_args("resume"), env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and "nothing to resume" in again.stdout
    journal.close()


def test_uncertain_rows_are_listed_not_resubmitted_and_can_be_dismissed(tmp_path: Path):
    with Journal() as journal:
        crashed = subprocess.run(
            [
                sys.executable,
                "-c",
                "from portrait_studio.core.journal import Journal\n"
                "from portrait_studio.core.params import EditParams\n"
                "Journal().begin(input_path='/p/a.jpg', input_sha256='s', upload_sha256='u',"
                " params=EditParams(), backend='cloud', base_url='https://cloud.example')\n",
            ],
            timeout=60,
        )
        assert crashed.returncode == 0  # it exits right after the row: like a crash before the answer
        out = subprocess.run(cli_args("resume", "--json"), capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        [line] = [json.loads(t) for t in out.stdout.splitlines()]
        assert line["status"] == "uncertain" and line["input"] == "/p/a.jpg"
        assert "--dismiss" in line["error"]["fix"]
        dismissed = subprocess.run(
            cli_args("resume", "--dismiss", str(line["row"])), capture_output=True, text=True
        )
        assert dismissed.returncode == 0
        assert journal.uncertain() == []
        wrong = subprocess.run(cli_args("resume", "--dismiss", "999"), capture_output=True, text=True)
        assert wrong.returncode == 1 and "no journal row" in wrong.stderr
