"""Colour management: the photo's own colour space to sRGB (what the model sees) and back, at any bit depth.

The model and the local engine work in sRGB; a photographer's file may be Adobe RGB, ProPhoto, Display P3,
grey or CMYK, 8 or 16 bits. Intent: relative colorimetric with black-point compensation (ICC's choice for
photos between working spaces: in-gamut colours are kept exactly, the white maps to the white).

Two ways, one answer:
- Matrix/TRC profiles (every RGB working space and every grey profile, by far the most common) are done here
  in float32 with numpy: curve → matrix → curve. littleCMS through Pillow's ImageCms works on 8-bit images
  only, which would band a 16-bit original; in float nothing is quantised until the caller says so. Both
  ends have a black point of 0, so black-point compensation changes nothing for them.
- LUT-based profiles (CMYK, RGB profiles with A2B/B2A tables) go through littleCMS (ImageCms), 8 bits per
  channel: that is all Pillow's binding can do.
Untagged pixels are taken as sRGB (`Space.untagged` says so, for the sidecar).
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageCms

Curve = Callable[[np.ndarray], np.ndarray]

D50 = np.array([0.9642, 1.0, 0.8249])  # the ICC profile connection space's white (ICC.1 7.2.16)
_BRADFORD = np.array([[0.8951, 0.2664, -0.1614], [-0.7502, 1.7135, 0.0367], [0.0389, -0.0685, 1.0296]])


def xy_to_xyz(x: float, y: float) -> np.ndarray:
    """XYZ (Y = 1) of a chromaticity."""
    return np.array([x / y, 1.0, (1 - x - y) / y])


def bradford(src_white: np.ndarray, dst_white: np.ndarray) -> np.ndarray:
    """The 3×3 chromatic adaptation from one white to another (Bradford, as ICC v4 and littleCMS use)."""
    cone_src, cone_dst = _BRADFORD @ src_white, _BRADFORD @ dst_white
    return np.asarray(np.linalg.inv(_BRADFORD) @ np.diag(cone_dst / cone_src) @ _BRADFORD)


def colorants(primaries: tuple[tuple[float, float], ...], white: tuple[float, float]) -> np.ndarray:
    """RGB → XYZ(D50) matrix of an RGB space (columns: the D50-adapted red, green and blue colorants)."""
    p = np.stack([xy_to_xyz(*xy) for xy in primaries], axis=1)
    w = xy_to_xyz(*white)
    m = p * np.linalg.solve(p, w)  # scale the primaries so that R = G = B = 1 gives the white
    return np.asarray(bradford(w, D50) @ m)


SRGB_PRIMARIES = ((0.64, 0.33), (0.30, 0.60), (0.15, 0.06))
D65_XY = (0.3127, 0.3290)
SRGB_MATRIX = colorants(SRGB_PRIMARIES, D65_XY)


def srgb_decode(v: np.ndarray) -> np.ndarray:
    """sRGB-encoded 0..1 → linear light (IEC 61966-2-1)."""
    v = np.asarray(v, np.float32)
    return np.where(v <= 0.04045, v / 12.92, ((np.maximum(v, 0.04045) + 0.055) / 1.055) ** 2.4)


def srgb_encode(v: np.ndarray) -> np.ndarray:
    """Linear light 0..1 → sRGB-encoded."""
    v = np.asarray(v, np.float32)
    return np.where(v <= 0.0031308, v * 12.92, 1.055 * np.maximum(v, 0.0031308) ** (1 / 2.4) - 0.055)


# ---------------------------------------------------------------------------------------------- ICC parsing
def _tags(icc: bytes) -> dict[bytes, bytes]:
    """The tag table of an ICC profile: signature → the tag's bytes (ICC.1 7.3)."""
    (count,) = struct.unpack(">I", icc[128:132])
    tags = {}
    for i in range(min(count, 200)):
        sig, off, size = struct.unpack(">4sII", icc[132 + 12 * i : 144 + 12 * i])
        tags[sig] = icc[off : off + size]
    return tags


