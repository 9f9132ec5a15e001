"""kill -9 right after a result is written, stale temp files, and names too long for the file system.

Issue 14 items 3 and 7: an orphan result (no sidecar) was saved again as `-2` on resume; 0-byte `*.part`
files were never cleaned; a long stem let the task run (paid) and then the result could not be saved, and
`resume` died with an OSError that blocked every other row.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from PIL import Image

from portrait_studio.api import output
from portrait_studio.api.client import Client
from portrait_studio.api.hosting import data_url
from portrait_studio.api.pipeline import Backend, run_edit
from portrait_studio.api.resume import resume_pending
from portrait_studio.core.fileio import STALE_TEMP_SECONDS, name_max
from portrait_studio.core.journal import Journal
from portrait_studio.core.params import EditParams
from portrait_studio.gateway import LocalGateway
from tests.conftest import cli_args
from tests.photos import astronaut

SMALL = EditParams(width=512, height=512, seed=5)

# Runs one edit and is killed (os._exit) the moment the result is written, before its sidecar is.
_KILLED_AFTER_THE_WRITE = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from portrait_studio.api import output
    from portrait_studio.api.client import Client
    from portrait_studio.api.pipeline import Backend, run_edit
    from portrait_studio.core.journal import Journal
    from portrait_studio.core.params import EditParams
    base_url, token, photo, out = sys.argv[1:5]
    output.write_sidecar = lambda *args, **kw: os._exit(9)
    with Client(base_url, token) as client, Journal() as journal:
        run_edit(Backend(client, "cloud"), photo, EditParams(width=512, height=512, seed=5), journal=journal,
                 out_dir=out)
    """
)


