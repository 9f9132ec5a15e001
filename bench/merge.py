"""The full-resolution merge of a 24 MP original vs. one decode of it; saving the result vs. a plain encode;
peak memory of a 16-bit merge.

Goals:
- `core.merge.merge` (register + transfer, no final encode) of a 24 MP original ≤ 1.0× one decode of that
  original, for an 8-bit JPEG original (decoded by `images.load_image`) and a 16-bit Adobe RGB TIFF
  (decoded by `deep_io.read_deep`);
- saving the full-resolution JPEG ≤ 1.5× a plain Pillow encode of the same pixels to memory: the window's
  Save (`images.save_image`: atomic, ICC + EXIF) and the pipeline's own result (`api.output.full_size_body`
  at the original's quality with EXIF and ICC, then `write_body`: created exclusively, fsynced);
- peak memory of a process that decodes the 24 MP 16-bit TIFF and merges it ≤ 250 MB + 4× the decoded
  original (144 MB): measured in a child process (ru_maxrss), with its RSS after the imports for reference.

The photos: skimage's astronaut on skimage's rocket, upscaled to 6000×4000 with sensor-like grain
(bench/_photo24.py); the model's answer is the real local engine's retouch at 2048×1365 (the photo's own
3:2 aspect at the model's largest size), through a quality-95 JPEG as every answer comes back.

Usage: .venv/bin/python bench/merge.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# `python bench/x.py` puts bench/ on sys.path; _photo24 adds the repository root (for tests.photos).
from _photo24 import ROOT, photo_24mp

ORIGINAL_MB = 6000 * 4000 * 3 * 2 / 1e6  # the decoded 16-bit original: 144 MB


def _clocks(fn: Callable[[], object], rounds: int) -> tuple[float, float]:
    """Median wall and CPU seconds of `fn` (CPU too: on a shared machine the wall clock says little)."""
    wall, cpu = [], []
    for _ in range(rounds):
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return statistics.median(wall), statistics.median(cpu)


def _prepare(folder: Path) -> dict[str, Path]:
    """The 24 MP JPEG and 16-bit Adobe RGB TIFF originals and the engine's answer for each, on disk."""
    import numpy as np
    from PIL import Image

    from portrait_studio.core.colour import Space, quantise
    from portrait_studio.core.deep_io import write_tiff
    from portrait_studio.core.params import EditParams
    from portrait_studio.engine import retouch
    from tests.core.icc_profiles import adobe_rgb

    params = EditParams(gpen=0.5, skin=0.8, skin_unifi=0.5, width=2048, height=1365)
    files = {"jpeg": folder / "original.jpg", "tiff": folder / "original.tif"}
    files["jpeg"].write_bytes(photo_24mp())
    srgb = np.asarray(Image.open(files["jpeg"]).convert("RGB"))
    space = Space.of(adobe_rgb())
    grain = np.random.default_rng(16).normal(0, 60, srgb.shape).astype(np.float32)
    deep = np.clip(np.rint(space.from_srgb(srgb) * 65535 + grain), 0, 65535).astype(np.uint16)
    write_tiff(files["tiff"], deep, adobe_rgb())
    for kind, pixels in (("jpeg", srgb), ("tiff", quantise(space.to_srgb(deep), np.uint8))):
        answer = retouch(pixels, params).image
        files[f"{kind}_answer"] = folder / f"{kind}_answer.jpg"
        Image.fromarray(answer).save(files[f"{kind}_answer"], "JPEG", quality=95)
    return files


def _decode(kind: str, path: Path):
    import numpy as np

    from portrait_studio.core.colour import Space
    from portrait_studio.core.deep_io import read_deep
    from portrait_studio.core.images import load_image

    if kind == "jpeg":
        loaded = load_image(path)
        return loaded.rgb, Space.of(loaded.icc_profile)
    deep = read_deep(path)
    return np.asarray(deep.pixels), Space.of(deep.icc_profile, deep.channels)


def _answer(path: Path):
    import numpy as np
    from PIL import Image

    return np.asarray(Image.open(path).convert("RGB"))