def _s15(raw: bytes) -> np.ndarray:
    return np.array(struct.unpack(f">{len(raw) // 4}i", raw), np.float64) / 65536.0


def _xyz(tag: bytes) -> np.ndarray:
    if tag[:4] != b"XYZ ":
        raise ValueError("not an XYZType tag")
    return _s15(tag[8:20])


def _gamma(g: float) -> tuple[Curve, Curve]:
    return (lambda x: np.maximum(x, 0) ** g), (lambda y: np.maximum(y, 0) ** (1 / g))


def _table(values: np.ndarray) -> tuple[Curve, Curve]:
    grid = np.linspace(0, 1, len(values))
    table = np.maximum.accumulate(values)  # inverse lookup needs a monotonic curve (a flat start is common)

    def forward(x: np.ndarray) -> np.ndarray:
        return np.interp(x, grid, values).astype(np.float32)

    def inverse(y: np.ndarray) -> np.ndarray:
        return np.interp(y, table, grid).astype(np.float32)

    return forward, inverse


def _para(kind: int, p: np.ndarray) -> tuple[Curve, Curve]:
    """ICC parametricCurveType (ICC.1 10.18), types 0–4, with its exact inverse.

    All five are one form: Y = (aX + b)^g + top for X ≥ d, else slope·X + base.
    """
    g = p[0]
    if kind == 0:
        return _gamma(g)
    p = np.concatenate([p, np.zeros(7)])[:7]  # every entry below may be read, whatever the type
    a, b = p[1], p[2]
    d, top, slope, base = {
        1: (-b / a, 0.0, 0.0, 0.0),
        2: (-b / a, p[3], 0.0, p[3]),
        3: (p[4], 0.0, p[3], 0.0),
        4: (p[4], p[5], p[3], p[6]),
    }[kind]
    y_at_d = float(max(a * d + b, 0) ** g + top)

    def forward(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, np.float32)
        return np.where(x >= d, np.maximum(a * x + b, 0) ** g + top, slope * x + base).astype(np.float32)

    def inverse(y: np.ndarray) -> np.ndarray:
        y = np.asarray(y, np.float32)
        upper = (np.maximum(y - top, 0) ** (1 / g) - b) / a
        lower = (y - base) / slope if slope > 0 else np.full_like(y, max(d, 0.0))
        return np.where(y >= y_at_d, upper, lower).astype(np.float32)

    return forward, inverse


def _curve(tag: bytes) -> tuple[Curve, Curve]:
    """(forward, inverse) of a curveType or parametricCurveType tag."""
    if tag[:4] == b"curv":
        (n,) = struct.unpack(">I", tag[8:12])
        if n == 0:
            return (lambda x: np.asarray(x, np.float32)), (lambda y: np.asarray(y, np.float32))
        if n == 1:
            (g,) = struct.unpack(">H", tag[12:14])
            return _gamma(g / 256.0)
        values = np.array(struct.unpack(f">{n}H", tag[12 : 12 + 2 * n]), np.float64) / 65535.0
        return _table(values)
    if tag[:4] == b"para":
        (kind,) = struct.unpack(">H", tag[8:10])
        counts = {0: 1, 1: 3, 2: 4, 3: 5, 4: 7}
        if kind not in counts:
            raise ValueError(f"unknown parametric curve type {kind}")
        return _para(kind, _s15(tag[12 : 12 + 4 * counts[kind]]))
    raise ValueError("not a curve tag")


_LUT_TAGS = (b"A2B0", b"A2B1", b"B2A0", b"B2A1")


@dataclass(frozen=True)
class _Shaper:
    """A matrix/TRC profile read into numbers: per-channel curves and the matrix to XYZ(D50)."""

    matrix: np.ndarray  # 3×3, or 1×1 [[Y of white]] for grey
    curves: tuple[tuple[Curve, Curve], ...]


