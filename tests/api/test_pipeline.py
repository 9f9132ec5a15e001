"""The one pipeline over real HTTP to the local gateway, with a real journal file and real photos."""

from __future__ import annotations

import io
import json
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image, ImageCms

from portrait_studio.api.client import Client
from portrait_studio.api.pipeline import Backend, BudgetError, Progress, finish_task, run_edit
from portrait_studio.core.errors import (
    CancelledError,
    ConfigError,
    ImageError,
    PortraitStudioError,
    TaskFailedError,
    TaskMayExistError,
)
from portrait_studio.core.journal import Journal
from portrait_studio.core.params import EditParams
from portrait_studio.gateway import LocalGateway, TrivialEngine
from tests.photos import astronaut, grace_hopper

SMALL = EditParams(width=512, height=512, seed=7)
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _photo_with_metadata(path: Path) -> Path:
    """The astronaut as a camera JPEG: EXIF (make, model, orientation 1) and an sRGB ICC profile."""
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    exif[0x0110] = "Model 1"  # Model
    exif[0x0112] = 1  # Orientation
    Image.fromarray(astronaut()).save(path, "JPEG", quality=90, exif=exif.tobytes(), icc_profile=SRGB)
    return path


@pytest.fixture
def journal() -> Journal:
    with Journal() as j:
        yield j


def test_single_edit_lands_next_to_the_original_with_sidecar_and_metadata(
    tmp_path: Path, client: Client, local_gateway: LocalGateway, journal: Journal
):
    src = _photo_with_metadata(tmp_path / "eileen.jpg")
    before = src.read_bytes()
    stages: list[str] = []
    result = run_edit(
        Backend(client, "local", "trivial"),
        src,
        SMALL,
        journal=journal,
        on_progress=lambda p: stages.append(p.stage),
        preset="Studio",
    )
    assert result.output_path == tmp_path / "eileen.retouched.jpg"
    assert result.sidecar_path == tmp_path / "eileen.retouched.json"
    assert src.read_bytes() == before  # the original is never touched
    assert not result.reused and local_gateway.stats.creates == 1
    assert stages[0] == "preparing" and stages[-1] == "done" and "creating" in stages
    with Image.open(result.output_path) as out:
        assert out.size == (512, 512)
        assert out.info.get("icc_profile") == SRGB
        assert out.getexif()[0x010F] == "TestCam"
    side = json.loads(result.sidecar_path.read_text())
    assert side["task_id"] == result.task_id and side["jobId"] == result.job_id and side["jobId"]
    assert side["params"] == SMALL.to_dict() and side["seed"] == 7 and side["gen_mode"] == "reference"
    assert side["engine"] == "local (trivial)" and side["cost"] == "0" and side["preset"] == "Studio"
    assert local_gateway.token not in result.sidecar_path.read_text()
    row = journal.get(result.row_id)  # type: ignore[arg-type]
    assert row.status == "completed" and row.result_path == str(result.output_path)
    assert row.task_id == result.task_id and row.cost == Decimal(0)


def test_identical_request_is_reused_free_and_force_runs_again(
    tmp_path: Path, client: Client, local_gateway: LocalGateway, journal: Journal
):
    src = tmp_path / "grace.png"
    Image.fromarray(grace_hopper()).save(src)
    backend = Backend(client, "local")
    first = run_edit(backend, src, SMALL, journal=journal)
    second = run_edit(backend, src, SMALL, journal=journal)
    assert second.reused and second.cost == Decimal(0)
    assert second.output_path == first.output_path and second.task_id == first.task_id
    assert local_gateway.stats.creates == 1  # nothing was paid twice
    other = run_edit(backend, src, SMALL.replace(seed=8), journal=journal)  # a new seed is a new request
    forced = run_edit(backend, src, SMALL, journal=journal, force=True)
    assert not other.reused and not forced.reused and local_gateway.stats.creates == 3
    # never over an earlier result (a PNG original larger than the answer: a full-size PNG, issue 16)
    assert forced.output_path == tmp_path / "grace.retouched-3.png"
    # History keeps every version of the photo.
    assert [v.id for v in journal.versions(input_path=str(src.resolve()))] == [
        first.row_id,
        other.row_id,
        forced.row_id,
    ]


def test_out_dir_and_existing_files_are_never_overwritten(tmp_path: Path, client: Client, journal: Journal):
    src = tmp_path / "in" / "a.jpg"
    src.parent.mkdir()
    Image.fromarray(astronaut()).save(src, quality=90)
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.retouched.jpg").write_bytes(b"someone else's file")
    result = run_edit(Backend(client, "local"), src, SMALL, journal=journal, out_dir=out)
    assert result.output_path == out / "a.retouched-2.jpg"
    assert (out / "a.retouched.jpg").read_bytes() == b"someone else's file"


