"""Pre-flight: will the photo be accepted and work, and one-click fixes (docs/PROTOCOL.md)."""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from PIL import Image

from portrait_studio.core._encoding import fit_jpeg, working_copy
from portrait_studio.core._loading import (
    MAX_PIXELS,
    LoadedImage,
    jpeg_decoder_warnings,
    load_image_bytes,
    orientation_of,
    read_file,
    register_heif,
)
from portrait_studio.core.colour import Space, quantise
from portrait_studio.core.errors import ImageError
from portrait_studio.core.faces import Face, FaceResult, detect_faces
from portrait_studio.core.i18n import N_, _
from portrait_studio.core.params import ASPECT_PRESETS, EditParams, crop_share

if TYPE_CHECKING:  # deep_io loads OpenCV: only the pipeline's load needs it
    from portrait_studio.core.deep_io import DeepImage

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
    "damaged",
    "format",
    "too_many_bytes",
    "too_many_pixels",
    "no_face",
    "several_faces",
    "small_face",
    "cropped",
]
# "each_face": a group photo retouched face by face (core/group.py, api/group.py): one task per face.
AutoFix = Literal["downscale", "reencode", "convert", "crop_to_face", "each_face"]  # None: the user must act

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
        return self.code in BLOCKING_CODES and self.auto_fix != "each_face"

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
    """The smallest face (px, long side of its box) that gives a sharp result at the requested output size.

    A pinned size is a crop around the face, enlarged: the face needs a 16th of the output's long side. A
    size that follows the photo (the default, `params` None) shows the whole frame at the photo's own scale
    or less, so the face is never enlarged more than the photo itself: the floor alone; a face small in the
    frame is offered the crop to the face instead (`MIN_FACE_IN_FRAME`).
    """
    if params is None or params.width is None or params.height is None:
        return MIN_FACE_PX
    return max(MIN_FACE_PX, round(max(params.width, params.height) * FACE_PER_OUTPUT))


def _ratio(width: int, height: int) -> str:
    """ "3:2", "1:1" … for the common shapes (within 1 %), else "1.85:1"."""
    common = [*(k for k in ASPECT_PRESETS if ":" in k), "4:3", "9:16", "21:9"]
    for name in common:
        a, b = (int(v) for v in name.split(":"))
        if abs(width * b / (height * a) - 1) < 0.01:
            return name
    return f"{width / height:.2f}:1" if width >= height else f"1:{height / width:.2f}"


def crop_problem(
    width: int, height: int, params: EditParams | None, result_size: str = "original"
) -> Problem | None:
    """What the request leaves out of a width × height (upright) photo, said before it is sent: an output of
    another aspect makes the model frame only part of the photo around the face. None when nothing is."""
    params = params if params is not None else EditParams()
    out_w, out_h = params.size_for(width, height)
    share = crop_share(width, height, out_w, out_h)
    if share == 0:
        return None
    side = N_("width") if out_w / out_h < width / height else N_("height")
    if result_size == "model":
        said = _(
            "The output is {out_w}×{out_h} ({out_ratio}) and the photo {width}×{height} ({ratio}): the model "
            "sees only a {out_ratio} part of it around the face, {share} of its {side} is left out; the "
            "result is that part only."
        )
    else:
        said = _(
            "The output is {out_w}×{out_h} ({out_ratio}) and the photo {width}×{height} ({ratio}): the model "
            "sees only a {out_ratio} part of it around the face, {share} of its {side} is left out; the "
            "full-size result keeps the whole photo, retouched only inside that part."
        )
    seen = said.format(
        out_w=out_w, out_h=out_h, out_ratio=_ratio(out_w, out_h), width=width, height=height,
        ratio=_ratio(width, height), share=f"{share:.0%}", side=_(side),
    )  # fmt: skip
    fix = (
        _("Crop the photo yourself to choose what is kept: the model's output is at most 4:1.")
        if params.follows_photo
        else _("Choose the photo's own aspect (the default) so the model sees the whole frame.")
    )
    return Problem("cropped", seen, fix)


