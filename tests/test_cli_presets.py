"""`portrait-studio presets …` run as a real subprocess."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.conftest import cli_args


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli_args("presets", *args),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_list_show_export_import_delete(tmp_path: Path):
    listed = cli("--json", "list")
    assert listed.returncode == 0, listed.stderr
    names = [p["name"] for p in json.loads(listed.stdout)["presets"]]
    assert "Studio" in names and "Natural" in names

    shown = cli("--json", "show", "studio")
    assert shown.returncode == 0
    studio = json.loads(shown.stdout)
    assert studio["builtin"] is True and studio["params"]["gpen"] == 0.6
    assert studio["params"]["width"] == "auto" and studio["result_size"] == "original"
    assert "Studio" in cli("list").stdout and "photo's aspect, result: original" in cli("list").stdout

    out = tmp_path / "studio.json"
    assert cli("export", "Studio", str(out)).returncode == 0
    imported = cli("--json", "import", str(out), "--name", "My studio")
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["params"] == studio["params"]
    text = cli("list").stdout
    assert "My studio" in text and "user" in text
    renamed = cli("--json", "rename", "my studio", "Studio warm")
    assert renamed.returncode == 0, renamed.stderr
    assert json.loads(renamed.stdout)["name"] == "Studio warm"
    text = cli("list").stdout
    assert "Studio warm" in text and "My studio" not in text
    refused = cli("rename", "Studio", "Mine")  # a built-in keeps its name
    assert refused.returncode == 1 and "built-in" in refused.stderr and "Save a copy" in refused.stderr
    assert cli("delete", "Studio warm").returncode == 0
    assert "Studio warm" not in cli("list").stdout


def test_unknown_preset_and_broken_file_are_clear_errors(tmp_path: Path):
    missing = cli("show", "Nope")
    assert missing.returncode == 1
    assert "no preset called" in missing.stderr and "Studio" in missing.stderr  # lists what exists
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    broken = cli("--json", "import", str(bad))
    assert broken.returncode == 1
    assert "not valid JSON" in json.loads(broken.stdout)["error"]["message"]
    builtin = cli("delete", "Studio")
    assert builtin.returncode == 1 and "built-in" in builtin.stderr


def test_usage_error_exits_2():
    assert cli("frobnicate").returncode == 2
