"""The Edit-In contract through the CLI, this test playing Lightroom Classic (tests/lightroom.py; issue 20):
`portrait-studio edit NAME-Edit.tif --apply` as a real subprocess on the real local engine, then
`edit --restore`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import tifffile
from PIL import Image

from portrait_studio.api import edit_in
from portrait_studio.core.errors import EditInError
from tests import exiftool
from tests.conftest import cli_args
from tests.lightroom import check_round_trip, render_edit_copy, snapshot
from tests.photos import large_portrait


def test_cli_edit_apply_writes_back_in_place_and_restore_brings_the_rendering_back(tmp_path: Path):
    original, edit = render_edit_copy(tmp_path / "shoot")
    rendered, before = edit.read_bytes(), snapshot(edit)
    listing = sorted(p.name for p in edit.parent.iterdir())
    original_bytes = original.read_bytes()
    run = subprocess.run(
        cli_args("edit", str(edit), "--apply", "--backend", "local", "--gpen", "0.5", "--skin", "0.8",
                 "--json"),
        capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    line = json.loads(run.stdout)
    assert line["status"] == "written_back" and Path(line["path"]).resolve() == edit.resolve()
    assert Path(line["kept"]).read_bytes() == rendered  # kept in the data folder, not beside the file
    check_round_trip(before, edit, listing)
    assert original.read_bytes() == original_bytes  # Lightroom's own original: never touched
    restored = subprocess.run(
        cli_args("edit", "--restore", str(edit)), capture_output=True, text=True, timeout=60
    )
    assert restored.returncode == 0, restored.stderr
    assert edit.read_bytes() == rendered
    again = subprocess.run(
        cli_args("edit", "--restore", str(edit)), capture_output=True, text=True, timeout=60
    )
    assert again.returncode == 1 and "No earlier version" in again.stderr and edit.read_bytes() == rendered


def test_cli_edit_refuses_a_file_it_cannot_write_back_and_leaves_it(tmp_path: Path):
    webp = tmp_path / "IMG_1-Edit.webp"
    Image.fromarray(large_portrait((600, 400))).save(webp)
    before = webp.read_bytes()
    run = subprocess.run(cli_args("edit", str(webp), "--apply", "--backend", "local"), capture_output=True,
                         text=True, timeout=60)  # fmt: skip
    assert run.returncode == 1
    assert "writes back TIFF, JPEG or PNG" in run.stderr and "External Editing" in run.stderr
    assert webp.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == [webp.name]
    gone = subprocess.run(
        cli_args("edit", str(tmp_path / "nope.tif"), "--apply"), capture_output=True, text=True
    )
    assert gone.returncode == 1 and "is not there" in gone.stderr


def test_a_write_back_keeps_a_jpeg_a_jpeg_at_its_own_quality_and_a_png_sixteen_bits(tmp_path: Path):
    """The library round trip for the other formats a host may render (a result conformed from the model's
    image, as when the file is no larger than the model's answer)."""
    import cv2

    rgb = large_portrait((900, 600))
    jpg = tmp_path / "a-Edit.jpg"
    Image.fromarray(rgb).save(jpg, quality=80)
    png = tmp_path / "b-Edit.png"
    cv2.imwrite(str(png), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR).astype(np.uint16) * 257)
    for target in (jpg, png):
        exiftool.tag(target)
        answer = tmp_path / f"{target.stem}.answer.jpg"  # the model's image: the photo at another size
        Image.fromarray(cv2.resize(rgb, (768, 512), interpolation=cv2.INTER_AREA)).save(answer, quality=92)
        rendered = target.read_bytes()
        done = edit_in.write_back(target, answer)
        assert done.kept.read_bytes() == rendered
        got = edit_in.facts(target)
        kind = {".jpg": ("JPEG", 8), ".png": ("PNG", 16)}[target.suffix]
        assert (got.format, got.size, got.bits) == (kind[0], (900, 600), kind[1])
        tags = exiftool.read(target)
        assert tags["XMP-xmp:Rating"] == 4 and exiftool.as_list(tags["IPTC:Keywords"]) == [
            "bride",
            "first dance",
        ]
        edit_in.restore(target)
        assert target.read_bytes() == rendered
    from portrait_studio.api.output import jpeg_quality

    edit_in.write_back(jpg, tmp_path / "a-Edit.answer.jpg")
    assert jpeg_quality(jpg) == 80


