"""The log file: it exists where messages say, rotates, and never holds the API key."""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Iterator
from pathlib import Path

import pytest

from portrait_studio.core import logs
from portrait_studio.core.errors import PortraitStudioError

PLANTED = "sk-planted-7f3a9c1e5b2d4f60"


@pytest.fixture
def logging_on(isolated_app_dirs: Path) -> Iterator[Path]:
    path = logs.setup_logging("test")
    assert path is not None
    yield path
    logs.stop_logging()


def _text(path: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def test_the_log_is_a_rotating_file_in_the_data_folder(logging_on: Path, isolated_app_dirs: Path) -> None:
    assert logging_on == isolated_app_dirs / "data" / "logs" / "portrait-studio.log"
    assert logs.current_log() == logging_on
    [handler] = [h for h in logging.getLogger().handlers if getattr(h, "baseFilename", "") == str(logging_on)]
    assert isinstance(handler, logging.handlers.RotatingFileHandler)
    assert handler.maxBytes == logs.MAX_BYTES and handler.backupCount == logs.BACKUPS
    logging.getLogger("portrait_studio.test").info("hello")
    assert "started (test)" in _text(logging_on) and "hello" in _text(logging_on)


def test_the_planted_key_never_reaches_the_log(logging_on: Path) -> None:
    from portrait_studio.api.keys import set_api_key

    set_api_key(PLANTED)
    log = logging.getLogger("portrait_studio.test")
    log.warning("server said: bad key %s", PLANTED)
    log.warning(f"inline {PLANTED} and Authorization: Bearer other-token-123456")
    try:
        raise RuntimeError(f"echoed {PLANTED}")
    except RuntimeError:
        log.exception("failed")
    text = _text(logging_on)
    assert PLANTED not in text and "other-token-123456" not in text
    assert text.count(logs.REMOVED) == 4 and "RuntimeError" in text  # the traceback is kept, scrubbed


def test_a_key_from_the_environment_is_scrubbed_too(
    logging_on: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portrait_studio.api.keys import get_api_key

    monkeypatch.setenv("PORTRAIT_STUDIO_API_KEY", PLANTED + "-env")
    assert get_api_key() == PLANTED + "-env"
    logging.getLogger("portrait_studio.test").error("key %s", PLANTED + "-env")
    assert PLANTED not in _text(logging_on)


def test_messages_name_the_log_only_when_there_is_one(isolated_app_dirs: Path) -> None:
    assert PortraitStudioError("It broke.").fix == "Try again. If it keeps happening, report it."
    path = logs.setup_logging("test")
    try:
        assert PortraitStudioError("It broke.").fix.endswith(f"report it with the log file ({path}).")
    finally:
        logs.stop_logging()


def test_an_unexpected_error_in_check_is_a_message_and_a_logged_traceback(
    isolated_app_dirs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    from portrait_studio.cli import check_pool, main
    from tests import photos

    photo = photos.save(photos.grace_hopper(), tmp_path / "grace.jpg")

    def broken(*args: object, **kw: object) -> None:
        raise ZeroDivisionError(f"a bug near {PLANTED}")

    from portrait_studio.api.keys import set_api_key

    set_api_key(PLANTED)
    monkeypatch.setattr(check_pool, "preflight", broken)
    monkeypatch.setattr(check_pool, "usable_cores", lambda: 1)  # in this process, where the patch is
    try:
        code = main(["check", str(photo), str(photo)])
        out = capsys.readouterr().out
        log_file = logs.current_log()
        assert log_file is not None
        assert code == 2
        assert out.count("could not be checked (an unexpected problem)") == 2  # and the next file is checked
        assert f"report it with the log file ({log_file})" in out
        assert "Traceback" not in out and "ZeroDivisionError" not in out
        text = _text(log_file)
        assert "ZeroDivisionError" in text and "Traceback" in text and PLANTED not in text
    finally:
        logs.stop_logging()
