"""The one edit pipeline (CLI, GUI worker, batch queue): journal → host → precharge → create → poll → save.

    result = run_edit(session, "a.jpg", params, journal=journal)   # EditResult
    result.output_path, result.sidecar_path, result.task_id, result.cost, result.reused

Order of events for one photo (each arrow is a journal write that survives a crash):

1. load + prepare the upload (core.images); sha256 of the original and of the uploaded bytes;
2. dedupe: same uploaded bytes + params + backend already done → the existing result, nothing paid
   (`force=True`, or a new seed, runs it again); already paid and still running (a cancelled wait) → that
   task is finished instead of creating another;
3. image_input (api.hosting), precharge estimate; `max_cost` / the daily budget cap stop here, before paying;
4. → "creating" row, create request → "submitted" with the task id (TaskMayExistError → "uncertain");
5. wait with progress and ETA (cancel stops waiting; the paid task stays resumable) → download →
   result + `.json` sidecar → "completed". `size="original"` (the default): the answer is merged onto the
   original at its full size, depth and colour space (core.merge) and saved in its format
   (`<name>.retouched.tif|png|jpg`); when the merge is refused (not a local retouch of this photo) or the
   original is no larger than the answer, the model's image is the result (`<name>.retouched.jpg`, with the
   reason in the notes). `size="model"`: always the model's image.

The upload is sRGB: a photo in another colour space, or at 16 bits, is converted first (core.images.
colour_managed). The size choice is part of the dedupe key (the two results differ); a row's size is read
back from its key (journal_rows.size_of), so resume saves what the run asked for.

`finish_task()` is step 5 alone: resume after a crash uses it (api/resume.py).
`on_progress(Progress)` is called from the calling thread; a GUI must marshal it to its own thread.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from portrait_studio.api import metadata as _metadata
from portrait_studio.api import output as _output
from portrait_studio.api._progress import Eta, Pace, Progress, ProgressFn, planner_for
from portrait_studio.api.client import Client
from portrait_studio.api.models import Task
from portrait_studio.core.errors import (
    CODE_BAD_RESULT,
    APIError,
    CancelledError,
    NotFoundError,
    PortraitStudioError,
    TaskFailedError,
    TaskMayExistError,
)
from portrait_studio.core.fileio import clean_stale_temps
from portrait_studio.core.i18n import N_, _, format_money
from portrait_studio.core.journal import AlreadyBegun, Journal
from portrait_studio.core.journal_rows import JournalRow, dedupe_key, size_of
from portrait_studio.core.params import EditParams, check_local
from portrait_studio.core.settings import Settings

CODE_TASK_GONE = "task_gone"  # the service answers 404 for the task: closed (resume would ask forever)
PROGRESS_WRITE_INTERVAL = 1.0  # seconds between journal writes of a task's progress
WAIT_INTERVAL = 0.2  # seconds between looks at the same request running in another process (_wait_for)


class BudgetError(PortraitStudioError):
    """The task would cost more than allowed (`--max-cost` or the daily budget cap); nothing was paid."""

    default_fix = N_("Raise the limit in Settings (or --max-cost), or use the free local backend.")

    def __init__(
        self, message: str, fix: str | None = None, *, estimate: Decimal | None, daily: bool
    ) -> None:
        self.estimate = estimate
        self.daily = daily  # True: the daily cap (a batch pauses); False: this task's own limit
        super().__init__(message, fix, code="budget")


@dataclass(frozen=True)
class EditResult:
    """A finished edit: where the result is, what it cost, and whether an earlier result was reused."""

    input_path: Path
    output_path: Path
    sidecar_path: Path
    params: EditParams
    engine: str
    task_id: str | None
    job_id: str | None
    cost: Decimal | None
    reused: bool = False
    row_id: int | None = None
    estimate: Decimal | None = None
    notes: tuple[str, ...] = ()  # the local engine's notes (api.output.take_notes)
    faces: tuple[dict[str, Any], ...] = ()  # a group photo (api.group): one record per face

    def to_json(self) -> dict[str, Any]:
        """The CLI's one-line shape (plus "faces" for a group photo)."""
        return {
            "input": str(self.input_path),
            "output": str(self.output_path),
            "status": "completed",
            "task_id": self.task_id,
            "cost": str(self.cost) if self.cost is not None else None,
            "reused": self.reused,
            "error": None,
            "notes": list(self.notes),
            **({"faces": list(self.faces)} if self.faces else {}),
        }


