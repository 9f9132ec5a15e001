"""Where a result goes and how it is written: `<name>.retouched.<ext>` (never over anything) + a JSON sidecar.

One naming rule: `.retouched` + the result's own extension — `.jpg` for the model's image (the model-size
result, and every result before the full-resolution merge), `.tif`/`.png`/`.jpg` for a full-resolution result
in the original's format (`result_suffix`; HEIC/WebP/other originals give JPEG). The sidecar is the result's
name with `.json`; a name whose sidecar is taken (another format's result of the same photo) is skipped.

A full-resolution result (`full_size_body`) is encoded once from the merged pixels: TIFF (the original's
depth, ZIP), PNG, or JPEG at the quality the original JPEG was saved at (`jpeg_quality`). The model-size
result JPEG is kept bit for bit as the gateway made it; only the original's EXIF (orientation reset to 1,
because the pixels were already turned upright before upload) and ICC profile segments are put in, so no
second JPEG compression happens, and the local engine's notes segment is taken out (into the sidecar:
core.engine_notes). A non-JPEG result is converted once (quality 95).
"""

from __future__ import annotations

import io
import json
import os
import struct
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from PIL import Image

from portrait_studio import __version__
from portrait_studio.api.models import Task
from portrait_studio.core import engine_notes
from portrait_studio.core.errors import ConfigError, PortraitStudioError
from portrait_studio.core.fileio import (
    atomic_write_json,
    clean_stale_temps,
    create_unique,
    fit_name,
    name_max,
    numbered,
)
from portrait_studio.core.i18n import _
from portrait_studio.core.images import rgb_profile
from portrait_studio.core.journal_rows import JournalRow
from portrait_studio.core.params import EditParams

SUFFIX = ".retouched.jpg"
#: The full-resolution result's extension per original format (anything else: JPEG, e.g. HEIC and WebP).
FORMAT_EXT = {"TIFF": ".tif", "PNG": ".png", "JPEG": ".jpg"}
SIZES = ("original", "model")  # the result size choice: the original's own size (merged), or the model's
#: What the window's Save named its copies before it used this module's rule too (still left out of folders).
SAVED_SUFFIX = "-retouched"


def is_result_name(path: Path) -> bool:
    """A name the app gives its results (`.retouched`, or an older window's `-retouched`, with any `-N`)."""
    return ".retouched" in path.name or path.stem.endswith(SAVED_SUFFIX) or f"{SAVED_SUFFIX}-" in path.name


_ORIENTATION = 0x0112
_ICC_CHUNK = 65519  # 65535 - 2 (length) - 12 ("ICC_PROFILE\0") - 2 (sequence numbers): ICC.1:2010 B.4
#: Called with a result's name just before it is created there (the journal records it: pipeline._save).
BeforeWrite = Callable[[Path], None]


def request_size(size: str, photo: tuple[int, int], params: EditParams) -> str:
    """The result size a request is journalled (and deduplicated) with: "model" for a photo with no more
    pixels than the model's answer (`params` pinned to the photo), whatever was asked: there is nothing to
    merge onto, both give the model's image, and one request must have one key (a window whose Result size
    says "Model output" for such a photo and a CLI run with the default "original" paid twice)."""
    w, h = params.width, params.height
    if size == "original" and isinstance(w, int) and isinstance(h, int) and photo[0] * photo[1] <= w * h:
        return "model"
    return size


def result_suffix(original_format: str | None = None) -> str:
    """`.retouched` + the extension of a full-resolution result of an original in this format; `.jpg` for
    None (the model's image)."""
    return ".retouched" + FORMAT_EXT.get(original_format or "", ".jpg")


def planned_output(
    input_path: Path, out_dir: Path | None, suffix: str = SUFFIX, *, stem: str | None = None
) -> Path:
    """`<stem>.retouched.jpg` (or `suffix`) next to the input or in out_dir (before any `-2` suffix); `stem`
    (a rendered name template: render_name) instead of the input's own.

    Known before anything is sent: a stem too long for the file system is shortened here (fit_name), so a
    paid result always has a name it can be saved under.
    """
    folder = Path(out_dir) if out_dir else Path(input_path).parent
    return folder / fit_name(folder, stem or Path(input_path).stem, suffix)


#: The fields of an output-name template (`retouch --name`): the photo's own name, the preset's, the day.
NAME_FIELDS = ("name", "preset", "date")