def test_the_catalog_launchers_reach_the_round_trip(tmp_path: Path):
    """Catalogs start an external editor with the file alone: `portrait-studio-edit FILE` is `edit FILE`;
    `edit FILE` opens the window (here: refuses a WebP at once, with the reason, before showing anything)."""
    import os
    import sys

    from portrait_studio import cli

    assert cli.edit_window_request(["edit", "a.tif"]) == ([], Path("a.tif"))
    assert cli.edit_window_request(["edit", "a.tif", "--apply"]) is None
    assert cli.edit_window_request(["edit", "--restore", "a.tif"]) is None
    assert cli.edit_window_request(["retouch", "a.tif"]) is None
    tif = tmp_path / "IMG_2-Edit.tif"
    tifffile.imwrite(tif, large_portrait((600, 400)), photometric="rgb")
    launcher = tmp_path / "portrait-studio-edit"  # the name a link or the installed script has
    launcher.write_text("from portrait_studio.entry import main\nraise SystemExit(main())\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    run = subprocess.run([sys.executable, str(launcher), "--restore", str(tif)], capture_output=True,
                         text=True, timeout=60, env=env)  # fmt: skip
    assert run.returncode == 1 and "No earlier version of" in run.stderr, run.stderr
    webp = tmp_path / "IMG_3-Edit.webp"
    Image.fromarray(large_portrait((600, 400))).save(webp)
    window = subprocess.run(cli_args("edit", str(webp)), capture_output=True, text=True, timeout=60,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})  # fmt: skip
    assert window.returncode == 1 and "writes back TIFF, JPEG or PNG" in window.stderr
    missing = subprocess.run(cli_args("edit", str(tmp_path / "gone.tif")), capture_output=True, text=True)
    assert missing.returncode == 1 and "is not there" in missing.stderr


def test_a_write_back_keeps_the_file_mode_and_a_crash_before_it_leaves_the_file_as_it_was(tmp_path: Path):
    import os

    import cv2

    rgb = large_portrait((900, 600))
    target = tmp_path / "c-Edit.jpg"
    Image.fromarray(rgb).save(target, quality=90)
    os.chmod(target, 0o640)
    rendered = target.read_bytes()
    answer = tmp_path / "answer.jpg"
    Image.fromarray(cv2.resize(rgb, (768, 512), interpolation=cv2.INTER_AREA)).save(answer, quality=92)
    # Killed after the previous version was kept, before the write: the file as it was, plus its copy.
    kept = edit_in.keep_previous(target)
    assert target.read_bytes() == rendered == kept.read_bytes()
    done = edit_in.write_back(target, answer)
    assert os.stat(target).st_mode & 0o777 == 0o640 and target.read_bytes() != rendered
    assert [p.name for p in edit_in.previous_versions(target)] == [kept.name, done.kept.name]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answer.jpg", "c-Edit.jpg"]  # no temp file left
    edit_in.restore(target)
    edit_in.restore(target)  # (the copy the "crash" left: the same bytes)
    assert target.read_bytes() == rendered and edit_in.previous_versions(target) == []
    # A damaged kept copy is refused, the file left as it is.
    edit_in.write_back(target, answer)
    [copy] = edit_in.previous_versions(target)
    copy.write_bytes(b"not the file")
    now = target.read_bytes()
    with pytest.raises(EditInError, match="damaged"):
        edit_in.restore(target)
    assert target.read_bytes() == now
