"""`portrait-studio retouch` as a real subprocess: local engine by default, or a gateway by --base-url."""

from __future__ import annotations

import json
import os
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image

from portrait_studio.gateway import LocalGateway
from tests.conftest import cli_args
from tests.photos import astronaut, chelsea, coffee, grace_hopper

SMALL = ("--width", "512", "--height", "512")


def retouch(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli_args("retouch", *args),
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        stdin=subprocess.DEVNULL,  # it must never prompt
    )


def lines(out: subprocess.CompletedProcess[str]) -> list[dict]:
    return [json.loads(text) for text in out.stdout.splitlines()]


def test_local_engine_by_default_then_the_same_request_is_free(tmp_path: Path):
    photo = tmp_path / "grace.jpg"
    Image.fromarray(grace_hopper()).save(photo, quality=92)
    first = retouch(str(photo), *SMALL, "--preset", "studio", "--skin", "0.5", "--seed", "11", "--json")
    assert first.returncode == 0, first.stderr
    assert "\r" not in first.stderr and "running" not in first.stderr  # no progress line into a pipe
    [line] = lines(first)
    assert set(line) >= {"input", "output", "status", "task_id", "cost", "error"}
    assert line["status"] == "completed" and line["error"] is None and line["cost"] == "0"
    out = Path(line["output"])
    assert out == tmp_path / "grace.retouched.jpg" and out.is_file()
    side = json.loads((tmp_path / "grace.retouched.json").read_text())
    assert side["params"]["gpen"] == 0.6 and side["params"]["skin"] == 0.5  # preset + override
    assert side["seed"] == 11 and side["preset"] == "Studio" and side["engine"].startswith("local")
    assert side["task_id"] == line["task_id"] and side["jobId"]
    # The local engine's note on the seed reaches the photographer: in the JSON line and the sidecar.
    assert line["notes"] == side["notes"] and "the seed does not change its result" in line["notes"][0]
    with Image.open(out) as im:
        assert im.size == (512, 600)  # the retouch merged onto the 512×600 original (--size original)
        assert "comment" not in im.info  # the note went to the sidecar, not into the photo
    again = retouch(str(photo), *SMALL, "--preset", "studio", "--skin", "0.5", "--seed", "11")
    assert again.returncode == 0
    assert "reused (no charge)" in again.stdout and str(out) in again.stdout
    assert "note: the local engine is deterministic" in again.stdout  # a reused result keeps its notes
    assert not (tmp_path / "grace.retouched-2.jpg").exists()


def test_folder_with_a_bad_file_exits_1_and_reports_it(tmp_path: Path, local_gateway: LocalGateway):
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    Image.fromarray(astronaut()).save(shoot / "a.png")
    Image.fromarray(coffee()).save(shoot / "b.jpg")
    (shoot / "c.jpg").write_text("this is not a photo")
    out = tmp_path / "out"
    env = {**os.environ, "PORTRAIT_STUDIO_API_KEY": local_gateway.token}
    done = retouch(
        str(shoot),
        "-o",
        str(out),
        "--backend",
        "local",
        "--base-url",
        local_gateway.base_url,
        "--json",
        env=env,
    )
    assert done.returncode == 1, done.stderr
    by_name = {Path(d["input"]).name: d for d in lines(done)}
    assert by_name["a.png"]["status"] == "completed" and by_name["b.jpg"]["status"] == "completed"
    bad = by_name["c.jpg"]
    assert bad["status"] == "failed" and bad["output"] is None and bad["error"]["message"]
    assert sorted(p.name for p in out.iterdir()) == [
        "a.retouched.jpg",
        "a.retouched.json",
        "b.retouched.jpg",
        "b.retouched.json",
    ]
    assert local_gateway.stats.creates == 2