def preflight(
    image: LoadedImage,
    faces: FaceResult | None = None,
    params: EditParams | None = None,
    *,
    result_size: str = "original",
    each_face: bool = False,
) -> PreflightReport:
    """Check a photo against the service's limits and the one-face rule; `faces` in `image.rgb` pixels.

    `params` (None: the defaults) and `result_size` ("original" | "model") only shape the advice: the face
    size the output needs, and what an output of another aspect leaves out ("cropped"). `each_face`: the
    caller retouches a group photo face by face (api.group), so several faces do not block: the problem
    offers that ("each_face") instead.
    """
    found = faces if faces is not None else detect_faces(image.rgb)
    full = scale_faces(found, image.preview_scale)
    problems = _file_problems(image) + _face_problems(image, full, params, each_face)
    if full.count and (cropped := crop_problem(image.width, image.height, params, result_size)) is not None:
        problems.append(cropped)
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


def _face_problems(
    image: LoadedImage, faces: FaceResult, params: EditParams | None, each_face: bool = False
) -> list[Problem]:
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
    if faces.count > 1 and each_face:
        out.append(Problem(
            "several_faces",
            _("{count} faces were found{how}; each chosen face is retouched as its own task and merged into "
              "the full photo.").format(count=faces.count, how=how),
            _("Choose the faces to retouch (all but tiny background faces by default)."),
            "each_face",
        ))  # fmt: skip
    elif faces.count > 1:
        out.append(Problem(
            "several_faces",
            _("{count} faces were found{how}; the model needs exactly one.").format(
                count=faces.count, how=how
            ),
            _("Retouch each face as its own task, let the app crop to the largest face, or choose a photo of "
              "one person."),
            "crop_to_face",
        ))  # fmt: skip
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
        rgb = srgb8(space, px.pixels)
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


@dataclass(frozen=True)
class EditSource:
    """What an edit sends and merges onto, from one decode of the file (`load_for_edit`).

    `image`: sRGB (colour_managed), for prepare_upload; `space`: the one it was converted from; `original`:
    the file's own pixels (its depth, space and channels, upright) when that decode had them in full, so the
    full-resolution merge needs no second decode; None when only a check decode was needed (a JPEG sent as
    it is) or the pixels were changed on the way (grey or CMYK made RGB, alpha placed on white).
    """

    image: LoadedImage
    space: Space
    sha256: str  # of the file's bytes (the history key)
    original: DeepImage | None = field(default=None, repr=False)


#: (format, mode, width, height, icc, EXIF bytes without the orientation, orientation), from the header.
_Header = tuple[str, str, int, int, bytes | None, bytes | None, int]


def _header(data: bytes) -> _Header | None:
    """The header's facts (_Header); None when Pillow cannot open it. Plain values only: an Exif object
    would keep the file's bytes alive through the image it came from."""
    register_heif()
    try:
        with Image.open(io.BytesIO(data)) as img:  # lazy: no pixels are decoded
            icc = img.info.get("icc_profile")
            exif = img.getexif()
            orientation = orientation_of(exif)
            exif.pop(0x0112, None)  # the pixels are made upright
            raw = exif.tobytes() if len(exif) else None
            return str(img.format), img.mode, img.width, img.height, icc, raw, orientation
    except Exception:  # Pillow cannot read it lazily: the full load says what is wrong, in plain words
        return None


SRGB_STRIP_ROWS = 256  # rows converted at a time by srgb8


def srgb8(space: Space, pixels: np.ndarray) -> np.ndarray:
    """sRGB uint8 (H×W×3, grey too) of pixels in `space`, converted a strip of rows at a time: in one go, the
    float32 steps of a 24 MP frame took 1.8 GB at their peak; in strips, the result (72 MB) and a few MB."""
    h, w = pixels.shape[:2]
    out = np.empty((h, w, 3), np.uint8)
    for y in range(0, h, SRGB_STRIP_ROWS):
        out[y : y + SRGB_STRIP_ROWS] = quantise(space.to_srgb(pixels[y : y + SRGB_STRIP_ROWS]), np.uint8)
    return out


