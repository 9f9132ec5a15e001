"""Minimal ICC v2 matrix/TRC profiles (Adobe RGB, ProPhoto, Display P3, grey) built from their published
primaries, so the colour tests need no profile files from outside (ICC.1:2001-04: header, tag table, XYZ,
curv/para and text tags; littleCMS reads them as any editor's)."""

from __future__ import annotations

import struct
from functools import cache

import numpy as np

from portrait_studio.core.colour import D50, D65_XY, colorants

ADOBE_RGB = ((0.64, 0.33), (0.21, 0.71), (0.15, 0.06))
PROPHOTO = ((0.7347, 0.2653), (0.1596, 0.8404), (0.0366, 0.0001))
DISPLAY_P3 = ((0.680, 0.320), (0.265, 0.690), (0.150, 0.060))
D50_XY = (0.3457, 0.3585)


def _s15(*values: float) -> bytes:
    return struct.pack(f">{len(values)}i", *(round(v * 65536) for v in values))


def _xyz(v: np.ndarray) -> bytes:
    return b"XYZ \0\0\0\0" + _s15(*v)


def _gamma(g: float) -> bytes:
    return b"curv\0\0\0\0" + struct.pack(">IH", 1, round(g * 256)) + b"\0\0"


def _srgb_curve() -> bytes:
    # parametricCurveType 3: Y = (aX + b)^g for X ≥ d, else cX — the sRGB curve (Display P3 uses it too).
    return (
        b"para\0\0\0\0" + struct.pack(">HH", 3, 0) + _s15(2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045)
    )


def _text(s: str) -> bytes:
    return b"text\0\0\0\0" + s.encode("ascii") + b"\0"


def _desc(s: str) -> bytes:
    raw = s.encode("ascii") + b"\0"
    return b"desc\0\0\0\0" + struct.pack(">I", len(raw)) + raw + b"\0" * 12 + b"\0" * 67


def _pad(b: bytes) -> bytes:
    return b + b"\0" * (-len(b) % 4)


def build(space: bytes, tags: list[tuple[bytes, bytes]]) -> bytes:
    """An ICC v2 display profile ('mntr') of colour space `space` with these tags."""
    table, body = b"", b""
    offset = 128 + 4 + 12 * len(tags)
    for sig, data in tags:
        table += struct.pack(">4sII", sig, offset + len(body), len(data))
        body += _pad(data)
    size = offset + len(body)
    header = struct.pack(">I4sI4s4s4s", size, b"none", 0x02100000, b"mntr", space, b"XYZ ")
    header += b"\0" * 12 + b"acsp" + b"\0" * 24 + struct.pack(">I", 0) + _s15(*D50) + b"none"
    header += b"\0" * (128 - len(header))
    return header + struct.pack(">I", len(tags)) + table + body


def rgb_profile(
    name: str, primaries: tuple[tuple[float, float], ...], white: tuple[float, float], trc: bytes
) -> bytes:
    """A matrix/TRC RGB profile."""
    m = colorants(primaries, white)
    return build(
        b"RGB ",
        [
            (b"desc", _desc(name)),
            (b"cprt", _text("no copyright, test profile")),
            (b"wtpt", _xyz(D50)),
            (b"rXYZ", _xyz(m[:, 0])),
            (b"gXYZ", _xyz(m[:, 1])),
            (b"bXYZ", _xyz(m[:, 2])),
            (b"rTRC", trc),
            (b"gTRC", trc),
            (b"bTRC", trc),
        ],
    )


@cache
def adobe_rgb() -> bytes:
    """Adobe RGB (1998): gamma 563/256, D65."""
    return rgb_profile("Adobe RGB (1998) test", ADOBE_RGB, D65_XY, _gamma(563 / 256))


@cache
def prophoto() -> bytes:
    """ProPhoto RGB (ROMM): gamma 1.8, D50."""
    return rgb_profile("ProPhoto RGB test", PROPHOTO, D50_XY, _gamma(1.8))


@cache
def display_p3() -> bytes:
    """Display P3: P3 primaries, D65, the sRGB curve."""
    return rgb_profile("Display P3 test", DISPLAY_P3, D65_XY, _srgb_curve())


@cache
def grey_22() -> bytes:
    """A grey profile with gamma 2.2 (what editors call 'Gray Gamma 2.2')."""
    return build(
        b"GRAY", [(b"desc", _desc("Gray Gamma 2.2 test")), (b"wtpt", _xyz(D50)), (b"kTRC", _gamma(2.2))]
    )