@dataclass(frozen=True)
class Backend:
    """What the pipeline needs of a backend session: a client, its kind, and the engine's name."""

    client: Client
    kind: str  # "local" | "cloud"
    engine: str = ""

    @classmethod
    def of(cls, session_or_client: Any, kind: str | None = None) -> Backend:
        """Accept an api.backend.BackendSession, a Backend, or a bare Client plus its kind."""
        if isinstance(session_or_client, Backend):
            return session_or_client
        if isinstance(session_or_client, Client):
            return cls(session_or_client, kind or "cloud", "")
        client = session_or_client.client
        engine = getattr(session_or_client, "engine_name", "") or ""
        return cls(client, kind or session_or_client.kind, engine)

    @property
    def engine_label(self) -> str:
        """`local (engine name)` or `cloud` for the sidecar."""
        named = self.kind == "local" and self.engine not in ("", "local")
        return f"local ({self.engine})" if named else self.kind


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class _Prepared:
    path: Path
    data: bytes
    mime: str
    input_sha256: str
    upload_sha256: str
    format: str  # the original's file format (JPEG, PNG, TIFF, HEIF…): the full-size result's format
    width: int  # the original's upright size: a request whose size follows the photo is pinned to it
    height: int
    original: Any = None  # core.deep_io.DeepImage: the decoded original, for the merge (no second decode)


class Handoff:
    """The decoded original, handed from run_edit's load to the merge, which takes it once: no caller's frame
    holds it through the encode that follows."""

    def __init__(self, value: Any) -> None:
        self._value = value

    def take(self) -> Any:
        """The value, once; None after."""
        value, self._value = self._value, None
        return value


def _prepare(input_path: Path, keep_original: bool = False) -> _Prepared:
    """Load once, make the sRGB upload; `keep_original`: hold the decoded original for the merge (a 24 MP
    original is 72 MB at 8 bits, 144 MB at 16, held while the task runs: only for size="original")."""
    from portrait_studio.core.images import load_for_edit, prepare_upload

    source = load_for_edit(input_path)
    image = source.image
    upload = prepare_upload(image)  # sRGB pixels, whatever the photo's space and depth
    return _Prepared(
        path=Path(input_path),
        data=upload.data,
        mime=upload.mime,
        input_sha256=source.sha256,  # the history key: the original file (the bytes just read)
        upload_sha256=_sha256(upload.data),
        format=source.original.format if source.original is not None else image.format,
        width=image.width,
        height=image.height,
        original=source.original if keep_original else None,
    )


def _image_input(prep: _Prepared, backend: Backend, settings: Settings) -> str:
    from portrait_studio.api.hosting import image_input_for

    # The local gateway always accepts inline data URLs; hosting choices only matter for the cloud.
    use = settings if backend.kind == "cloud" else settings.replace(image_host="inline")
    return image_input_for(prep.data, prep.mime, use, backend.client)


# The daily cap's check and the journal row that commits the estimate are one step: photos of a batch checking
# at the same moment would otherwise each see the others' money as not yet committed, and all pass.
_COMMITTING = threading.Lock()


