"""The open photos of a session: each keeps its own parameters, result and status (the views' model).

Every change goes through a `Session` mutator, which emits `photo_changed(index)` once; the filmstrip, the
banner, the compare view and the run panel connect to it and redraw themselves from the photo (napari's
QtDims + dims.events pattern), so no flow pushes state into a widget by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from portrait_studio.core.i18n import N_
from portrait_studio.core.params import EditParams

if TYPE_CHECKING:
    from portrait_studio.core.journal import JournalRow
    from portrait_studio.ui.jobs.loader import Analysis, FixResult, ScreenLoad
    from portrait_studio.ui.jobs.results import ShownResult
    from portrait_studio.ui.jobs.run_job import RunJob, RunOutcome


class Status(StrEnum):
    """The filmstrip's badge, in the order a photo usually goes through them."""

    LOADING = "loading"
    READY = "ready"
    NEEDS_FIX = N_("needs a face fix")  # the app can fix it (one click: crop to one face)
    BLOCKED = N_("cannot be sent")  # nothing the app can fix (no face): the user must choose another photo
    FAILED = "failed"
    RUNNING = "running"
    EDITED = "edited"
    SAVED = "saved"
    MISSING = "missing"  # a photo of a reopened shoot that is no longer where it was
    QUEUED = "queued"  # waiting in the batch (ui/window/batch_flow.py)


LOADING, READY, NEEDS_FIX, BLOCKED, FAILED, RUNNING, EDITED, SAVED, MISSING, QUEUED = Status


class AfterPane(StrEnum):
    """What the compare view's "after" side shows for a photo."""

    PREVIEW = "preview"  # the live local preview (once one has been rendered)
    RESULT = "result"  # the run's (or a History version's) result
    RELOAD_RESULT = "reload-result"  # the result, whose screen copy was evicted and is being decoded again
    VERSIONS = "versions"  # History ▸ Compare: two versions side by side


@dataclass
class ScreenCopies:
    """Screen-size images kept for the photos seen last (dropped by `Session.evict`, made again on demand)."""

    image: QImage | None = None  # the "before"
    preview_rgb: Any = None  # ≤ PREVIEW_MAX numpy copy the live preview renders on
    preview_image: QImage | None = None  # the last live preview
    result_image: QImage | None = None
    result: ShownResult | None = None  # the result's own size and what its sidecar says (with result_image)
    versions: tuple[QImage | None, QImage] | None = None  # History ▸ Compare: (older or None, newer)
    version_labels: tuple[str, str] = (N_("Original"), N_("Newer version"))  # their names ("Original", "v2")


