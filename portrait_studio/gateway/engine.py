"""The engine interface the gateway runs tasks on, a trivial engine for fast tests, and a pacing wrapper."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from PIL import Image

from portrait_studio.core.params import EditParams

ProgressFn = Callable[[float], None]


@runtime_checkable
class Engine(Protocol):
    """What the gateway calls for each task; raise a PortraitStudioError with `.code` to fail the task."""

    def run(self, image_bytes: bytes, params: EditParams, progress: ProgressFn) -> bytes:
        """Return the result as JPEG bytes, calling `progress(0..1)` as work is done."""
        ...


class TrivialEngine:
    """Decode → resize to width×height → JPEG. No retouching: it exists to test the protocol fast."""

    name = "trivial"

    def run(self, image_bytes: bytes, params: EditParams, progress: ProgressFn) -> bytes:
        """Resize the photo to the requested size."""
        with Image.open(io.BytesIO(image_bytes)) as img:
            rgb = img.convert("RGB")
        progress(0.5)
        out = rgb.resize(params.size_for(*rgb.size), Image.Resampling.BILINEAR)
        buf = io.BytesIO()
        out.save(buf, "JPEG", quality=90)
        progress(1.0)
        return buf.getvalue()


class PacedEngine:
    """Makes every task take at least `seconds`, with progress rising linearly (tests and benchmarks)."""

    def __init__(self, inner: Engine, seconds: float, *, tick: float = 0.05) -> None:
        self.inner, self.seconds, self.tick = inner, float(seconds), tick
        self.name = f"{getattr(inner, 'name', type(inner).__name__)}+paced{self.seconds:g}s"
        self.stop = threading.Event()  # set by close() (the gateway's stop) so waiting tasks end at once

    def run(self, image_bytes: bytes, params: EditParams, progress: ProgressFn) -> bytes:
        """Run the inner engine, then wait out the rest of `seconds` while reporting linear progress."""
        start = time.monotonic()
        result = self.inner.run(image_bytes, params, lambda p: None)
        while not self.stop.is_set():
            elapsed = time.monotonic() - start
            if elapsed >= self.seconds:
                break
            progress(elapsed / self.seconds)
            self.stop.wait(min(self.tick, self.seconds - elapsed))
        progress(1.0)
        return result

    def close(self) -> None:
        """Let waiting tasks end at once (the inner engine belongs to whoever made it)."""
        self.stop.set()


def engine_name(engine: Engine) -> str:
    """A short name for the sidecar and the status bar."""
    return str(getattr(engine, "name", type(engine).__name__))


__all__ = ["Engine", "PacedEngine", "ProgressFn", "TrivialEngine", "engine_name"]