def _estimate(
    backend: Backend,
    params: EditParams,
    image_input: str,
    *,
    max_cost: Decimal | None,
    budget_cap: Decimal | None,
) -> Decimal | None:
    """Precharge when a limit applies or on the cloud; raise BudgetError above this task's own limit."""
    if backend.kind != "cloud" and max_cost is None and budget_cap is None:
        return None  # the local engine is free: no need to send the photo twice
    estimate = backend.client.precharge(params, image_input).cost
    if max_cost is not None and estimate is not None and estimate > max_cost:
        raise BudgetError(
            _(
                "This task is estimated at {estimate}, above the limit of {max_cost}; nothing was sent."
            ).format(estimate=format_money(estimate, None), max_cost=format_money(max_cost, None)),
            _("Raise --max-cost, or lower the size."),
            estimate=estimate,
            daily=False,
        )
    return estimate


def _check_cap(journal: Journal, estimate: Decimal | None, budget_cap: Decimal | None) -> None:
    """Raise BudgetError (daily) when this task would take today's spending over the cap; hold _COMMITTING."""
    if budget_cap is not None and estimate is not None:
        committed = journal.committed_today()
        if committed + estimate > budget_cap:
            raise BudgetError(
                _(
                    "Today's budget of {budget_cap} would be exceeded ({committed} spent or running, "
                    "this task {estimate}); the batch is paused."
                ).format(
                    budget_cap=format_money(budget_cap, None),
                    committed=format_money(committed, None),
                    estimate=format_money(estimate, None),
                ),
                _("Raise the daily budget in Settings to continue, or continue tomorrow."),
                estimate=estimate,
                daily=True,
            )


def _reuse(row: JournalRow, input_path: Path, folder: Path, stem: str | None = None) -> EditResult:
    """The earlier result, copied into `folder` when it lies elsewhere (made by the app, asked for by the CLI
    with -o): it is found where this run puts results, and the app's cache may be cleared."""
    assert row.result_path is not None
    result = Path(row.result_path)
    sidecar = Path(row.sidecar_path) if row.sidecar_path else _output.sidecar_for(result)
    if not _output.same_path(result.parent, folder):
        try:
            planned = _output.planned_output(input_path, folder, ".retouched" + result.suffix, stem=stem)
            result, sidecar = _output.copy_result(result, planned)
        except OSError as err:
            raise _output.unsaved(folder, err) from err
    return EditResult(
        input_path=input_path,
        output_path=result,
        sidecar_path=sidecar,
        params=row.params,
        engine=row.engine or row.backend,
        task_id=row.task_id,
        job_id=row.job_id,
        cost=Decimal(0),  # nothing is paid for a reused result
        reused=True,
        row_id=row.id,
        notes=tuple(_output.read_sidecar(sidecar).get("notes") or ()),  # what the engine said the first time
    )