def render_name(template: str, input_path: Path, preset: str | None, when: float | None = None) -> str:
    """A result's stem from a template like "{date}_{name}_{preset}" (`.retouched.EXT` still follows, so the
    app knows its own results); ConfigError for an unknown field or a name that is not a file name."""
    import string

    fields = {
        "name": Path(input_path).stem,
        "preset": (preset or "custom").replace(" ", "-"),
        "date": time.strftime("%Y-%m-%d", time.localtime(when)),
    }
    try:
        used = [f for _text, f, _spec, _conv in string.Formatter().parse(template) if f is not None]
        unknown = sorted(set(used) - set(NAME_FIELDS))
        stem = "" if unknown else template.format(**fields)
        problem = (
            _("The output-name template {template} has unknown fields ({fields}).")
            if unknown
            else _("The output-name template {template} does not give a file name.")
        ).format(template=repr(template), fields=", ".join(unknown))
    except (ValueError, IndexError, KeyError) as err:
        stem = ""
        problem = _("The output-name template {template} is not a template ({error}).").format(
            template=repr(template), error=err
        )
    if not stem.strip(". ") or "/" in stem or "\\" in stem or "\0" in stem:
        raise ConfigError(
            problem,
            _('Use {name}, {preset} and {date} with plain text, e.g. --name "{date}_{name}".'),
        )
    return stem


def fitted(planned: Path) -> Path:
    """A planned name an older version recorded, shortened like planned_output when its sidecar is too long.

    A name that fits is kept as it is: the older version may have written its result there already.
    """
    name = planned.name
    if len(sidecar_for(planned).name.encode("utf-8", "surrogateescape")) <= name_max(planned.parent):
        return planned
    ours = name.rfind(".retouched.")
    stem = name[:ours] if ours > 0 else planned.stem
    suffix = name[ours:] if ours > 0 else planned.suffix
    return planned.with_name(fit_name(planned.parent, stem, suffix))


