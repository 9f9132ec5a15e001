"""Pre-flight: will the photo be accepted and work, and one-click fixes (docs/PROTOCOL.md)."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image

from portrait_studio.core._encoding import fit_jpeg, working_copy
from portrait_studio.core._loading import (
    LoadedImage,
    jpeg_decoder_warnings,
    load_image_bytes,
    orientation_of,
    read_file,
)
from portrait_studio.core.colour import Space, quantise
from portrait_studio.core.errors import ImageError
from portrait_studio.core.faces import Face, FaceResult, detect_faces
from portrait_studio.core.i18n import _
from portrait_studio.core.params import EditParams

# Limits of spark_edit_portrait's image_input (docs/PROTOCOL.md, parameters): JPG/PNG, ≤ 5 MB, ≤ 4096×4096.
UPLOAD_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}
MAX_UPLOAD_BYTES = 5_000_000  # "5 MB" read the strict (decimal) way: safe whichever the service means
MAX_UPLOAD_SIDE = 4096
# A face-restoration model needs some pixels to work from: ask for a 16th of the output's long side and
# never under 64 px (our judgement: GPEN-style restorers degrade fast below that). A face under a tenth of the
# photo's short side is "small in the frame": cropping to it helps the model see the person, not the room.
MIN_FACE_PX = 64
FACE_PER_OUTPUT = 1 / 16
MIN_FACE_IN_FRAME = 0.10
CROP_FACE_SIDES = 3.0  # a face crop is 3 face-sizes wide: head, hair and shoulders, as in a portrait
_CHECK_SIDE = 64  # load_for_upload: asks for the smallest DCT scale (1/8) of a JPEG sent as it is


ProblemCode = Literal[
    "damaged", "format", "too_many_bytes", "too_many_pixels", "no_face", "several_faces", "small_face"
]
AutoFix = Literal["downscale", "reencode", "convert", "crop_to_face"]  # None: the user must act

# Problems the model fails on whatever the app does (docs/PROTOCOL.md: "exactly one face"). The others are
# fixed on upload by prepare_upload (downscale, re-encode, convert) or are advice (a small face).
BLOCKING_CODES: frozenset[ProblemCode] = frozenset({"no_face", "several_faces"})


@dataclass(frozen=True)
class Problem:
    """One reason the photo is not ready: stable `code`, plain `message`, the `fix`, and an app fix if any."""

    code: ProblemCode
    message: str
    fix: str
    auto_fix: AutoFix | None = None

    @property
    def blocks(self) -> bool:
        """True when a task for the photo would fail: sending it as it is would waste the attempt."""
        return self.code in BLOCKING_CODES

    @property
    def fixed_on_upload(self) -> bool:
        """True when every edit fixes it by itself as it sends the photo (prepare_upload; original kept)."""
        return self.auto_fix in ("convert", "downscale", "reencode")

    def to_dict(self) -> dict[str, str]:
        """The CLI/JSON shape."""
        return {"code": self.code, "message": self.message, "fix": self.fix}


@dataclass(frozen=True)
class PreflightReport:
    """Everything the check found; face boxes are in full-size pixels of the oriented photo."""

    path: str | None
    format: str
    file_bytes: int
    width: int
    height: int
    faces: FaceResult
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the photo can be submitted as it is."""
        return not self.problems

    @property
    def blocked(self) -> bool:
        """True when a problem would make the task fail (the others are fixed on upload or are advice)."""
        return any(p.blocks for p in self.problems)

    @property
    def face_boxes(self) -> list[list[int]]:
        """[[x, y, w, h], …] largest first."""
        return [list(f.box) for f in self.faces.faces]

    def to_json(self) -> dict[str, Any]:
        """One JSON object as `portrait-studio check --json` prints it."""
        return {
            "path": self.path,
            "ok": self.ok,
            "format": self.format,
            "bytes": self.file_bytes,
            "width": self.width,
            "height": self.height,
            "faces": self.faces.count,
            "face_boxes": self.face_boxes,
            "problems": [p.to_dict() for p in self.problems],
        }


@dataclass(frozen=True)
class PreparedUpload:
    """Bytes the service accepts (JPEG/PNG, ≤ 5 MB, ≤ 4096²) and the fixes that were applied to get them."""

    data: bytes = field(repr=False)
    mime: str
    width: int
    height: int
    fixes: list[str] = field(default_factory=list)
    quality: int | None = None  # JPEG quality chosen by the search; None when the original bytes pass through


