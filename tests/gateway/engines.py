"""Engines for the worker-process tests: module-level classes, so a spawned worker can import them."""

from __future__ import annotations

import os
import time

from portrait_studio.core.errors import PortraitStudioError
from portrait_studio.core.params import EditParams
from portrait_studio.gateway import TrivialEngine
from portrait_studio.gateway.engine import ProgressFn

HANG_SEED = 7  # a task with this seed hangs until its worker is killed
FAIL_SEED = 8  # ... fails with a PortraitStudioError
BUG_SEED = 9  # ... raises a plain bug


class SeedSwitchedEngine:
    """TrivialEngine, except for the seeds above; the result starts with the worker's pid (as a comment)."""

    name = "seed-switched"

    def run(self, image_bytes: bytes, params: EditParams, progress: ProgressFn) -> bytes:
        progress(0.1)
        if params.seed == HANG_SEED:
            time.sleep(600)
        if params.seed == FAIL_SEED:
            raise PortraitStudioError("not a portrait", "choose one with a face", code="003010002")
        if params.seed == BUG_SEED:
            raise ZeroDivisionError("division by zero")
        return TrivialEngine().run(image_bytes, params, progress)


class PidEngine:
    """Answers with its process id as ASCII (checks which process ran a task)."""

    name = "pid"

    def run(self, image_bytes: bytes, params: EditParams, progress: ProgressFn) -> bytes:
        return str(os.getpid()).encode()


class BrokenEngine:
    """An engine whose worker dies while building it (as when its models cannot be loaded)."""

    name = "broken"

    def __init__(self) -> None:
        os._exit(3)

    def run(self, image_bytes: bytes, params: EditParams, progress: ProgressFn) -> bytes:
        raise AssertionError("never built")