@dataclass
class Photo:
    """One open photo: where it is, what was asked for it and what came back."""

    path: Path
    params: EditParams = field(default_factory=EditParams)
    display: Any = None  # screen-size RGB array (numpy), the working copy the faces are on
    source_size: tuple[int, int] | None = None  # (width, height) of the original
    thumb: QImage | None = None  # the filmstrip's (kept when the screen copies are evicted)
    faces: Any = None  # core.faces.FaceResult on `display` coordinates
    report: Any = None  # core.preflight.PreflightReport
    sha256: str | None = None  # of the original's bytes: the journal's key for the photo's history
    run_path: Path | None = None  # a fixed copy (one-click fix) that Run sends instead of the original
    fixes: list[str] = field(default_factory=list)  # what the one-click fixes did
    fixing: bool = False  # a one-click fix is being made
    after: AfterPane = AfterPane.PREVIEW
    screen: ScreenCopies = field(default_factory=ScreenCopies)
    running: bool = False
    job: RunJob | None = None  # the last job sent (resent without the limit when the user confirms a cost)
    outcome: RunOutcome | None = None  # the last run's (None once a History version is shown instead)
    run_text: str = ""  # the run panel's line for this photo
    result_path: Path | None = None  # downloaded result in the cache
    task_id: str | None = None
    cost: Decimal | None = None
    saved_path: Path | None = None
    error: str | None = None
    error_fix: str | None = None
    load_failed: bool = False  # the error is the file's (the banner says it), not a run's (the run panel)
    missing: bool = False  # reopened from the last shoot, but the file is gone (moved, deleted, card out)
    queued: bool = False  # waiting in the batch queue
    progress: float | None = None  # of its batch task while it runs (the filmstrip draws it)

    @property
    def send_path(self) -> Path:
        """The file Run sends: the fixed copy when a one-click fix was applied, else the original."""
        return self.run_path or self.path

    @property
    def face_count(self) -> int | None:
        """Number of faces found, or None while detection has not finished."""
        return None if self.faces is None else len(self.faces.faces)

    @property
    def status(self) -> Status:
        """The badge: loading / ready / needs a fix / cannot be sent / failed / running / edited / saved."""
        if self.running:
            return Status.RUNNING
        if self.missing:
            return Status.MISSING
        if self.queued:
            return Status.QUEUED
        if self.saved_path is not None:
            return Status.SAVED
        if self.result_path is not None:
            return Status.EDITED
        if self.error:
            return Status.FAILED
        if self.display is None and self.report is None:
            return Status.LOADING  # (a screen copy evicted to save memory keeps its report: not "loading")
        if self.report is not None and self.report.blocked:
            blocking = [p for p in self.report.problems if p.blocks]
            return Status.NEEDS_FIX if all(p.auto_fix for p in blocking) else Status.BLOCKED
        return Status.READY

    def after_image(self, preview_enabled: bool) -> tuple[AfterPane | None, QImage | None]:
        """What the after pane shows now: (kind, image), (None, None) for nothing."""
        s = self.screen
        if self.after is AfterPane.VERSIONS and s.versions is not None:
            return AfterPane.VERSIONS, s.versions[1]
        if self.after is AfterPane.RESULT and s.result_image is not None:
            return AfterPane.RESULT, s.result_image
        if self.after is AfterPane.RELOAD_RESULT:
            return None, None  # shown when the decode lands
        if s.preview_image is not None and preview_enabled:
            return AfterPane.PREVIEW, s.preview_image
        return None, None

    def before_image(self) -> QImage | None:
        """What the before pane shows: the older of two compared versions, else the photo."""
        if self.after is AfterPane.VERSIONS and self.screen.versions is not None:
            return self.screen.versions[0] or self.screen.image
        return self.screen.image


