"""`portrait-studio check` run as a real subprocess on real photos."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from PIL import Image

from tests import photos
from tests.conftest import cli_args
from tests.core.test_faces_composites import side_by_side
from tests.core.test_images_corpus import CORPUS, assert_plain
from tests.core.test_preflight import REPORT_KEYS


def check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli_args("check", *args),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_ready_photo_exits_0(tmp_path: Path) -> None:
    path = photos.save(photos.grace_hopper(), tmp_path / "grace.jpg", quality=92)
    done = check(str(path))
    assert done.returncode == 0, done.stderr
    kb = round(path.stat().st_size / 1e3)
    assert done.stdout.splitlines() == [f"{path}: ready — JPEG, {kb} KB, 512×600, 1 face"]


def test_json_lines_and_exit_codes(tmp_path: Path) -> None:
    good = photos.save(photos.astronaut(), tmp_path / "a.jpg")
    two = photos.save(side_by_side(photos.astronaut(), photos.grace_hopper()), tmp_path / "two.png")
    cat = photos.save(photos.chelsea(), tmp_path / "cat.webp")
    done = check("--json", str(good), str(two), str(cat))
    assert done.returncode == 1, done.stderr  # problems, but every file was readable
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["path"] for r in rows] == [str(good), str(two), str(cat)]
    assert [r["ok"] for r in rows] == [True, False, False]
    assert [r["faces"] for r in rows] == [1, 2, 0]
    assert rows[1]["format"] == "PNG" and rows[1]["width"] == 1112 and len(rows[1]["face_boxes"]) == 2
    assert [p["code"] for p in rows[1]["problems"]] == ["several_faces"]
    assert [p["code"] for p in rows[2]["problems"]] == ["format", "no_face"]
    for r in rows:
        assert list(r) == REPORT_KEYS
        assert r["bytes"] == Path(r["path"]).stat().st_size


def test_unreadable_files_exit_2_and_still_report(tmp_path: Path) -> None:
    text = tmp_path / "notes.jpg"
    text.write_text("not a photo")
    good = photos.save(photos.astronaut(), tmp_path / "a.jpg")
    done = check("--json", str(text), str(tmp_path), str(good))
    assert done.returncode == 2
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["ok"] for r in rows] == [False, False, True]
    assert (
        rows[0]["problems"][0]["code"] == "unreadable" and "not an image" in rows[0]["problems"][0]["message"]
    )
    assert "folder" in rows[1]["problems"][0]["message"]
    plain = check(str(text))
    assert plain.returncode == 2 and "Traceback" not in plain.stdout + plain.stderr
    assert "fix:" in plain.stdout


def test_fix_writes_a_compliant_copy_and_keeps_the_original(tmp_path: Path) -> None:
    src = photos.save(
        side_by_side(photos.grace_hopper(), photos.astronaut()), tmp_path / "pair.webp", quality=90
    )
    before = src.read_bytes()
    out = tmp_path / "ready"
    done = check("--fix", str(out), str(src))
    assert done.returncode == 1
    assert "fixed copy:" in done.stdout and "cropped to the face" in done.stdout
    assert src.read_bytes() == before
    [fixed] = out.iterdir()
    assert fixed.name == "pair-ready.jpg"
    with Image.open(fixed) as img:
        assert img.format == "JPEG"
    again = check(str(fixed))
    assert again.returncode == 0, again.stdout


def test_output_size_judges_the_face(tmp_path: Path) -> None:
    path = photos.save(photos.astronaut(), tmp_path / "a.jpg")
    done = check("--width", "2048", "--height", "2048", str(path))
    assert done.returncode == 1 and "small_face" in done.stdout
    bad = check("--width", "99", str(path))
    assert bad.returncode == 2 and "width" in bad.stderr


def test_text_says_which_problems_an_edit_fixes_by_itself(tmp_path: Path) -> None:
    cat = photos.save(photos.chelsea(), tmp_path / "cat.webp")  # not JPEG/PNG (fixed on upload), no face
    done = check(str(cat))
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    fmt = next(i for i, line in enumerate(lines) if line.startswith("  ✗ format:"))
    face = next(i for i, line in enumerate(lines) if line.startswith("  ✗ no_face:"))
    assert "do this by themselves" in lines[fmt + 2]  # converting is done on upload…
    assert all("by themselves" not in line for line in lines[face:])  # …finding a face is not


# --------------------------------------------------------------------------- the bad-input corpus
ISSUE_14 = CORPUS[[c.name for c in CORPUS].index("line-wide.png") :]


def _corpus(folder: Path, *, latin1: bool = True) -> list[Path]:
    """The issue-14 corpus files, a pipe, a link to /dev/zero and two hostile names, in `folder`."""
    folder.mkdir()
    paths = []
    for case in ISSUE_14:
        paths.append(folder / case.name)
        paths[-1].write_bytes(case.make())
    os.mkfifo(folder / "pipe.jpg")
    (folder / "zero.jpg").symlink_to("/dev/zero")
    hostile = [folder / "evil\x1b[2J\x1b]0;owned\x07.jpg"]  # would clear the screen and retitle the terminal
    if latin1:
        hostile.append(folder / os.fsdecode(b"caf\xe9.jpg"))  # a name that is not UTF-8
    for path in hostile:
        photos.save(photos.grace_hopper(), path)
    return [*paths, folder / "pipe.jpg", folder / "zero.jpg", *hostile]


def _block(out: str, name: str) -> str:
    """The lines `check` printed about the file `name` (its head line and the indented ones under it)."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if not line.startswith(" ") and f"/{name}: " in line)
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith(" ")), len(lines))
    return "\n".join(lines[start:end])


