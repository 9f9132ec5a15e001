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

from portrait_studio.core.i18n import N_, _, format_money, ngettext
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

    patterns = " ".join("*" + s for s in sorted(IMAGE_SUFFIXES))
    return _("Photos ({patterns});;All files (*)").format(patterns=patterns)


# Stage names of api.pipeline.Progress in the words the run panel and the batch list show.
STAGES = {
    "preparing": N_("preparing the photo"),
    "estimating": N_("estimating the cost"),
    "creating": N_("sending"),
    "running": N_("retouching"),
    "downloading": N_("downloading"),
    "saving": N_("saving"),
    "done": N_("done"),
}

# Headlines of core.preflight's problem codes, in a photographer's words; the message gives the detail.
PROBLEM_TITLES = {
    "no_face": N_("No face found"),
    "several_faces": N_("{n} faces — the model needs exactly one"),
    "small_face": N_("Face is small"),
    "too_many_pixels": N_("Too large — will be downscaled"),
    "too_many_bytes": N_("Over 5 MB — will be re-encoded"),
    "format": N_("Not JPEG/PNG — will be converted"),
}
FIX_LABELS = {
    "crop_to_face": N_("Crop to face"),
    "downscale": N_("Downscale now"),
    "reencode": N_("Re-encode now"),
    "convert": N_("Convert now"),
}


WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


# ---------------------------------------------------------------------- money and time
def money(value: Decimal | None) -> str:
    """USD for people: "$0.035" (zh_CN "US$0.035"), "free" for zero, "—" when unknown."""
    if value is None:
        return "—"
    if value == 0:
        return _("free")
    if value < Decimal("0.001"):
        return "<" + format_money(Decimal("0.001"), 3)
    # cloud prices are quoted to a tenth of a cent ("0.035"); a whole cent keeps two digits ("0.04")
    text = format_money(value, 3)
    return text[:-1] if text.endswith("0") else text


def total(value: Decimal) -> str:
    """A sum of money: "$0.00" for nothing spent (money() says "free" of a single edit)."""
    return money(value) if value else format_money(Decimal(0))


def session_cost(value: Decimal) -> str:
    """The status bar's running total."""
    return _("Session cost: {cost}").format(cost=format_money(value, 3))


def when(epoch: float | None, now: dt.datetime | None = None) -> str:
    """ "14:03" today, "Mon 14:03" this week, else "2026-11-02 14:03"."""
    if epoch is None:
        return "—"
    t = dt.datetime.fromtimestamp(epoch)
    now = now or dt.datetime.now()
    if t.date() == now.date():
        return t.strftime("%H:%M")
    if (now.date() - t.date()).days < 7:
        return f"{_(WEEKDAYS[t.weekday()])} {t:%H:%M}"  # strftime's %a is the C locale's, English
    return t.strftime("%Y-%m-%d %H:%M")


# ---------------------------------------------------------------------- photos and parameters
# The model's gen_mode values in a photographer's words (the Edit panel's choices say more).
GEN_MODES = {"reference": N_("reference"), "reference_char": N_("character"), "creative": N_("creative")}


def gen_mode_name(mode: str | None) -> str:
    """A gen_mode value as the window names it."""
    words = GEN_MODES.get(mode or "")
    return _(words) if words else str(mode)


def describe_params(p: EditParams, *, local: bool = False) -> str:
    """One line a photographer reads at a glance: strengths, size, mode, seed.

    `local`: a result of the local engine, which uses no seed ("random seed" would suggest runs differ).
    """
    mode = (
        gen_mode_name(p.gen_mode)
        if p.gen_mode
        else _("auto ({mode})").format(mode=gen_mode_name(p.effective_gen_mode))
    )
    if local and p.seed < 0:
        seed = ""
    else:
        seed = _(" · random seed") if p.seed < 0 else _(" · seed {seed}").format(seed=p.seed)
    shape = _("photo aspect") if p.follows_photo else f"{p.width}×{p.height}"
    return f"{describe_strengths(p)} · {shape} · {mode}{seed}"


def describe_problems(problems: Sequence[PresetProblem]) -> str:
    """A plain warning for preset files that were skipped ("" when there are none)."""
    if not problems:
        return ""
    n = len(problems)
    head = ngettext(
        "{n} preset file could not be read and was skipped:",
        "{n} preset files could not be read and were skipped:",
        n,
    ).format(n=n)
    lines = [f"• {p.path.name}: {p.message.removeprefix(f'{p.path}: ')}" for p in problems[:5]]
    if n > 5:
        lines.append(_("• … and {n} more").format(n=n - 5))
    return "\n".join([head, *lines, _("Fix or delete these files; your other presets are fine.")])


