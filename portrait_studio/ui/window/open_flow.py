"""Opening photos: expand folders, decode screen copies, find faces and pre-flight, one-click fixes, memory.

Works on the Session and the loader thread only; the views follow the Session's signals.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from portrait_studio.core.errors import PortraitStudioError
from portrait_studio.core.i18n import _
from portrait_studio.core.params import EditParams
from portrait_studio.ui import text
from portrait_studio.ui.jobs import loader
from portrait_studio.ui.model.session import Session
from portrait_studio.ui.threads.runner import BackgroundRunner
from portrait_studio.ui.window.recent import RecentFiles

log = logging.getLogger(__name__)
KEEP_SCREEN_COPIES = 6  # photos whose screen copies stay in memory (the ones just seen: ←/→ is instant)


def message_of(err: object) -> tuple[str, str | None]:
    """(message, fix) of an error: the app's own errors carry a fix."""
    if isinstance(err, PortraitStudioError):
        return err.message, err.fix
    return str(err), None


class OpenController(QObject):
    """Open → screen copy → analysis of each photo; prefetches neighbours, evicts what was seen long ago."""

    photo_loaded = Signal(int)  # screen copy decoded
    photo_analysed = Signal(int)  # faces + pre-flight known (or the photo could not be read)
    warmed = Signal()  # heavy imports done on the loader thread
    message = Signal(str, int)  # status bar text, milliseconds

    def __init__(
        self,
        session: Session,
        runner: BackgroundRunner,
        recent: RecentFiles,
        params: Callable[[], EditParams],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.loader = runner
        self.recent = recent
        self._params = params  # what a newly opened photo starts from (the controls' parameters)
        self._loading: set[int] = set()  # photos whose screen copy is being decoded
        self._recently_shown: list[int] = []
        session.current_changed.connect(self._on_current_changed)

    # ------------------------------------------------------------------ open
    def open_paths(self, paths: list[Path], *, quiet: bool = False) -> list[int]:
        """Open photos and folders; returns the session indexes of the photos opened now. `quiet` (a watched
        folder's arrivals): not in Open recent, and the photo shown stays shown."""
        files, skipped = loader.expand_paths(paths)
        if skipped:
            self.message.emit(text.skipped(skipped), 10000)
        if not files:
            if not skipped:
                self.message.emit(_(text.NO_PHOTOS), 10000)
            return []
        if not quiet:
            self.recent.add([Path(p) for p in paths])
        new = self.session.add(files, self._params())
        for i in new:
            self._load(i)
        if not quiet or self.session.current_index < 0:
            self.session.set_current(new[0] if new else self.session.index_of(files[0]))
        return new

    def load(self, indexes: list[int]) -> None:
        """Decode and analyse photos already in the session (a reopened shoot: ui/window/shoot_flow.py)."""
        for i in indexes:
            self._load(i)

    def warm_up(self) -> None:
        """Import the heavy modules on the loader thread (after the first paint); `warmed` when done."""

        def failed(err: Exception) -> None:
            log.warning("warm-up failed: %s", err)  # the first photo will import what it needs itself
            self.warmed.emit()

        self.loader.submit(loader.warm_up, lambda _none: self.warmed.emit(), failed)

    def _load(self, i: int, first: bool = False) -> None:
        self._loading.add(i)
        job = functools.partial(loader.load_screen, self.session.photos[i].path)
        self.loader.submit(
            job, lambda load: self._loaded(i, load), lambda err: self._failed(i, err), first=first
        )

    def _ensure_loaded(self, index: int, first: bool = True) -> None:
        """The photo shown needs its screen copy: load it ahead of everything queued (it may be evicted)."""
        photo = self.session.photos[index]
        if photo.display is None and not photo.error and index not in self._loading:
            self._load(index, first)

    def _loaded(self, i: int, load: loader.ScreenLoad) -> None:
        self._loading.discard(i)
        photo = self.session.photos[i]
        self.session.set_screen(i, load)
        if photo.report is None:
            # Ahead of the other photos' decodes: the array it holds is released as soon as it is done.
            job = functools.partial(loader.analyse, photo.path, load.rgb, photo.params)
            self.loader.submit(
                job, lambda a: self._analysed(i, a), lambda err: self._failed(i, err), first=True
            )
        self.photo_loaded.emit(i)

    def _analysed(self, i: int, analysis: loader.Analysis) -> None:
        if analysis.path != self.session.photos[i].send_path:
            return  # an analysis of the original that lands after a one-click fix is stale
        self.session.set_analysis(i, analysis)
        self.evict()
        self.photo_analysed.emit(i)

    def _failed(self, i: int, err: Exception) -> None:
        self._loading.discard(i)
        self.session.set_error(i, *message_of(err))
        self.photo_analysed.emit(i)

    # ------------------------------------------------------------------ one-click fixes
    def apply_fix(self, problem: Any) -> None:
        """A banner's one-click fix: make a fixed copy off the GUI thread; Run then sends that copy."""
        i, photo = self.session.current_index, self.session.current
        if photo is None or not getattr(problem, "auto_fix", None):
            return
        self.session.set_fixing(i)
        job = functools.partial(loader.apply_fixes, photo.send_path, problem.auto_fix, photo.params)
        self.loader.submit(job, lambda fixed: self._fixed(i, fixed), lambda err: self._failed(i, err))

    def _fixed(self, i: int, fixed: loader.FixResult) -> None:
        self.session.set_fixed(i, fixed)
        self.message.emit(_("Fixed: ") + "; ".join(fixed.fixes), 10000)
        self.photo_analysed.emit(i)

    # ------------------------------------------------------------------ current photo and memory
    def _on_current_changed(self, index: int) -> None:
        loader.forget_detail(keep=self.session.photos[index].path)  # the last zoomed photo's full decode
        self._recently_shown = [i for i in self._recently_shown if i != index] + [index]
        self._ensure_loaded(index)
        for neighbour in (index + 1, index - 1):  # prefetch: ←/→ through a shoot shows the next photo at once
            if 0 <= neighbour < len(self.session.photos):
                self._ensure_loaded(neighbour, first=False)
        self.evict()

    def evict(self) -> None:
        """Keep screen copies only of the photos seen last (~18 MB each): a 500-photo shoot fits in memory."""
        cur = self.session.current_index
        self.session.evict(set(self._recently_shown[-KEEP_SCREEN_COPIES:]) | {cur - 1, cur, cur + 1})


__all__ = ["KEEP_SCREEN_COPIES", "OpenController", "message_of"]
