"""Before/after contact sheets of the local engine on real portraits → docs/quality/<photo>.jpg.

Run: .venv/bin/python docs/quality/make_sheets.py. Each sheet shows the face at several settings (top row)
and a 2× zoom of one cheek (bottom row), so halos, seams, plastic skin and colour shifts can be judged.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from portrait_studio.core.faces import detect_faces, face_mesh  # noqa: E402
from portrait_studio.core.params import EditParams  # noqa: E402
from portrait_studio.engine import retouch  # noqa: E402
from tests import photos  # noqa: E402
from tests.engine import measure  # noqa: E402

SETTINGS = [  # (label, gpen, skin, skin_unifi)
    ("before", 0.0, 0.0, 0.0),
    ("defaults .4/.3/.3", 0.4, 0.3, 0.3),
    ("skin .6", 0.0, 0.6, 0.0),
    ("skin 1", 0.0, 1.0, 0.0),
    ("skin_unifi 1", 0.0, 0.0, 1.0),
    ("gpen 1", 1.0, 0.0, 0.0),
    ("all 1", 1.0, 1.0, 1.0),
]


def _spotted() -> np.ndarray:
    """Astronaut ×2 with 40 pasted dark and red spots (as in test Q3): shows blemish removal."""
    rgb = measure.enlarged("astronaut")
    return measure.paste_spots(rgb, measure.truth(rgb).skin, count=40, seed=5)[0]


PHOTOS = {  # name → (photo, output size)
    "astronaut": (photos.astronaut, 1328),
    "grace_hopper": (photos.grace_hopper, 1328),
    "astronaut_spots": (_spotted, 1024),
}
TILE = 360  # px per face tile


def _label(img: np.ndarray, text: str) -> np.ndarray:
    out = img.copy()
    cv2.rectangle(out, (0, 0), (out.shape[1], 22), (0, 0, 0), -1)
    cv2.putText(out, text, (6, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
    return out


def sheet(rgb: np.ndarray, size: int) -> np.ndarray:
    """One contact sheet (RGB) for one photo."""
    faces = detect_faces(rgb)
    images = [
        retouch(rgb, EditParams(gpen=g, skin=s, skin_unifi=u, width=size, height=size), faces).image
        for _, g, s, u in SETTINGS
    ]
    out_faces = detect_faces(images[0])
    mesh = face_mesh(images[0], out_faces.faces[0])
    x0, y0 = mesh.min(0).astype(int)
    x1, y1 = mesh.max(0).astype(int)
    side = int(max(x1 - x0, y1 - y0) * 1.15)
    cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
    fx, fy = max(0, cx - side // 2), max(0, cy - side // 2)
    # The subject's left cheek (mesh point 425) at 2×: where texture, seams and spots show first.
    ch = side // 4
    kx, ky = (mesh[425] - ch // 2).astype(int)
    top, bottom = [], []
    for (label, *_), img in zip(SETTINGS, images, strict=True):
        face = cv2.resize(img[fy : fy + side, fx : fx + side], (TILE, TILE), interpolation=cv2.INTER_AREA)
        cheek = cv2.resize(img[ky : ky + ch, kx : kx + ch], (TILE, TILE), interpolation=cv2.INTER_NEAREST)
        top.append(_label(face, label))
        bottom.append(cheek)
    return np.vstack([np.hstack(top), np.hstack(bottom)])


def main() -> None:
    """Write one sheet per photo next to this script."""
    here = Path(__file__).parent
    for name, (load, size) in PHOTOS.items():
        path = here / f"{name}.jpg"
        cv2.imwrite(str(path), sheet(load(), size)[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 90])
        print(path)


if __name__ == "__main__":
    main()
