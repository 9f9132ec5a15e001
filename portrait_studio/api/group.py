"""Group photos with a one-face model: one journal entry, one task per chosen face, one full-size result.

    result = run_photo(session, "team.jpg", params, journal=journal, faces="all")   # EditResult
    result.faces   # per face: number, box, params, task_id, cost, status (reused / done / not_isolated …)

`run_photo` is what the CLI and the batch call: a photo with one face (or none) goes through
`api.pipeline.run_edit` as always; a photo with several faces goes through `run_group`:

1. count the faces on the full-size sRGB pixels, choose them (core.group.choose: all but tiny background
   faces, the largest, or numbers), and make each chosen face's upload (core.group.isolate: exactly one face
   in it, neighbours covered in the upload only). A face that cannot be isolated is reported in
   `result.faces` with its reason and is never sent (nothing is paid for it);
2. each face task is an ordinary request with its own dedupe key (its upload bytes, its params): a face done
   before, in this group or any run, is reused free; the group's own key is the original plus its faces'
   keys, so re-running the same group with the same settings costs nothing;
3. money: one precharge per face still to make, summed: `max_cost` and the daily `budget_cap` apply to that
   sum, checked before anything is created; the group row holds the sum while it runs (core.ledger), each
   face task is its own row with its own estimate and cost (the ledger records each task);
4. journal: the "group" row is begun (synced) first, each face row (parent_id = the group) before its create;
   a face already paid for and still running (a crash, a cancelled wait) is finished, never created again; a
   cloud face whose create may have happened is not resent (the group stops, the row is listed for the user);
5. every answer is merged onto the original at its full size, depth and colour space (core.group.
   merge_faces), saved in its format with one sidecar that lists every face (box, params, task id, cost).

A failed face fails the group (the others stay done and paid); running the group again sends only that face.
After a crash `resume_group` (api.resume, at start-up or `portrait-studio resume`) runs the group again on
its row: paid faces are finished, done ones reused, and the result lands where it was planned.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from portrait_studio import __version__
from portrait_studio.api import output as _output
from portrait_studio.api import pipeline as _pipeline
from portrait_studio.api._progress import Pace, Progress, ProgressFn
from portrait_studio.core.errors import CancelledError, PortraitStudioError, TaskMayExistError
from portrait_studio.core.group import (
    FacesChoice,
    FaceUpload,
    GroupFace,
    NotIsolated,
    choose,
    group_faces,
    isolate,
    parse_choice,
)
from portrait_studio.core.i18n import N_, _, format_money, ngettext
from portrait_studio.core.journal import AlreadyBegun, Journal
from portrait_studio.core.journal_rows import JournalRow, dedupe_key
from portrait_studio.core.params import EditParams, check_local
from portrait_studio.core.paths import data_dir
from portrait_studio.core.settings import Settings

CODE_GROUP_INCOMPLETE = "group_incomplete"
CODE_NO_FACE_ALONE = "no_face_alone"
FACES_FOLDER = "group-faces"  # under the app's data folder: each face's answer, kept for reuse and resume


class GroupError(PortraitStudioError):
    """A group edit could not be finished (the message says which faces and why); the rest is kept."""

    default_fix = N_("Run it again: only the faces that failed are sent; the others are reused free.")

    def __init__(self, message: str, fix: str | None = None, *, code: str, faces: list[dict[str, Any]]):
        self.faces = faces
        super().__init__(message, fix, code=code)


@dataclass(frozen=True)
class GroupPlan:
    """What a group edit would send: every face (numbered), the chosen ones, their uploads, and the faces
    that cannot be sent alone. `tasks` is the count the banner and the estimate speak of."""

    faces: list[GroupFace]
    chosen: list[GroupFace]
    uploads: list[FaceUpload] = field(repr=False)
    not_isolated: list[NotIsolated]

    @property
    def tasks(self) -> int:
        """How many face tasks the group sends (at most; done ones are reused free)."""
        return len(self.uploads)


def plan_group(rgb: Any, choice: FacesChoice = "all", faces: Any = None) -> GroupPlan:
    """Count (unless `faces`, core Face list in `rgb`'s pixels, are given), choose and isolate the faces of
    a photo's full-size sRGB pixels."""
    from portrait_studio.core.faces import detect_faces

    found = group_faces(detect_faces(rgb).faces if faces is None else faces)
    chosen = choose(found, choice)
    uploads: list[FaceUpload] = []
    refused: list[NotIsolated] = []
    for face in chosen:
        made = isolate(rgb, found, face.number)
        if isinstance(made, NotIsolated):
            refused.append(made)
        else:
            uploads.append(made)
    return GroupPlan(found, chosen, uploads, refused)


@dataclass(frozen=True)
class GroupEstimate:
    """What a group edit would cost before anything is paid: its plan, and the summed precharge (None: the
    local engine, free)."""

    plan: GroupPlan
    estimate: Decimal | None
    per_face: dict[int, Decimal | None] = field(default_factory=dict)  # by face number (cloud)


def estimate_group(
    session: Any,
    input_path: Path | str,
    params: EditParams,
    choice: FacesChoice = "all",
    *,
    every: bool = False,
    settings: Settings | None = None,
    face_params: Mapping[int, EditParams] | None = None,
) -> GroupEstimate:
    """Plan a group photo and price it: one precharge per face to send on the cloud (nothing is created).

    For the window's "Retouch each face (N tasks, estimate $x)"; the run itself prices again (done faces are
    then free). `every`: plan and price every face, tiny ones too (a window lets the user turn them on)."""
    from portrait_studio.core.faces import detect_faces

    backend = _pipeline.Backend.of(session) if session is not None else None
    rgb, _sha256, _fmt = _load(Path(input_path))
    found = detect_faces(rgb).faces
    plan = plan_group(rgb, tuple(range(1, len(found) + 1)) if every else choice, found)
    if backend is None or backend.kind != "cloud":
        return GroupEstimate(plan, None)
    settings = settings or Settings(backend="cloud")
    per_face = dict(face_params or {})
    faces = []
    for upload in plan.uploads:
        data = _encode(upload)
        p = per_face.get(upload.number, params)
        face = next(f for f in plan.faces if f.number == upload.number)
        faces.append(_Face(upload, face, p, data, _sha(data), ""))
    total = _estimate_all(backend, settings, faces, max_cost=None, budget_cap=None)
    return GroupEstimate(plan, total, {f.upload.number: f.estimate for f in faces})


# ------------------------------------------------------------------------------------------------- the run
@dataclass
class _Face:
    """One chosen face while the group runs."""

    upload: FaceUpload
    face: GroupFace
    params: EditParams
    data: bytes
    sha256: str
    key: str
    image_input: str | None = None
    estimate: Decimal | None = None
    row: JournalRow | None = None  # its completed row (reused or made now)
    status: str = "pending"  # pending | reused | done | failed
    error: dict[str, Any] | None = None

    def record(self) -> dict[str, Any]:
        """The sidecar's and the CLI's line for this face."""
        r = self.row
        return {
            **self.face.to_json(),
            "status": self.status,
            "params": self.params.to_dict(),
            "task_id": r.task_id if r else None,
            "cost": str(Decimal(0) if self.status == "reused" else r.cost)
            if r and r.cost is not None
            else None,
            "estimate": str(self.estimate) if self.estimate is not None else None,
            "row": r.id if r else None,
            "crop": list(self.upload.crop),
            "covered": [list(b) for b in self.upload.covered],
            "error": self.error,
        }


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _encode(upload: FaceUpload) -> bytes:
    from portrait_studio.core.images import MAX_UPLOAD_BYTES, fit_jpeg

    fitted = fit_jpeg(upload.rgb, MAX_UPLOAD_BYTES)
    if fitted is None:  # a crop ≤ 4096 px of a photo: never seen; said plainly all the same
        raise PortraitStudioError(
            _("Face {n}'s upload could not be made small enough.").format(n=upload.number)
        )
    return fitted[0]


def _faces_folder() -> Path:
    folder = data_dir() / FACES_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _load(path: Path) -> tuple[Any, str, str]:
    """The photo's full-size sRGB pixels (EXIF upright), the sha256 of its file, and its format."""
    from portrait_studio.core.images import colour_managed, load_image

    image = load_image(path)
    managed, _space = colour_managed(image)
    rgb = managed.rgb if managed.preview_scale == 1.0 else load_image(path).rgb
    return rgb, _sha(image.data), image.format


def run_photo(
    session: Any,
    input_path: Path | str,
    params: EditParams,
    *,
    journal: Journal,
    faces: FacesChoice | str = "all",
    **options: Any,
) -> _pipeline.EditResult:
    """One photo, whatever its faces: run_edit for one face (or none), run_group for several.

    The count is made on a ≤ 1920 px preview (what detection looks at anyway) through the face cache
    (core.face_cache, keyed by the file's bytes), so a batch of one-face photos pays one fast decode each and
    a photo counted before (by `check`, the window) is not counted again.
    """
    from portrait_studio.core.face_cache import detect_faces_cached
    from portrait_studio.core.faces import WORKING_SIDE
    from portrait_studio.core.images import load_image, scale_faces

    choice = parse_choice(faces) if isinstance(faces, str) else faces
    path = Path(input_path)
    try:  # (the one safe read: a named pipe, /dev/zero, a folder are refused in plain words, not read)
        preview = load_image(path, max_side=WORKING_SIDE)
    except PortraitStudioError:
        return _pipeline.run_edit(session, path, params, journal=journal, **options)  # says what is wrong
    found = detect_faces_cached(preview.rgb, preview.data)
    if found.count < 2:
        return _pipeline.run_edit(session, path, params, journal=journal, **options)
    rgb, sha, fmt = _load(path)
    counted = scale_faces(found, preview.rgb.shape[1] / rgb.shape[1]).faces  # preview px per full px
    return run_group(
        session, path, params, journal=journal, faces=choice, _loaded=(rgb, sha, fmt, counted), **options
    )


def run_group(
    session: Any,
    input_path: Path | str,
    params: EditParams,
    *,
    journal: Journal,
    faces: FacesChoice = "all",
    face_params: Mapping[int, EditParams] | None = None,
    backend_kind: str | None = None,
    settings: Settings | None = None,
    out_dir: Path | str | None = None,
    on_progress: ProgressFn | None = None,
    cancel: Any = None,
    max_cost: Decimal | None = None,
    budget_cap: Decimal | None = None,
    force: bool = False,
    preset: str | None = None,
    pace: Pace | None = None,
    size: str = "original",
    group_row: int | None = None,
    stem: str | None = None,
    _loaded: tuple[Any, str, str, Any] | None = None,
) -> _pipeline.EditResult:
    """Retouch each chosen face of a group photo as its own task and merge them (see the module docstring).

    `face_params`: strengths for some faces (by number); the others take `params`. `group_row`: continue
    that journal row (resume) instead of beginning one. `stem`: the result's name before `.retouched.EXT`
    (a rendered `--name` template), as in run_edit. `size` is accepted for run_edit's callers: a group
    result is always the original's size (the faces' answers are parts of it).
    """
    backend = _pipeline.Backend.of(session, backend_kind)
    settings = settings or Settings(backend="cloud" if backend.kind == "cloud" else "local")
    report = on_progress or (lambda p: None)
    per_face = dict(face_params or {})
    for p in (params, *per_face.values()):
        if backend.kind == "local":
            check_local(p)
    path = Path(input_path)
    report(Progress("preparing"))
    rgb, input_sha, fmt, found = _loaded if _loaded is not None else (*_load(path), None)
    plan = plan_group(rgb, faces, found)
    folder = _output.ready_folder(Path(out_dir).expanduser() if out_dir else path.resolve().parent)
    base_url = backend.client.base_url
    todo = []
    for upload in plan.uploads:
        face = next(f for f in plan.faces if f.number == upload.number)
        p = per_face.get(upload.number, params)
        data = _encode(upload)
        sha = _sha(data)
        todo.append(_Face(upload, face, p, data, sha, dedupe_key(sha, p, backend.kind, base_url, "model")))
    skipped = [
        {**_face_json(plan, n.number), "status": "not_isolated", "reason": n.reason}
        for n in plan.not_isolated
    ]
    if not todo:
        raise GroupError(
            _("No face of this photo can be sent on its own: {reasons}. Nothing was sent.").format(
                reasons="; ".join(n.reason for n in plan.not_isolated)
            ),
            _("Crop the photo so that one face stands alone, or choose other faces."),
            code=CODE_NO_FACE_ALONE,
            faces=skipped,
        )
    group_sha = _sha(json.dumps(["group-v1", input_sha, [(f.upload.number, f.key) for f in todo]]).encode())
    key = dedupe_key(group_sha, params, backend.kind, base_url, "original")
    planned = _output.planned_output(path.resolve(), folder, _output.result_suffix(fmt), stem=stem)
    if not force and group_row is None and (done := journal.find_reusable(key)) is not None:
        report(Progress("done", 1.0, 0.0))
        return _reused_group(done, path, folder, stem)
    for f in todo:  # done before (this group, an earlier run, another photo with these very bytes): free
        if not force and (row := journal.find_reusable(f.key)) is not None:
            f.row, f.status = row, "reused"
    pending = [f for f in todo if f.status == "pending"]
    _pipeline._raise_if_cancelled(cancel)
    report(Progress("estimating"))
    total = _estimate_all(backend, settings, pending, max_cost=max_cost, budget_cap=budget_cap)
    report(Progress("creating", estimate=total))
    record = {
        "choice": faces if isinstance(faces, str) else list(faces),
        "face_params": {str(n): p.to_dict() for n, p in per_face.items()},
        "faces": [f.to_json() for f in plan.faces],
    }
    with _pipeline._COMMITTING:  # the whole group's money is checked once, and held by the group row
        _pipeline._check_cap(journal, total, budget_cap)
        if group_row is None:
            try:
                group_row = journal.begin(
                    input_path=path.resolve(), input_sha256=input_sha, upload_sha256=group_sha, params=params,
                    backend=backend.kind, base_url=base_url, engine=backend.engine_label, out_path=planned,
                    preset=preset, estimate=total, once=not force, size="original", kind="group", face=record,
                )  # fmt: skip
            except AlreadyBegun as running:
                raise GroupError(
                    _("This group edit runs in another window or process (journal row #{row}).").format(
                        row=running.row.id
                    ),
                    _("Wait for it to finish; its result is then reused here free."),
                    code="group_running",
                    faces=[],
                ) from None
    try:
        for i, f in enumerate(todo):
            if f.status != "pending":
                continue
            _run_face(backend, journal, group_row, path, f, i, len(todo), report, cancel, pace, preset)
    except CancelledError as stopped:
        # The user stopped it: nothing more is created for it at the next start. Faces already paid for stay
        # (resume finishes them; running the group again reuses them).
        journal.mark_failed(group_row, stopped.to_dict())
        raise
    except BaseException:
        journal.release(group_row)  # interrupted (Ctrl-C, a bug): resume finishes the group
        raise
    failed = [f for f in todo if f.status == "failed"]
    if failed:
        err = GroupError(
            ngettext(
                "Face {faces} could not be retouched ({why}).",
                "Faces {faces} could not be retouched ({why}).",
                len(failed),
            ).format(
                faces=", ".join(str(f.upload.number) for f in failed),
                why="; ".join((f.error or {}).get("message", _("failed")) for f in failed),
            )
            + (_(" The other faces are done.") if len(failed) < len(todo) else ""),
            code=CODE_GROUP_INCOMPLETE,
            faces=[f.record() for f in todo] + skipped,
        )  # fmt: skip
        journal.mark_failed(group_row, err.to_dict())
        raise err
    report(Progress("saving", 1.0, 0.0))
    said = (
        [_("a group photo's result is the original's size: its faces are merged into it")]
        if size == "model"
        else []
    )
    return _finish(journal, journal.get(group_row), plan, todo, skipped, backend, said)


def _face_json(plan: GroupPlan, number: int) -> dict[str, Any]:
    return next(f for f in plan.faces if f.number == number).to_json()


def _estimate_all(
    backend: _pipeline.Backend,
    settings: Settings,
    pending: list[_Face],
    *,
    max_cost: Decimal | None,
    budget_cap: Decimal | None,
) -> Decimal | None:
    """One precharge per face still to make (the protocol prices one task), summed; BudgetError above
    `max_cost` before anything is created."""
    from portrait_studio.api.hosting import image_input_for

    use = settings if backend.kind == "cloud" else settings.replace(image_host="inline")
    total: Decimal | None = None
    for f in pending:
        f.image_input = image_input_for(f.data, "image/jpeg", use, backend.client)
        f.estimate = _pipeline._estimate(
            backend, f.params, f.image_input, max_cost=None, budget_cap=budget_cap
        )
        if f.estimate is not None:
            total = (total or Decimal(0)) + f.estimate
    if max_cost is not None and total is not None and total > max_cost:
        raise _pipeline.BudgetError(
            _(
                "Retouching these {n} faces is estimated at {total} in all, above the limit of {max_cost}; "
                "nothing was sent."
            ).format(n=len(pending), total=format_money(total, None), max_cost=format_money(max_cost, None)),
            _("Raise --max-cost, choose fewer faces (--faces), or lower the size."),
            estimate=total,
            daily=False,
        )
    return total


def _run_face(
    backend: _pipeline.Backend,
    journal: Journal,
    group_id: int,
    path: Path,
    f: _Face,
    index: int,
    count: int,
    report: ProgressFn,
    cancel: Any,
    pace: Pace | None,
    preset: str | None,
) -> None:
    """Finish (paid, still running) or create one face's task; its outcome lands in `f`."""

    def face_progress(p: Progress) -> None:
        share = (index + (p.fraction or 0.0)) / count
        report(Progress(p.stage, share, p.eta, p.task_id, p.estimate, face=(index + 1, count)))

    _pipeline._raise_if_cancelled(cancel)
    try:
        if backend.kind == "cloud":
            _pipeline._refuse_if_uncertain(journal, f.key)
        else:  # a local task dies with its gateway: its old row is closed, the face is made again (free)
            gone = {
                "code": "interrupted",
                "message": _("The local engine stopped before this face was done."),
            }
            for old in journal.resumable(f.key):
                if old.base_url != backend.client.base_url and journal.claim(old.id):
                    journal.mark_failed(old.id, gone)
            for old in journal.uncertain(f.key):  # a local create that died with its gateway: never paid
                journal.mark_failed(old.id, gone)
        if (running := _pipeline._claim_running(journal, f.key, backend)) is not None:
            assert running.task_id is not None
            result = _pipeline.finish_task(
                backend, journal, running.id, running.task_id, on_progress=face_progress, cancel=cancel
            )
        else:
            out = _faces_folder() / f"{path.stem}.face{f.upload.number}.jpg"
            with _pipeline._COMMITTING:
                row_id = journal.begin(
                    input_path=path.resolve(), input_sha256=f.sha256, upload_sha256=f.sha256, params=f.params,
                    backend=backend.kind, base_url=backend.client.base_url, engine=backend.engine_label,
                    out_path=out, preset=preset, estimate=f.estimate, size="model", parent_id=group_id,
                    face={"number": f.upload.number, "box": list(f.face.box), "crop": list(f.upload.crop)},
                )  # fmt: skip
            face_progress(Progress("creating"))
            assert f.image_input is not None
            task = _pipeline._create(backend, f.params, f.image_input, journal, row_id)
            result = _pipeline.finish_task(
                backend, journal, row_id, task.id, on_progress=face_progress, cancel=cancel, pace=pace
            )
    except CancelledError:
        raise
    except TaskMayExistError as err:
        f.status, f.error = "failed", err.to_dict()
        return
    except PortraitStudioError as err:
        f.status, f.error = "failed", err.to_dict()
        return
    assert result.row_id is not None
    f.row, f.status = journal.get(result.row_id), "done"


def _finish(
    journal: Journal,
    row: JournalRow,
    plan: GroupPlan,
    todo: list[_Face],
    skipped: list[dict[str, Any]],
    backend: _pipeline.Backend,
    said: list[str],
) -> _pipeline.EditResult:
    """Merge every face's answer onto the original, write result + sidecar, complete the group row."""
    import numpy as np
    from PIL import Image

    from portrait_studio.core.colour import Space
    from portrait_studio.core.deep_io import read_deep
    from portrait_studio.core.group import merge_faces

    original = Path(row.input_path)
    deep = read_deep(original)
    space = Space.of(deep.icc_profile, deep.channels)
    pairs: list[tuple[FaceUpload, Any]] = []
    notes: list[str] = list(said)
    for f in todo:
        assert f.row is not None and f.row.result_path is not None
        with Image.open(f.row.result_path) as im:
            answer = np.asarray(im.convert("RGB"))
        pairs.append((f.upload, answer))
    merged = merge_faces(deep.pixels, pairs, plan.faces, space)
    pixels, merged_faces = merged.pixels, merged.faces
    notes.extend(
        _("face {n}: {why}; that face was left as it was.").format(n=n, why=why) for n, why in merged.refused
    )
    exif, _icc = _output.original_metadata(original)
    quality = _output.jpeg_quality(original) if deep.format == "JPEG" else _output.DEFAULT_JPEG_QUALITY
    body = _output.full_size_body(
        pixels, deep.format, exif=exif, icc_profile=deep.icc_profile, alpha=deep.alpha, quality=quality
    )
    planned = _output.fitted(Path(row.out_path)) if row.out_path else original.with_suffix(".retouched.jpg")
    try:
        written = Path(row.saving_path) if row.saving_path else None
        if written is None or not _output.holds(written, body):
            written = _output.write_body(
                body, planned, never=original, before=lambda name: journal.mark_saving(row.id, name)
            )
        paid = [f for f in todo if f.status == "done" and f.row is not None and f.row.cost is not None]
        cost = sum((f.row.cost for f in paid if f.row and f.row.cost), Decimal(0)) if paid else None
        merges = {m.number: m.to_json() for m in merged_faces}
        faces = [{**f.record(), "merge": merges.get(f.upload.number)} for f in todo] + skipped
        faces.sort(key=lambda r: int(r["number"]))
        fields: dict[str, Any] = {
            "app": f"portrait-studio {__version__}",
            "input": row.input_path,
            "input_sha256": row.input_sha256,
            "output": str(written),
            "params": row.params.to_dict(),
            "preset": row.preset,
            "engine": row.engine or row.backend,
            "backend": row.backend,
            "base_url": row.base_url,
            "group": True,
            "faces": faces,
            "task_id": None,
            "cost": str(cost) if cost is not None else None,
            "estimate": str(row.estimate) if row.estimate is not None else None,
            "currency": "USD",
            "result_size": "original",
            "size": [deep.pixels.shape[1], deep.pixels.shape[0]],
            "bits": deep.bits,
            "notes": notes,
            "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        sidecar = _output.write_sidecar(written, fields)
    except OSError as err:
        raise _output.unsaved(planned.parent, err) from err
    journal.mark_completed(row.id, result_path=written, sidecar_path=sidecar, cost=cost)
    return _pipeline.EditResult(
        input_path=original,
        output_path=written,
        sidecar_path=sidecar,
        params=row.params,
        engine=row.engine or backend.engine_label,
        task_id=None,
        job_id=None,
        cost=cost if cost is not None else Decimal(0),
        reused=all(f.status == "reused" for f in todo),
        row_id=row.id,
        estimate=row.estimate,
        notes=tuple(notes),
        faces=tuple(faces),
    )


def _reused_group(
    row: JournalRow, input_path: Path, folder: Path, stem: str | None = None
) -> _pipeline.EditResult:
    """The same group done before: its result (copied into `folder` when it lies elsewhere), nothing paid."""
    earlier = _pipeline._reuse(row, input_path, folder, stem)
    side = _output.read_sidecar(earlier.sidecar_path)
    faces = tuple(
        {**f, "status": "reused", "cost": "0"} if f.get("task_id") else f for f in side.get("faces", [])
    )
    return _pipeline.EditResult(**{**earlier.__dict__, "faces": faces})


def resume_group(
    row: JournalRow,
    journal: Journal,
    open_local: Callable[[], Any] | None,
    **kw: Any,
) -> _pipeline.EditResult:
    """A group edit a dead process left: run again on its row; paid faces are finished, done ones reused."""
    from portrait_studio.api.client import Client
    from portrait_studio.api.keys import get_api_key

    record = row.face or {}
    choice = record.get("choice", "all")
    per_face = {int(n): EditParams.from_dict(p) for n, p in (record.get("face_params") or {}).items()}
    options = {
        "journal": journal,
        "faces": choice if isinstance(choice, str) else tuple(choice),
        "face_params": per_face,
        "out_dir": Path(row.out_path).parent if row.out_path else None,
        "preset": row.preset,
        "group_row": row.id,
        **kw,
    }
    if row.backend == "cloud":
        with Client(row.base_url, get_api_key()) as client:  # the key only to the row's own cloud origin
            backend = _pipeline.Backend(client, "cloud", row.engine)
            return run_group(backend, row.input_path, row.params, **options)
    if open_local is None:
        raise PortraitStudioError(
            _("This group edit was interrupted and the local engine is not available to finish it."),
            _("Run the edit again."),
        )
    with open_local() as session:
        return run_group(session, row.input_path, row.params, **options)


__all__ = [
    "CODE_GROUP_INCOMPLETE",
    "CODE_NO_FACE_ALONE",
    "GroupError",
    "GroupEstimate",
    "GroupPlan",
    "estimate_group",
    "plan_group",
    "resume_group",
    "run_group",
    "run_photo",
]