def run_edit(
    session: Any,
    input_path: Path | str,
    params: EditParams,
    *,
    journal: Journal,
    backend_kind: str | None = None,
    settings: Settings | None = None,
    out_dir: Path | str | None = None,
    on_progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    max_cost: Decimal | None = None,
    budget_cap: Decimal | None = None,
    force: bool = False,
    preset: str | None = None,
    pace: Pace | None = None,
    size: str = "original",
    stem: str | None = None,
) -> EditResult:
    """Retouch one photo through the gateway; see the module docstring for the order of events.

    `size`: "original" (merged onto the original at its full size) or "model" (the model's image).
    `stem`: the result's name before `.retouched.EXT` (a rendered `--name` template), else the photo's.

    `pace`: the Pace a batch's photos share (BatchQueue.pace); a local task is then first looked at when the
    photos before it were done, not polled from the start (api._progress.planner_for).
    """
    backend = Backend.of(session, backend_kind)
    settings = settings or Settings(backend="cloud" if backend.kind == "cloud" else "local")
    report = on_progress or (lambda p: None)
    if backend.kind == "local":
        check_local(params)  # before any work, with its own fix (over the wire only the code would come back)
    if size not in _output.SIZES:
        raise ValueError(f"size must be one of {_output.SIZES}, not {size!r}")
    path = Path(input_path)
    report(Progress("preparing"))
    prep = _prepare(path, keep_original=size == "original")
    # What is sent, journalled and recorded has its size pinned: the photo's own aspect, unless a size is set.
    params = params.for_photo(prep.width, prep.height)
    size = _output.request_size(size, (prep.width, prep.height), params)  # one request, one key
    folder = _output.ready_folder(Path(out_dir).expanduser() if out_dir else path.resolve().parent)
    key = dedupe_key(prep.upload_sha256, params, backend.kind, backend.client.base_url, size)
    suffix = _output.result_suffix(prep.format if size == "original" else None)

    def done_before() -> EditResult | None:
        """The request's result when it is done already, or paid for and still running (finish that one)."""
        if force:
            return None
        if (earlier := journal.find_reusable(key)) is not None:
            report(Progress("done", 1.0, 0.0, earlier.task_id))
            return _reuse(earlier, path, folder, stem)
        if backend.kind == "cloud":
            _refuse_if_uncertain(journal, key)
        if (running := _claim_running(journal, key, backend)) is not None:
            # Paid for and still on the service (cancelled wait, crash): finish that one.
            assert running.task_id is not None
            # No pace: how long an earlier, interrupted task takes says nothing about this batch's photos.
            return finish_task(
                backend, journal, running.id, running.task_id, on_progress=report, cancel=cancel
            )
        return None

    if (done := done_before()) is not None:
        return done
    _raise_if_cancelled(cancel)
    image_input = _image_input(prep, backend, settings)
    report(Progress("estimating"))
    estimate = _estimate(backend, params, image_input, max_cost=max_cost, budget_cap=budget_cap)
    report(Progress("creating", estimate=estimate))
    while True:
        _raise_if_cancelled(cancel)
        try:
            with _COMMITTING:
                _check_cap(journal, estimate, budget_cap)
                row_id = journal.begin(
                    input_path=path.resolve(),
                    input_sha256=prep.input_sha256,
                    upload_sha256=prep.upload_sha256,
                    params=params,
                    backend=backend.kind,
                    base_url=backend.client.base_url,
                    engine=backend.engine_label,
                    out_path=_output.planned_output(path.resolve(), folder, suffix, stem=stem),
                    preset=preset,
                    estimate=estimate,
                    once=not force,  # the same request in flight elsewhere (another window, a CLI run): wait
                    size=size,
                )
            break
        except AlreadyBegun as running:
            _wait_for(journal, running.row, report, cancel)
        if (done := done_before()) is not None:  # its result, or (it died) its paid task to finish
            return done
    task = _create(backend, params, image_input, journal, row_id)
    kept = Handoff(prep.original)
    prep = dataclasses.replace(prep, original=None)  # the merge takes it from `kept`, and lets it go
    return finish_task(
        backend, journal, row_id, task.id, on_progress=report, cancel=cancel, pace=pace, original=kept
    )


def _wait_for(journal: Journal, row: JournalRow, report: ProgressFn, cancel: threading.Event | None) -> None:
    """Another process (or thread) runs this very request: wait for its outcome instead of paying twice.

    It ends when that row does (completed, failed, uncertain) or its process dies; run_edit then looks again.
    """
    while (now := journal.running(row.dedupe_key)) is not None:
        report(Progress("running", now.progress, None, now.task_id))
        if cancel is None:
            time.sleep(WAIT_INTERVAL)
        elif cancel.wait(WAIT_INTERVAL):
            raise CancelledError(_("Cancelled while the same edit was running elsewhere (it goes on there)."))


def _claim_running(journal: Journal, key: str, backend: Backend) -> JournalRow | None:
    for row in journal.resumable(key):
        # A local task lives only in the gateway that made it: skip rows of another (dead) gateway.
        if row.base_url == backend.client.base_url and journal.claim(row.id):
            return row
    return None


def _refuse_if_uncertain(journal: Journal, key: str) -> None:
    """The same paid request may already exist on the service: the user decides, never a silent resend."""
    rows = journal.uncertain(key)
    if rows:
        raise TaskMayExistError(
            _(
                "This exact edit was sent before (journal row #{row}) and may already have been "
                "created and charged; it was not sent again."
            ).format(row=rows[0].id),
            _(
                "Check your account's tasks, then `portrait-studio resume --dismiss {row}` (or the "
                "History panel), or run it anyway with --force / a new seed."
            ).format(row=rows[0].id),
        )


