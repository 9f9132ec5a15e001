"""Group photos through the real local gateway and the real local engine: one task per chosen face, merged
into the full-resolution original; creates counted by the gateway."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from portrait_studio.api.group import GroupError, run_group, run_photo
from portrait_studio.api.pipeline import Backend, BudgetError
from portrait_studio.core.journal import Journal
from portrait_studio.core.merge import face_region
from portrait_studio.core.params import EditParams
from tests import photos
from tests.core.test_faces_composites import mirrored, side_by_side
from tests.group_photos import tight_group

PARAMS = EditParams(width=512, height=512, gpen=0.8, skin=0.9, skin_unifi=0.6)


@pytest.fixture
def engine_gateway(tmp_path: Path) -> Iterator[object]:
    """The local gateway with the real local engine (in this process), `.stats.creates` counting creates."""
    from portrait_studio.engine import LocalEngine
    from portrait_studio.gateway import LocalGateway

    with LocalGateway(LocalEngine(), cache_dir=tmp_path / "gw") as gateway:
        yield gateway


@pytest.fixture
def local(engine_gateway: object) -> Iterator[Backend]:
    from portrait_studio.api.client import Client

    with Client(engine_gateway.base_url, engine_gateway.token) as client:  # type: ignore[attr-defined]
        yield Backend(client, "local", "local")


def _pixels(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB")).astype(np.int16)


def _faces_region(shape: tuple[int, int], faces: list[dict]) -> np.ndarray:
    """Where the chosen faces may be changed: core.merge's generous face region of each."""
    return face_region(shape, [tuple(f["box"]) for f in faces]) > 0


def _check_result(original: np.ndarray, result: np.ndarray, faces: list[dict]) -> None:
    sent = [f for f in faces if f["status"] in ("done", "reused")]
    diff = np.abs(result - original).max(axis=-1)
    for f in sent:  # every chosen face changed (the engine smooths skin: several levels on average)
        x, y, w, h = f["box"]
        assert diff[y : y + h, x : x + w].mean() > 1.0, f"face {f['number']} unchanged"
    outside = ~_faces_region(original.shape[:2], sent)
    assert outside.mean() > 0.3
    assert (diff[outside] == 0).all(), "pixels outside the chosen faces changed"


def test_three_faces_one_task_each_merged_full_size_and_rerun_is_free(
    tmp_path: Path, local: Backend, engine_gateway: object
):
    strip = side_by_side(photos.astronaut(), photos.grace_hopper(), mirrored(photos.astronaut()), height=900)
    photo = photos.save(strip, tmp_path / "shoot" / "three.png")
    with Journal() as journal:
        result = run_photo(local, photo, PARAMS, journal=journal)
        assert engine_gateway.stats.creates == 3  # type: ignore[attr-defined]
        assert result.output_path == photo.with_name("three.retouched.png")
        assert [f["number"] for f in result.faces] == [1, 2, 3]
        assert all(f["status"] == "done" and f["task_id"] for f in result.faces)
        out = _pixels(result.output_path)
        assert out.shape == strip.shape  # the original's own size
        _check_result(strip.astype(np.int16), out, list(result.faces))
        sidecar = json.loads(result.sidecar_path.read_text())
        assert sidecar["group"] is True and [f["task_id"] for f in sidecar["faces"]] == [
            f["task_id"] for f in result.faces
        ]
        for f in sidecar["faces"]:  # per face: box, params, task id, cost
            assert f["box"] and f["params"] == PARAMS.to_dict() and f["cost"] == "0" and f["task_id"]
        # one history version for the photo (the group), four task rows: the group's and one per face
        rows = journal.rows()
        assert sorted(r.kind for r in rows) == ["group", "task", "task", "task"]
        assert [v.id for v in journal.versions(rows[-1].input_sha256)] == [result.row_id]
        again = run_photo(local, photo, PARAMS, journal=journal)
        assert again.reused and again.output_path == result.output_path and again.cost == 0
        assert engine_gateway.stats.creates == 3  # type: ignore[attr-defined]