def _shaper(icc: bytes) -> _Shaper | None:
    """The profile as matrix + curves when it is one (ICC.1 F.3), else None (a LUT profile, or damaged)."""
    try:
        space, pcs = icc[16:20], icc[20:24]
        tags = _tags(icc)
        if pcs != b"XYZ " or any(t in tags for t in _LUT_TAGS):
            return None  # littleCMS uses the tables first when they are there: so must we
        if space == b"GRAY" and b"kTRC" in tags:
            return _Shaper(np.eye(1), (_curve(tags[b"kTRC"]),))
        if space == b"RGB " and all(
            t in tags for t in (b"rXYZ", b"gXYZ", b"bXYZ", b"rTRC", b"gTRC", b"bTRC")
        ):
            matrix = np.stack([_xyz(tags[t]) for t in (b"rXYZ", b"gXYZ", b"bXYZ")], axis=1)
            if abs(np.linalg.det(matrix)) < 1e-6:
                return None
            return _Shaper(matrix, tuple(_curve(tags[t]) for t in (b"rTRC", b"gTRC", b"bTRC")))
    except (struct.error, ValueError, IndexError):
        return None
    return None


def _as_float(px: np.ndarray) -> np.ndarray:
    """0..1 float32 from uint8, uint16 or float pixels."""
    if px.dtype == np.uint8:
        return px.astype(np.float32) / 255.0
    if px.dtype == np.uint16:
        return px.astype(np.float32) / 65535.0
    return np.asarray(px, np.float32)


def quantise(px: np.ndarray, dtype: type[np.unsignedinteger] | np.dtype) -> np.ndarray:
    """Float 0..1 pixels as uint8 or uint16 (rounded, clipped)."""
    top = 255.0 if np.dtype(dtype) == np.uint8 else 65535.0
    return np.clip(np.rint(np.asarray(px, np.float32) * top), 0, top).astype(dtype)


