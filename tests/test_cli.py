import subprocess
import sys

from portrait_studio import __version__


def test_version_both_entry_points():
    out = subprocess.run(
        [sys.executable, "-m", "portrait_studio", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0 and __version__ in out.stdout
    exe = subprocess.run(
        [str(__import__("pathlib").Path(sys.executable).with_name("portrait-studio")), "--version"],
        capture_output=True,
        text=True,
    )
    assert exe.returncode == 0 and __version__ in exe.stdout


def test_unknown_subcommand_is_usage_error():
    out = subprocess.run(
        [sys.executable, "-m", "portrait_studio", "frobnicate"], capture_output=True, text=True
    )
    assert out.returncode == 2
    assert "invalid choice" in out.stderr