def test_max_cost_stops_before_submitting(tmp_path: Path, local_gateway: LocalGateway):
    photo = tmp_path / "a.jpg"
    Image.fromarray(astronaut()).save(photo)
    estimate = {"status": "success", "data": {"cost": "0.08", "currency": "USD"}}
    local_gateway.faults.add("precharge", status=200, body=estimate, times=-1)
    env = {**os.environ, "PORTRAIT_STUDIO_API_KEY": local_gateway.token}
    cloud = ("--backend", "cloud", "--base-url", local_gateway.base_url)
    stopped = retouch(str(photo), *cloud, "--max-cost", "0.05", "--json", env=env)
    assert stopped.returncode == 1
    [line] = lines(stopped)
    assert (
        line["status"] == "failed"
        and line["error"]["code"] == "budget"
        and "0.08" in line["error"]["message"]
    )
    assert local_gateway.stats.creates == 0 and not (tmp_path / "a.retouched.jpg").exists()
    paid = retouch(str(photo), *cloud, "--max-cost", "0.10", "--json", env=env)
    assert paid.returncode == 0 and lines(paid)[0]["status"] == "completed"
    assert local_gateway.stats.creates == 1


def test_bad_usage_exits_2_with_a_clear_message(tmp_path: Path):
    photo = tmp_path / "a.jpg"
    Image.fromarray(astronaut()).save(photo)
    out_of_range = retouch(str(photo), "--gpen", "3")
    assert (
        out_of_range.returncode == 2 and "gpen" in out_of_range.stderr and "0.0 to 1.0" in out_of_range.stderr
    )
    unknown = retouch(str(photo), "--preset", "nope")
    assert unknown.returncode == 2 and "Studio" in unknown.stderr
    no_key = retouch(str(photo), "--backend", "cloud", "--json")
    assert no_key.returncode == 2 and "API key" in no_key.stderr
    assert lines(no_key)[0]["error"]["fix"]
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = retouch(str(empty))
    assert nothing.returncode == 2 and "no photos" in nothing.stderr
    assert retouch().returncode == 2  # argparse: INPUT is required
    assert not list(tmp_path.glob("*.retouched*"))


def test_prompt_on_the_local_engine_is_bad_usage_with_the_right_fix(tmp_path: Path):
    photo = tmp_path / "grace.jpg"
    Image.fromarray(grace_hopper()).save(photo, quality=92)
    out = retouch(str(photo), *SMALL, "--prompt", "studio portrait, soft light", "--json")
    assert out.returncode == 2
    [line] = lines(out)
    assert line["error"]["code"] == "003010002"
    assert "needs the cloud" in line["error"]["message"]
    assert "switch the backend to the cloud" in line["error"]["fix"]  # not the generic slider advice
    assert not (tmp_path / "grace.retouched.jpg").exists()


def test_a_terminal_sees_a_long_task_progress_and_is_left_clean(tmp_path: Path, standalone_gateway):
    """stderr on a terminal (a pty) gets one status line, redrawn; piped stderr gets none (first test)."""
    import pty
    import select

    photo = tmp_path / "grace.jpg"
    Image.fromarray(grace_hopper()).save(photo, quality=92)
    env = {**os.environ, "PORTRAIT_STUDIO_API_KEY": standalone_gateway["token"], "COLUMNS": "200"}
    args = ("retouch", str(photo), *SMALL, "--backend", "cloud", "--base-url", standalone_gateway["base_url"])
    terminal, child_end = pty.openpty()
    seen = b""
    with subprocess.Popen(
        cli_args(*args),
        stdout=subprocess.PIPE,
        stderr=child_end,
        stdin=subprocess.DEVNULL,
        env=env,
        text=True,
    ) as proc:
        os.close(child_end)
        while True:
            ready, _, _ = select.select([terminal], [], [], 1.0)
            if ready:
                try:
                    chunk = os.read(terminal, 4096)
                except OSError:  # EIO: the child has closed the terminal
                    break
                if not chunk:
                    break
                seen += chunk
            elif proc.poll() is not None:
                break
        assert proc.stdout is not None
        out = proc.stdout.read()
        proc.wait(60)
    os.close(terminal)
    text = seen.decode()
    assert proc.returncode == 0, text
    assert "1 photo: 1 running · " in text and " % · about " in text and " s left" in text, text
    assert "1 done · about" not in text  # no time left is shown once nothing is left
    assert text.endswith("\r\x1b[K")  # erased at the end: the shell prompt starts on a clean line
    assert "grace.retouched.jpg" in out and "\r" not in out  # results on stdout stay plain lines


