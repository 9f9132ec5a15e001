"""`portrait-studio gateway`: one JSON line once it accepts connections, serves, stops on SIGTERM/SIGINT."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from portrait_studio.api.client import Client
from portrait_studio.core.params import EditParams
from tests.conftest import cli_args


@contextmanager
def start(tmp_path: Path, *args: str) -> Iterator[subprocess.Popen[str]]:
    """Run the command; on the way out make sure it is gone and its pipes are closed."""
    cmd = cli_args("gateway", "--cache-dir", str(tmp_path), *args)
    with subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy()
    ) as proc:
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.communicate(timeout=10)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_standalone_gateway_serves_a_paced_task_then_stops(
    tmp_path: Path, portrait_data_url: str, sig: signal.Signals
) -> None:
    with start(
        tmp_path, "--engine", "trivial", "--token", "tok-123-long-enough", "--min-task-seconds", "3"
    ) as proc:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        assert info["token"] == "tok-123-long-enough" and info["base_url"].startswith("http://127.0.0.1:")
        assert info["upload_url"].startswith(info["base_url"] + "/upload/")
        with Client(info["base_url"], info["token"]) as c:
            task = c.submit(EditParams(width=512, height=512), portrait_data_url)
            time.sleep(0.6)
            running = c.poll(task.id)
            assert running.status == "in_progress" and 0.1 < (running.progress or 0) < 0.9
            assert c.wait(task.id).status == "completed"
        proc.send_signal(sig)
        assert proc.wait(timeout=10) == 0
    with pytest.raises(httpx.ConnectError):
        httpx.get(info["base_url"] + "/files/x.jpg", timeout=2)


def test_port_in_use_is_a_clear_message(tmp_path: Path) -> None:
    with start(tmp_path / "a", "--engine", "trivial") as first:
        assert first.stdout is not None
        port = json.loads(first.stdout.readline())["base_url"].rsplit(":", 1)[1]
        with start(tmp_path / "b", "--engine", "trivial", "--port", port) as second:
            _, err = second.communicate(timeout=30)
            assert second.returncode == 1 and "--port" in err
        first.terminate()
