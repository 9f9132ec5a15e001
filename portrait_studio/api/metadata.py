"""A result's catalog metadata: the original's EXIF, XMP and IPTC, plus an XMP record of the edit.

    body, xmp = tagged(body, original, row, task)   # xmp: a `.xmp` sidecar's bytes when body cannot hold it
    record_fields(row, task)                        # the `ps-edit:` properties (also what a test checks)

The pixels, the ICC profile and the JSON sidecar are another module's (api.output); this adds what a catalog
reads (core.metadata: where each piece goes in JPEG, TIFF and PNG).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from portrait_studio import __version__
from portrait_studio.api.models import Task
from portrait_studio.core import metadata as _meta
from portrait_studio.core.fileio import atomic_write_bytes
from portrait_studio.core.journal_rows import JournalRow, size_of

TOOL = f"Portrait Studio {__version__}"


def record_fields(row: JournalRow, task: Task) -> dict[str, str | None]:
    """The edit's `ps-edit:` XMP properties: the parameters, the task, its cost and the engine."""
    p = row.params
    return {
        "Gpen": str(p.gpen),
        "Skin": str(p.skin),
        "SkinUnifi": str(p.skin_unifi),
        "GenMode": p.effective_gen_mode,
        "Prompt": p.prompt or None,
        "Seed": None if p.seed is None else str(p.seed),
        "Width": str(p.width),
        "Height": str(p.height),
        "Preset": row.preset,
        "ResultSize": size_of(row),
        "TaskID": task.id,
        "JobID": task.outputs[0].job_id if task.outputs else None,
        "Cost": None if task.cost is None else str(task.cost),
        "Currency": "USD",
        "Engine": row.engine or row.backend,
        "Backend": row.backend,
    }


def edit_record(row: JournalRow, task: Task) -> dict[str, Any]:
    """What core.metadata.edit_xmp records: CreatorTool, when, a one-line summary and the fields."""
    p = row.params
    summary = (
        f"gpen {p.gpen}, skin {p.skin}, skin_unifi {p.skin_unifi}, gen_mode {p.effective_gen_mode}, "
        f"{p.width}x{p.height}, seed {p.seed}, task {task.id}, engine {row.engine or row.backend}"
    )
    return {
        "tool": TOOL,
        # When the edit was asked for (the journal row's time), not when it is written: the same result's
        # bytes come out the same, so a resumed write finds the file an interrupted one left (output.holds).
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(row.created_at)),
        "parameters": summary,
        "fields": record_fields(row, task),
    }


def tagged(body: bytes, original: Path, row: JournalRow, task: Task) -> tuple[bytes, bytes | None]:
    """`body` with the original's EXIF (Orientation 1), XMP and IPTC and the edit record in it, and None;
    when the format has no room for the XMP, what it can hold and the XMP packet for a `.xmp` sidecar."""
    source = _meta.read_metadata(original)
    xmp = _meta.edit_xmp(source.xmp, source.iptc, edit_record(row, task))
    embedded = _meta.embed(body, exif=source.exif, xmp=xmp, iptc=source.iptc, tool=TOOL)
    if embedded is not None:
        return embedded, None
    # No room for the XMP (a JPEG segment holds 64 KB): the rest goes in, the XMP into the sidecar.
    rest = _meta.embed(body, exif=source.exif, xmp=None, iptc=source.iptc, tool=TOOL)
    return rest if rest is not None else body, xmp


def write_xmp_sidecar(result: Path, xmp: bytes) -> Path:
    """`<result>.xmp` beside a result whose format holds no XMP (atomic, like every write)."""
    return atomic_write_bytes(_meta.sidecar_xmp(result), xmp)


__all__ = ["TOOL", "edit_record", "record_fields", "tagged", "write_xmp_sidecar"]
