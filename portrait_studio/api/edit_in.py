"""The Edit-In round trip: a catalog's rendered file, retouched and written back in place.

    done = apply(session, tif, params, journal=journal)      # RoundTrip: result, kept (the previous version)
    write_back(tif, result_path)                             # the window's Save: the same write
    restore(tif)                                             # the previous version back, byte for byte

This is the contract of Lightroom Classic's "Edit In → Additional External Editor", Capture One's "Edit With"
and darktable's external-editor scripts: the host renders a file (TIFF 16-bit, ProPhoto/Adobe RGB, with its
rating and keywords), starts the editor on it and re-reads *that* file when it changes. So the result must be
the same file in every way but the retouch: the same size (full resolution, whatever the model's limits),
format, bit depth, ICC profile and metadata (api.metadata: EXIF, XMP, IPTC, plus the edit's record). It is the
one place the app writes over a photo (docs/ARCHITECTURE.md, "originals are never overwritten"), so:

- the run's own result and its JSON sidecar go to the data folder (`results_dir()`), never beside the file;
- before the write, the file as it is is copied into the data folder (`edit-in/previous/<hash of the path>/`,
  numbered, with a manifest holding its path and sha256), durably: a crash between the copy and the write
  leaves the file as it was plus a copy of it;
- the write is atomic (a temp file beside it, fsynced, renamed over it: the host never reads half a file)
  and keeps the file's permission bits;
- `restore` puts the newest kept version back, checked against its sha256, and then forgets it (each apply
  pushes one version, each restore pops one).

A result that is not already at the file's own size and format (the model's image, because the file is no
larger than the model's answer, or a result-size choice of "model") is merged onto the file here
(core.merge); an answer that is not a retouch of this photo (creative mode) is refused with EditInError and
nothing is written.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import stat
import struct
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from portrait_studio.api import output as _output
from portrait_studio.api.metadata import TOOL
from portrait_studio.api.pipeline import EditResult, run_edit
from portrait_studio.core import metadata as _meta
from portrait_studio.core.errors import EditInError
from portrait_studio.core.fileio import atomic_open, atomic_write_bytes, atomic_write_json
from portrait_studio.core.i18n import _
from portrait_studio.core.journal import Journal
from portrait_studio.core.params import EditParams
from portrait_studio.core.paths import data_dir

#: The formats a host renders for an external editor, which the round trip writes back as they are.
FORMATS = ("TIFF", "JPEG", "PNG")
_ORIENTATION = 0x0112


@dataclass(frozen=True)
class Facts:
    """What must not change in the round trip: format, upright size, bits per channel, ICC profile."""

    format: str
    size: tuple[int, int]
    bits: int
    icc: bytes | None


@dataclass(frozen=True)
class RoundTrip:
    """A finished round trip: the file written back, the previous version kept, the run's result."""

    path: Path
    kept: Path
    result: EditResult | None = None


def results_dir() -> Path:
    """Where the round trip's own results and JSON sidecars go (the data folder: nothing beside the file)."""
    folder = data_dir() / "edit-in" / "results"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _slot(target: Path) -> Path:
    key = hashlib.sha256(os.fsencode(os.path.abspath(target))).hexdigest()[:24]
    return data_dir() / "edit-in" / "previous" / key


def facts(source: Path | bytes) -> Facts:
    """The format, upright size, bit depth and ICC profile of a file (from its header; no pixels decoded)."""
    try:
        with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as im:
            fmt = "JPEG" if im.format == "MPO" else str(im.format)
            w, h = im.size
            orientation = int(im.getexif().get(_ORIENTATION, 1) or 1)
            bits = 8
            if fmt == "TIFF":
                depth = getattr(im, "tag_v2", {}).get(258, (8,))
                bits = int(depth[0] if isinstance(depth, tuple) else depth)
            elif fmt == "PNG":
                bits = _png_depth(source)
            icc = im.info.get("icc_profile") or None
    except (OSError, ValueError, SyntaxError, struct.error) as err:
        name = _("the result") if isinstance(source, bytes) else source
        raise EditInError(
            _("{name} cannot be read as a photo ({error}).").format(name=name, error=err)
        ) from err
    return Facts(fmt, (h, w) if orientation in (5, 6, 7, 8) else (w, h), bits, icc)


