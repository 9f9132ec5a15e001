"""Contact sheets of the local engine on real faces → docs/quality/sheet_<face>.jpg.

    .venv/bin/python docs/quality/make_sheets.py [face ...]     # `make test-photos` first

One sheet per face of tests/engine/real_faces.py (and astronaut, Grace Hopper). Three rows: the original
(all sliders 0), the defaults (.4/.3/0) and everything at maximum (1/1/1). Each row shows the face, then
100 % crops (output pixels, not scaled) of an eye, a cheek, the mouth and the forehead: grain, halos,
seams, stains and lost hair or frames show there first.

Only the astronaut's and Grace Hopper's sheets (public-domain photos) are committed; the others are made
here and git-ignored (docs/quality/QUALITY.md, licence note).
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from portrait_studio.core.params import EditParams  # noqa: E402
from portrait_studio.engine import retouch  # noqa: E402
from tests import photos  # noqa: E402
from tests.engine import goals, real_faces  # noqa: E402

ROWS = [("original", 0.0, 0.0, 0.0), ("defaults .4/.3/0", 0.4, 0.3, 0.0), ("max 1/1/1", 1.0, 1.0, 1.0)]
FACE_TILE = 360  # the face, scaled to this side
# Mesh points the 100 % crops are centred on: the subject's left eye, left cheek, mouth, mid-forehead.
CROPS = (("eye", 386), ("cheek", 425), ("mouth", 13), ("forehead", 151))


def _label(img: np.ndarray, text: str) -> np.ndarray:
    out = np.ascontiguousarray(img).copy()
    cv2.rectangle(out, (0, 0), (out.shape[1], 20), (0, 0, 0), -1)
    cv2.putText(out, text, (5, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1, cv2.LINE_AA)
    return out


def _window(img: np.ndarray, cx: float, cy: float, side: int) -> np.ndarray:
    """A side × side window centred on (cx, cy), padded with grey where it leaves the image."""
    h, w = img.shape[:2]
    pad = side
    framed = cv2.copyMakeBorder(img, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(90, 90, 90))
    x0, y0 = round(cx - side / 2) + pad, round(cy - side / 2) + pad
    x0, y0 = min(max(0, x0), w + pad), min(max(0, y0), h + pad)
    return framed[y0 : y0 + side, x0 : x0 + side]


def sheet(rgb: np.ndarray, size: int) -> np.ndarray:
    """One contact sheet (RGB) for one photo at a size × size output."""
    images = [
        retouch(rgb, EditParams(gpen=g, skin=s, skin_unifi=u, width=size, height=size)).image
        for _, g, s, u in ROWS
    ]
    mesh = goals.find_mesh(images[0])
    x0, y0 = mesh.min(0)
    x1, y1 = mesh.max(0)
    side = int(max(x1 - x0, y1 - y0) * 1.2)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    crop_side = FACE_TILE // 2  # four 100 % crops in a 2 × 2 block as tall as the face tile
    rows = []
    for (label, *_), img in zip(ROWS, images, strict=True):
        face = cv2.resize(_window(img, cx, cy, side), (FACE_TILE, FACE_TILE), interpolation=cv2.INTER_AREA)
        crops = [_label(_window(img, *mesh[point], crop_side), f"{name} 100%") for name, point in CROPS]
        block = np.vstack([np.hstack(crops[:2]), np.hstack(crops[2:])])
        rows.append(np.hstack([_label(face, label), np.full((FACE_TILE, 4, 3), 255, np.uint8), block]))
    return np.vstack(rows)


def main() -> int:
    """Write one sheet per face next to this script."""
    here = Path(__file__).parent
    names = sys.argv[1:] or [f.name for f in real_faces.FACES] + ["astronaut", "grace_hopper"]
    for name in names:
        if name in real_faces.BY_NAME:
            rgb, size = real_faces.load(name), real_faces.BY_NAME[name].out
        else:
            rgb = cv2.resize(getattr(photos, name)(), None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
            size = 1024
        path = here / f"sheet_{name}.jpg"
        cv2.imwrite(str(path), sheet(rgb, size)[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 88])
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