def test_largest_face_only_leaves_the_others_as_they_were(tmp_path: Path, local: Backend, engine_gateway):
    strip = side_by_side(photos.grace_hopper(), photos.astronaut(), height=700)
    photo = photos.save(strip, tmp_path / "two.png")
    with Journal() as journal:
        result = run_photo(local, photo, PARAMS, journal=journal, faces="largest")
    assert engine_gateway.stats.creates == 1
    [face] = result.faces
    out, original = _pixels(result.output_path), strip.astype(np.int16)
    _check_result(original, out, [face])
    assert face["box"][0] < strip.shape[1] // 2  # Grace's face is the larger one, on the left
    assert (out[:, strip.shape[1] // 2 + 60 :] == original[:, strip.shape[1] // 2 + 60 :]).all()


def test_tight_group_of_five_touching_cheeks(tmp_path: Path, local: Backend, engine_gateway):
    group, _ = tight_group(5)
    photo = photos.save(group, tmp_path / "team.png")
    seen = []
    with Journal() as journal:
        result = run_photo(local, photo, PARAMS, journal=journal, on_progress=lambda p: seen.append(p.face))
    assert engine_gateway.stats.creates == 5 == len(result.faces)
    assert {s for s in seen if s} == {(k, 5) for k in range(1, 6)}  # per-face progress
    _check_result(group.astype(np.int16), _pixels(result.output_path), list(result.faces))
    assert all(f["covered"] for f in result.faces)  # every face had a neighbour to cover in its upload


def test_a_face_that_cannot_be_isolated_is_reported_and_not_paid(tmp_path: Path, local, engine_gateway):
    pair, _ = tight_group(2, gap=0.7)  # Grace's head pressed over half of the astronaut's face
    photo = photos.save(pair, tmp_path / "pressed.png")
    with Journal() as journal:
        result = run_photo(local, photo, PARAMS, journal=journal)
        [alone] = [f for f in result.faces if f["status"] == "not_isolated"]
        assert "face 1" in alone["reason"] and alone.get("task_id") is None
        assert engine_gateway.stats.creates == 1  # only the face that could be sent alone
        assert len([r for r in journal.rows() if r.parent_id]) == 1
    x, y, w, h = alone["box"]
    out = _pixels(result.output_path)
    core = (slice(y + h // 4, y + h * 3 // 4), slice(x + w // 4, x + w // 2))  # its side away from face 2
    assert (out[core] == pair.astype(np.int16)[core]).all()


def test_a_failed_face_is_retried_alone(tmp_path: Path, local: Backend, engine_gateway):
    strip = side_by_side(photos.astronaut(), photos.grace_hopper(), mirrored(photos.astronaut()), height=700)
    photo = photos.save(strip, tmp_path / "three.png")
    engine_gateway.faults.fail_next_task({"code": "003010095", "message": "GPU on fire"})  # face 1's task
    with Journal() as journal:
        with pytest.raises(GroupError) as failed:
            run_photo(local, photo, PARAMS, journal=journal)
        assert "Face 1" in failed.value.message and "other faces are done" in failed.value.message
        assert engine_gateway.stats.creates == 3
        result = run_photo(local, photo, PARAMS, journal=journal)
        assert engine_gateway.stats.creates == 4  # only face 1 again
        assert [f["status"] for f in result.faces] == ["done", "reused", "reused"]


def test_money_one_estimate_for_the_group_limits_apply_to_the_sum(tmp_path: Path, engine_gateway):
    from portrait_studio.api.client import Client

    strip = side_by_side(photos.astronaut(), photos.grace_hopper(), mirrored(photos.astronaut()), height=700)
    photo = photos.save(strip, tmp_path / "three.png")
    price = {"status": "success", "data": {"cost": "0.40", "currency": "USD", "discount": 1}}
    engine_gateway.faults.add("precharge", status=200, body=price, times=-1)
    with Client(engine_gateway.base_url, engine_gateway.token) as client, Journal() as journal:
        cloud = Backend(client, "cloud", "cloud")  # the local gateway speaking as the cloud, priced
        with pytest.raises(BudgetError) as over:
            run_group(cloud, photo, PARAMS, journal=journal, max_cost=Decimal("1.00"))
        assert "$1.20" in over.value.message and engine_gateway.stats.creates == 0
        with pytest.raises(BudgetError) as capped:
            run_group(cloud, photo, PARAMS, journal=journal, budget_cap=Decimal("1.00"))
        assert capped.value.daily and engine_gateway.stats.creates == 0
        result = run_group(cloud, photo, PARAMS, journal=journal, budget_cap=Decimal("1.20"))
        assert engine_gateway.stats.creates == 3
        faces = [r for r in journal.rows() if r.parent_id == result.row_id]
        assert [r.estimate for r in faces] == [Decimal("0.40")] * 3  # the ledger has each task
        assert journal.get(result.row_id).estimate == Decimal("1.20")
        assert journal.committed_today() == journal.spent_today()  # nothing held once done


def test_a_large_16_bit_adobe_rgb_group_keeps_depth_profile_and_every_other_pixel(
    tmp_path: Path, local, engine_gateway
):
    from portrait_studio.core.colour import Space
    from portrait_studio.core.deep_io import read_deep, write_tiff
    from tests.core import icc_profiles

    group, _ = tight_group(5, face_px=560)  # ≈ 4200×2350: every face crop larger than the model's answer
    space = Space.of(icc_profiles.adobe_rgb())
    deep = space.from_srgb(group.astype(np.float32) / 255)
    low = np.random.default_rng(17).normal(0, 60, deep.shape)  # low bits of its own, as a raw export has
    original = np.clip(np.rint(deep * 65535 + low), 0, 65535).astype(np.uint16)
    src = write_tiff(tmp_path / "team.tif", original, space.icc)
    with Journal() as journal:
        result = run_photo(local, src, PARAMS, journal=journal)
    assert engine_gateway.stats.creates == 5
    got = read_deep(result.output_path)
    assert result.output_path.suffix == ".tif" and got.pixels.dtype == np.uint16
    assert got.pixels.shape == original.shape and got.icc_profile == space.icc
    diff = np.abs(got.pixels.astype(np.int32) - original).max(axis=-1)
    for f in result.faces:
        x, y, w, h = f["box"]
        assert diff[y : y + h, x : x + w].mean() > 256, f"face {f['number']} unchanged"  # > 1 level of 255
    outside = ~_faces_region(original.shape[:2], list(result.faces))
    assert (diff[outside] == 0).all()  # bit-exact, low bits included, outside the faces


class _Interrupted(BaseException):
    """What a kill looks like to the code below it: the call stops mid-way (tests/test_cli_group.py does
    the real kill -9 of a real process)."""


def test_an_interrupted_group_is_resumed_with_its_paid_face_finished_not_made_again(
    tmp_path: Path, local: Backend, engine_gateway
):
    from contextlib import nullcontext

    from portrait_studio.api.resume import resume_pending

    strip = side_by_side(photos.astronaut(), photos.grace_hopper(), mirrored(photos.astronaut()), height=700)
    photo = photos.save(strip, tmp_path / "three.png")

    def stop_at_face_2(p) -> None:
        if p.face == (2, 3) and p.stage == "running":
            raise _Interrupted

    with Journal() as journal:
        with pytest.raises(_Interrupted):
            run_photo(local, photo, PARAMS, journal=journal, on_progress=stop_at_face_2)
        [group] = journal.orphaned_groups()
        assert engine_gateway.stats.creates == 2  # face 1 done, face 2 paid and running
        report = resume_pending(journal, open_local=lambda: nullcontext(local))
        [result] = report.finished
        assert result.row_id == group.id and result.output_path == photo.with_name("three.retouched.png")
        assert engine_gateway.stats.creates == 3  # face 2 finished, not created again; face 3 made
        assert [f["status"] for f in result.faces] == ["reused", "done", "done"]
        assert journal.get(group.id).status == "completed" and not journal.orphaned_groups()


def test_a_cancelled_group_makes_nothing_more_at_the_next_start(
    tmp_path: Path, local: Backend, engine_gateway
):
    import threading

    from portrait_studio.api.resume import resume_pending
    from portrait_studio.core.errors import CancelledError

    strip = side_by_side(photos.astronaut(), photos.grace_hopper(), height=700)
    photo = photos.save(strip, tmp_path / "two.png")
    cancel = threading.Event()
    with Journal() as journal:
        with pytest.raises(CancelledError):
            run_photo(
                local, photo, PARAMS, journal=journal, cancel=cancel,
                on_progress=lambda p: cancel.set() if p.face == (1, 2) and p.stage == "done" else None,
            )  # fmt: skip
        assert engine_gateway.stats.creates == 1
        assert journal.orphaned_groups() == []
        resume_pending(journal, open_local=lambda: pytest.fail("nothing to resume"))
        assert engine_gateway.stats.creates == 1
        again = run_photo(local, photo, PARAMS, journal=journal)  # run again: face 1 reused, face 2 made
        assert [f["status"] for f in again.faces] == ["reused", "done"] and engine_gateway.stats.creates == 2