def test_the_local_engines_notes_are_printed_under_the_result(tmp_path: Path):
    photo = tmp_path / "astronaut.jpg"
    Image.fromarray(astronaut()).save(photo, quality=92)
    out = retouch(str(photo), "--width", "2048", "--height", "512")  # too wide a frame for the head
    assert out.returncode == 0, out.stderr
    first, note = out.stdout.splitlines()
    assert first.startswith(f"{photo} → ")
    assert note.startswith("  note: the crop had to cut the top of the head")


def test_without_o_the_results_go_to_the_settings_output_folder(tmp_path: Path):
    """The folder chosen in Settings is the default of `-o` (the error for an unwritable one says so)."""
    from portrait_studio.core.settings import Settings, save_settings

    photo = tmp_path / "shoot" / "grace.jpg"
    photo.parent.mkdir()
    Image.fromarray(grace_hopper()).save(photo, quality=92)
    chosen = tmp_path / "chosen"
    save_settings(Settings(output_dir=str(chosen)))  # the subprocess shares PORTRAIT_STUDIO_DATA_DIR
    done = retouch(str(photo), *SMALL, "--json")
    assert done.returncode == 0, done.stderr
    [line] = lines(done)
    assert (
        Path(line["output"]) == chosen / "grace.retouched.jpg" and (chosen / "grace.retouched.json").is_file()
    )
    assert sorted(p.name for p in photo.parent.iterdir()) == ["grace.jpg"]  # nothing next to the original
    elsewhere = tmp_path / "elsewhere"
    given = retouch(str(photo), *SMALL, "-o", str(elsewhere), "--json", "--force")
    assert given.returncode == 0 and Path(lines(given)[0]["output"]).parent == elsewhere  # -o wins


