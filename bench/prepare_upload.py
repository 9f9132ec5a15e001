"""Preparing a compliant upload from a 24 MP photo vs. one full JPEG encode of it.

Goal: `prepare_upload` (downscale to ≤ 4096, JPEG at the highest quality that fits 5 MB, searched) takes
≤ 2× one full JPEG encode of the 24 MP photo.

Baseline, measured in the same run: Pillow encoding the decoded 6000×4000 photo once as JPEG quality 92.
Measured: `prepare_upload(image)` on the decoded photo, for two photos: a portrait with light grain (fits at
the top quality: one encode) and the same with heavy grain (quality 95 does not fit: the search runs).
The photos: skimage's astronaut on skimage's rocket, upscaled to 24 MP, with sensor-like grain.

Usage: .venv/bin/python bench/prepare_upload.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import io
import statistics

# `python bench/x.py` puts bench/ on sys.path; _photo24 adds the repository root (for tests.photos).
from _photo24 import photo_24mp, timed
from PIL import Image

from portrait_studio.core.images import MAX_UPLOAD_BYTES, load_image_bytes, prepare_upload


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    ok = True
    for label, grain in (("light grain", 4.0), ("heavy grain", 24.0)):
        image = load_image_bytes(photo_24mp(grain), f"{label}.jpg")
        pil = Image.fromarray(image.rgb)

        def encode(pil: Image.Image = pil) -> None:
            pil.save(io.BytesIO(), "JPEG", quality=92)

        base, prep = [], []
        for _ in range(args.rounds):  # interleaved, so load from other processes hits both alike
            base.append(timed(encode))
            prep.append(timed(lambda image=image: prepare_upload(image)))
        upload = prepare_upload(image)
        ok &= len(upload.data) <= MAX_UPLOAD_BYTES and max(upload.width, upload.height) <= 4096
        b, p = statistics.median(base), statistics.median(prep)
        print(f"{label}: 24 MP JPEG {image.file_bytes / 1e6:.1f} MB → {upload.width}×{upload.height}, "
              f"quality {upload.quality}, {len(upload.data) / 1e6:.2f} MB")  # fmt: skip
        print(f"  baseline  one full JPEG encode (q92)  {b * 1000:7.0f} ms")
        print(f"  prepare_upload                        {p * 1000:7.0f} ms   ratio {p / b:.2f} (goal ≤ 2.0)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
