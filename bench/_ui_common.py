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
    """A 6000×4000 JPEG (24 MP, like a full-frame camera) of a real portrait, made once per folder."""
    path = folder / "portrait-24mp.jpg"
    if path.exists():
        return path
    import cv2
    import numpy as np

    from tests.photos import astronaut, save

    face = cv2.resize(astronaut(), (4000, 4000), interpolation=cv2.INTER_CUBIC)
    canvas = np.empty((4000, 6000, 3), np.uint8)
    canvas[:, 1000:5000] = face
    # Extend the studio background sideways (mirrored, blurred) so the frame looks like one photo.
    canvas[:, :1000] = cv2.GaussianBlur(face[:, :1000][:, ::-1], (0, 0), 25)
    canvas[:, 5000:] = cv2.GaussianBlur(face[:, -1000:][:, ::-1], (0, 0), 25)
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
