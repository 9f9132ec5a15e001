"""Shared helpers of the UI benchmarks: a 24 MP portrait, event-loop waiting, medians."""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def portrait_24mp(folder: Path) -> Path:
    """A 6000×4000 JPEG (24 MP, like a full-frame camera) of a real portrait, made once per folder.

    Grace Hopper upscaled to 4000 px high, the sides filled with her own background mirrored and blurred.
    (An upscaled astronaut was used first; since faces.py's threshold went to 0.5 its tiles find a second,
    false 35 px "face" on the helmet, and the window rightly refuses to run it.)
    """
    path = folder / "portrait-24mp.jpg"
    if path.exists():
        return path
    import cv2
    import numpy as np

    from tests.photos import grace_hopper, save

    src = grace_hopper()
    width = round(4000 * src.shape[1] / src.shape[0])
    face = cv2.resize(src, (width, 4000), interpolation=cv2.INTER_CUBIC)
    canvas = np.empty((4000, 6000, 3), np.uint8)
    x0 = (6000 - width) // 2
    right = 6000 - x0 - width
    canvas[:, x0 : x0 + width] = face
    canvas[:, :x0] = cv2.GaussianBlur(np.ascontiguousarray(face[:, :x0][:, ::-1]), (0, 0), 80)
    canvas[:, x0 + width :] = cv2.GaussianBlur(np.ascontiguousarray(face[:, -right:][:, ::-1]), (0, 0), 80)
    return save(canvas, path, quality=92)


def spin(app, until: Callable[[], bool], timeout: float = 300.0) -> None:
    """Run the event loop until `until()` holds (raises TimeoutError)."""
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark step did not finish in time")
        app.processEvents()
        time.sleep(0.002)


def median(values: list[float]) -> float:
    """The median (0.0 for an empty list)."""
    return statistics.median(values) if values else 0.0


def isolated_data_dir() -> Path:
    """Point PORTRAIT_STUDIO_DATA_DIR at a fresh temp folder so a benchmark never touches user data."""
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="ps-bench-"))
    os.environ["PORTRAIT_STUDIO_DATA_DIR"] = str(root / "appdata")
    return root