def scale_faces(result: FaceResult, factor: float) -> FaceResult:
    """Faces from a preview mapped to full size (`factor` = preview pixels per full-size pixel)."""
    if factor == 1.0:
        return result
    faces = []
    for f in result.faces:
        box = tuple(round(v / factor) for v in f.box)
        kp = (f.keypoints / factor).astype(np.float32)
        kp.setflags(write=False)
        faces.append(Face((box[0], box[1], box[2], box[3]), f.score, kp))
    return FaceResult(faces, result.approximate)


def min_face_px(params: EditParams | None) -> int:
    """The smallest face (px, long side of its box) that gives a sharp result at the requested output size."""
    side = max(params.width, params.height) if params is not None else 1328
    return max(MIN_FACE_PX, round(side * FACE_PER_OUTPUT))


def preflight(
    image: LoadedImage, faces: FaceResult | None = None, params: EditParams | None = None
) -> PreflightReport:
    """Check a photo against the service's limits and the one-face rule; `faces` in `image.rgb` pixels."""
    found = faces if faces is not None else detect_faces(image.rgb)
    full = scale_faces(found, image.preview_scale)
    problems = _file_problems(image) + _face_problems(image, full, params)
    notes = list(image.notes)
    if full.approximate:
        notes.append(
            _("faces counted with the approximate fallback detector (face models missing or damaged).")
        )
    return PreflightReport(
        path=str(image.path) if image.path is not None else None,
        format=image.format,
        file_bytes=image.file_bytes,
        width=image.width,
        height=image.height,
        faces=full,
        problems=problems,
        notes=notes,
    )


def _file_problems(image: LoadedImage) -> list[Problem]:
    out = []
    warned = jpeg_decoder_warnings(image.data) if image.format == "JPEG" and image.data else []
    if warned:  # the pixels decoded, but part of them is garbage: the edit would retouch the damage
        out.append(
            Problem(
                "damaged",
                _("The photo's data is damaged ({detail}): parts may show grey or garbled.").format(
                    detail=warned[0].rstrip(".")
                ),
                _("Copy the file again from the camera or the original source, or re-export it."),
            )
        )
    if image.format not in UPLOAD_FORMATS:
        out.append(
            Problem(
                "format",
                _("The photo is {format}; the service accepts only JPEG and PNG.").format(
                    format=image.format
                ),
                _("Let the app convert it to JPEG (it keeps the original file)."),
                "convert",
            )
        )
    elif image.mode == "CMYK":
        out.append(
            Problem(
                "format",
                _("The photo is a CMYK JPEG (print colours); the service expects RGB."),
                _("Let the app convert it to an RGB JPEG (it keeps the original file)."),
                "convert",
            )
        )
    if max(image.width, image.height) > MAX_UPLOAD_SIDE:
        out.append(
            Problem(
                "too_many_pixels",
                _("The photo is {width}×{height} pixels; the limit is {limit}×{limit}.").format(
                    width=image.width, height=image.height, limit=MAX_UPLOAD_SIDE
                ),
                _("Let the app downscale it to {limit} pixels on the long side.").format(
                    limit=MAX_UPLOAD_SIDE
                ),
                "downscale",
            )
        )
    if image.file_bytes > MAX_UPLOAD_BYTES:
        out.append(
            Problem(
                "too_many_bytes",
                _("The file is {mb:.1f} MB; the limit is {limit:.0f} MB.").format(
                    mb=image.file_bytes / 1e6, limit=MAX_UPLOAD_BYTES / 1e6
                ),
                _("Let the app re-encode it as a JPEG of at most 5 MB at the best quality that fits."),
                "reencode",
            )
        )
    return out


def _face_problems(image: LoadedImage, faces: FaceResult, params: EditParams | None) -> list[Problem]:
    how = _(" (approximate count: face models missing)") if faces.approximate else ""
    if faces.count == 0:
        return [
            Problem(
                "no_face",
                _(
                    "No face was found in the photo{how}; the model needs exactly one, frontal and large."
                ).format(how=how),
                _("Choose a photo in which one person faces the camera, face not covered or cut off."),
            )
        ]
    out = []
    if faces.count > 1:
        out.append(
            Problem(
                "several_faces",
                _("{count} faces were found{how}; the model needs exactly one.").format(
                    count=faces.count, how=how
                ),
                _("Let the app crop to the largest face, or choose a photo of one person."),
                "crop_to_face",
            )
        )
    size = faces.faces[0].size
    need = min_face_px(params)
    if size < need:
        out.append(
            Problem(
                "small_face",
                _(
                    "The face is only {size} pixels across; the requested output needs at least {need} "
                    "for a sharp result."
                ).format(size=size, need=need),
                _("Use a larger original or a photo taken closer, or choose a smaller output size."),
            )
        )
    elif size < MIN_FACE_IN_FRAME * min(image.width, image.height) and faces.count == 1:
        out.append(
            Problem(
                "small_face",
                _("The face is small in the frame ({size} pixels in a {width}×{height} photo).").format(
                    size=size, width=image.width, height=image.height
                ),
                _("Let the app crop to the face (with hair and shoulders)."),
                "crop_to_face",
            )
        )
    return out


