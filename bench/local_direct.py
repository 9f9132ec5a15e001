"""Would the local engine gain by retouching a 24 MP original directly at full size, instead of answering at
the model's size and being merged like the cloud? (issue 16, item 5: measured; not shipped, see below.)

Two ways to one full-size result of the same 8-bit 6000 × 4000 JPEG, both from one decode, both without
the final encode (equal for both):
- merge (what ships): the sRGB upload (≤ 4096 px, ≤ 5 MB JPEG), the engine's answer at the photo's aspect
  (2048 × 1365, through its quality-95 JPEG), then core.merge (register + transfer) onto the original;
- direct: the engine's analysis and render on the original itself (no crop, no resize, no registration),
  the face mesh scaled to it; outside the face regions the pixels stay the original's.
The figure is direct ÷ merge in wall and CPU time (medians of the rounds; the engine runs in this process
here, on OpenCV's threads, for both); their agreement inside the retouched box:
PSNR and SSIM at full size, SSIM in the model's frame (both reduced to 2048 × 1365), and how much of the
original's own fine texture each keeps (SSIM of each against the original, in the box).

Usage: .venv/bin/python bench/local_direct.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
from pathlib import Path

from _photo24 import photo_24mp


def main() -> int:
    import cv2
    import numpy as np
    from PIL import Image
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    from portrait_studio.core.images import load_for_edit, prepare_upload
    from portrait_studio.core.merge import merge
    from portrait_studio.core.params import EditParams
    from portrait_studio.engine import detect
    from portrait_studio.engine.local import LocalEngine
    from portrait_studio.engine.render import analyse, render

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    params = EditParams(gpen=0.5, skin=0.8, skin_unifi=0.5)
    with tempfile.TemporaryDirectory(prefix="bench-direct-") as tmp:
        path = Path(tmp) / "portrait.jpg"
        path.write_bytes(photo_24mp())

        def via_merge():
            src = load_for_edit(path)
            upload = prepare_upload(src.image)
            sent = params.for_photo(src.image.width, src.image.height)
            answer = LocalEngine().run(upload.data, sent, lambda f: None)
            rgb = np.asarray(Image.open(io.BytesIO(answer)).convert("RGB"))
            return merge(src.original.pixels, rgb, src.space)

        def direct():
            rgb = load_for_edit(path).original.pixels
            found = detect.find(rgb)
            strengths = (params.gpen, params.skin, params.skin_unifi)
            layers = [analyse(rgb, detect.mesh(rgb, found, 0), 1.0, only=strengths)]
            return render(rgb, [x for x in layers if x is not None], *strengths)

        via_merge(), direct()  # models and caches loaded once, as in a running app
        walls: dict[str, list[float]] = {"merge": [], "direct": []}
        cpus: dict[str, list[float]] = {"merge": [], "direct": []}
        for _ in range(rounds):
            for name, fn in (("merge", via_merge), ("direct", direct)):
                t, c = time.perf_counter(), time.process_time()
                out = fn()
                walls[name].append(time.perf_counter() - t)
                cpus[name].append(time.process_time() - c)
                if name == "merge":
                    merged = out
                else:
                    straight = out
        original = load_for_edit(path).original.pixels
    m, d = statistics.median(walls["merge"]), statistics.median(walls["direct"])
    mc, dc = statistics.median(cpus["merge"]), statistics.median(cpus["direct"])
    times = f"merge path {m * 1000:6.0f} ms (CPU {mc * 1000:5.0f})  direct {d * 1000:6.0f} ms "
    print(f"{times}(CPU {dc * 1000:5.0f})  ratio {d / m:.2f} (CPU {dc / mc:.2f}), medians of {rounds}")
    x, y, w, h = merged.box
    box = (slice(y, y + h), slice(x, x + w))
    a, b, o = merged.pixels[box], straight[box], original[box]

    def ssim(p, q):
        return structural_similarity(p, q, channel_axis=2, data_range=255)

    def model_frame(px):
        return cv2.resize(px, (2048, 1365), interpolation=cv2.INTER_AREA)

    k = 2048 / original.shape[1]
    small = (slice(int(y * k), int((y + h) * k)), slice(int(x * k), int((x + w) * k)))
    framed = ssim(model_frame(merged.pixels)[small], model_frame(straight)[small])
    print(f"in the retouched box {merged.box}: PSNR {peak_signal_noise_ratio(a, b):.1f} dB, "
          f"SSIM {ssim(a, b):.4f} at full size; SSIM {framed:.4f} in the model's frame")  # fmt: skip
    print(f"fine texture kept (SSIM against the original, in the box): merge {ssim(a, o):.4f}, "
          f"direct {ssim(b, o):.4f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
