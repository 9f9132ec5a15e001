"""Every sentence and figure the window shows about photos, runs and money, written in one place.

Panels import their words from here so the same thing reads the same everywhere (a cost in the run panel,
the history and the batch list; a stage name in the run panel and the batch list).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from portrait_studio.core.params import EditParams, describe_strengths

if TYPE_CHECKING:
    from portrait_studio.api.batch import BatchItem
    from portrait_studio.core.presets import PresetProblem


class Outcome(Protocol):
    """What `run_done` reads of a run's outcome (ui.jobs.run_job.RunOutcome)."""

    @property
    def seconds(self) -> float: ...
    @property
    def engine(self) -> str: ...
    @property
    def cost(self) -> Decimal | None: ...
    @property
    def estimate(self) -> Decimal | None: ...
    @property
    def notes(self) -> tuple[str, ...]: ...


def photo_filter() -> str:
    """The file dialogs' filter: the suffixes the batch and the window open (core.images.IMAGE_SUFFIXES)."""
    from portrait_studio.core.images import IMAGE_SUFFIXES

    return f"Photos ({' '.join('*' + s for s in sorted(IMAGE_SUFFIXES))});;All files (*)"


# Stage names of api.pipeline.Progress in the words the run panel and the batch list show.
STAGES = {
    "preparing": "preparing the photo",
    "estimating": "estimating the cost",
    "creating": "sending",
    "running": "retouching",
    "downloading": "downloading",
    "saving": "saving",
    "done": "done",
}

# Headlines of core.preflight's problem codes, in a photographer's words; the message gives the detail.
PROBLEM_TITLES = {
    "no_face": "No face found",
    "several_faces": "{n} faces — the model needs exactly one",
    "small_face": "Face is small",
    "too_many_pixels": "Too large — will be downscaled",
    "too_many_bytes": "Over 5 MB — will be re-encoded",
    "format": "Not JPEG/PNG — will be converted",
}
FIX_LABELS = {"crop_to_face": "Crop to face", "downscale": "Downscale now", "reencode": "Re-encode now"}


# ---------------------------------------------------------------------- money and time
def money(value: Decimal | None) -> str:
    """USD for people: "$0.035", "free" for zero, "—" when unknown."""
    if value is None:
        return "—"
    if value == 0:
        return "free"
    if value < Decimal("0.001"):
        return "<$0.001"
    text = f"{value:.3f}"  # cloud prices are quoted to a tenth of a cent ("0.035")
    return "$" + (text[:-1] if text.endswith("0") else text)


def total(value: Decimal) -> str:
    """A sum of money: "$0.00" for nothing spent (money() says "free" of a single edit)."""
    return money(value) if value else "$0.00"


def session_cost(value: Decimal) -> str:
    """The status bar's running total."""
    return f"Session cost: ${value:.3f}"


def when(epoch: float | None, now: dt.datetime | None = None) -> str:
    """ "14:03" today, "Mon 14:03" this week, else "2026-11-02 14:03"."""
    if epoch is None:
        return "—"
    t = dt.datetime.fromtimestamp(epoch)
    now = now or dt.datetime.now()
    if t.date() == now.date():
        return t.strftime("%H:%M")
    if (now.date() - t.date()).days < 7:
        return t.strftime("%a %H:%M")
    return t.strftime("%Y-%m-%d %H:%M")


# ---------------------------------------------------------------------- photos and parameters
def describe_params(p: EditParams, *, local: bool = False) -> str:
    """One line a photographer reads at a glance: strengths, size, mode, seed.

    `local`: a result of the local engine, which uses no seed ("random seed" would suggest runs differ).
    """
    mode = p.gen_mode or f"auto ({p.effective_gen_mode})"
    seed = "" if local and p.seed < 0 else " · random seed" if p.seed < 0 else f" · seed {p.seed}"
    shape = "photo aspect" if p.follows_photo else f"{p.width}×{p.height}"
    return f"{describe_strengths(p)} · {shape} · {mode}{seed}"


def describe_problems(problems: Sequence[PresetProblem]) -> str:
    """A plain warning for preset files that were skipped ("" when there are none)."""
    if not problems:
        return ""
    n = len(problems)
    head = (
        f"{n} preset file{'s' if n > 1 else ''} could not be read and {'were' if n > 1 else 'was'} skipped:"
    )
    lines = [f"• {p.path.name}: {p.message.removeprefix(f'{p.path}: ')}" for p in problems[:5]]
    if n > 5:
        lines.append(f"• … and {n - 5} more")
    return "\n".join([head, *lines, "Fix or delete these files; your other presets are fine."])