def _speed(files: dict[str, Path], rounds: int) -> None:
    from PIL import Image

    from portrait_studio.api import output
    from portrait_studio.core.deep_io import eight_bits
    from portrait_studio.core.faces import detect_faces
    from portrait_studio.core.images import save_image
    from portrait_studio.core.merge import merge

    camera = Image.Exif()
    camera[0x010F] = "Portrait Camera Co"  # a camera's EXIF, carried as the pipeline carries the original's
    exif = camera.tobytes()

    for kind in ("jpeg", "tiff"):
        original, space = _decode(kind, files[kind])
        answer = _answer(files[f"{kind}_answer"])
        detect_faces(answer[:64, :64])  # load the face models once, outside the timing (the app has them)
        d, dc = _clocks(lambda k=kind: _decode(k, files[k]), rounds)
        # In place, as the pipeline merges (it owns the decoded original): each round on its own copy, made
        # before the clock starts.
        copies = [original.copy() for _ in range(rounds)]
        m, mc = _clocks(lambda a=answer, s=space, c=copies: merge(c.pop(), a, s, in_place=True), rounds)
        print(f"{kind:5} 24 MP decode {d * 1000:6.0f} ms (CPU {dc * 1000:5.0f} ms), median of {rounds}")
        print(f"{kind:5} merge        {m * 1000:6.0f} ms (CPU {mc * 1000:5.0f} ms)   "
              f"ratio {m / d:.2f} (CPU {mc / dc:.2f}); goal ≤ 1.0")  # fmt: skip
        result = merge(original, answer, space)
        print(f"{kind:5} fit: {json.dumps(result.fit.to_json())}  changed box {result.box}")
        target = files["jpeg"].parent / f"result-{kind}.jpg"
        eight = eight_bits(result.pixels)

        def save(px=result.pixels, icc=space.icc, target=target) -> None:
            save_image(eight_bits(px), target, quality=95, icc_profile=icc)

        def plain(px=eight) -> None:
            Image.fromarray(px).save(io.BytesIO(), "JPEG", quality=95)

        app_target = target.with_name(f"app-{kind}.jpg")

        def pipeline(px=result.pixels, icc=space.icc, target=app_target) -> None:
            # What run_edit does with a merged JPEG original: the body at the original's quality (95 here)
            # with EXIF and ICC, created exclusively under a free name (fsynced); then removed.
            body = output.full_size_body(px, "JPEG", exif=exif, icc_profile=icc, quality=95)
            output.write_body(body, target).unlink()

        enc, encc = _clocks(plain, rounds)
        sav, savc = _clocks(save, rounds)
        print(f"{kind:5} plain encode {enc * 1000:5.0f} ms (CPU {encc * 1000:4.0f}); save_image "
              f"{sav * 1000:5.0f} ms (CPU {savc * 1000:4.0f})  ratio {sav / enc:.2f} (CPU {savc / encc:.2f});"
              " goal ≤ 1.5 (for 16 bits with the reduction to 8)")  # fmt: skip
        if kind == "tiff":  # a TIFF original's result is a TIFF: the pipeline writes no JPEG of it
            continue
        app, appc = _clocks(pipeline, rounds)
        print(
            f"{kind:5} the pipeline's JPEG (full_size_body + write_body) {app * 1000:5.0f} ms "
              f"(CPU {appc * 1000:4.0f})  ratio {app / enc:.2f} (CPU {appc / encc:.2f}); goal ≤ 1.5"
        )  # fmt: skip


def _peak_mb() -> float:
    """This process's peak RSS (VmHWM). Not ru_maxrss: Linux carries the forking parent's peak over exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: the best there is


def _memory_child(tiff: Path, answer: Path) -> None:
    """In the child: decode the 16-bit original, merge; print RSS after imports and the peak, in MB."""
    from portrait_studio.core.faces import detect_faces
    from portrait_studio.core.memory import give_back_large_blocks
    from portrait_studio.core.merge import merge

    give_back_large_blocks()  # as the app's entry point does
    ans = _answer(answer)
    detect_faces(ans[:64, :64])  # imports and face models first: their RSS is the floor, reported apart
    floor = _peak_mb()
    original, space = _decode("tiff", tiff)
    merged = merge(original, ans, space, in_place=True)  # as the pipeline merges
    assert merged.pixels.dtype.itemsize == 2
    print(json.dumps({"floor_mb": floor, "peak_mb": _peak_mb()}))


def _memory(files: dict[str, Path]) -> None:
    out = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(files["tiff"]), str(files["tiff_answer"])],
        capture_output=True, text=True, check=True, cwd=ROOT,
    ).stdout  # fmt: skip
    figures = json.loads(out.strip().splitlines()[-1])
    goal = 250 + 4 * ORIGINAL_MB
    print(f"peak RSS, 24 MP 16-bit decode + merge: {figures['peak_mb']:.0f} MB "
          f"(after imports {figures['floor_mb']:.0f} MB); goal ≤ {goal:.0f} MB   "
          f"ratio {figures['peak_mb'] / goal:.2f}")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--memory-child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        _memory_child(*args.memory_child)
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-merge-") as tmp:
        files = _prepare(Path(tmp))
        _speed(files, args.rounds)
        _memory(files)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