def _photo(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(astronaut()).save(path, quality=90)
    return path


def test_a_result_written_just_before_kill_9_is_adopted_not_saved_again(
    tmp_path: Path, local_gateway: LocalGateway, monkeypatch
):
    photo, out = _photo(tmp_path / "shoot" / "a.jpg"), tmp_path / "out"
    args = [sys.executable, "-c", _KILLED_AFTER_THE_WRITE, local_gateway.base_url, local_gateway.token]
    killed = subprocess.run([*args, str(photo), str(out)], timeout=120)
    assert killed.returncode == 9
    orphan = out / "a.retouched.jpg"
    assert orphan.is_file() and not orphan.with_suffix(".json").exists()  # the result, no sidecar
    monkeypatch.setenv("PORTRAIT_STUDIO_API_KEY", local_gateway.token)
    with Journal() as journal:
        [row] = journal.resumable()
        assert row.saving_path == str(orphan)  # the name was journalled before the write
        [result] = resume_pending(journal).finished
        assert result.output_path == orphan and journal.get(row.id).result_path == str(orphan)
    assert sorted(p.name for p in out.iterdir()) == ["a.retouched.jpg", "a.retouched.json"]  # no `-2`
    assert json.loads(orphan.with_suffix(".json").read_text())["task_id"] == row.task_id
    assert local_gateway.stats.creates == 1


def test_a_file_at_the_journalled_name_that_is_not_this_result_is_kept(tmp_path: Path, client: Client):
    photo, out = _photo(tmp_path / "a.jpg"), tmp_path / "out"
    out.mkdir()
    theirs = out / "a.retouched.jpg"
    with Journal() as journal:
        original_begin = journal.begin

        def begin_then_someone_writes(**kw):  # another program takes the name while the task runs
            row_id = original_begin(**kw)
            journal.mark_saving(row_id, theirs)
            theirs.write_bytes(b"not ours")
            return row_id

        journal.begin = begin_then_someone_writes  # type: ignore[method-assign]
        result = run_edit(Backend(client, "cloud"), photo, SMALL, journal=journal, out_dir=out)
    assert result.output_path.name == "a.retouched-2.jpg" and theirs.read_bytes() == b"not ours"


_DIES_WHILE_WRITING = textwrap.dedent(
    """
    import os, sys
    from portrait_studio.core.fileio import atomic_write_bytes
    os.fsync = lambda fd: os._exit(9)  # killed between the temp file and its rename
    atomic_write_bytes(sys.argv[1], b"half a result")
    """
)


def test_temp_files_of_dead_processes_are_cleaned_and_live_ones_kept(tmp_path: Path):
    folder = tmp_path / "out"
    folder.mkdir()
    killed = subprocess.run([sys.executable, "-c", _DIES_WHILE_WRITING, str(folder / "x.jpg")], timeout=60)
    assert killed.returncode == 9
    [left] = folder.glob(".x.jpg.*.part")  # what kill -9 leaves behind
    mine = folder / f".y.jpg.{os.getpid()}-abcdefgh.part"  # a live process writing right now
    mine.write_bytes(b"")
    ancient = folder / ".z.jpg.abcdefgh.part"  # an older version's name, from days ago
    ancient.write_bytes(b"")
    os.utime(ancient, (time.time() - STALE_TEMP_SECONDS - 60,) * 2)
    recent = folder / ".w.jpg.abcdefgh.part"  # no process in its name, but recent: maybe being written
    recent.write_bytes(b"")
    foreign = folder / ".film.part"  # another program's file: never touched, however old
    foreign.write_bytes(b"")
    os.utime(foreign, (time.time() - STALE_TEMP_SECONDS - 60,) * 2)
    output.ready_folder(folder)  # what every run does before it sends anything
    assert sorted(p.name for p in folder.iterdir()) == sorted([mine.name, recent.name, foreign.name])
    assert not left.exists()


LONG_STEM = "é" * 120 + "-portrait"  # 249 bytes in UTF-8: the name fits, `<stem>.retouched.jpg` does not


def test_a_stem_too_long_for_the_file_system_is_shortened_before_sending(
    tmp_path: Path, client, local_gateway
):
    photo = _photo(tmp_path / f"{LONG_STEM}.jpg")
    with Journal() as journal:
        result = run_edit(Backend(client, "cloud"), photo, SMALL, journal=journal)
        row = journal.get(result.row_id)  # type: ignore[arg-type]
    limit = name_max(tmp_path)
    assert result.output_path.is_file() and len(result.output_path.name.encode()) <= limit
    assert result.sidecar_path.is_file() and len(result.sidecar_path.name.encode()) <= limit
    assert result.output_path.name.startswith("éé") and result.output_path.name.endswith(".retouched.jpg")
    assert row.out_path == str(result.output_path)  # the shortened name was planned before the create
    assert local_gateway.stats.creates == 1


def test_resume_isolates_a_row_whose_recorded_name_does_not_fit(
    tmp_path: Path, local_gateway: LocalGateway, client: Client, monkeypatch
):
    """An older version recorded `<long stem>.retouched.jpg` (too long): resume died on it and blocked the
    rest. Now that row gets a name that fits, and the row after it is finished too."""
    long_photo = _photo(tmp_path / f"{'é' * 122}.jpg")
    short_photo = _photo(tmp_path / "b.jpg")
    image = data_url(long_photo.read_bytes(), "image/jpeg")
    with Journal() as journal:
        rows = []
        for photo, out in ((long_photo, tmp_path / f"{'é' * 122}.retouched.jpg"), (short_photo, None)):
            row = journal.begin(
                input_path=photo,
                input_sha256="s",
                upload_sha256=photo.name,
                params=SMALL,
                backend="cloud",
                base_url=local_gateway.base_url,
                out_path=out or tmp_path / "b.retouched.jpg",
            )
            journal.mark_submitted(row, client.submit(SMALL, image).id)
            journal.release(row)
            rows.append(row)
        monkeypatch.setenv("PORTRAIT_STUDIO_API_KEY", local_gateway.token)
        report = resume_pending(journal)
        assert report.failed == [] and sorted(r.row_id for r in report.finished) == rows  # type: ignore[misc]
        assert all(r.output_path.is_file() for r in report.finished)


def test_resume_reports_an_unexpected_failure_of_one_row_and_goes_on(
    tmp_path: Path, local_gateway: LocalGateway, client: Client, monkeypatch
):
    photos = [_photo(tmp_path / "a.jpg"), _photo(tmp_path / "b.jpg")]
    image = data_url(photos[0].read_bytes(), "image/jpeg")
    with Journal() as journal:
        rows = []
        for photo in photos:
            row = journal.begin(
                input_path=photo, input_sha256="s", upload_sha256=photo.name, params=SMALL, backend="cloud",
                base_url=local_gateway.base_url, out_path=photo.with_suffix(".retouched.jpg"),
            )  # fmt: skip
            journal.mark_submitted(row, client.submit(SMALL, image).id)
            journal.release(row)
            rows.append(row)
        real = output.original_metadata

        def broken_for_a(path: Path):  # a bug that only one photo meets
            if path.name == "a.jpg":
                raise RuntimeError("boom")
            return real(path)

        monkeypatch.setattr(output, "original_metadata", broken_for_a)
        monkeypatch.setenv("PORTRAIT_STUDIO_API_KEY", local_gateway.token)
        report = resume_pending(journal)
        [(failed, err)] = report.failed
        assert failed.id == rows[0] and "RuntimeError: boom" in err.message and err.fix
        assert [r.row_id for r in report.finished] == [rows[1]]
        assert [r.id for r in journal.resumable()] == [rows[0]]  # let go: the next start tries it again


def test_check_fix_into_a_file_is_a_clear_message(tmp_path: Path):
    photo = tmp_path / "big.png"
    Image.fromarray(astronaut()).resize((4608, 4608)).save(photo)  # too large: check can fix it
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("x")
    for target in (not_a_folder, not_a_folder / "sub"):
        done = subprocess.run(
            cli_args("check", str(photo), "--fix", str(target)), capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert f"--fix {target}: copies cannot be written there" in done.stderr
    assert not_a_folder.read_text() == "x"