def face_crop_box(face: Face, width: int, height: int) -> tuple[int, int, int, int]:
    """A portrait crop (x, y, w, h) around `face`: 3 face-sizes square, face above centre, in bounds."""
    x, y, w, h = face.box
    side = min(round(face.size * CROP_FACE_SIDES), width, height)
    cx, cy = (
        x + w / 2,
        y + h / 2 + 0.25 * h,
    )  # lower the centre: shoulders matter more than sky above the hair
    x0 = int(min(max(0, round(cx - side / 2)), width - side))
    y0 = int(min(max(0, round(cy - side / 2)), height - side))
    return x0, y0, side, side


def _must_reencode(fmt: str, mode: str, file_bytes: int, width: int, height: int, orientation: int) -> bool:
    return (
        fmt not in UPLOAD_FORMATS
        or mode == "CMYK"
        or file_bytes > MAX_UPLOAD_BYTES
        or max(width, height) > MAX_UPLOAD_SIDE
        or orientation != 1  # the service is not documented to apply EXIF orientation: send upright pixels
    )


def _needs_work(image: LoadedImage) -> bool:
    return image.srgb_from is not None or _must_reencode(
        image.format, image.mode, image.file_bytes, image.width, image.height, image.orientation
    )


def _is_deep(data: bytes) -> bool:
    """From the header: a PNG or TIFF of 16 bits per channel (Pillow would read it at 8)."""
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return len(data) > 24 and data[24] == 16  # IHDR bit depth (PNG 11.2.2)
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        import tifffile

        try:
            with tifffile.TiffFile(io.BytesIO(data)) as tif:
                return int(tif.pages.first.bitspersample) == 16
        except Exception:  # a damaged TIFF: the 8-bit load already said what it could
            return False
    return False


def srgb_like(space: Space) -> bool:
    """True when converting from `space` changes nothing visible (an sRGB profile: most camera JPEGs), so
    the file can go as it is: a grey ramp and the primaries land within half a level of 255."""
    if space.is_srgb_like:
        return True
    probe = np.concatenate([np.linspace(0, 1, 64)[:, None].repeat(3, 1), np.eye(3)]).astype(np.float32)
    try:
        out = space.to_srgb(probe[None])[0]
    except Exception:  # a profile littleCMS cannot use: read as sRGB, as the 8-bit load did
        return True
    return bool(np.abs(out - probe).max() < 0.5 / 255)


def colour_managed(image: LoadedImage) -> tuple[LoadedImage, Space]:
    """The image with `rgb` in sRGB (what the model expects), and the space it came from.

    A tagged photo in another space (Adobe RGB, ProPhoto, P3…) is converted from its embedded profile
    (core.colour; relative colorimetric), not sent with its profile on unconverted pixels; a 16-bit TIFF/PNG
    is read at its depth (core.deep_io) and converted in float before the 8-bit upload. Untagged: sRGB.
    Nothing is done (and the file may go as it is) when it is sRGB already.
    """
    space = Space.of(image.icc_profile, 3)
    deep = image.path is not None and _is_deep(image.data)
    if srgb_like(space) and not deep:
        return image, space
    if deep and image.path is not None:
        from portrait_studio.core.deep_io import read_deep

        px = read_deep(image.path)
        space = Space.of(px.icc_profile, px.channels)
        rgb = quantise(space.to_srgb(px.pixels), np.uint8)
    else:
        full = image.rgb if image.preview_scale == 1.0 else load_image_bytes(image.data, image.name).rgb
        rgb = quantise(space.to_srgb(full), np.uint8)
    converted = replace(
        image, rgb=np.ascontiguousarray(rgb), icc_profile=None, preview_scale=1.0, srgb_from=space.name
    )
    return converted, space