class Session(QObject):
    """Ordered open photos and which one is current; views subscribe to its signals."""

    added = Signal(int, int)  # (first index, count)
    photo_changed = Signal(int)  # anything about photo `index` changed
    current_changed = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.photos: list[Photo] = []
        self.current_index = -1
        self.total_cost = Decimal(0)

    @property
    def current(self) -> Photo | None:
        """The photo shown in the window, if any."""
        if 0 <= self.current_index < len(self.photos):
            return self.photos[self.current_index]
        return None

    def index_of(self, path: Path) -> int:
        """Index of an open photo by path, or -1."""
        for i, photo in enumerate(self.photos):
            if photo.path == path:
                return i
        return -1

    def add(self, paths: list[Path], params: EditParams) -> list[int]:
        """Add photos not yet open (each starting from `params`); returns the indexes of the new ones."""
        new = [p for p in dict.fromkeys(paths) if self.index_of(p) < 0]
        start = len(self.photos)
        self.photos.extend(Photo(path=p, params=params) for p in new)
        if new:
            self.added.emit(start, len(new))
        return list(range(start, start + len(new)))

    def set_current(self, index: int) -> None:
        """Make photo `index` current (ignored when out of range or unchanged)."""
        if 0 <= index < len(self.photos) and index != self.current_index:
            self.current_index = index
            self.current_changed.emit(index)

    def step(self, delta: int) -> None:
        """Move to the previous (-1) or next (+1) photo, stopping at the ends."""
        if self.photos:
            self.set_current(max(0, min(len(self.photos) - 1, self.current_index + delta)))

    # ------------------------------------------------------------------ mutators (each emits photo_changed)
    def set_screen(self, i: int, load: ScreenLoad) -> None:
        """The screen copy of the original was decoded."""
        p = self.photos[i]
        p.display, p.source_size, p.thumb = load.rgb, load.size, load.thumb
        p.screen.image, p.screen.preview_rgb = load.image, load.preview_rgb
        self.photo_changed.emit(i)

    def set_analysis(self, i: int, analysis: Analysis) -> None:
        """Faces and the pre-flight report of the file Run sends."""
        p = self.photos[i]
        p.faces, p.report = analysis.faces, analysis.report
        p.sha256 = analysis.sha256
        self.photo_changed.emit(i)

    def set_fixing(self, i: int) -> None:
        """A one-click fix is being made."""
        self.photos[i].fixing = True
        self.photo_changed.emit(i)

    def set_fixed(self, i: int, fixed: FixResult) -> None:
        """A fixed copy replaces the photo for Run: its screen copy, faces and report."""
        p = self.photos[i]
        p.fixing = False
        p.run_path = fixed.path
        p.fixes = [*p.fixes, *fixed.fixes]
        p.display, p.thumb = fixed.screen.rgb, fixed.screen.thumb
        p.screen.image, p.screen.preview_rgb = fixed.screen.image, fixed.screen.preview_rgb
        p.screen.preview_image = None
        p.faces, p.report = fixed.analysis.faces, fixed.analysis.report
        self.photo_changed.emit(i)

    def set_error(self, i: int, message: str, fix: str | None) -> None:
        """The photo (or its fixed copy) could not be read or analysed."""
        p = self.photos[i]
        p.fixing = False
        p.error, p.error_fix, p.load_failed = message, fix, True
        self.photo_changed.emit(i)

    def set_params(self, i: int, params: EditParams, *, show_preview: bool = False) -> None:
        """New parameters; `show_preview`: the user moved a control, so the after pane shows the preview."""
        p = self.photos[i]
        p.params = params
        if show_preview:
            p.after = AfterPane.PREVIEW
        self.photo_changed.emit(i)

    def set_preview_image(self, i: int, image: QImage) -> None:
        """A live preview of the photo's parameters was rendered."""
        self.photos[i].screen.preview_image = image
        self.photo_changed.emit(i)

    def set_running(self, i: int, job: RunJob, text: str) -> None:
        """`job` was sent for photo `i`."""
        p = self.photos[i]
        p.params, p.job, p.error, p.running, p.run_text = job.params, job, None, True, text
        self.photo_changed.emit(i)

    def set_result(self, i: int, outcome: RunOutcome, text: str) -> None:
        """A run finished: its result (in the cache), cost and the run panel's line."""
        p = self.photos[i]
        p.running = False
        p.result_path, p.task_id, p.cost = outcome.result_path, outcome.task_id, outcome.cost
        p.saved_path = None
        p.outcome, p.run_text = outcome, text
        self.total_cost += outcome.cost or Decimal(0)
        self.photo_changed.emit(i)

    def set_failed(self, i: int, message: str, fix: str | None) -> None:
        """A run failed."""
        p = self.photos[i]
        p.running = False
        p.error, p.error_fix, p.load_failed = message, fix, False
        self.photo_changed.emit(i)

    def set_stopped(self, i: int) -> None:
        """A run was cancelled (nothing more is waited for)."""
        self.photos[i].running = False
        self.photo_changed.emit(i)

    def set_result_image(self, i: int, image: QImage, shown: ShownResult | None = None) -> None:
        """The result's screen copy was decoded (`shown`: its size and sidecar facts): the after shows it."""
        p = self.photos[i]
        p.screen.result_image, p.screen.result, p.after = image, shown, AfterPane.RESULT
        self.photo_changed.emit(i)

    def set_versions(
        self,
        i: int,
        older: QImage | None,
        newer: QImage,
        labels: tuple[str, str] = (N_("Original"), N_("Newer version")),
    ) -> None:
        """History ▸ Compare: `older` (None: the original) before, `newer` after, named by `labels`."""
        p = self.photos[i]
        p.screen.versions, p.after = (older, newer), AfterPane.VERSIONS
        p.screen.version_labels = labels
        self.photo_changed.emit(i)

    def set_version(self, i: int, row: JournalRow) -> None:
        """History ▸ Make current / Undo: that version becomes the photo's result (what Save as writes)."""
        p = self.photos[i]
        p.result_path, p.task_id = Path(row.result_path or ""), row.task_id
        p.cost = row.cost
        p.params = row.params
        p.outcome, p.run_text = None, ""  # the last run's "Done · Note" no longer describes this result
        p.saved_path = None  # (another result: Save writes it)
        p.after = AfterPane.RELOAD_RESULT  # its screen copy is decoded next
        self.photo_changed.emit(i)

    def set_restored(self, i: int, entry: Any) -> None:
        """A reopened shoot gave photo `i` back its result (a core.shoot.ShootPhoto whose files were found;
        decoded when shown, and not added to the session's cost: that was paid before)."""
        p = self.photos[i]
        p.result_path, p.task_id, p.cost = entry.result_path, entry.task_id, entry.cost
        p.saved_path, p.sha256 = entry.saved_path, entry.sha256
        if p.result_path is not None:
            p.after = AfterPane.RELOAD_RESULT
        self.photo_changed.emit(i)

    def set_missing(self, i: int, message: str, fix: str) -> None:
        """A reopened shoot's photo is not where it was: shown as missing (no dialog)."""
        p = self.photos[i]
        p.missing, p.error, p.error_fix, p.load_failed = True, message, fix, True
        self.photo_changed.emit(i)

    def set_saved(self, i: int, path: Path) -> None:
        """The result was saved to `path`."""
        self.photos[i].saved_path = path
        self.photo_changed.emit(i)

    # ------------------------------------------------------------------ the batch (ui/window/batch_flow.py)
    def set_queued(self, i: int, params: EditParams, text: str) -> None:
        """Photo `i` waits in the batch queue, to be sent with `params`."""
        p = self.photos[i]
        p.params, p.queued, p.running, p.progress, p.error, p.run_text = params, True, False, None, None, text
        self.photo_changed.emit(i)

    def set_batch_progress(self, i: int, fraction: float | None, text: str) -> None:
        """Photo `i`'s batch task runs (`fraction` done, None: not known yet)."""
        p = self.photos[i]
        p.queued, p.running, p.progress, p.error, p.run_text = False, True, fraction, None, text
        self.photo_changed.emit(i)

    def set_batch_done(self, i: int, outcome: RunOutcome, text: str) -> None:
        """The batch wrote photo `i`'s result into its output folder: a saved result, shown when opened."""
        p = self.photos[i]
        p.queued, p.running, p.progress = False, False, None
        p.result_path, p.task_id, p.cost = outcome.result_path, outcome.task_id, outcome.cost
        p.saved_path = outcome.result_path  # (the batch's result is the file in the output folder)
        p.outcome, p.run_text, p.error = outcome, text, None
        p.after = AfterPane.RELOAD_RESULT  # decoded when the photo is shown
        self.total_cost += outcome.cost or Decimal(0)
        self.photo_changed.emit(i)

    def set_batch_ended(self, i: int, message: str | None, fix: str | None) -> None:
        """Photo `i` left the batch without a result: failed (`message`), or cancelled/skipped (None)."""
        p = self.photos[i]
        p.queued, p.running, p.progress = False, False, None
        p.error, p.error_fix, p.load_failed = message, fix, False
        if message is None:
            p.run_text = ""
        self.photo_changed.emit(i)

    def evict(self, keep: set[int]) -> None:
        """Drop the screen copies (~18 MB each) of photos not in `keep`: a 500-photo shoot fits in memory."""
        for i, p in enumerate(self.photos):
            if i not in keep and p.display is not None and p.report is not None and not p.running:
                p.display = None
                p.screen = ScreenCopies()
                if p.after is AfterPane.RESULT:
                    p.after = AfterPane.RELOAD_RESULT
                self.photo_changed.emit(i)


__all__ = [
    "BLOCKED",
    "EDITED",
    "FAILED",
    "LOADING",
    "MISSING",
    "NEEDS_FIX",
    "QUEUED",
    "READY",
    "RUNNING",
    "SAVED",
    "AfterPane",
    "Photo",
    "ScreenCopies",
    "Session",
    "Status",
]
