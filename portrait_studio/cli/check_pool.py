"""`check` over many files: each file loaded and its faces counted in a pool of processes, one per core.

Results come back in the order of the files given (a bounded window runs ahead, so memory stays flat over a
folder of thousands); an unreadable file is a result like any other, as in the one-process loop. Ctrl+C:
the workers ignore SIGINT (the terminal sends it to them too, and each would print a traceback), the parent
cancels what has not started, lets each worker finish its one photo (under a second) and raises
KeyboardInterrupt to the caller. Processes, not threads: decoding and the detector hold the GIL for part of
their time, and each worker runs OpenCV and LiteRT on one thread so N workers use N cores, not N × N threads.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from portrait_studio.core.cores import usable_cores
from portrait_studio.core.errors import ImageError, PortraitStudioError
from portrait_studio.core.face_cache import detect_faces_cached
from portrait_studio.core.faces import WORKING_SIDE, load_models, models_available
from portrait_studio.core.i18n import _
from portrait_studio.core.images import LoadedImage, PreflightReport, load_image, preflight
from portrait_studio.core.logs import setup_logging
from portrait_studio.core.params import EditParams
from portrait_studio.gateway.processes import worker_setup

log = logging.getLogger(__name__)
BUG = "bug"  # the code of a Checked whose check failed on a bug, not on the photo
AHEAD = 2  # files in flight per worker: one running, one queued, so no worker waits for the parent


@dataclass(frozen=True)
class Checked:
    """One file's outcome: its report (and its image when asked for), or the reason it could not be read."""

    name: str
    report: PreflightReport | None = None
    image: LoadedImage | None = None
    # ImageError itself does not survive pickling (its __init__ takes the path first): sent as its parts.
    unreadable: tuple[str | None, str, str, str | None] | None = None

    @property
    def error(self) -> PortraitStudioError | None:
        """The ImageError the file raised, rebuilt in this process (or the plain message of a bug)."""
        if self.unreadable is None:
            return None
        path, message, fix, code = self.unreadable
        if code == BUG:  # its fix names this process's log file, where the worker logged the traceback
            return PortraitStudioError(f"{self.name}: {message}")
        return ImageError(path, message, fix, code=code)


def check_file(name: str, params: EditParams | None, keep_image: bool) -> Checked:
    """Load one file at the working size and check it; the image is kept only for a report with problems."""
    try:
        # Faces are counted at the working size (core.faces): no need to decode more pixels.
        image = load_image(name, max_side=WORKING_SIDE)
        # A photo checked before is not counted again.
        faces = detect_faces_cached(image.rgb, image.data or name)
        report = preflight(image, faces=faces, params=params)
    except ImageError as err:
        return Checked(name, unreadable=(err.path, err.message, err.fix, err.code))
    except Exception:  # a bug, not the photo: say so, keep the details for the report, check the rest
        log.exception("check failed on %r", name)
        return Checked(name, unreadable=(name, _("could not be checked (an unexpected problem)."), "", BUG))
    return Checked(name, report, image if keep_image and not report.ok else None)


def _worker_start() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A worker's warnings and bugs go to the log file as the parent's do, never raw onto the terminal.
    setup_logging("portrait-studio check worker")
    # As the engine's workers run: OpenCV and the face models on one thread (one worker per core), and
    # freed memory kept for the next photo rather than page-faulted in again for each.
    worker_setup()
    if models_available():
        load_models()  # every worker loads the models at once, in parallel, not at its first photo


def _context() -> multiprocessing.context.BaseContext:
    """Not fork: it would copy the parent's threads and library state. forkserver where there is one: this
    module (numpy, OpenCV, LiteRT: ~1 s) is imported once by the server, not again by every worker."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")  # Windows
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def check_files(
    names: Iterable[str], params: EditParams | None, *, keep_image: bool = False, workers: int | None = None
) -> Iterator[Checked]:
    """`check_file` for each name, in order; over `workers` processes (default: every usable core)."""
    names = list(names)
    workers = min(workers or usable_cores(), len(names))
    if workers <= 1:
        for name in names:
            yield check_file(name, params, keep_image)
        return
    pool = ProcessPoolExecutor(workers, mp_context=_context(), initializer=_worker_start)
    try:
        todo = iter(names)
        pending: deque[Future[Checked]] = deque()
        for name in todo:
            pending.append(pool.submit(check_file, name, params, keep_image))
            if len(pending) >= AHEAD * workers:
                break
        while pending:
            done = pending.popleft().result()
            following = next(todo, None)
            if following is not None:
                pending.append(pool.submit(check_file, following, params, keep_image))
            yield done
    finally:  # also on Ctrl+C and when the caller stops early: nothing new starts, the running ones end
        pool.shutdown(wait=True, cancel_futures=True)


__all__ = ["Checked", "check_file", "check_files"]