def test_failed_task_keeps_code_and_message(
    tmp_path: Path, client: Client, local_gateway: LocalGateway, journal: Journal
):
    src = tmp_path / "a.jpg"
    Image.fromarray(astronaut()).save(src)
    local_gateway.faults.fail_next_task({"code": "003010095", "message": "GPU on fire"})
    with pytest.raises(TaskFailedError) as info:
        run_edit(Backend(client, "local"), src, SMALL, journal=journal)
    row = journal.rows()[0]
    assert row.status == "failed" and row.error is not None
    assert row.error["code"] == "003010095" and "GPU on fire" in row.error["message"]
    assert info.value.fix and not list(tmp_path.glob("*.retouched*"))


def test_create_that_may_have_happened_is_marked_uncertain_not_resent(
    tmp_path: Path, client: Client, local_gateway: LocalGateway, journal: Journal
):
    src = tmp_path / "a.jpg"
    Image.fromarray(astronaut()).save(src)
    local_gateway.faults.add("create", status=500, after=True)  # created, then the answer is lost
    with pytest.raises(TaskMayExistError):
        run_edit(Backend(client, "cloud"), src, SMALL, journal=journal)
    assert local_gateway.stats.creates == 1
    row = journal.rows()[0]
    assert row.status == "uncertain" and row.task_id is None
    assert [r.id for r in journal.uncertain()] == [row.id]
    # Asking again for the same edit is refused (it may be paid already) until forced or dismissed.
    with pytest.raises(TaskMayExistError, match=f"#{row.id}") as again:
        run_edit(Backend(client, "cloud"), src, SMALL, journal=journal)
    assert "--dismiss" in again.value.fix and local_gateway.stats.creates == 1
    journal.dismiss(row.id)
    assert run_edit(Backend(client, "cloud"), src, SMALL, journal=journal).output_path.is_file()
    assert local_gateway.stats.creates == 2


def test_max_cost_and_daily_budget_stop_before_paying(
    tmp_path: Path, client: Client, local_gateway: LocalGateway, journal: Journal
):
    src = tmp_path / "a.jpg"
    Image.fromarray(astronaut()).save(src)
    estimate = {"status": "success", "data": {"cost": "0.05", "currency": "USD"}}
    local_gateway.faults.add("precharge", status=200, body=estimate, times=-1)
    cloud = Backend(client, "cloud")
    with pytest.raises(BudgetError, match=r"0\.05") as info:
        run_edit(cloud, src, SMALL, journal=journal, max_cost=Decimal("0.04"))
    assert not info.value.daily and info.value.fix
    with pytest.raises(BudgetError) as daily:
        run_edit(cloud, src, SMALL, journal=journal, budget_cap=Decimal("0.01"))
    assert daily.value.daily
    assert local_gateway.stats.creates == 0 and journal.rows() == []
    seen: list[Progress] = []
    ok = run_edit(
        cloud,
        src,
        SMALL,
        journal=journal,
        max_cost=Decimal("0.05"),
        budget_cap=Decimal("1.0"),
        on_progress=seen.append,
    )
    assert ok.estimate == Decimal("0.05") and local_gateway.stats.creates == 1
    # The price is reported before the create is sent, so the user sees it before paying.
    assert [(p.stage, p.estimate) for p in seen if p.estimate is not None] == [("creating", Decimal("0.05"))]


def test_an_output_folder_that_cannot_be_written_is_refused_before_anything_is_sent(
    tmp_path: Path, client: Client, local_gateway: LocalGateway, journal: Journal
):
    src = tmp_path / "a.jpg"
    Image.fromarray(astronaut()).save(src, quality=90)
    blocker = tmp_path / "results"
    blocker.write_text("a file where the output folder should be")  # refused even when run as root
    with pytest.raises(ConfigError) as info:
        run_edit(Backend(client, "local"), src, SMALL, journal=journal, out_dir=blocker / "shoot")
    assert "cannot be saved in" in info.value.message and "nothing was sent" in info.value.message
    assert "output folder" in info.value.fix
    assert local_gateway.stats.creates == 0 and journal.rows() == []  # nothing paid, nothing to resume
    made = run_edit(Backend(client, "local"), src, SMALL, journal=journal, out_dir=tmp_path / "new" / "shoot")
    assert made.output_path.parent == tmp_path / "new" / "shoot"  # a missing folder is simply made
    assert [p.name for p in made.output_path.parent.iterdir()] == ["a.retouched.jpg", "a.retouched.json"]


def test_a_reused_result_is_copied_to_where_this_run_puts_results(
    tmp_path: Path, client: Client, local_gateway: LocalGateway, journal: Journal
):
    src = tmp_path / "a.jpg"
    Image.fromarray(astronaut()).save(src, quality=90)
    backend = Backend(client, "local")
    first = run_edit(backend, src, SMALL, journal=journal, out_dir=tmp_path / "app-cache")  # as the window
    again = run_edit(backend, src, SMALL, journal=journal, out_dir=tmp_path / "export")  # as `retouch -o`
    assert again.reused and again.cost == Decimal(0) and local_gateway.stats.creates == 1
    assert again.output_path == tmp_path / "export" / "a.retouched.jpg"
    assert again.output_path.read_bytes() == first.output_path.read_bytes()
    sidecar = json.loads(again.sidecar_path.read_text())
    assert sidecar["output"] == str(again.output_path) and sidecar["copied_from"] == str(first.output_path)
    assert sidecar["seed"] == SMALL.seed  # the earlier result's record, not a blank one
    here = run_edit(backend, src, SMALL, journal=journal, out_dir=tmp_path / "app-cache")
    assert here.output_path == first.output_path  # already there: not copied again