def _apply(curve: Curve, channel: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """A curve on one channel; for integer pixels through a table of every code value (65 536 at most)."""
    if dtype in (np.uint8, np.uint16):
        top = 255 if dtype == np.uint8 else 65535
        return np.asarray(curve(np.arange(top + 1, dtype=np.float32) / top), np.float32)[channel]
    return np.asarray(curve(_as_float(channel)), np.float32)


def _description(icc: bytes) -> str:
    try:
        prof = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return (ImageCms.getProfileDescription(prof) or "").strip() or "embedded profile"
    except (ImageCms.PyCMSError, OSError, ValueError):
        return "embedded profile"


_CHANNELS = {b"RGB ": 3, b"GRAY": 1, b"CMYK": 4}
_PIL_MODE = {1: "L", 3: "RGB", 4: "CMYK"}


@dataclass(frozen=True)
class Space:
    """The colour space of a photo: its ICC profile (None: untagged, taken as sRGB) and how to convert it."""

    icc: bytes | None = field(default=None, repr=False)
    channels: int = 3
    name: str = "sRGB"
    untagged: bool = True
    _shaper: _Shaper | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, icc: bytes | None, channels: int = 3) -> Space:
        """The space of pixels with `channels` (1 grey, 3 RGB, 4 CMYK) and this profile (None: untagged).

        A profile that does not fit the pixels (a grey profile on RGB pixels, a damaged one) is ignored: the
        pixels are taken as sRGB, as a viewer would, and `untagged` says so.
        """
        if not icc or len(icc) < 132 or _CHANNELS.get(icc[16:20]) != channels:
            return cls(None, channels, "sRGB" if channels != 4 else "CMYK (no profile)", True)
        try:
            ImageCms.ImageCmsProfile(io.BytesIO(icc))
        except (ImageCms.PyCMSError, OSError, ValueError):
            return cls(None, channels, "sRGB", True)
        return cls(icc, channels, _description(icc), False, _shaper(icc))

    @property
    def is_srgb_like(self) -> bool:
        """True when no conversion is done (untagged RGB or grey)."""
        return self.icc is None and self.channels != 4

    def to_srgb(self, px: np.ndarray) -> np.ndarray:
        """sRGB float32 0..1 (H×W×3, clipped to the sRGB gamut) from this space's pixels (uint8/uint16/float;
        H×W for grey, H×W×3, H×W×4 for CMYK)."""
        px = px[..., None] if px.ndim == 2 else px
        if self._shaper is not None:
            linear = np.stack(
                [_apply(fwd, px[..., i], px.dtype) for i, (fwd, _) in enumerate(self._shaper.curves)], axis=-1
            )
            if self.channels == 1:  # grey: the luminance, neutral (relative colorimetric maps white to white)
                return np.repeat(np.clip(srgb_encode(linear), 0, 1), 3, axis=-1).astype(np.float32)
            m = (np.linalg.inv(SRGB_MATRIX) @ self._shaper.matrix).astype(np.float32)
            return np.clip(srgb_encode(np.clip(linear @ m.T, 0, 1)), 0, 1).astype(np.float32)
        if self.icc is None:
            f = _as_float(px)
            if self.channels == 4:  # no profile: Pillow's plain formula (what the app did before)
                return _as_float(np.asarray(Image.fromarray(quantise(f, np.uint8), "CMYK").convert("RGB")))
            return np.repeat(f, 3, axis=-1) if f.shape[-1] == 1 else f
        return _as_float(self._lcms(px, to_srgb=True))

    def from_srgb(self, rgb: np.ndarray) -> np.ndarray:
        """This space's pixels, float32 0..1 (H×W×channels), from sRGB (uint8/uint16/float 0..1, H×W×3)."""
        if self._shaper is not None:
            linear = srgb_decode(np.clip(_as_float(rgb), 0, 1))
            if self.channels == 1:
                y = linear @ SRGB_MATRIX[1].astype(np.float32)  # relative luminance
                return np.clip(self._shaper.curves[0][1](np.clip(y, 0, 1)), 0, 1)[..., None].astype(
                    np.float32
                )
            m = (np.linalg.inv(self._shaper.matrix) @ SRGB_MATRIX).astype(np.float32)
            inside = np.clip(linear @ m.T, 0, 1)
            return (
                np.stack([inv(inside[..., i]) for i, (_, inv) in enumerate(self._shaper.curves)], -1)
                .clip(0, 1)
                .astype(np.float32)
            )
        if self.icc is None:
            f = _as_float(rgb)
            if self.channels == 1:
                return (f @ np.array([0.2126, 0.7152, 0.0722], np.float32))[..., None]
            if self.channels == 4:
                return _as_float(np.asarray(Image.fromarray(quantise(f, np.uint8)).convert("CMYK")))
            return f
        return _as_float(self._lcms(rgb, to_srgb=False))

    def _lcms(self, px: np.ndarray, *, to_srgb: bool) -> np.ndarray:
        """littleCMS through ImageCms (8 bits per channel: Pillow's binding has no 16-bit transforms)."""
        assert self.icc is not None
        own = ImageCms.ImageCmsProfile(io.BytesIO(self.icc))
        srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
        eight = px if px.dtype == np.uint8 else quantise(_as_float(px), np.uint8)
        mode = _PIL_MODE[self.channels] if to_srgb else "RGB"
        img = Image.fromarray(eight[..., 0] if eight.shape[-1] == 1 else eight, mode)
        out_mode = "RGB" if to_srgb else _PIL_MODE[self.channels]
        transform = ImageCms.buildTransform(
            own if to_srgb else srgb,
            srgb if to_srgb else own,
            mode,
            out_mode,
            renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
            flags=ImageCms.Flags.BLACKPOINTCOMPENSATION,
        )
        out = np.asarray(ImageCms.applyTransform(img, transform))
        return out[..., None] if out.ndim == 2 else out


SRGB = Space()


__all__ = [
    "D50",
    "SRGB",
    "SRGB_MATRIX",
    "Space",
    "bradford",
    "colorants",
    "quantise",
    "srgb_decode",
    "srgb_encode",
    "xy_to_xyz",
]
