"""The main window: open → pre-flight → adjust with a live preview → Run → compare → save, per photo."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QColor, QDragEnterEvent, QDropEvent, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from portrait_studio import APP_NAME
from portrait_studio.core.settings import Settings, load_settings
from portrait_studio.ui.model.session import Session
from portrait_studio.ui.panels.banner import PreflightBanner
from portrait_studio.ui.panels.compare_view import CANVAS, CompareView
from portrait_studio.ui.panels.controls import ControlsPanel
from portrait_studio.ui.panels.filmstrip import Filmstrip
from portrait_studio.ui.panels.run_panel import RunPanel
from portrait_studio.ui.threads.run_worker import Executor, RunThread
from portrait_studio.ui.threads.runner import BackgroundRunner
from portrait_studio.ui.window.actions import build_actions
from portrait_studio.ui.window.preview import PreviewController
from portrait_studio.ui.window.recent import RecentFiles
from portrait_studio.ui.window.run_flows import RunFlows
from portrait_studio.ui.window.window_flows import WindowFlows

log = logging.getLogger(__name__)

DETAIL_DELAY_MS = 120  # wait for zoom/pan to pause before decoding full-resolution detail
IMAGE_FILTER = "Images (*.jpg *.jpeg *.png *.webp *.tif *.tiff *.bmp *.heic *.heif);;All files (*)"


class MainWindow(WindowFlows, RunFlows, QMainWindow):
    """Portrait Studio's main window; everything slow runs on its worker threads."""

    files_chosen = Signal(list)
    photo_loaded = Signal(int)  # screen copy shown
    photo_analysed = Signal(int)  # faces + pre-flight known
    preview_shown = Signal(float)  # milliseconds from slider change to preview on screen
    run_progress = Signal(float)
    detail_shown = Signal()  # full-resolution pixels drawn over the zoomed-in view
    run_finished = Signal(object)  # RunOutcome, once the result is in the compare view
    run_failed = Signal(str)  # "message — fix"
    run_cancelled = Signal()
    warmed_up = Signal()  # heavy imports done and the backend opened (or known not to open)
    saved = Signal(object)  # Path
    save_failed = Signal(str)

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        backend: Any = None,
        executor: Executor | None = None,
        preset_store: Any = None,
    ) -> None:
        super().__init__()
        self.setWindowTitle(APP_NAME)
        self.setObjectName("main-window")
        self.resize(1440, 900)
        self.setAcceptDrops(True)
        self.settings = settings if settings is not None else load_settings()
        self.session = Session(self)
        self.recent = RecentFiles()
        self._closed = False
        self.last_preview_ms = 0.0
        self._pending_settings: Settings | None = None
        self._warming: set[str] = set()
        self._loading: set[int] = set()  # photos whose screen copy is being decoded
        self._recently_shown: list[int] = []
        self._build_central()
        self._build_controls_dock()
        build_actions(self)
        self._preset_store = preset_store
        self._optional_docks: dict[str, QDockWidget] = {}
        self._build_workers(backend, executor)
        self._connect()
        self._build_status_bar()
        self.recent.fill_menu(self.recent_menu, self.open_paths)
        # Docks of other panels and the warm-up start after the first paint: a zero timer started here would
        # run before it (same event-loop pass as the expose), doubling the time to a window (bench/startup).
        self._late_timer = QTimer(self)
        self._late_timer.setSingleShot(True)
        self._late_timer.timeout.connect(self._build_late_docks)
        self.compare.installEventFilter(self)

    def _build_workers(self, backend: Any, executor: Executor | None) -> None:
        """The threads (loader, io, preview, scaler, run) and the timers that feed them."""
        self.loader = BackgroundRunner("loader", self)
        self.io = BackgroundRunner("io", self)
        self.preview = PreviewController(self)
        self.scaler = BackgroundRunner("scaler", self)
        self.compare.set_scaler(self._submit_scale)
        self.scaler.done.connect(
            lambda token, image: image is not None and self.compare.scaled_ready(token[0], token[1], image)
        )
        if executor is None:
            from portrait_studio.ui.jobs.run_job import PipelineExecutor

            executor = PipelineExecutor(self.settings)
        self.executor = executor
        self.runner = RunThread(self.settings, executor, backend, self)
        self._detail_timer = QTimer(self)  # full-resolution detail once zooming/panning pauses
        self._detail_timer.setSingleShot(True)
        self._detail_timer.setInterval(DETAIL_DELAY_MS)
        self._detail_timer.timeout.connect(self.request_detail)

    # ------------------------------------------------------------------ layout
    def _build_central(self) -> None:
        central = QWidget(self)
        central.setObjectName("canvas-area")
        v = QVBoxLayout(central)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(0)
        self.banner = PreflightBanner(central)
        self.compare = CompareView(central)
        self.filmstrip = Filmstrip(self.session, central)
        v.addWidget(self.banner)
        v.addWidget(self.compare, 1)
        v.addWidget(self.filmstrip)
        self.filmstrip.hide()
        # The photo sits on a neutral dark grey in both themes (colour judgement needs a neutral surround).
        _paint(central, window=CANVAS)
        self.setCentralWidget(central)

    def _build_controls_dock(self) -> None:
        panel = QWidget(self)
        v = QVBoxLayout(panel)
        v.setContentsMargins(0, 0, 0, 0)
        self.controls = ControlsPanel(panel)
        scroll = QScrollArea(panel)
        scroll.setWidget(self.controls)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.run_panel = RunPanel(panel)
        v.addWidget(scroll, 1)
        v.addWidget(self.run_panel)
        dock = QDockWidget("Edit", self)
        dock.setObjectName("edit-dock")
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        dock.setWidget(panel)
        dock.setMinimumWidth(330)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.edit_dock = dock

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.backend_label = QLabel(self)
        self.faces_label = QLabel("No photo", self)
        self.cost_label = QLabel(self)
        self.zoom_label = QLabel(self)
        self.zoom_label.setToolTip("Zoom, in pixels of the original photo (Ctrl+0 fit, Ctrl+1 100 %)")
        for label in (self.zoom_label, self.faces_label, self.backend_label, self.cost_label):
            label.setContentsMargins(8, 0, 8, 0)
            bar.addPermanentWidget(label)
        self._update_status_bar()

    def _connect(self) -> None:
        self.files_chosen.connect(self.open_paths)
        self.compare.zoom_changed.connect(lambda _s: self._update_zoom_label())
        self.compare.view_moved.connect(self._detail_timer.start)
        self.controls.params_changed.connect(self._on_params_changed)
        self.session.current_changed.connect(self._on_current_changed)
        self.session.added.connect(lambda *_: self.filmstrip.setVisible(len(self.session.photos) > 1))
        self.banner.fix_requested.connect(self.apply_fix)
        self.loader.done.connect(self._on_loader_done)
        self.loader.failed.connect(self._on_loader_failed)
        self.io.done.connect(self._on_io_done)
        self.io.failed.connect(self._on_io_failed)
        self.preview.ready.connect(self._on_preview_ready)
        self.preview.failed.connect(lambda _k, msg: self.statusBar().showMessage(f"Preview: {msg}", 8000))
        self.run_panel.run_button.clicked.connect(self.run_current)
        self.run_panel.cancel_button.clicked.connect(self.cancel_run)
        w = self.runner.worker
        w.progress.connect(self._on_run_progress)
        w.finished.connect(self._on_run_finished)
        w.failed.connect(self._on_run_failed)
        w.cancelled.connect(self._on_run_cancelled)

    # ------------------------------------------------------------------ open
    def choose_files(self) -> None:
        """Ctrl+O: pick photos with the platform's dialog."""
        paths, _ = QFileDialog.getOpenFileNames(self, "Open photos", self._start_dir(), IMAGE_FILTER)
        if paths:
            self.files_chosen.emit([Path(p) for p in paths])

    def choose_folder(self) -> None:
        """Open every photo of a folder (a whole shoot)."""
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of photos", self._start_dir())
        if folder:
            self.files_chosen.emit([Path(folder)])

    def _start_dir(self) -> str:
        current = self.session.current
        return str(current.path.parent) if current else str(Path.home())

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_paths(paths)

    # ------------------------------------------------------------------ keys
    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Keys no focused control wanted: ←/→ browse the filmstrip, Space shows the before image.
        if event.key() in (Qt.Key.Key_Left, Qt.Key.Key_Right) and not _typing():
            self.session.step(-1 if event.key() == Qt.Key.Key_Left else 1)
        elif event.key() == Qt.Key.Key_Space and not _typing():
            if not event.isAutoRepeat():
                self.compare.set_show_before(True)
        else:
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self.compare.set_show_before(False)
        else:
            super().keyReleaseEvent(event)

    # ------------------------------------------------------------------ view
    def set_compare_mode(self, mode: str) -> None:
        """split / side / toggle."""
        self.compare.set_mode(mode)
        self.mode_actions[mode].setChecked(True)

    def toggle_preview(self) -> None:
        """Turn the live local preview on or off."""
        self.preview.enabled = self.preview_action.isChecked()
        photo = self.session.current
        if photo is not None and photo.result_path is None:
            if self.preview.enabled:
                self.preview.request(photo.params)
            else:
                self.compare.set_after(None)

    def _update_zoom_label(self) -> None:
        photo, image = self.session.current, self.compare.before
        if photo is None or image is None or not photo.source_size:
            self.zoom_label.setText("")
            return
        # The view's scale is per working-copy pixel; photographers read zoom per original pixel, and
        # one_to_one is the scale at which those match (1.0 for a fixed copy: its own pixels are the photo).
        percent = 100 * self.compare.scale / self.compare.one_to_one
        self.zoom_label.setText(f"Fit ({percent:.0f} %)" if self.compare.fit else f"{percent:.0f} %")

    def _update_status_bar(self) -> None:
        s = self.settings
        self.controls.set_backend(s.backend)
        self.backend_label.setText("Local engine" if s.backend == "local" else f"Cloud · {s.base_url}")
        photo = self.session.current
        count = photo.face_count if photo else None
        if photo is None:
            self.faces_label.setText("No photo")
        elif count is None:
            self.faces_label.setText("Looking for faces…")
        else:
            self.faces_label.setText("1 face" if count == 1 else f"{count} faces")
        self.cost_label.setText(f"Session cost: ${self.session.total_cost:.3f}")
        self._update_zoom_label()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.compare and event.type() == QEvent.Type.Paint:
            self.compare.removeEventFilter(self)  # only the first paint matters
            self._late_timer.start(0)
        return False

    def _submit_scale(self, key: str, token: object, fn: Any) -> None:
        # Skip scales the view no longer wants by the time the thread gets to them (a resize burst).
        wanted = self.compare.wants_scale
        self.scaler.submit((key, token), lambda: fn() if wanted(key, token) else None)

    def _build_late_docks(self) -> None:
        from portrait_studio.ui.jobs.loader import warm_up
        from portrait_studio.ui.window import docks

        # Warm up after the first paint: imports and the local gateway start would otherwise land on the
        # first open and the first Run (measured: 100+ ms GUI stalls from imports holding the GIL).
        self._warming = {"loader", "run"}
        self.loader.submit(("warm-up", -1), warm_up)
        self.runner.worker.prepared.connect(lambda _why: self._warmed("run"))
        self.runner.prepare()
        try:
            docks.build_presets_dock(self)
        except Exception as err:  # presets are a convenience: a broken store must not stop retouching
            log.warning("presets panel not available: %s", err)
        journal = self.executor.journal() if hasattr(self.executor, "journal") else None
        for build in (docks.build_history_dock, docks.build_batch_dock):
            try:
                if journal is not None:
                    build(self, journal)
            except Exception as err:  # a sibling panel that is missing or broken must not stop the window
                log.warning("%s not available: %s", build.__name__, err)
        docks.add_about(self)
        if journal is not None:  # finish what a crash interrupted (never resubmits a possibly-paid task)
            from portrait_studio.ui.window.resume_flow import ResumeFlow

            self.resume_flow = ResumeFlow(self, journal)
            self.resume_flow.start()

    def _warmed(self, part: str) -> None:
        self._warming.discard(part)
        if not self._warming:
            self.warmed_up.emit()

    # ------------------------------------------------------------------ close
    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop timers and every worker thread, waiting for them (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._late_timer.stop()
        self._detail_timer.stop()
        self.preview.stop()
        queue = getattr(self, "batch_queue", None)
        if queue is not None:
            queue.close()  # cancels what is left and joins the batch threads (before the backend closes)
        resume = getattr(self, "resume_flow", None)
        if resume is not None:
            resume.stop()  # before the journal closes below
        self.runner.stop()
        self.loader.stop()
        self.io.stop()
        self.scaler.stop()
        close = getattr(self.executor, "close", None)
        if close is not None:
            close()  # the run thread has stopped: nothing uses the journal any more
        for dock in self._optional_docks.values():
            stop = getattr(dock.widget(), "shutdown", None)
            if stop is not None:
                stop()


def _paint(widget: QWidget, **roles: QColor) -> None:
    """Set palette colours on one widget (cheaper at start-up than a style sheet, which re-polishes all)."""
    palette = widget.palette()
    for role, colour in roles.items():
        palette.setColor(getattr(QPalette.ColorRole, role.capitalize()), colour)
    widget.setPalette(palette)
    widget.setAutoFillBackground(True)


def _typing() -> bool:
    """True when a text field has the focus (arrows and Space belong to it)."""
    from PySide6.QtWidgets import QApplication

    return isinstance(QApplication.focusWidget(), QLineEdit)


__all__ = ["IMAGE_FILTER", "MainWindow"]
