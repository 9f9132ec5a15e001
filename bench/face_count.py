"""Face count on a 24 MP JPEG vs. that JPEG's decode time, and the recall kept.

Goal: counting ≤ 1.0× the decode (stretch ≤ 0.5×), recall no worse than the old tile grid on every
case of bench/_face_sets.py, both measured in this one run.

Baseline: the JPEG decode itself, Pillow (libjpeg-turbo) decoding all 6000×4000 pixels (`Image.load`).
Measured:
  A. `detect_faces(full_rgb)` — the count once the photo is decoded, its 1920 px working copy included;
  A'. `detect_faces(working_copy)` — the GUI's path: ui/loader.py counts on the 1920 px copy it shows;
  B. `load_image(path, max_side=WORKING_SIDE)` (1920) + `detect_faces(preview)` — the `check` path, which
     never decodes all pixels (JPEG DCT scaling);
  the ways tried, on the same 1920 px working copy (docs/FACES.md):
  old grid on cv2.dnn (shipped until December 2026: whole image + 35 tiles of 384 px + 6 of 768 px),
  the same grid on LiteRT, and the shipped scans on LiteRT (whole image + one forward at 1/2 and one at 1/4);
  C. the same count again through the detection cache (`detect_faces_cached`): file hash + entry read.
A, A' and B run the detector's forwards on every core (core/_blazeface.threads(), as the window's count and a
one-photo `check` do); "1 thread" rows are the same on one thread, as each worker of `check`'s pool and of the
engine runs them. CPU time (all threads) is printed beside the wall time.
Recall: the 66 cases of bench/_face_sets.py, and (not with --no-recall) their 44+4 small-face cases upscaled
to 6000 px with grain, reduced for the detector by working_copy's 3× area step vs the shipped halvings.
The photo: a real portrait (skimage's astronaut) on a real background (skimage's rocket), upscaled to 24 MP
with sensor-like grain, JPEG quality 92 — one face, ~700 px.

Usage: .venv/bin/python bench/face_count.py [--rounds 5] [--no-recall]
"""

from __future__ import annotations

import argparse
import copy
import statistics
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

# `python bench/x.py` puts bench/ on sys.path; _photo24 adds the repository root (for tests.photos).
from _photo24 import photo_24mp, timed
from PIL import Image

from portrait_studio.core import _blazeface as bf
from portrait_studio.core._encoding import working_copy
from portrait_studio.core.face_cache import detect_faces_cached
from portrait_studio.core.faces import WORKING_SIDE, _detector_copy, detect_faces, load_models, set_threads
from portrait_studio.core.images import load_image


class _CvDnn:
    """cv2.dnn running the detector file, as before December 2026 (192² inputs, two per forward)."""

    def __init__(self, model: bytes) -> None:
        self.net = cv2.dnn.readNetFromTFLite(np.frombuffer(model, np.uint8))
        self.names = self.net.getUnconnectedOutLayersNames()

    def run(self, nhwc: np.ndarray) -> list[np.ndarray]:
        self.net.setInput(np.ascontiguousarray(nhwc.transpose(0, 3, 1, 2)))
        return list(self.net.forward(self.names))


def _recall(models: bf.BlazeFace) -> tuple[int, int, int, list[str]]:
    from _face_sets import cases, detect_with, tiled_candidates

    grid = shipped = 0
    differ = []
    all_cases = cases()
    for name, image, expected in all_cases:
        a = len(detect_with(models, lambda s: tiled_candidates(models, s), image)) == expected
        b = detect_faces(image).count == expected
        grid, shipped = grid + a, shipped + b
        if a != b or not b:
            differ.append(f"{name}: grid {'ok' if a else 'missed'}, shipped {'ok' if b else 'missed'}")
    return grid, shipped, len(all_cases), differ


def _recall_6000(models: bf.BlazeFace) -> tuple[dict[str, int], int]:
    """The 1920 px cases upscaled to 6000 px with grain: found right after each way of reducing them."""
    from _face_sets import cases

    rng = np.random.default_rng(1)
    ways = {"working_copy (3× area + bilinear)": lambda im: working_copy(im, WORKING_SIDE)[0]}
    ways["halvings + bilinear (shipped)"] = lambda im: _detector_copy(im)[0]
    right = dict.fromkeys(ways, 0)
    n = 0
    for _name, image, expected in cases():
        if image.shape[:2] != (1280, 1920):
            continue
        n += 1
        big = cv2.resize(image, (6000, 4000), interpolation=cv2.INTER_CUBIC).astype(np.float32)
        big = np.clip(big + rng.normal(0, 3, big.shape), 0, 255).astype(np.uint8)
        for way, reduce in ways.items():
            right[way] += len(models.detect(reduce(big), 0.4)) == expected
    return right, n


