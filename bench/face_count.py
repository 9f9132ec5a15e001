"""Face count on a 24 MP JPEG vs. that JPEG's decode time (issue 4).

Goal: counting faces adds ≤ 25 % to the JPEG's decode time.

Baseline, measured in the same run: a full decode of the 6000×4000 JPEG to an RGB array with Pillow
(libjpeg-turbo), which any app must pay to show the photo. Measured:
  A. `detect_faces(full_rgb)` — the count added once the photo is decoded (the GUI's path);
  B. `load_image(path, max_side=1920)` + `detect_faces(preview)` — the `check` path, which never decodes
     all pixels (JPEG DCT scaling), as a share of the full decode.
The photo: a real portrait (skimage's astronaut) on a real background (skimage's rocket), upscaled to 24 MP
with sensor-like grain, JPEG quality 92 — one face, ~700 px.

Usage: .venv/bin/python bench/face_count.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.photos (real photographs shipped by scikit-image/matplotlib)
sys.path.insert(0, str(ROOT / "bench"))

from _photo24 import photo_24mp, timed  # noqa: E402

from portrait_studio.core.faces import detect_faces, load_models  # noqa: E402
from portrait_studio.core.images import load_image  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    data = photo_24mp(4.0)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "portrait-24mp.jpg"
        path.write_bytes(data)
        load_models()  # model loading is a one-time start-up cost, not part of a count

        def decode() -> np.ndarray:
            with Image.open(path) as img:
                return np.asarray(img.convert("RGB"))

        rgb = decode()
        counts = {detect_faces(rgb).count, detect_faces(load_image(path, max_side=1920).rgb).count}
        base, full, check = [], [], []
        for _ in range(args.rounds):  # interleaved, so load from other processes hits all three alike
            base.append(timed(decode))
            full.append(timed(lambda: detect_faces(rgb)))
            check.append(timed(lambda: detect_faces(load_image(path, max_side=1920).rgb)))
    b, f, c = (statistics.median(x) for x in (base, full, check))
    print(f"24 MP JPEG ({len(data) / 1e6:.1f} MB), faces counted: {sorted(counts)}, rounds: {args.rounds}")
    print(f"baseline  full decode (Pillow)                 {b * 1000:7.0f} ms")
    print(
        f"A  detect_faces on the decoded photo           {f * 1000:7.0f} ms   ratio {f / b:.2f} (goal ≤ 0.25)"
    )
    print(
        f"B  preview decode (DCT scaling) + detect_faces {c * 1000:7.0f} ms   ratio {c / b:.2f} (goal ≤ 0.25)"
    )
    return 0 if counts == {1} else 1


if __name__ == "__main__":
    raise SystemExit(main())