def _sendable_jpeg(data: bytes) -> bool:
    """From the header alone: a JPEG that will go as it is (a hint; prepare_upload decides)."""
    if not data.startswith(b"\xff\xd8\xff") or len(data) > MAX_UPLOAD_BYTES:
        return False
    try:
        with Image.open(io.BytesIO(data)) as img:  # reads the header only
            orientation = orientation_of(img.getexif())
            return img.format == "JPEG" and not _must_reencode(
                "JPEG", img.mode, len(data), img.width, img.height, orientation
            )
    except Exception:  # anything odd: the full load below says what is wrong, in plain words
        return False


def load_for_upload(path: str | os.PathLike[str]) -> LoadedImage:
    """The photo, decoded only as far as its upload needs (the edit pipeline's load).

    A JPEG that goes as it is only has to be checked before it is paid for, and a decode at 1/8 scale (DCT
    scaling) still reads and entropy-decodes every byte, so a damaged or cut-short file is refused just the
    same, for about a third of the work (11 MP: 100 → 30 ms; 512 px: 1.8 → 0.8 ms). Everything else is
    decoded in full, once. `rgb` is then a small preview; `data` is the file.
    """
    p = Path(path)
    data = read_file(p)
    return load_image_bytes(data, str(p), max_side=_CHECK_SIDE if _sendable_jpeg(data) else None)


def prepare_upload(image: LoadedImage, *, crop_to_face: Face | None = None) -> PreparedUpload:
    """Bytes the service accepts; the original bytes untouched when they already comply (cheapest, lossless).

    `crop_to_face` is in full-size pixels (as in a PreflightReport). Otherwise: crop, downscale to ≤ 4096,
    and encode a JPEG at the highest quality that fits in 5 MB (searched).
    """
    if crop_to_face is None and not _needs_work(image):
        return PreparedUpload(image.data, UPLOAD_FORMATS[image.format], image.width, image.height)
    rgb = image.rgb if image.preview_scale == 1.0 else load_image_bytes(image.data, image.name).rgb
    fixes = []
    if image.srgb_from is not None:
        fixes.append(_("converted to sRGB from {srgb_from}").format(srgb_from=image.srgb_from))
    if image.orientation != 1:
        fixes.append(_("turned upright (EXIF orientation)"))
    if crop_to_face is not None:
        x, y, w, h = face_crop_box(crop_to_face, rgb.shape[1], rgb.shape[0])
        rgb = rgb[y : y + h, x : x + w]
        fixes.append(_("cropped to the face ({w}×{h} at {x},{y})").format(w=w, h=h, x=x, y=y))
    if max(rgb.shape[:2]) > MAX_UPLOAD_SIDE:
        before = f"{rgb.shape[1]}×{rgb.shape[0]}"
        rgb, _scale = working_copy(rgb, MAX_UPLOAD_SIDE)
        fixes.append(
            _("downscaled from {before} to {width}×{height}").format(
                before=before, width=rgb.shape[1], height=rgb.shape[0]
            )
        )
    while True:
        fitted = fit_jpeg(rgb, MAX_UPLOAD_BYTES, icc_profile=image.icc_profile)  # an RGB one or None
        if fitted is not None:
            break
        # noise so dense no quality fits: shrink
        rgb, _scale = working_copy(rgb, round(max(rgb.shape[:2]) * 0.8))
        if max(rgb.shape[:2]) < 64:
            raise ImageError(image.path, _("could not be made small enough to upload."))
        fixes.append(
            _("downscaled to {width}×{height} to fit 5 MB").format(width=rgb.shape[1], height=rgb.shape[0])
        )
    data, quality = fitted
    if image.format != "JPEG" or image.mode == "CMYK":
        fixes.append(
            _("converted from {format}{cmyk} to JPEG").format(
                format=image.format, cmyk=" CMYK" if image.mode == "CMYK" else ""
            )
        )
    fixes.append(
        _("encoded as JPEG quality {quality} ({mb:.2f} MB)").format(quality=quality, mb=len(data) / 1e6)
    )
    return PreparedUpload(data, "image/jpeg", rgb.shape[1], rgb.shape[0], fixes, quality)


__all__ = [
    "MAX_UPLOAD_BYTES",
    "MAX_UPLOAD_SIDE",
    "UPLOAD_FORMATS",
    "AutoFix",
    "PreflightReport",
    "PreparedUpload",
    "Problem",
    "ProblemCode",
    "colour_managed",
    "face_crop_box",
    "load_for_upload",
    "min_face_px",
    "preflight",
    "prepare_upload",
    "scale_faces",
    "srgb_like",
]