def test_the_corpus_through_check_text_and_json(tmp_path: Path) -> None:
    files = _corpus(tmp_path / "corpus")
    args = [os.fsencode(f) for f in files]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict"}  # the strictest terminal
    for mode in ([], ["--json"]):
        done = subprocess.run(cli_args("check", *mode) + args, capture_output=True, timeout=300, env=env)
        out = done.stdout.decode("utf-8")  # strict: every byte printed is UTF-8
        assert done.returncode == 2, done.stderr
        assert done.stderr == b"", done.stderr.decode()
        assert "\x1b" not in out and "\x07" not in out  # control characters never reach the terminal
        assert_plain(out)
        if mode:
            rows = [json.loads(line) for line in out.splitlines()]
            assert [os.fsencode(r["path"]) for r in rows] == args  # JSON round-trips even a Latin-1 name
            by_name = {Path(r["path"]).name: r for r in rows}
            assert "named pipe" in by_name["pipe.jpg"]["problems"][0]["message"]
            assert "a link to /dev/zero" in by_name["zero.jpg"]["problems"][0]["message"]
            loads = {c.name for c in ISSUE_14 if c.loads_as}
            assert {n for n, r in by_name.items() if r["format"]} >= loads
        else:
            assert "evil\\x1b[2J\\x1b]0;owned\\x07.jpg: ready" in out
            assert "caf\\udce9.jpg: ready" in out
            assert "EXIF orientation 9 is not one of the 8 valid values: ignored" in out
            for name in ("orientation-9.jpg", "orientation-65535.jpg"):
                assert "applied" not in _block(out, name)
            assert "EXIF orientation 6 applied" in _block(out, "orientation-text.jpg")
            assert "32-bit floating-point" in _block(out, "rgb-float32.tif")


def test_the_corpus_through_retouch(tmp_path: Path) -> None:
    # Not the Latin-1 name yet: the journal stores it (tests/core/test_journal_damage.py), but the sidecar
    # writer (core/fileio.atomic_write_json) still encodes strict UTF-8.
    files = _corpus(tmp_path / "corpus", latin1=False)
    out_dir = tmp_path / "out"
    done = subprocess.run(
        cli_args("retouch", "--json", "-o", str(out_dir), "--width", "512", "--height", "512")
        + [os.fsencode(f) for f in files],
        capture_output=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "PYTHONIOENCODING": "utf-8:strict"},
    )
    text = done.stdout.decode("utf-8") + done.stderr.decode("utf-8")
    assert done.returncode == 1, text  # some photos have no face: failed, with a reason
    assert_plain(text)
    rows = {Path(r["input"]).name: r for r in map(json.loads, done.stdout.decode().splitlines())}
    assert len(rows) == len(files)
    for row in rows.values():
        if row["status"] != "completed":
            assert row["error"]["message"] and row["error"]["fix"], row
    assert "named pipe" in rows["pipe.jpg"]["error"]["message"]
    assert "a link to /dev/zero" in rows["zero.jpg"]["error"]["message"]
    for name in ("big-ztxt.png", "big-iccp.png", "rgb-float32.tif", "grey-int32.tif", "orientation-text.jpg"):
        assert rows[name]["status"] == "completed", rows[name]
    hostile = rows["evil\x1b[2J\x1b]0;owned\x07.jpg"]
    assert hostile["status"] == "completed" and Path(hostile["output"]).is_file()