def _timed2(fn: object) -> tuple[float, float]:
    """Wall and CPU seconds (all threads) of one call."""
    c = time.process_time()
    w = timed(fn)  # type: ignore[arg-type]
    return w, time.process_time() - c


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-recall", action="store_true", help="skip the recall set (~1 min)")
    args = parser.parse_args()
    from _face_sets import tiled_candidates, tiled_inputs

    data = photo_24mp(4.0)
    models = load_models()  # model loading is a one-time start-up cost, not part of a count
    old = copy.copy(models)
    old.detector = _CvDnn(bf.verified_bytes(models.model_dir, bf.DETECTOR))  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "portrait-24mp.jpg"
        path.write_bytes(data)
        cache = Path(tmp) / "cache"

        def decode() -> None:
            with Image.open(path) as img:
                img.load()

        rgb = load_image(path).rgb
        small, _ = working_copy(rgb, WORKING_SIDE)
        counts = {detect_faces(rgb).count, detect_faces(load_image(path, max_side=WORKING_SIDE).rgb).count}
        preview = load_image(path, max_side=WORKING_SIDE).rgb
        detect_faces_cached(preview, path, cache_dir=cache)  # fills the cache: C is what later counts cost
        ways = {
            "old grid, cv2.dnn": lambda: tiled_candidates(old, small),
            "old grid, LiteRT": lambda: tiled_candidates(models, small),
            "scans, LiteRT (shipped)": lambda: models.candidates(small),
        }
        counts_b = {
            "A": lambda: detect_faces(rgb),
            "A'": lambda: detect_faces(small),
            "B": lambda: detect_faces(load_image(path, max_side=WORKING_SIDE).rgb),
        }
        keys = ("decode", "A", "A'", "B", "A 1t", "A' 1t", "B 1t", "C", *ways)
        t: dict[str, list[float]] = {k: [] for k in keys}
        cpu: dict[str, list[float]] = {k: [] for k in keys}

        def record(key: str, fn: object) -> None:
            w, c = _timed2(fn)
            t[key].append(w)
            cpu[key].append(c)

        for _ in range(args.rounds):  # interleaved, so load from other processes hits all alike
            record("decode", decode)
            for key, fn in counts_b.items():
                set_threads(None)
                record(key, fn)
                set_threads(1)
                record(f"{key} 1t", fn)
            set_threads(None)
            record("C", lambda: detect_faces_cached(preview, path, cache_dir=cache))
            set_threads(1)  # the detector ways as they were measured before (one thread)
            for name, fn in ways.items():
                record(name, fn)
            set_threads(None)
    m = {k: statistics.median(v) for k, v in t.items()}
    mc = {k: statistics.median(v) for k, v in cpu.items()}
    b = m["decode"]
    print(f"24 MP JPEG ({len(data) / 1e6:.1f} MB), faces counted: {sorted(counts)}, rounds: {args.rounds}")
    print(f"baseline  JPEG decode (Pillow Image.load)           {b * 1000:7.0f} ms")
    print(f"   (CPU {mc['decode'] * 1000:.0f} ms; the forwards' threads: {bf.threads()})")
    for key, label in (
        ("A", "A  detect_faces on the loaded photo"),
        ("A'", "A' detect_faces on its 1920 px copy (the GUI)"),
        ("B", "B  preview decode (DCT) + detect_faces"),
        ("A 1t", "A  on 1 thread (a worker of the engine)"),
        ("A' 1t", "A' on 1 thread"),
        ("B 1t", "B  on 1 thread (a worker of check's pool)"),
        ("C", "C  the count again, from the cache (hash + read)"),
    ):
        print(
            f"{label:50s} {m[key] * 1000:7.0f} ms   ratio {m[key] / b:.2f}  CPU {mc[key] * 1000:4.0f} ms"
            f" (ratio {mc[key] / mc['decode']:.2f})  (goal ≤ 1.0, stretch ≤ 0.5)"
        )
    print(f"detector candidates, 1920 px copy, 1 thread (old grid: {tiled_inputs(small)} inputs of 192²):")
    for name in ways:
        print(f"   {name:47s} {m[name] * 1000:7.0f} ms   ratio {m[name] / b:.2f}")
    ok = counts == {1}
    if not args.no_recall:
        grid, shipped, n, differ = _recall(models)
        print(f"recall set (bench/_face_sets.py): old grid {grid}/{n} right, shipped {shipped}/{n} right")
        for line in differ:
            print(f"   {line}")
        ok = ok and shipped >= grid
        big, n_big = _recall_6000(models)
        print("the 1920 px cases upscaled to 6000 px with grain, right after each reduction:")
        for way, right in big.items():
            print(f"   {way:47s} {right}/{n_big}")
        ok = ok and big["halvings + bilinear (shipped)"] >= big["working_copy (3× area + bilinear)"]
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
