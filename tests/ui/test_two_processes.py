"""The window's batch and a `portrait-studio retouch` run on one folder at once create each task once and
overwrite nothing. Only public window APIs; both share one gateway, which counts creates."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from PIL import Image

from portrait_studio.api.backend import BackendSession
from portrait_studio.api.client import Client
from portrait_studio.core.journal import Journal
from portrait_studio.core.params import EditParams
from tests.photos import astronaut, grace_hopper
from tests.test_two_processes import ROUNDS, SMALL, created, retouch_args, trivial_gateway
from tests.ui.windows import make_window


def test_the_window_and_a_cli_run_at_once_create_each_task_once(qtbot, tmp_path: Path):
    originals = tmp_path / "originals"
    originals.mkdir()
    Image.fromarray(astronaut()).save(originals / "a.jpg", quality=90)
    Image.fromarray(grace_hopper()).save(originals / "b.jpg", quality=90)
    # Tasks of 3 s: longer than a CLI run takes to start, so each side finds the other's tasks in flight.
    with (
        trivial_gateway(tmp_path / "gateway-cache", seconds=3) as gateway,
        Journal() as journal,
        # The test's own client: the window does not close a backend it was given, so this closes it.
        BackendSession(Client(gateway["base_url"], gateway["token"]), "local", None, "trivial") as session,
    ):
        env = {**os.environ, "PORTRAIT_STUDIO_API_KEY": gateway["token"]}
        w = make_window(qtbot, session)
        qtbot.waitUntil(lambda: w.batch_flow is not None, timeout=30_000)
        for n in range(ROUNDS):
            shoot = shutil.copytree(originals, tmp_path / f"shoot-{n}")  # results go next to the originals
            w.controls.set_params(EditParams(width=512, height=512, seed=200 + n))  # a new request each round
            before, rows_before = created(gateway["cache"]), len(journal.rows())
            args = retouch_args(gateway, str(shoot), "--seed", str(200 + n), *SMALL)
            with subprocess.Popen(
                args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            ) as cli:
                if n % 2 == 0:  # the CLI first: the window starts while the CLI's tasks are in flight
                    qtbot.waitUntil(lambda k=rows_before: len(journal.rows()) > k, timeout=60_000)
                # odd rounds: the window first
                with qtbot.waitSignal(w.batch_panel.finished, timeout=120_000):
                    items = w.batch_flow.retouch(w.open_paths([Path(shoot)]), out_dir=Path(shoot))
                stdout, stderr = cli.communicate(timeout=120)
            assert cli.returncode == 0, stderr
            done = [w.batch_panel.item(i.id) for i in items]
            assert [i.status for i in done] == ["done", "done"], [i.error for i in done]
            assert created(gateway["cache"]) - before == 2, f"round {n}"  # each photo created once
            names = sorted(p.name for p in Path(shoot).iterdir())
            assert names == [
                "a.jpg", "a.retouched.jpg", "a.retouched.json", "b.jpg", "b.retouched.jpg", "b.retouched.json"
            ], n  # fmt: skip
            by_cli = {d["input"]: d["output"] for d in map(json.loads, stdout.splitlines())}
            by_window = {str(i.path): str(i.result.output_path) for i in done if i.result}
            assert by_cli == by_window  # one result per photo, named the same by both
        w.close()  # before the session closes: nothing of the window may use its client afterwards