def photo_size(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    """The photo's upright width × height from its header (what a request that follows the photo is sized
    by: EditParams.for_photo); None when it cannot be read (the edit itself says why)."""
    try:
        data = read_file(path)
    except ImageError:
        return None
    head = _header(data)
    if head is None:
        return None
    w, h, orientation = head[2], head[3], head[6]
    return (h, w) if orientation in (5, 6, 7, 8) else (w, h)


def _deep_source(head: _Header, path: Path, sha256: str, file_bytes: int) -> EditSource:
    """A 16-bit TIFF/PNG decoded once, at its depth: the sRGB 8-bit upload image is made from those pixels
    (before, the 8-bit load, the 16-bit read for the upload and the one for the merge were three decodes).
    The file's bytes are not held meanwhile (122 MB for a 24 MP 16-bit TIFF): only their hash is kept."""
    from portrait_studio.core.deep_io import read_deep

    fmt, mode, _width, _height, _icc, exif, orientation = head
    deep = read_deep(path)
    space = Space.of(deep.icc_profile, deep.channels)
    rgb = srgb8(space, deep.pixels)
    notes = [_("16-bit image: reduced to 8 bits per channel.")]
    if deep.alpha is not None:  # what the model sees is the picture on white, as the 8-bit load places it
        a = deep.alpha.astype(np.float32)[..., None] / float(np.iinfo(deep.alpha.dtype).max)
        rgb = np.round(rgb * a + 255.0 * (1.0 - a)).astype(np.uint8)
        notes.append(_("transparent areas were placed on white."))
    if orientation != 1:
        notes.append(_("EXIF orientation {orientation} applied.").format(orientation=orientation))
    image = LoadedImage(
        path=path,
        rgb=np.ascontiguousarray(rgb),
        format=fmt,
        file_bytes=file_bytes,
        width=rgb.shape[1],
        height=rgb.shape[0],
        icc_profile=None,
        exif=exif,
        notes=notes,
        orientation=orientation,
        mode=mode,
        srgb_from=space.name,  # so prepare_upload encodes these pixels (the file never goes as it is)
    )
    return EditSource(image, space, sha256, deep)


def load_for_edit(path: str | os.PathLike[str]) -> EditSource:
    """The pipeline's load: the photo decoded once, as far as its upload needs, keeping the decoded original
    for the full-resolution merge (EditSource). Decodes: a JPEG sent as it is, a 1/8-scale check
    (load_for_upload; the merge decodes it later, once); a 16-bit TIFF/PNG, once at its depth; anything else,
    once at 8 bits (an RGB one is the original's own pixels)."""
    from portrait_studio.core.deep_io import DeepImage

    p = Path(path)
    data = read_file(p)
    if _is_deep(data) and (head := _header(data)) is not None and head[2] * head[3] <= MAX_PIXELS:
        sha256, file_bytes = hashlib.sha256(data).hexdigest(), len(data)
        del data  # decoded from the file itself: its bytes need not be held meanwhile
        return _deep_source(head, p, sha256, file_bytes)
    image = load_image_bytes(data, str(p), max_side=_CHECK_SIDE if _sendable_jpeg(data) else None)
    head = _header(data) if image.preview_scale == 1.0 and image.mode == "RGB" else None
    # The decoded pixels are the original's own when nothing was changed on load: RGB, its own profile kept.
    same = head is not None and (head[4] or None) == image.icc_profile
    original = DeepImage(image.rgb, image.icc_profile, None, image.format) if same else None
    managed, space = colour_managed(image)
    return EditSource(managed, space, hashlib.sha256(data).hexdigest(), original)


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
    "EditSource",
    "PreflightReport",
    "PreparedUpload",
    "Problem",
    "ProblemCode",
    "colour_managed",
    "crop_problem",
    "face_crop_box",
    "load_for_edit",
    "load_for_upload",
    "min_face_px",
    "photo_size",
    "preflight",
    "prepare_upload",
    "scale_faces",
    "srgb8",
    "srgb_like",
]