def ready_folder(folder: Path) -> Path:
    """`folder`, created if needed and proven writable: a result that cannot be saved must not be paid for.

    A tiny file is made and removed: permission bits say too little (root, ACLs, read-only mounts). Temp files
    a killed run left there are removed (fileio.clean_stale_temps: only those of dead processes).
    """
    clean_stale_temps(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(prefix=".portrait-studio-", dir=folder)
        os.close(handle)
        os.unlink(probe)
    except OSError as err:
        raise ConfigError(
            _("Results cannot be saved in {folder} ({reason}); nothing was sent.").format(
                folder=folder, reason=err.strerror or type(err).__name__
            ),
            _("Choose another output folder (Settings, or --out-dir), or make this one writable."),
        ) from err
    return folder


def unsaved(folder: Path, err: OSError) -> PortraitStudioError:
    """The error for a result that was made (and paid for) but could not be written."""
    return PortraitStudioError(
        _("The result is ready but could not be saved in {folder} ({reason}).").format(
            folder=folder, reason=err.strerror or type(err).__name__
        ),
        _(
            "Free some space or make the folder writable, then run `portrait-studio resume` (the "
            "app does it at start): the result is fetched again, not paid again."
        ),
    )


def copy_result(result: Path, planned: Path) -> tuple[Path, Path]:
    """A copy of an earlier result (and its sidecar) at `planned`, or `-2`, `-3`… when taken."""
    body = result.read_bytes()
    fields = read_sidecar(sidecar_for(result))
    target = create_unique(planned, body)
    fields["output"], fields["copied_from"] = str(target), str(result)  # reused: nothing was run or paid
    return target, write_sidecar(target, fields)


def saved_before(planned: Path, task_id: str) -> Path | None:
    """This task's result if it was already written at `planned` or a `-N` after it (the app stopped after the
    write, before the journal recorded it), by its sidecar's task id; else None."""
    for candidate in numbered(planned):
        if not candidate.exists():
            if sidecar_for(candidate).exists():
                continue  # a result of another format holds this stem (write_body skipped it too)
            return None
        if read_sidecar(sidecar_for(candidate)).get("task_id") == task_id:
            return candidate
    return None  # (numbered() is endless: only for the type checker)


def holds(path: Path | None, body: bytes) -> bool:
    """True when `path` is a file with exactly `body` in it (a result written before the app was killed)."""
    if path is None:
        return False
    try:
        return path.is_file() and path.stat().st_size == len(body) and path.read_bytes() == body
    except OSError:
        return False


def sidecar_for(output: Path) -> Path:
    """`x.retouched.jpg` → `x.retouched.json`."""
    return output.with_suffix(".json")


def _header_segments(jpeg: bytes) -> Iterator[tuple[int, int, int]]:
    """(start, end, marker) of each segment between SOI and the image data."""
    pos = 2
    while pos + 4 <= len(jpeg) and jpeg[pos] == 0xFF:
        marker = jpeg[pos + 1]
        if marker in (0xDA, 0xD9):  # start of scan / end: the rest is image data
            return
        (length,) = struct.unpack(">H", jpeg[pos + 2 : pos + 4])
        yield pos, pos + 2 + length, marker
        pos += 2 + length


def _segments_to_keep(jpeg: bytes) -> tuple[bytes, bytes]:
    """Split a JPEG after SOI, dropping its own APP1-Exif and APP2-ICC segments: (SOI, rest)."""
    if jpeg[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    kept, end = bytearray(), 2
    for start, end, marker in _header_segments(jpeg):
        payload = jpeg[start + 4 : end]
        drop = (marker == 0xE1 and payload.startswith(b"Exif\0\0")) or (
            marker == 0xE2 and payload.startswith(b"ICC_PROFILE\0")
        )
        if not drop:
            kept += jpeg[start:end]
    return b"\xff\xd8", bytes(kept) + jpeg[end:]


def take_notes(data: bytes) -> tuple[bytes, list[str]]:
    """The result without the local engine's notes segment, and its notes ([] for anyone else's result)."""
    if data[:2] == b"\xff\xd8":
        for start, end, marker in _header_segments(data):
            notes = engine_notes.from_comment(data[start + 4 : end]) if marker == 0xFE else None
            if notes is not None:
                return data[:start] + data[end:], notes
    return data, []


def _upright_exif(exif: bytes) -> bytes | None:
    """The original's EXIF with Orientation = 1; None when it cannot be parsed."""
    try:
        data = Image.Exif()
        data.load(exif[6:] if exif.startswith(b"Exif\0\0") else exif)
        if _ORIENTATION in data:
            data[_ORIENTATION] = 1
        raw = data.tobytes()  # Pillow ≥ 8 already starts it with the "Exif\0\0" APP1 header
        return raw if raw.startswith(b"Exif\0\0") else b"Exif\0\0" + raw
    except Exception:  # EXIF in the wild is often broken: the result is still worth saving without it
        return None


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def with_metadata(jpeg: bytes, *, exif: bytes | None, icc_profile: bytes | None) -> bytes:
    """Put the original's EXIF and ICC into a result JPEG without re-encoding its pixels."""
    if not exif and not icc_profile:
        return jpeg
    soi, rest = _segments_to_keep(jpeg)
    extra = b""
    upright = _upright_exif(exif) if exif else None
    if upright and len(upright) + 2 <= 0xFFFF:
        extra += _segment(0xE1, upright)
    if icc_profile:
        chunks = [icc_profile[i : i + _ICC_CHUNK] for i in range(0, len(icc_profile), _ICC_CHUNK)]
        for n, chunk in enumerate(chunks, 1):
            extra += _segment(0xE2, b"ICC_PROFILE\0" + bytes((n, len(chunks))) + chunk)
    return soi + extra + rest


def as_jpeg(data: bytes) -> bytes:
    """The result as JPEG bytes (converted once when the gateway sent PNG/WebP)."""
    if data[:2] == b"\xff\xd8":
        return data
    with Image.open(io.BytesIO(data)) as im:
        out = io.BytesIO()
        im.convert("RGB").save(out, "JPEG", quality=95)
        return out.getvalue()


# The IJG (libjpeg) luminance table at quality 50 (ITU-T T.81 K.1), whose scaling quality q sets.
_IJG_LUMA = (
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
)  # fmt: skip
DEFAULT_JPEG_QUALITY = 95  # for a JPEG result of a non-JPEG original (HEIC, WebP) or unreadable tables


def jpeg_quality(path: Path) -> int:
    """The quality (1–100) a JPEG was saved at, estimated from its luminance quantisation table.

    libjpeg scales the standard table by s = 5000/q (q < 50) or 200 − 2q (q ≥ 50), in percent: the ratio of
    the table's sum to the standard one's gives s back, whatever the order the entries are listed in. Other
    encoders (cameras) use their own tables; the estimate is then the libjpeg quality of the same overall
    coarseness, which is what matters for matching the file size and look.
    """
    try:
        with Image.open(path) as im:
            tables = getattr(im, "quantization", None) or {}
            luma = tables.get(0)
    except (OSError, ValueError):
        luma = None
    if not luma or len(luma) != 64:
        return DEFAULT_JPEG_QUALITY
    s = 100.0 * sum(luma) / sum(_IJG_LUMA)
    q = 5000.0 / s if s > 100 else (200.0 - s) / 2
    return int(min(100, max(1, round(q))))


def full_size_body(
    pixels: Any,
    original_format: str,
    *,
    exif: bytes | None,
    icc_profile: bytes | None,
    alpha: Any = None,
    quality: int = DEFAULT_JPEG_QUALITY,
) -> bytes:
    """A full-resolution result's bytes in the format `result_suffix(original_format)` names: TIFF and PNG
    at the pixels' depth with the ICC profile (and alpha); JPEG at `quality` with the EXIF (orientation 1:
    the pixels are upright) and ICC put in as for a model-size result."""
    from portrait_studio.core import deep_io

    ext = FORMAT_EXT.get(original_format, ".jpg")
    if ext == ".tif":
        return deep_io.tiff_bytes(pixels, icc_profile, alpha=alpha)
    if ext == ".png" and pixels.shape[-1] in (1, 3):
        return deep_io.png_bytes(pixels, icc_profile, alpha=alpha)
    eight = deep_io.eight_bits(pixels)
    mode = {1: "L", 3: "RGB", 4: "CMYK"}[eight.shape[-1]]
    out = io.BytesIO()
    Image.fromarray(eight[..., 0] if mode == "L" else eight, mode).save(out, "JPEG", quality=quality)
    return with_metadata(out.getvalue(), exif=exif, icc_profile=icc_profile)


def result_body(data: bytes, *, exif: bytes | None, icc_profile: bytes | None) -> bytes:
    """The bytes a result is saved as: JPEG with the original's metadata (the same for the same result)."""
    return with_metadata(as_jpeg(data), exif=exif, icc_profile=icc_profile)


def save_result(
    data: bytes,
    planned: Path,
    *,
    exif: bytes | None,
    icc_profile: bytes | None,
    never: Path | None = None,
    before: BeforeWrite | None = None,
) -> Path:
    """Write the result at `planned`, or `-2`, `-3`… when taken; see write_body."""
    return write_body(
        result_body(data, exif=exif, icc_profile=icc_profile), planned, never=never, before=before
    )


def write_body(
    body: bytes, planned: Path, *, never: Path | None = None, before: BeforeWrite | None = None
) -> Path:
    """Create `body` at `planned` or the first free `-N` name, exclusively: never over any file, even one
    another process makes at the same moment (fileio.create_unique), nor at the input's own path."""
    start = planned
    if never is not None and same_path(planned, never):
        start = planned.with_name(f"{planned.stem}-2{planned.suffix}")
    for free in numbered(start):  # x.retouched.tif and x.retouched.jpg would share x.retouched.json
        if not sidecar_for(free).exists() or free.exists():
            break
    return create_unique(free, body, before=before)  # the usual permissions (umask), like any saved file


def same_path(a: Path, b: Path) -> bool:
    """The same place, as written (no file system access: either may not exist yet)."""
    return os.path.abspath(a) == os.path.abspath(b)


def read_sidecar(path: Path) -> dict[str, Any]:
    """A sidecar's fields; {} when it is gone or unreadable (the result itself is what matters)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_sidecar(output: Path, fields: dict[str, Any]) -> Path:
    """The JSON sidecar next to the result (params, seed, task id, jobId, engine, cost…)."""
    return atomic_write_json(sidecar_for(output), fields)  # the usual permissions, like the result


def original_metadata(path: Path) -> tuple[bytes | None, bytes | None]:
    """EXIF and ICC of the original (None, None when it is gone or unreadable: the result still lands)."""
    try:  # the header only: PIL reads metadata without decoding pixels
        with Image.open(path) as im:
            # Only an RGB profile describes the RGB result (a CMYK one describes ink, a grey one grey).
            return im.info.get("exif"), rgb_profile(im.info.get("icc_profile"), im.mode)
    except (OSError, ValueError):
        pass
    try:  # formats that need core.images' openers (HEIC)
        from portrait_studio.core.images import load_image

        image = load_image(path)
    except (PortraitStudioError, OSError):
        return None, None
    return image.exif, image.icc_profile


def sidecar_fields(
    row: JournalRow, task: Task, output: Path, job_id: str | None, notes: list[str] | None = None
) -> dict[str, Any]:
    """What the sidecar records: everything needed to know how the result was made (never the API key)."""
    return {
        "app": f"portrait-studio {__version__}",
        "input": row.input_path,
        "input_sha256": row.input_sha256,
        "upload_sha256": row.upload_sha256,
        "output": str(output),
        "params": row.params.to_dict(),
        "gen_mode": row.params.effective_gen_mode,
        "seed": row.params.seed,
        "preset": row.preset,
        "task_id": task.id,
        "jobId": job_id,
        "engine": row.engine or row.backend,
        "backend": row.backend,
        "base_url": row.base_url,
        "cost": str(task.cost) if task.cost is not None else None,
        "estimate": str(row.estimate) if row.estimate is not None else None,
        "currency": "USD",
        "created_at": task.created_at.isoformat() if task.created_at else None,
        "notes": notes or [],  # what the local engine did that the sliders do not show (take_notes)
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


__all__ = [
    "DEFAULT_JPEG_QUALITY",
    "FORMAT_EXT",
    "NAME_FIELDS",
    "SAVED_SUFFIX",
    "SIZES",
    "SUFFIX",
    "as_jpeg",
    "fitted",
    "full_size_body",
    "holds",
    "jpeg_quality",
    "planned_output",
    "read_sidecar",
    "render_name",
    "result_body",
    "result_suffix",
    "save_result",
    "sidecar_for",
    "take_notes",
    "with_metadata",
    "write_body",
    "write_sidecar",
]
