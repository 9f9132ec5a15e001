"""Face count on a 24 MP JPEG vs. that JPEG's decode time.

Goal: counting faces adds ≤ 25 % to the JPEG's decode time.

Baselines, measured in the same run:
  1. the JPEG decode itself: Pillow (libjpeg-turbo) decoding all 6000×4000 pixels into memory (`Image.load`);
  2. the app's own load of the photo into an RGB array (`load_image`: decode, EXIF, ICC, then Pillow's copy
     into numpy, which alone costs about as much as the decode).
Earlier versions of this script used a decode-plus-convert-plus-copy baseline (~325 ms, between the two); the
honest "decode time" is 1, and the goal is judged against it. Measured:
  A. `detect_faces(full_rgb)` — the count added once the photo is decoded (the GUI's path);
  B. `load_image(path, max_side=WORKING_SIDE)` (1920) + `detect_faces(preview)` — the `check` path, which
     never decodes all pixels (JPEG DCT scaling), as a share of the full decode.
The photo: a real portrait (skimage's astronaut) on a real background (skimage's rocket), upscaled to 24 MP
with sensor-like grain, JPEG quality 92 — one face, ~700 px.

Usage: .venv/bin/python bench/face_count.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

# `python bench/x.py` puts bench/ on sys.path; _photo24 adds the repository root (for tests.photos).
from _photo24 import photo_24mp, timed
from PIL import Image

from portrait_studio.core.faces import WORKING_SIDE, detect_faces, load_models
from portrait_studio.core.images import load_image


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    data = photo_24mp(4.0)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "portrait-24mp.jpg"
        path.write_bytes(data)
        load_models()  # model loading is a one-time start-up cost, not part of a count

        def decode() -> None:
            with Image.open(path) as img:
                img.load()

        rgb = load_image(path).rgb
        counts = {detect_faces(rgb).count, detect_faces(load_image(path, max_side=WORKING_SIDE).rgb).count}
        base, app, full, check = [], [], [], []
        for _ in range(args.rounds):  # interleaved, so load from other processes hits all alike
            base.append(timed(decode))
            app.append(timed(lambda: load_image(path)))
            full.append(timed(lambda: detect_faces(rgb)))
            check.append(timed(lambda: detect_faces(load_image(path, max_side=WORKING_SIDE).rgb)))
    b, a, f, c = (statistics.median(x) for x in (base, app, full, check))
    print(f"24 MP JPEG ({len(data) / 1e6:.1f} MB), faces counted: {sorted(counts)}, rounds: {args.rounds}")
    print(f"baseline 1  JPEG decode (Pillow Image.load)      {b * 1000:7.0f} ms")
    print(f"baseline 2  the app's load_image (to an array)   {a * 1000:7.0f} ms")
    for name, t in (
        ("A  detect_faces on the loaded photo         ", f),
        ("B  preview decode (DCT) + detect_faces      ", c),
    ):
        print(f"{name} {t * 1000:7.0f} ms   ratio {t / b:.2f} to 1, {t / a:.2f} to 2 (goal ≤ 0.25 to 1)")
    return 0 if counts == {1} else 1


if __name__ == "__main__":
    raise SystemExit(main())