def faces(count: int | None, *, opened: bool = True, failed: bool = False) -> str:
    """The status bar's face count; `failed`: the photo could not be read (no faces will be looked for)."""
    if not opened:
        return "No photo"
    if count is None and failed:
        return "Not read"
    if count is None:
        return "Looking for faces…"
    return "1 face" if count == 1 else f"{count} faces"


def skipped(paths: Sequence[Path]) -> str:
    """What was dropped or chosen that is not a photo."""
    names = ", ".join(p.name for p in paths[:3]) + ("…" if len(paths) > 3 else "")
    return f"Skipped {len(paths)} item(s) that are not photos: {names}"


NO_PHOTOS = "No photos found there (JPEG, PNG, WebP, TIFF, HEIC)."


def problem_title(code: str, face_count: int | None) -> str:
    """The banner's headline of a pre-flight problem ("" when the code has none)."""
    return PROBLEM_TITLES.get(code, "").format(n=face_count)


def fix_label(auto_fix: str | None) -> str:
    """The caption of a banner's one-click fix button."""
    return FIX_LABELS.get(auto_fix or "", "Convert now" if auto_fix == "convert" else "Fix")


# ---------------------------------------------------------------------- runs
def backend_label(backend: str, base_url: str) -> str:
    """The status bar's backend."""
    return "Local engine" if backend == "local" else f"Cloud · {base_url}"


def result_label(backend: str) -> str:
    """The compare view's caption of a result."""
    return "Result · local engine" if backend == "local" else "Result · cloud"


def preview_label(backend: str) -> str:
    """The compare view's caption of the live preview."""
    # On the cloud backend the preview comes from the local engine; only Run sends the real task.
    return "Preview" if backend == "local" else "Local preview"


def stage(name: str) -> str:
    """A pipeline stage in the run panel's words."""
    return STAGES.get(name, name)


def progress(fraction: float, eta: float, stage_text: str) -> str:
    """ "Retouching · 40% · about 12 s left"; negative numbers mean unknown."""
    parts = [stage_text.capitalize()] if stage_text else []
    if fraction >= 0:
        parts.append(f"{fraction:.0%}")
    if eta >= 0:
        parts.append(f"about {eta:.0f} s left" if eta >= 1 else "almost done")
    return " · ".join(parts)


def run_done(outcome: Outcome) -> str:
    """The run panel's line for a result: time, engine, cost against the estimate, the engine's notes."""
    cost = outcome.cost or Decimal(0)
    text = f"Done in {outcome.seconds:.1f} s · {outcome.engine}"
    if outcome.estimate is not None or cost:
        text += f" · cost ${cost:.3f}"
        text += f" (estimate ${outcome.estimate})" if outcome.estimate is not None else ""
    else:
        text += " · free"
    for note in outcome.notes:  # what the engine did that the sliders hide
        text += f"\nNote: {note[:1].upper()}{note[1:].rstrip('.')}."  # (a note may end in its own full stop)
    return text


def error(message: str, fix: str | None) -> str:
    """ "message — fix", the one-line form signals and the status bar carry."""
    return f"{message} — {fix}" if fix else message


# ---------------------------------------------------------------------- batch
def batch_status(item: BatchItem) -> str:
    """What a photographer reads in the batch list's Status column."""
    if item.status == "running":
        words = STAGES.get(item.stage)  # the Run panel's words for the same pipeline stages
        said = words[0].upper() + words[1:] if words else "Running"
        return f"{said} · face {item.face[0]} of {item.face[1]}" if item.face else said  # a group photo
    if item.status == "queued":
        return "Waiting (budget)" if item.error is not None else "Waiting"
    if item.status == "done":
        return "Done (earlier result, free)" if item.result and item.result.reused else "Done"
    return {"failed": "Failed", "skipped": "Skipped", "cancelled": "Cancelled"}[item.status]


def batch_result(item: BatchItem) -> str:
    """The output file (and the engine's first note on it), or the error in plain words."""
    if item.result is not None:
        notes = item.result.notes  # e.g. "the crop had to cut the chin": worth seeing in a shoot of 200
        return item.result.output_path.name + (f" — {notes[0]}" if notes else "")
    if item.error is not None and item.status != "cancelled":
        return item.error.message.removeprefix(f"{item.path}: ")  # the Photo column already names it
    return ""


__all__ = [
    "NO_PHOTOS",
    "STAGES",
    "backend_label",
    "batch_result",
    "batch_status",
    "describe_params",
    "describe_problems",
    "error",
    "faces",
    "fix_label",
    "money",
    "photo_filter",
    "preview_label",
    "problem_title",
    "progress",
    "result_label",
    "run_done",
    "session_cost",
    "skipped",
    "stage",
    "total",
    "when",
]