def _png_depth(source: Path | bytes) -> int:
    if isinstance(source, bytes):
        head = source[:25]
    else:
        with open(source, "rb") as f:
            head = f.read(25)
    return head[24] if len(head) > 24 else 8  # IHDR's bit depth


def check_target(target: Path) -> Facts:
    """The host's file, readable, writable and in a format written back as it is; else EditInError."""
    if not target.is_file():
        raise EditInError(
            _("{path} is not there (or is not a file).").format(path=target),
            _("Start Edit In again from your catalog: it renders the file and passes its path."),
        )
    found = facts(target)
    if found.format not in FORMATS:
        raise EditInError(
            _("{name} is a {format} file; the round trip writes back TIFF, JPEG or PNG.").format(
                name=target.name, format=found.format
            ),
            _(
                "Set the catalog's external editor to TIFF, 16 bits "
                "(Lightroom: Preferences → External Editing)."
            ),
        )
    if not os.access(target, os.W_OK) or not os.access(target.parent, os.W_OK):
        raise EditInError(
            _("{path} cannot be written here (read-only file or folder); nothing was sent.").format(
                path=target
            ),
            _("Make the file and its folder writable, or let the catalog render into a writable folder."),
        )
    return found


def working_copy(target: Path) -> Path:
    """A copy of `target` as the host rendered it, in the data folder under the same name: what the window
    opens and sends, so a second run with other settings starts from the rendering, not from the last Save."""
    key = hashlib.sha256(os.fsencode(os.path.abspath(target))).hexdigest()[:24]
    return atomic_write_bytes(data_dir() / "edit-in" / "open" / key / target.name, target.read_bytes())


def previous_versions(target: Path) -> list[Path]:
    """The kept versions of `target`, oldest first (each with a `.json` manifest beside it)."""
    slot = _slot(target)
    if not slot.is_dir():
        return []
    return sorted(p for p in slot.iterdir() if p.suffix != ".json" and p.with_suffix(".json").is_file())


