import subprocess
import sys

from portrait_studio import __version__
from tests.conftest import cli_args


def test_version_both_entry_points():
    out = subprocess.run(cli_args("--version"), capture_output=True, text=True)
    assert out.returncode == 0 and __version__ in out.stdout
    exe = subprocess.run(
        [str(__import__("pathlib").Path(sys.executable).with_name("portrait-studio")), "--version"],
        capture_output=True,
        text=True,
    )
    assert exe.returncode == 0 and __version__ in exe.stdout


def test_unknown_subcommand_is_usage_error():
    out = subprocess.run(cli_args("frobnicate"), capture_output=True, text=True)
    assert out.returncode == 2
    assert "invalid choice" in out.stderr


def test_photos_on_the_command_line_open_the_window(tmp_path):
    from portrait_studio.cli import gui_request

    photo = tmp_path / "a.jpg"
    photo.write_bytes(b"x")
    assert gui_request([]) == ([], [])
    assert gui_request(["--smoke-test"]) == (["--smoke-test"], [])
    assert gui_request([str(photo), str(tmp_path)]) == ([], [photo, tmp_path])
    assert gui_request(["check", str(photo)]) is None  # a subcommand, even with files after it
    assert gui_request([str(tmp_path / "missing.jpg")]) is None  # argparse explains the bad word
    assert gui_request(["--help"]) is None


def test_help_lists_the_smoke_test(capsys):
    """`--smoke-test` is handled before the parser (entry.py → ui/app.py) but --help must still name it."""
    import pytest

    from portrait_studio.cli import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    assert "--smoke-test" in capsys.readouterr().out