def _raise_if_cancelled(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise CancelledError(_("Cancelled before anything was sent."))


def _create(backend: Backend, params: EditParams, image_input: str, journal: Journal, row_id: int) -> Task:
    try:
        task = backend.client.submit(params, image_input)
    except TaskMayExistError as err:
        journal.mark_uncertain(row_id, err.to_dict())
        raise
    except PortraitStudioError as err:
        journal.mark_failed(row_id, err.to_dict())  # the client only raises these when nothing was created
        raise
    except BaseException as err:  # interrupted (Ctrl-C) or a bug mid-request: it may have been sent
        journal.mark_uncertain(
            row_id,
            {
                "code": None,
                "message": _("Interrupted ({type}).").format(type=type(err).__name__),
                "fix": None,
            },
        )
        raise
    journal.mark_submitted(row_id, task.id)
    return task


def finish_task(
    session: Any,
    journal: Journal,
    row_id: int,
    task_id: str,
    *,
    on_progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    deadline: float | None = None,
    pace: Pace | None = None,
    original: Any = None,
) -> EditResult:
    """Wait for a submitted task, download it, save result + sidecar, and complete the journal row.

    `original`: the row's original already decoded (core.deep_io.DeepImage, or a Handoff of one: run_edit's
    load); None (resume): the full-size merge decodes it.
    """
    backend = Backend.of(session)
    report = on_progress or (lambda p: None)
    eta = Eta()

    last_write = [time.monotonic()]

    def progressed(task: Task) -> None:
        # Progress is for display: journal it at most once a second (each journal commit is an fsync), and
        # not at all for a task done within the first second (most local ones).
        now = time.monotonic()
        if now - last_write[0] >= PROGRESS_WRITE_INTERVAL:
            last_write[0] = now
            journal.mark_progress(row_id, task.progress)
        report(Progress("running", task.progress, eta(task.progress), task_id))

    try:
        started = time.monotonic()
        planner = planner_for(backend.kind, pace.typical() if pace is not None else None)
        try:
            task = backend.client.wait(task_id, progressed, cancel, deadline, planner=planner)
        except NotFoundError as err:
            # The service does not know the task (expired, or never made there): asking again at every start
            # cannot help. Closed with the reason; nothing more can be charged for it.
            gone = _gone(task_id, err)
            journal.mark_failed(row_id, gone.to_dict())
            raise gone from err
        if pace is not None:
            pace.add(time.monotonic() - started)
        return _save(backend, journal, journal.get(row_id), task, report, original)
    except TaskFailedError as err:
        journal.mark_failed(row_id, err.to_dict())
        raise
    except BaseException:
        if journal.get(row_id).status == "failed":  # closed above (the task is gone)
            raise
        # Cancelled, timed out, or the download broke: the task is still (paid and) on the service, so
        # the row stays "submitted" and is let go for `resume` to finish — unless it already finished.
        if journal.get(row_id).status == "submitted":
            journal.release(row_id)
        raise


def _gone(task_id: str, err: NotFoundError) -> APIError:
    return APIError(
        _(
            "The service no longer knows task {task_id} (HTTP {status}); it is closed, not asked again."
        ).format(task_id=task_id, status=err.status),
        _("Run the edit again if you still need it (check your account's task list for a charge)."),
        code=CODE_TASK_GONE,
    )


def _full_size(
    original: Path, answer: bytes, exif: bytes | None, decoded: Any = None
) -> tuple[bytes, dict[str, Any]] | None:
    """The answer merged onto the original at its full size, depth and colour space, encoded in its format,
    and the sidecar's record of it; None when the original is no larger than the answer (nothing to gain).
    `decoded`: the original's DeepImage when the caller has it (else it is read here).

    NotMergeable (plain words) when the answer is not a local retouch of this photo; ImageError when the
    original cannot be read at full depth any more.
    """
    import io

    import numpy as np
    from PIL import Image

    from portrait_studio.core.colour import Space
    from portrait_studio.core.deep_io import read_deep
    from portrait_studio.core.merge import merge

    deep = decoded.take() if isinstance(decoded, Handoff) else decoded
    deep = deep if deep is not None else read_deep(original)
    with Image.open(io.BytesIO(answer)) as im:
        rgb = np.asarray(im.convert("RGB"))
    h, w = deep.pixels.shape[:2]
    if h * w <= rgb.shape[0] * rgb.shape[1]:
        return None
    space = Space.of(deep.icc_profile, deep.channels)
    merged = merge(deep.pixels, rgb, space, in_place=True)  # `deep` is ours: not copied (144 MB)
    fmt, icc, alpha, bits = deep.format, deep.icc_profile, deep.alpha, deep.bits
    del deep  # its pixels are the result now (merged in place): nothing else of it is held through the encode
    quality = _output.jpeg_quality(original) if fmt == "JPEG" else _output.DEFAULT_JPEG_QUALITY
    body = _output.full_size_body(
        merged.pixels, fmt, exif=exif, icc_profile=icc, alpha=alpha, quality=quality
    )
    record = {
        "result_size": "original",
        "size": [w, h],
        "bits": bits,
        "format": _output.FORMAT_EXT.get(fmt, ".jpg")[1:],
        "jpeg_quality": quality if _output.FORMAT_EXT.get(fmt, ".jpg") == ".jpg" else None,
        "merge": {
            **merged.fit.to_json(),
            "box": list(merged.box),
            "answer_size": [rgb.shape[1], rgb.shape[0]],
            # Where the model's frame lies in the original (x, y, w, h, clipped to it): what it saw.
            "frame": _frame(merged.fit.matrix, (rgb.shape[1], rgb.shape[0]), (w, h)),
        },
    }
    return body, record


def _frame(matrix: Any, answer: tuple[int, int], size: tuple[int, int]) -> list[int]:
    """The answer's rectangle (pixel edges) mapped into the original, clipped: [x, y, w, h]."""
    import numpy as np

    aw, ah = answer
    corners = np.array([[-0.5, -0.5, 1], [aw - 0.5, -0.5, 1], [-0.5, ah - 0.5, 1], [aw - 0.5, ah - 0.5, 1]])
    pts = (corners @ np.asarray(matrix, np.float64).T + 0.5).tolist()
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    x0, y0 = max(0, round(min(xs))), max(0, round(min(ys)))
    x1, y1 = min(size[0], round(max(xs))), min(size[1], round(max(ys)))
    return [x0, y0, max(0, x1 - x0), max(0, y1 - y0)]


def _colour_record(icc: bytes | None) -> dict[str, Any]:
    """The sidecar's colour space: the original's, and whether it was untagged (taken as sRGB)."""
    from portrait_studio.core.colour import Space

    space = Space.of(icc, 3)
    note = _("untagged: colours taken as sRGB") if space.untagged else _("converted to sRGB for the model")
    return {"colour_space": space.name, "untagged": space.untagged, "colour_note": note}


def _fetch_and_write(
    backend: Backend,
    journal: Journal,
    row: JournalRow,
    task: Task,
    planned: Path,
    report: ProgressFn,
    original: Any = None,
) -> tuple[Path, Path, list[str]]:
    """Fetch the result; write it (merged at full size, or the model's image with the original's metadata),
    and its sidecar: (result, sidecar, notes).

    The name is journalled before the file is created (mark_saving): when the app was killed right after an
    earlier write, the file at that name holding exactly this result is this row's, and is kept (not saved
    again as `-2`).
    """
    from portrait_studio.core.colour import Space
    from portrait_studio.core.errors import ImageError
    from portrait_studio.core.images import srgb_like
    from portrait_studio.core.merge import NotMergeable

    report(Progress("downloading", 1.0, 0.0, task.id))
    result = backend.client.fetch(task.outputs[0].url)  # in memory: written once, below, with metadata
    result, notes = _output.take_notes(result)
    report(Progress("saving", 1.0, 0.0, task.id))
    never = Path(row.input_path)
    exif, icc = _output.original_metadata(never)
    extra: dict[str, Any] = {**_colour_record(icc), "result_size": "model"}
    full = None
    if size_of(row) == "original":
        try:
            full = _full_size(never, _output.as_jpeg(result), exif, original)
        except (NotMergeable, ImageError) as err:
            notes.append(f"{err.message}.".replace("..", "."))
            extra["merge_refused"] = err.message
    if full is not None:
        body, record = full
        extra.update(record)
        target = planned
    else:
        # The model's answer is sRGB (the upload was converted): a profile of another space would be wrong.
        if icc is not None and not srgb_like(Space.of(icc, 3)):
            icc = _srgb_profile()
        body = _output.result_body(result, exif=exif, icc_profile=icc)
        target = planned.with_suffix(".jpg")
    body, xmp = _metadata.tagged(body, never, row, task)  # what catalogs read: EXIF, XMP, IPTC, the edit
    clean_stale_temps(planned.parent)  # what a run killed while writing here left (resume writes here too)
    try:
        written = Path(row.saving_path) if row.saving_path else None
        if written is None or not _output.holds(written, body):
            written = _output.write_body(
                body, target, never=never, before=lambda name: journal.mark_saving(row.id, name)
            )
        if xmp is not None:  # no room for the XMP (over a JPEG segment's 64 KB): a .xmp sidecar beside it
            extra["xmp_sidecar"] = str(_metadata.write_xmp_sidecar(written, xmp))
        fields = {**_output.sidecar_fields(row, task, written, task.outputs[0].job_id, notes), **extra}
        return written, _output.write_sidecar(written, fields), notes
    except OSError as err:  # disk full, folder gone or made read-only: the row stays for `resume`
        raise _output.unsaved(planned.parent, err) from err


def _srgb_profile() -> bytes:
    from PIL import ImageCms

    return bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())


