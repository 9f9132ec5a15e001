"""`LANG=zh_CN.UTF-8 portrait-studio …`: --help, argparse's own words and the messages are Chinese."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests import photos
from tests.conftest import cli_args


def run_in(lang: str, *args: str, language_setting: str | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI as a user with LANG=`lang` starts it (none of the other locale variables set)."""
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    env.pop("PORTRAIT_STUDIO_LANGUAGE", None)
    env["LANG"] = lang
    return subprocess.run(cli_args(*args), capture_output=True, text=True, timeout=120, env=env)


def test_check_help_is_chinese() -> None:
    done = run_in("zh_CN.UTF-8", "check", "--help")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("用法：portrait-studio check")
    assert "选项" in out and "显示此帮助信息并退出" in out  # argparse's own words
    assert "按服务的限制预检照片" in out and "要预检的照片" in out  # ours
    assert "show this help" not in out and "photos to check" not in out


def test_main_help_and_usage_errors_are_chinese() -> None:
    done = run_in("zh_CN.UTF-8", "--help")
    assert "人像精修" in done.stdout and "提交前预检照片" in done.stdout, done.stdout
    bad = run_in("zh_CN.UTF-8", "check")
    assert bad.returncode == 2
    assert "错误：缺少必需的参数：FILE" in bad.stderr, bad.stderr


def test_check_report_is_chinese_and_json_keeps_its_codes(tmp_path: Path) -> None:
    cat = photos.save(photos.chelsea(), tmp_path / "cat.jpg", quality=90)
    done = run_in("zh_CN.UTF-8", "check", str(cat))
    assert done.returncode == 1, done.stderr
    assert f"{cat}：1 个问题 — JPEG" in done.stdout, done.stdout
    assert "照片中没有找到人脸" in done.stdout and "修复：请选择一张一个人正对镜头" in done.stdout
    as_json = json.loads(run_in("zh_CN.UTF-8", "check", "--json", str(cat)).stdout)
    assert as_json["problems"][0]["code"] == "no_face"  # machines read the code, people the message
    assert as_json["problems"][0]["message"].startswith("照片中没有找到人脸")


def test_english_and_other_languages_stay_english(tmp_path: Path) -> None:
    for lang in ("en_US.UTF-8", "de_DE.UTF-8", "C"):
        done = run_in(lang, "check", "--help")
        assert done.stdout.startswith("usage: portrait-studio check"), (lang, done.stdout)
        assert "photos to check" in done.stdout


def test_the_settings_choice_beats_the_os(tmp_path: Path) -> None:
    from portrait_studio.core.settings import Settings, save_settings

    save_settings(Settings(language="zh_CN"))  # in this test's own data dir (conftest), which the CLI reads
    done = run_in("en_US.UTF-8", "check", "--help")
    assert done.stdout.startswith("用法："), done.stdout
