"""`retouch -r -o OUT` mirrors the input folder tree under OUT, and `--name` names the results ({name},
{preset}, {date}) — real subprocesses on the local engine (issue 20: folder trees)."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from portrait_studio.api.batch import expand_tree
from portrait_studio.api.output import render_name
from portrait_studio.core.errors import ConfigError
from tests.conftest import cli_args
from tests.photos import astronaut, grace_hopper, save


def shoot(root: Path) -> Path:
    """shoot/a.jpg, shoot/day1/b.jpg, shoot/day1/ceremony/c.png, and a hidden folder that is no photo."""
    save(astronaut(), root / "a.jpg", quality=90)
    save(grace_hopper(), root / "day1" / "b.jpg", quality=90)
    save(astronaut(), root / "day1" / "ceremony" / "c.png")
    save(astronaut(), root / ".thumbnails" / "t.jpg", quality=60)
    return root


def results(out: Path) -> list[str]:
    return sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())


def retouch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli_args("retouch", "--backend", "local", "--width", "512", "--height", "512", "--json", *args),
        capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def test_a_recursive_batch_mirrors_the_tree_and_names_results_by_the_template(tmp_path: Path):
    src = shoot(tmp_path / "shoot")
    out = tmp_path / "out"
    run = retouch(str(src), "-r", "-o", str(out), "--preset", "Natural", "--name", "{date}_{name}_{preset}")
    assert run.returncode == 0, run.stderr
    day = time.strftime("%Y-%m-%d")
    assert results(out) == [
        f"{day}_a_Natural.retouched.jpg",
        f"{day}_a_Natural.retouched.json",
        f"day1/{day}_b_Natural.retouched.jpg",
        f"day1/{day}_b_Natural.retouched.json",
        f"day1/ceremony/{day}_c_Natural.retouched.jpg",  # (no larger than the model's answer: its JPEG)
        f"day1/ceremony/{day}_c_Natural.retouched.json",
    ]
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert {Path(line["output"]).relative_to(out).parts[0] for line in lines} == {
        f"{day}_a_Natural.retouched.jpg",
        "day1",
    }
    # Again into the same tree: the journal finds every result where it is (nothing paid, nothing copied).
    first = results(out)
    again = retouch(str(src), "-r", "-o", str(out), "--preset", "Natural", "--name", "{name}")
    assert again.returncode == 0, again.stderr
    assert all(json.loads(line)["reused"] for line in again.stdout.splitlines())
    assert results(out) == first
    # Into another folder: copied there, under this run's names, in the same tree.
    other = tmp_path / "other"
    third = retouch(str(src), "-r", "-o", str(other), "--preset", "Natural", "--name", "{name}")
    assert third.returncode == 0, third.stderr
    assert [p for p in results(other) if p.endswith(".jpg")] == [
        "a.retouched.jpg",
        "day1/b.retouched.jpg",
        "day1/ceremony/c.retouched.jpg",
    ]


def test_without_out_dir_results_stay_beside_each_photo_and_a_bad_template_stops_before_anything(tmp_path):
    src = shoot(tmp_path / "shoot")
    bad = retouch(str(src), "-r", "--name", "{title}")
    assert bad.returncode == 2 and "unknown fields (title)" in bad.stderr and "{name}, {preset}" in bad.stderr
    assert not list(src.rglob("*.retouched.*"))
    run = retouch(str(src / "day1"), "-r", "--name", "{name}-v2")
    assert run.returncode == 0, run.stderr
    assert (src / "day1" / "b-v2.retouched.jpg").is_file()
    assert (src / "day1" / "ceremony" / "c-v2.retouched.jpg").is_file()


def test_the_tree_rule_and_the_template_rule(tmp_path: Path):
    src = shoot(tmp_path / "shoot")
    loose = save(astronaut(), tmp_path / "loose.jpg")
    found = expand_tree([src, loose], recursive=True)
    assert [(p.relative_to(tmp_path).as_posix(), s.as_posix()) for p, s in found] == [
        ("shoot/a.jpg", "."),
        ("shoot/day1/b.jpg", "day1"),
        ("shoot/day1/ceremony/c.png", "day1/ceremony"),
        ("loose.jpg", "."),
    ]
    assert render_name("{name}_{preset}", Path("x/IMG_1.CR3.jpg"), "Soft glow") == "IMG_1.CR3_Soft-glow"
    assert render_name("{name}", Path("IMG_1.jpg"), None) == "IMG_1"
    for bad in ("{nme}", "{name", "a/{name}", "..", ""):
        with pytest.raises(ConfigError):
            render_name(bad, Path("IMG_1.jpg"), None)