def _save(
    backend: Backend, journal: Journal, row: JournalRow, task: Task, report: ProgressFn, original: Any = None
) -> EditResult:
    if not task.outputs:
        err = APIError(
            _("The task finished without a result image."), _("Run the edit again."), code=CODE_BAD_RESULT
        )
        journal.mark_failed(row.id, err.to_dict())
        raise err
    planned = (
        _output.fitted(Path(row.out_path))
        if row.out_path
        else _output.planned_output(Path(row.input_path), None)
    )
    job_id = task.outputs[0].job_id
    # The model's image may have been written instead of a full-size one (a refused merge): either name.
    earlier = _output.saved_before(planned, task.id) or _output.saved_before(
        planned.with_suffix(".jpg"), task.id
    )
    if earlier is not None:
        # Resumed after the app stopped right after writing it: nothing to fetch or write again.
        output, sidecar = earlier, _output.sidecar_for(earlier)
        notes = list(_output.read_sidecar(sidecar).get("notes") or ())
    else:
        output, sidecar, notes = _fetch_and_write(backend, journal, row, task, planned, report, original)
    journal.mark_completed(row.id, result_path=output, sidecar_path=sidecar, cost=task.cost, job_id=job_id)
    report(Progress("done", 1.0, 0.0, task.id))
    return EditResult(
        input_path=Path(row.input_path),
        output_path=output,
        sidecar_path=sidecar,
        params=row.params,
        engine=row.engine or backend.engine_label,
        task_id=task.id,
        job_id=job_id,
        cost=task.cost,
        row_id=row.id,
        estimate=row.estimate,
        notes=tuple(notes),
    )


__all__ = ["Backend", "BudgetError", "EditResult", "Progress", "ProgressFn", "finish_task", "run_edit"]
