"""`portrait-studio check` run as a real subprocess on real photos."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from PIL import Image

from tests import photos
from tests.conftest import cli_args
from tests.core.test_faces_composites import side_by_side
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