def keep_previous(target: Path) -> Path:
    """Copy `target` as it is now into the data folder (durably, with its sha256), before it is replaced."""
    data = target.read_bytes()
    slot = _slot(target)
    slot.mkdir(parents=True, exist_ok=True)
    taken = [int(p.stem) for p in slot.iterdir() if p.stem.isdigit()]
    kept = slot / f"{max(taken, default=0) + 1:04d}{target.suffix}"
    atomic_write_bytes(kept, data)
    manifest = {
        "path": os.path.abspath(target),
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
        "kept_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    atomic_write_json(kept.with_suffix(".json"), manifest)  # written last: a copy without it is not a version
    return kept


def _replace(target: Path, body: bytes) -> None:
    """Write `body` over `target` atomically, keeping its permission bits."""
    mode = stat.S_IMODE(target.stat().st_mode)
    with atomic_open(target) as f:
        f.write(body)
        # On the temp file, before it is renamed over the target (no fchmod on Windows: the bits mean little).
        with contextlib.suppress(NotImplementedError, OSError):
            os.chmod(f.fileno(), mode)


def conform(result: Path, target: Path) -> bytes:
    """The result as the bytes to write over `target`: at its size, format, depth, ICC and metadata.

    A result already like that (the pipeline's full-size merge) is taken as it is; the model's image is
    merged onto the target here. EditInError when it cannot be (not a retouch of this photo).
    """
    want = facts(target)
    body = result.read_bytes()
    got = facts(body)
    if (got.format, got.size, got.bits) != (want.format, want.size, want.bits):
        body = _merged(body, result, target)
    final = facts(body)
    if (final.format, final.size, final.bits, final.icc) != (want.format, want.size, want.bits, want.icc):
        raise EditInError(
            _(
                "The result of {name} came out as {got}, not as the file ({want}); nothing was written back."
            ).format(name=target.name, got=_said(final), want=_said(want))
        )
    return body


def _said(f: Facts) -> str:
    said = _("{format} {width}×{height} {bits}-bit").format(
        format=f.format, width=f.size[0], height=f.size[1], bits=f.bits
    )
    return said if f.icc else _("{image}, untagged").format(image=said)


def _merged(answer: bytes, result: Path, target: Path) -> bytes:
    """The model's image merged onto the target at its size, in its format, with its metadata."""
    import numpy as np

    from portrait_studio.core.colour import Space
    from portrait_studio.core.deep_io import read_deep
    from portrait_studio.core.merge import NotMergeable, merge

    refused = _output.read_sidecar(_output.sidecar_for(result)).get("merge_refused")
    try:
        if refused:
            raise NotMergeable(str(refused))
        deep = read_deep(target)
        with Image.open(io.BytesIO(answer)) as im:
            rgb = np.asarray(im.convert("RGB"))
        merged = merge(deep.pixels, rgb, Space.of(deep.icc_profile, deep.channels), in_place=True)
    except NotMergeable as err:
        raise EditInError(
            _("{name} was not changed: {why}.").format(name=target.name, why=err.message).replace("..", "."),
            _(
                "Use a retouch (no prompt, gen mode auto or retouch) for Edit In; a creative result can be "
                "saved as a new file from the window instead."
            ),
        ) from err
    quality = _output.jpeg_quality(target) if deep.format == "JPEG" else _output.DEFAULT_JPEG_QUALITY
    body = _output.full_size_body(
        merged.pixels, deep.format, exif=None, icc_profile=deep.icc_profile, alpha=deep.alpha, quality=quality
    )
    source = _meta.read_metadata(target)
    # The pipeline's result carries the target's XMP with the edit's record; anything else, the target's own.
    xmp = _meta.xmp_of(answer) or source.xmp
    tagged = _meta.embed(body, exif=source.exif, xmp=xmp, iptc=source.iptc, tool=TOOL)
    return tagged if tagged is not None else body


def write_back(target: Path, result: Path) -> RoundTrip:
    """Write `result` over `target` in place (conform → keep the previous version → atomic replace)."""
    check_target(target)
    body = conform(result, target)
    kept = keep_previous(target)
    try:
        _replace(target, body)
    except OSError as err:
        raise EditInError(
            _("{path} could not be written ({error}); it is as it was.").format(
                path=target, error=err.strerror or err
            ),
            _("Free some space or make the folder writable, then run Edit In again."),
        ) from err
    return RoundTrip(target, kept)


def restore(target: Path) -> Path:
    """Put the newest kept version of `target` back, byte for byte; EditInError when there is none."""
    versions = previous_versions(target)
    if not versions:
        raise EditInError(
            _(
                "No earlier version of {path} is kept: the round trip never wrote it (or it was restored)."
            ).format(path=target),
            _("Nothing to restore; the file is as the catalog last rendered it or as you left it."),
        )
    kept = versions[-1]
    data = kept.read_bytes()
    manifest: dict[str, Any] = json.loads(kept.with_suffix(".json").read_text(encoding="utf-8"))
    if hashlib.sha256(data).hexdigest() != manifest.get("sha256"):
        raise EditInError(
            _(
                "The kept version {kept} is damaged (its checksum does not match); {path} was not changed."
            ).format(kept=kept, path=target),
            _("Restore it from your catalog instead (re-render the edit, or use the catalog's history)."),
        )
    if target.exists():
        _replace(target, data)
    else:
        atomic_write_bytes(target, data)
    kept.unlink()
    kept.with_suffix(".json").unlink()
    return target


def apply(
    session: Any,
    target: Path | str,
    params: EditParams,
    *,
    journal: Journal,
    **run_edit_options: Any,
) -> RoundTrip:
    """Retouch the host's file and write it back in place (see the module docstring); `run_edit_options`
    go to api.pipeline.run_edit (settings, preset, on_progress, cancel, max_cost, budget_cap, force)."""
    path = Path(target)
    check_target(path)
    result = run_edit(
        session, path, params, journal=journal, out_dir=results_dir(), size="original", **run_edit_options
    )
    done = write_back(path, Path(result.output_path))
    return RoundTrip(done.path, done.kept, result)


__all__ = [
    "FORMATS",
    "Facts",
    "RoundTrip",
    "apply",
    "check_target",
    "conform",
    "facts",
    "keep_previous",
    "previous_versions",
    "restore",
    "results_dir",
    "working_copy",
    "write_back",
]