def faces(count: int | None, *, opened: bool = True, failed: bool = False) -> str:
    """The status bar's face count; `failed`: the photo could not be read (no faces will be looked for)."""
    if not opened:
        return _("No photo")
    if count is None and failed:
        return _("Not read")
    if count is None:
        return _("Looking for faces…")
    return ngettext("{n} face", "{n} faces", count).format(n=count)


def skipped(paths: Sequence[Path]) -> str:
    """What was dropped or chosen that is not a photo."""
    names = ", ".join(p.name for p in paths[:3]) + ("…" if len(paths) > 3 else "")
    return ngettext(
        "Skipped {n} item that is not a photo: {names}",
        "Skipped {n} items that are not photos: {names}",
        len(paths),
    ).format(n=len(paths), names=names)


NO_PHOTOS = N_("No photos found there (JPEG, PNG, WebP, TIFF, HEIC).")  # shown with _(NO_PHOTOS)


def problem_title(code: str, face_count: int | None) -> str:
    """The banner's headline of a pre-flight problem ("" when the code has none)."""
    title = PROBLEM_TITLES.get(code)
    return _(title).format(n=face_count) if title else ""


def fix_label(auto_fix: str | None) -> str:
    """The caption of a banner's one-click fix button."""
    return _(FIX_LABELS.get(auto_fix or "", N_("Fix")))


# ---------------------------------------------------------------------- runs
def backend_label(backend: str, base_url: str) -> str:
    """The status bar's backend."""
    return _("Local engine") if backend == "local" else _("Cloud · {url}").format(url=base_url)


# The engines' own names as the window writes them ("local" is the gateway's engine_name, a model's name is
# its own); in the run panel's line, the History list and the spending tab.
_ENGINE_WORDS = {"local": N_("local"), "cloud": N_("cloud")}


def engine_name(name: str | None) -> str:
    """An engine as a photographer reads it: "local" in the window's language, another name as it is."""
    if not name:
        return ""
    words = _ENGINE_WORDS.get(name)
    return _(words) if words else name


def result_label(backend: str) -> str:
    """The compare view's caption of a result."""
    return _("Result · local engine") if backend == "local" else _("Result · cloud")


def preview_label(backend: str) -> str:
    """The compare view's caption of the live preview."""
    # On the cloud backend the preview comes from the local engine; only Run sends the real task.
    return _("Preview") if backend == "local" else _("Local preview")


def stage(name: str) -> str:
    """A pipeline stage in the run panel's words."""
    words = STAGES.get(name)
    return _(words) if words else name


def progress(fraction: float, eta: float, stage_text: str) -> str:
    """ "Retouching · 40% · about 12 s left"; negative numbers mean unknown."""
    parts = [stage_text[:1].upper() + stage_text[1:]] if stage_text else []
    if fraction >= 0:
        parts.append(f"{fraction:.0%}")
    if eta >= 0:
        parts.append(_("about {seconds:.0f} s left").format(seconds=eta) if eta >= 1 else _("almost done"))
    return " · ".join(parts)


def run_done(outcome: Outcome) -> str:
    """The run panel's line for a result: time, engine, cost against the estimate, the engine's notes."""
    cost = outcome.cost or Decimal(0)
    text = _("Done in {seconds:.1f} s · {engine}").format(
        seconds=outcome.seconds, engine=engine_name(outcome.engine)
    )
    if outcome.estimate is not None or cost:
        text += _(" · cost {cost}").format(cost=format_money(cost, 3))
        if outcome.estimate is not None:
            text += _(" (estimate {estimate})").format(estimate=format_money(outcome.estimate, None))
    else:
        text += _(" · free")
    for note in outcome.notes:  # what the engine did that the sliders hide
        text += "\n" + _("Note: {note}.").format(note=note[:1].upper() + note[1:].rstrip("."))
    return text


def error(message: str, fix: str | None) -> str:
    """ "message — fix", the one-line form signals and the status bar carry."""
    return f"{message} — {fix}" if fix else message


# ---------------------------------------------------------------------- batch
def batch_status(item: BatchItem) -> str:
    """What a photographer reads in the batch list's Status column."""
    if item.status == "running":
        words = STAGES.get(item.stage)  # the Run panel's words for the same pipeline stages
        said = _(words)[:1].upper() + _(words)[1:] if words else _("Running")
        if item.face:  # a group photo
            number, count = item.face
            return _("{said} · face {number} of {count}").format(said=said, number=number, count=count)
        return said
    if item.status == "queued":
        return _("Waiting (budget)") if item.error is not None else _("Waiting")
    if item.status == "done":
        return _("Done (earlier result, free)") if item.result and item.result.reused else _("Done")
    return _({"failed": N_("Failed"), "skipped": N_("Skipped"), "cancelled": N_("Cancelled")}[item.status])


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
    "engine_name",
    "error",
    "faces",
    "fix_label",
    "gen_mode_name",
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