def test_a_closed_stdout_ends_the_run_and_keeps_the_paid_task_resumable(tmp_path: Path):
    """`portrait-studio retouch DIR | head -1`: the reader goes away, the run stops at once (it used to hang
    with a BrokenPipeError in a worker thread), and a task already paid for is left for `resume`, not lost."""
    import time

    from portrait_studio.core.journal import Journal
    from portrait_studio.gateway import TrivialEngine

    shoot = tmp_path / "shoot"
    shoot.mkdir()
    photos = (("a", astronaut), ("b", grace_hopper), ("c", coffee), ("d", chelsea))  # no reuse between them
    for name, photo in photos:
        Image.fromarray(photo()).save(shoot / f"{name}.jpg")
    # Tasks of 10 s; the first create is answered 5 s late. So with -j 2: one photo is done at ~10 s (line 1,
    # read by the "head"), the third starts then; the late one is done at ~15 s and its line meets the closed
    # pipe while the third task (paid, created at ~10 s) still has ~5 s to run, and the fourth is queued.
    # (5 s margins: the machine running the suite may be busy.)
    with LocalGateway(TrivialEngine(), cache_dir=tmp_path / "cache", min_task_seconds=10) as gateway:
        gateway.faults.add("create", delay=5)
        env = {**os.environ, "PORTRAIT_STUDIO_API_KEY": gateway.token}
        cloud = ("--backend", "cloud", "--base-url", gateway.base_url)
        with subprocess.Popen(
            cli_args("retouch", str(shoot), *SMALL, *cloud, "-j", "2"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=env,
            text=True,
        ) as proc:
            assert proc.stdout is not None and proc.stderr is not None
            first = proc.stdout.readline()
            deadline = time.monotonic() + 30
            while gateway.stats.creates < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
            proc.stdout.close()  # what `head -1` does after its line
            try:
                code = proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                raise AssertionError("the run did not end after its stdout was closed") from None
            err = proc.stderr.read()
        assert " → " in first and ".retouched.jpg" in first
        assert code == 141, err  # 128 + SIGPIPE, as a shell reports a reader that left
        assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err, err
        assert "stdout was closed" in err and "portrait-studio resume" in err
        assert gateway.stats.creates == 3
        with Journal() as journal:
            [left] = journal.resumable()  # the third photo's task: paid, its wait cancelled
        assert not Path(left.out_path or "").exists()
        resumed = subprocess.run(
            cli_args("resume", "--json"), capture_output=True, text=True, timeout=120, env=env
        )
        assert resumed.returncode == 0, resumed.stderr
        [line] = [json.loads(t) for t in resumed.stdout.splitlines()]
        assert line["status"] == "completed" and line["task_id"] == left.task_id
        assert gateway.stats.creates == 3  # fetched again, not paid again; the fourth never started
    assert sorted(p.name for p in shoot.glob("*.retouched.jpg")) == [
        "a.retouched.jpg",
        "b.retouched.jpg",
        "c.retouched.jpg",
    ]


def test_the_request_follows_the_photo_and_a_preset_carries_the_result_size(tmp_path: Path):
    photo = tmp_path / "grace.jpg"
    Image.fromarray(grace_hopper()).save(photo, quality=92)  # 512 × 600
    model = retouch(str(photo), "--size", "model", "--json")
    assert model.returncode == 0, model.stderr
    with Image.open(lines(model)[0]["output"]) as im:
        assert im.size == (1748, 2048)  # its own aspect at the model's largest, not 1328²
    assert "note:" not in model.stderr  # nothing is cropped: nothing to say
    # A preset with the square and a model-size result: both honoured, and the crop said before the run.
    preset = tmp_path / "proof.json"
    preset.write_text(json.dumps({
        "schema": 1, "name": "Square proof", "result_size": "model",
        "params": {"gpen": 0.3, "width": 1328, "height": 1328},
    }))  # fmt: skip
    imported = subprocess.run(cli_args("presets", "import", str(preset)), capture_output=True, text=True)
    assert imported.returncode == 0, imported.stderr
    square = retouch(str(photo), "--preset", "square proof", "-o", str(tmp_path / "sq"), "--json")
    assert square.returncode == 0, square.stderr
    with Image.open(lines(square)[0]["output"]) as im:
        assert im.size == (1328, 1328)  # the preset's result size: the model's image
    assert f"note: {photo}: The output is 1328×1328 (1:1) and the photo 512×600" in square.stderr
    assert "the result is that part only" in square.stderr and "photo's own aspect" in square.stderr
    # --size and --aspect on the command line win over the preset.
    full = retouch(
        str(photo), "--preset", "square proof", "--aspect", "photo", "--size", "original",
        "-o", str(tmp_path / "full"), "--json",
    )  # fmt: skip
    assert full.returncode == 0, full.stderr
    with Image.open(lines(full)[0]["output"]) as im:
        # The photo's aspect again; the original is smaller than that answer, so the answer is the result.
        assert im.size == (1748, 2048)
    assert "note:" not in full.stderr
    both = retouch(str(photo), "--aspect", "1:1", "--width", "600", "--height", "600")
    assert both.returncode == 2 and "aspect" in both.stderr


@pytest.mark.parametrize("text", ["abc", "-0.01", "nan", "inf", "", "1e"])
def test_a_max_cost_that_is_no_amount_is_refused_by_the_parser(text) -> None:
    import argparse

    from portrait_studio.cli.retouch import usd_amount

    with pytest.raises(argparse.ArgumentTypeError, match="not an amount in USD"):
        usd_amount(text)
    assert usd_amount("0.10") == Decimal("0.10") and usd_amount("0") == 0
