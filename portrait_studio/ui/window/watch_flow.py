"""Watch folder in the window: api.watch.FolderWatcher, its photos in the filmstrip with their result badges.

    watch = WatchController(session, open_quiet, backend, journal, settings, show_result, io, parent)
    problem = watch.start(in_dir, out_dir, choice)   # None, or what is wrong (the folders are checked first)
    watch.stop()

The watcher (and its BatchQueue) is built and started on the io thread: opening the backend may take a
moment. Its events come from its own threads; each crosses to the GUI thread through the Bridge, where the
photo is added to the filmstrip (without taking the view from the photo shown) and follows its queue item
like a batch photo (batch_flow.apply_item). A photo done before (the journal, across restarts) shows with its
result. The daily budget cap pauses the watcher: `state_changed("paused", words)` says so until it resumes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from portrait_studio.core.errors import PortraitStudioError
from portrait_studio.core.i18n import _
from portrait_studio.core.journal import Journal
from portrait_studio.core.params import EditParams
from portrait_studio.core.settings import Settings
from portrait_studio.ui.jobs.run_job import RunOutcome
from portrait_studio.ui.model.session import Session
from portrait_studio.ui.threads.bridge import Bridge
from portrait_studio.ui.threads.runner import BackgroundRunner
from portrait_studio.ui.window.batch_flow import Choice, apply_item
from portrait_studio.ui.window.open_flow import message_of

OFF, STARTING, WATCHING, PAUSED = "off", "starting", "watching", "paused"


class WatchController(QObject):
    """See the module docstring."""

    message = Signal(str, int)  # status bar text, milliseconds
    state_changed = Signal(str, str)  # (off / starting / watching / paused, the words to show)

    def __init__(
        self,
        session: Session,
        open_quiet: Callable[[list[Path]], object],
        backend: Callable[[], Any],
        journal: Journal,
        settings: Callable[[], Settings],
        show_result: Callable[[int], None],
        io: BackgroundRunner,
        parent: QObject | None = None,
        *,
        show_params: Callable[[EditParams], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._show_params = show_params  # the sliders, for the photo shown
        self.session = session
        self._open_quiet = open_quiet  # adds photos to the filmstrip, keeping the photo shown
        self._backend, self.journal, self._settings = backend, journal, settings
        self._show_result = show_result
        self._io = io
        self._lock = threading.Lock()
        self._watcher: Any = None  # api.watch.FolderWatcher, set on the io thread once started
        self._closing = False
        self._params = EditParams()
        self.state = OFF
        self.in_dir: Path | None = None
        self.out_dir: Path | None = None
        self._done = 0
        self._applied: dict[int, Any] = {}  # queue item id → the BatchItem snapshot shown
        self._bridge = Bridge(self._on_event, self)

    @property
    def watcher(self) -> Any:
        """The running api.watch.FolderWatcher, or None."""
        with self._lock:
            return self._watcher

    # ------------------------------------------------------------------ start / stop
    def check(self, in_dir: Path, out_dir: Path, choice: Choice) -> str | None:
        """What stops watching `in_dir` into `out_dir` with `choice` (None: it can start)."""
        if not in_dir.is_dir():
            return _("The folder to watch, {folder}, does not exist or is not a folder.").format(
                folder=in_dir
            )
        if out_dir.absolute() == in_dir.absolute():
            return _("Choose another output folder than the folder watched (a sub-folder is fine).")
        params = choice.params if choice.params is not None else EditParams()
        if self._settings().backend == "local":
            from portrait_studio.core.params import check_local

            try:
                check_local(params)
            except PortraitStudioError as err:
                return f"{err.message} {err.fix}"
        return None

    def start(self, in_dir: Path, out_dir: Path, choice: Choice) -> str | None:
        """Start watching (off the GUI thread); returns what is wrong instead when it cannot start."""
        from portrait_studio.api import output

        if self.state != OFF:
            return _("A folder is already being watched: stop it first.")
        problem = self.check(in_dir, out_dir, choice)
        if problem:
            return problem
        try:
            out_dir = output.ready_folder(out_dir)  # nothing is paid for a result that cannot be written
        except PortraitStudioError as err:
            return f"{err.message} {err.fix or ''}".strip()
        params = choice.params if choice.params is not None else EditParams()
        self._params, self.in_dir, self.out_dir, self._done = params, in_dir, out_dir, 0
        self._applied = {}  # (a new watcher's queue numbers its items from 1 again)
        with self._lock:
            self._closing = False
        self._set_state(STARTING, _("Starting to watch {folder}…").format(folder=in_dir))
        settings = self._settings()

        def build() -> Any:
            from portrait_studio.api.watch import FolderWatcher

            watcher = FolderWatcher.for_session(
                self._backend(), params, in_dir, out_dir, journal=self.journal,
                cap_source=lambda: self._settings().budget_cap, settings=settings, preset=choice.preset,
            )  # fmt: skip
            watcher.subscribe(self._bridge.call)
            watcher.start()
            with self._lock:  # stopped meanwhile (the toggle, or the window closing): stop it here
                if not self._closing:
                    self._watcher = watcher
                    return watcher
            watcher.stop()
            return None

        self._io.submit(build, self._on_started, self._on_start_failed)
        return None

    def _on_started(self, watcher: Any) -> None:
        if watcher is not None and self.state == STARTING:
            self._set_state(WATCHING, self._watching_words())

    def _on_start_failed(self, err: Exception) -> None:
        message, fix = message_of(err)
        self._set_state(OFF, "")
        self.message.emit(
            _("Could not watch the folder: {message}").format(message=message) + (f" {fix}" if fix else ""),
            15000,
        )

    def stop(self) -> None:
        """Stop watching (running photos stop being waited for; a paid task stays resumable). Idempotent."""
        with self._lock:
            self._closing = True
            watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.stop()
            for item in watcher.queue.items():  # its last photos: cancelled, or done while it stopped
                i = self.session.index_of(item.path)
                if i >= 0 and self._applied.get(item.id) is not item:
                    self._applied[item.id] = item
                    apply_item(self.session, i, item, self._params, self._show_result)
        if self.state != OFF:
            self._set_state(OFF, "")
            self.message.emit(_("Stopped watching the folder."), 6000)

    # ------------------------------------------------------------------ events (GUI thread)
    def _on_event(self, event: Any) -> None:
        watcher = self.watcher
        if watcher is None:
            return  # (stopped: late events of its last photos change nothing)
        if event.kind == "paused":
            self._set_state(
                PAUSED,
                _(
                    "Watch paused: {reason} Raise the daily budget cap in Settings; watching goes on by "
                    "itself once the budget allows."
                ).format(reason=event.message),
            )
        elif event.kind == "resumed":
            self._set_state(WATCHING, self._watching_words())
        elif event.kind == "error":
            self.message.emit(event.message, 10000)
        elif event.kind == "already_done" and event.path is not None and event.output is not None:
            i = self._index(event.path)
            if i >= 0:
                self.session.set_params(i, self._params)  # (the journal found it done with these)
                if i == self.session.current_index and self._show_params is not None:
                    self._show_params(self._params)
                outcome = RunOutcome(event.path, Path(event.output), None, None, "")
                self.session.set_batch_done(i, outcome, _("Done earlier: {path}").format(path=event.output))
                if i == self.session.current_index:
                    self._show_result(i)
        elif event.kind == "item" and event.item is not None:
            item = watcher.queue.get(event.item.id)  # the newest snapshot (reports cross threads unordered)
            if self._applied.get(item.id) is item:
                return  # an older report of a change already shown (a done photo is counted once)
            self._applied[item.id] = item
            i = self._index(item.path)
            if i >= 0:
                apply_item(self.session, i, item, self._params, self._show_result, self._show_params)
            if item.status == "done":
                self._done += 1
                if self.state == WATCHING:
                    self._set_state(WATCHING, self._watching_words())

    def _index(self, path: Path) -> int:
        i = self.session.index_of(path)
        if i < 0:
            self._open_quiet([path])
            i = self.session.index_of(path)
        return i

    def _watching_words(self) -> str:
        if self._done:
            return _("Watching {folder} → {output} · {n} done").format(
                folder=self.in_dir, output=self.out_dir, n=self._done
            )
        return _("Watching {folder} → {output}").format(folder=self.in_dir, output=self.out_dir)

    def _set_state(self, state: str, words: str) -> None:
        self.state = state
        self.state_changed.emit(state, words)


__all__ = ["OFF", "PAUSED", "STARTING", "WATCHING", "WatchController"]