def test_bad_input_costs_nothing(
    tmp_path: Path, client: Client, local_gateway: LocalGateway, journal: Journal
):
    bad = tmp_path / "notes.jpg"
    bad.write_text("not a photo")
    with pytest.raises(ImageError) as info:
        run_edit(Backend(client, "local"), bad, SMALL, journal=journal)
    assert "notes.jpg" in info.value.message and info.value.fix
    assert local_gateway.stats.creates == 0 and journal.rows() == []


def test_a_prompt_on_the_local_backend_is_refused_before_any_work_with_its_own_fix(
    tmp_path: Path, client: Client, local_gateway: LocalGateway, journal: Journal
):
    src = _photo_with_metadata(tmp_path / "eileen.jpg")
    with pytest.raises(PortraitStudioError) as info:
        run_edit(Backend(client, "local"), src, SMALL.replace(prompt="an oil painting"), journal=journal)
    assert info.value.code == "003010002" and "needs the cloud model" in info.value.message
    assert info.value.fix is not None and "Clear the prompt" in info.value.fix  # not "check the sliders"
    assert local_gateway.stats.creates == 0 and journal.rows() == []


def test_cancel_while_polling_keeps_the_task_resumable(tmp_path: Path, journal: Journal):
    src = tmp_path / "a.jpg"
    Image.fromarray(astronaut()).save(src)
    gateway = LocalGateway(TrivialEngine(), cache_dir=tmp_path / "gw", min_task_seconds=3)
    with gateway as gw, Client(gw.base_url, gw.token) as client:
        cancel = threading.Event()

        def on_progress(p: Progress) -> None:
            if p.stage == "running":
                cancel.set()

        with pytest.raises(CancelledError):
            run_edit(
                Backend(client, "cloud"),
                src,
                SMALL,
                journal=journal,
                on_progress=on_progress,
                cancel=cancel,
            )
        [row] = journal.resumable()
        assert row.status == "submitted" and row.task_id
        result = finish_task(Backend(client, "cloud"), journal, row.id, row.task_id)
    assert result.output_path.is_file() and journal.get(row.id).status == "completed"
    assert gw.stats.creates == 1


def test_result_jpeg_is_not_recompressed(
    tmp_path: Path, client: Client, local_gateway: LocalGateway, journal: Journal
):
    src = _photo_with_metadata(tmp_path / "a.jpg")
    result = run_edit(Backend(client, "local"), src, SMALL, journal=journal)
    [served] = sorted(local_gateway.files_dir.rglob("*.jpg"))  # what the gateway made
    with Image.open(result.output_path) as ours, Image.open(io.BytesIO(served.read_bytes())) as theirs:
        # Decoded pixels are identical: only metadata segments were added, no second compression.
        assert ours.tobytes() == theirs.tobytes()
        assert "icc_profile" not in theirs.info and ours.info["icc_profile"] == SRGB


def test_a_batch_pace_is_learned_and_later_photos_are_polled_less(tmp_path: Path, journal: Journal) -> None:
    """A batch's photos share a Pace: after the first, each is first looked at when it is likely done."""
    from portrait_studio.api._progress import Pace
    from portrait_studio.gateway import PacedEngine

    photos = []
    for i, rgb in enumerate((astronaut(), grace_hopper(), astronaut()[:, ::-1])):
        photos.append(tmp_path / f"p{i}.jpg")
        Image.fromarray(rgb.copy()).save(photos[-1], quality=90)
    pace = Pace()
    with (
        LocalGateway(PacedEngine(TrivialEngine(), 0.4), cache_dir=tmp_path / "gw") as gateway,
        Client(gateway.base_url, gateway.token) as api,
    ):
        backend = Backend(api, "local")
        polls = []
        for photo in photos:
            before = gateway.stats.poll_requests
            run_edit(backend, photo, SMALL, journal=journal, pace=pace)
            polls.append(gateway.stats.poll_requests - before)
        before = gateway.stats.poll_requests
        run_edit(backend, photos[0], SMALL, journal=journal, force=True)  # a single edit: no pace
        alone = gateway.stats.poll_requests - before
    assert pace.typical() is not None and pace.typical() >= 0.4
    # at once, 0.05, 0.125, 0.225, 0.325, then done: ≥ 5 looks; with the pace: at ~0.36 s, then done
    assert polls[0] >= 5 and alone >= 5
    assert max(polls[1:]) <= 3, polls
