"""The main window: open → pre-flight → adjust with a live preview → Run → compare → save, per photo.

The window builds the widgets, the threads and the controllers, and connects them; it holds no flow of its
own. The controllers (window/*_flow.py) change the Session; the views follow the Session's signals.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QColor, QDragEnterEvent, QDropEvent, QImage, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from portrait_studio import APP_NAME
from portrait_studio.core.i18n import _, format_money
from portrait_studio.core.journal import Journal, JournalRow
from portrait_studio.core.params import EditParams
from portrait_studio.core.presets import PresetError, shown_name
from portrait_studio.core.settings import Settings, load_settings
from portrait_studio.core.shoot import ShootStore
from portrait_studio.ui import text
from portrait_studio.ui.jobs.run_job import Executor
from portrait_studio.ui.model.session import Session
from portrait_studio.ui.panels.banner import PreflightBanner
from portrait_studio.ui.panels.compare_view import CANVAS, CompareBinding, CompareView
from portrait_studio.ui.panels.controls import ControlsPanel
from portrait_studio.ui.panels.filmstrip import Filmstrip
from portrait_studio.ui.panels.result_size import ResultSizeBinding
from portrait_studio.ui.panels.run_panel import RunPanel
from portrait_studio.ui.threads.run_worker import RunThread
from portrait_studio.ui.threads.runner import BackgroundRunner
from portrait_studio.ui.window.actions import Slots, build_actions
from portrait_studio.ui.window.faces_flow import FacesController
from portrait_studio.ui.window.history_flow import HistoryController
from portrait_studio.ui.window.image_keys import ImageKeys
from portrait_studio.ui.window.open_flow import OpenController
from portrait_studio.ui.window.preview import PreviewController
from portrait_studio.ui.window.recent import RecentFiles
from portrait_studio.ui.window.run_flow import RunController
from portrait_studio.ui.window.save_flow import SaveController
from portrait_studio.ui.window.settings_flow import SettingsController
from portrait_studio.ui.window.shoot_flow import ShootFlow, ask_unsaved
from portrait_studio.ui.window.shoot_menu import ShootActions
from portrait_studio.ui.window.view_flow import ViewController

if TYPE_CHECKING:  # (imported where they are built, after the first paint: start-up time)
    from portrait_studio.api.batch import BatchQueue
    from portrait_studio.ui.panels.batch_panel import BatchPanel
    from portrait_studio.ui.panels.history_panel import HistoryPanel
    from portrait_studio.ui.panels.presets_panel import PresetsPanel
    from portrait_studio.ui.window.batch_flow import BatchFlow
    from portrait_studio.ui.window.resume_flow import ResumeFlow
    from portrait_studio.ui.window.watch_flow import WatchController

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
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
        shoot: ShootStore | None = None,
    ) -> None:
        """`shoot`: the remembered shoot (the app passes `ShootStore()`): reopened now, written as it changes,
        and quitting with results not saved as files asks first. None (tests): neither."""
        super().__init__()
        self.setWindowTitle(APP_NAME)
        self.setObjectName("main-window")
        self.resize(1440, 900)
        self.setAcceptDrops(True)
        first = settings if settings is not None else load_settings()
        self.session = Session(self)
        self.recent = RecentFiles()
        self._closed = False
        self.last_preview_ms = 0.0
        self._warming: set[str] = set()
        self._preset_store = preset_store
        self.docks: dict[str, QDockWidget] = {}
        # Built after the first paint (and left None when one cannot be built: the window works without it).
        self.history_panel: HistoryPanel | None = None
        self.batch_queue: BatchQueue | None = None
        self.batch_panel: BatchPanel | None = None
        self.batch_flow: BatchFlow | None = None  # Retouch selected… (built with the journal)
        self.watch_flow: WatchController | None = None
        self.presets_panel: PresetsPanel | None = None
        self.resume_flow: ResumeFlow | None = None
        self._build_central()
        self._build_controls_dock()
        self._build_workers(first, backend, executor)
        self.window_actions = build_actions(self, self._slots())
        self._connect()
        self._build_status_bar()
        # The verbs on the filmstrip's selection: batch, copy/paste/sync settings, watch folder.
        self.shoot = ShootActions(
            self, self.window_actions.photo_menu, self.session, self.filmstrip, self.set_params,
            self._current_settings, lambda: self.presets_panel.store.list() if self.presets_panel else [],
        )  # fmt: skip
        self.recent.fill_menu(self.window_actions.recent_menu, self.open_paths)
        self.shoot_flow: ShootFlow | None = None
        self._quit_confirmed = False
        if shoot is not None:
            self.shoot_flow = ShootFlow(self.session, shoot, self.open_flow.load, self)
            self.shoot_flow.message.connect(self.statusBar().showMessage)
            self.shoot_flow.restore()
        # Docks of other panels and the warm-up start after the first paint: a zero timer started here would
        # run before it (same event-loop pass as the expose), doubling the time to a window (bench/startup).
        self._late_timer = QTimer(self)
        self._late_timer.setSingleShot(True)
        self._late_timer.timeout.connect(self._build_late_docks)
        self.compare.installEventFilter(self)
        self.image_keys = ImageKeys(self.compare, self.session.step, self)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.image_keys)

    @property
    def settings(self) -> Settings:
        """The settings in use (changed through `apply_settings`)."""
        return self.settings_flow.settings

    def _current_settings(self) -> Settings:
        return self.settings_flow.settings

    def _build_workers(self, settings: Settings, backend: Any, executor: Executor | None) -> None:
        """The threads (loader, io, preview, scaler, run), the controllers and the timers that feed them."""
        self.loader = BackgroundRunner("loader", self)
        self.io = BackgroundRunner("io", self)
        self.scaler = BackgroundRunner("scaler", self)
        self.preview = PreviewController(self)
        if executor is None:
            from portrait_studio.ui.jobs.run_job import PipelineExecutor

            executor = PipelineExecutor(settings)
        self.executor: Executor = executor
        self.runner = RunThread(settings, executor, backend, self)
        self.settings_flow = SettingsController(
            settings, self.runner, executor, lambda: self.batch_queue is None or self.batch_queue.idle(), self
        )
        current = self._current_settings  # (read when used: settings change)
        self.open_flow = OpenController(self.session, self.loader, self.recent, self.controls.params, self)
        self.run_flow = RunController(
            self.session,
            self.runner,
            self.io,
            current,
            self.controls.params_for_run,
            lambda estimate, limit: self.confirm_cost(estimate, limit),
            self,
            result_size=self.controls.result_size.size_for,
        )
        self.faces_flow = FacesController(
            self.session,
            self.compare,
            self.io,
            current,
            self.runner.worker.backend,
            self.controls,
            self,
        )
        self.run_flow.group_for = self.faces_flow.group_for
        # Face by face turned on: the banner no longer says the photo has too many faces.
        self.banner.each_face = lambda photo: self.faces_flow.group_for(photo) is not None
        self.faces_flow.changed.connect(lambda: self.banner.refresh())
        # ... and its Result size is the original's, fixed (the faces are merged into it).
        self.controls.result_size.in_group = lambda photo: self.faces_flow.group_for(photo) is not None
        self.faces_flow.changed.connect(self.result_size_binding.refresh)
        self.canvas_layout.insertWidget(1, self.faces_flow.bar)  # under the pre-flight banner
        self.save_flow = SaveController(self.session, self.io, current, self)
        self.history_flow = HistoryController(self.session, self.io, self.run_flow.show_result, self)
        self.view_flow = ViewController(self.compare, self.session, self.scaler, self.io, self)

    def _slots(self) -> Slots:
        return Slots(
            open=self.choose_files,
            open_folder=self.choose_folder,
            save=self.quick_save,
            save_as=self.choose_save_as,
            quit=self.close,
            run=self.run_current,
            cancel=self.cancel_run,
            settings=self.open_settings,
            previous=lambda: self.session.step(-1),
            next=lambda: self.session.step(1),
            fit=self.compare.zoom_fit,
            zoom100=lambda: self.compare.zoom_to(self.compare.one_to_one),
            faces=self.compare.set_show_faces,
            preview=self.toggle_preview,
            mode=self.set_compare_mode,
        )

    # ------------------------------------------------------------------ layout
    def _build_central(self) -> None:
        central = QWidget(self)
        central.setObjectName("canvas-area")
        v = QVBoxLayout(central)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(0)
        self.banner = PreflightBanner(central)
        self.banner.bind(self.session)
        self.compare = CompareView(central)
        self.compare_binding = CompareBinding(self.compare, self.session)
        self.filmstrip = Filmstrip(self.session, central)
        self.canvas_layout = v
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
        # The controls never hide behind a scroll bar: no sideways one (it clipped the slider values), and the
        # area is as tall as the controls, so a dock opened or a long error squeezes the Presets, not them.
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumHeight(self.controls.minimumSizeHint().height())
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # (a Tab stop that shows nothing: docks.PanelScroll)
        self.edit_scroll = scroll
        self.run_panel = RunPanel(panel)
        self.run_panel.bind(self.session)
        self.result_size_binding = ResultSizeBinding(
            self.controls.result_size, self.session, self.controls.show_photo_size
        )
        v.addWidget(scroll, 1)
        v.addWidget(self.run_panel)
        dock = QDockWidget(_("Edit"), self)
        dock.setObjectName("edit-dock")
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        dock.setWidget(panel)
        dock.setMinimumWidth(330)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.edit_dock = dock
        # The right column keeps the window's full height: History and Batch open under the photo only.
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.backend_label = QLabel(self)
        self.faces_label = QLabel(_("No photo"), self)
        self.cost_label = QLabel(self)
        self.zoom_label = QLabel(self)
        self.zoom_label.setToolTip(
            _(
                "Zoom, in pixels of the result when one is shown, else of the original (Ctrl+0 fit, "
                "Ctrl+1 100 %)"
            )
        )
        for label in (self.zoom_label, self.faces_label, self.backend_label, self.cost_label):
            label.setContentsMargins(8, 0, 8, 0)
            bar.addPermanentWidget(label)
        self._on_settings(self.settings)

    def _connect(self) -> None:
        s, say = self.session, self.statusBar().showMessage
        self.files_chosen.connect(self.open_paths)
        self.compare.zoom_changed.connect(lambda _s: self._update_zoom_label())
        self.controls.params_changed.connect(self._on_params_changed)
        s.current_changed.connect(self._on_current_changed)
        s.photo_changed.connect(self._on_photo_changed)
        s.added.connect(lambda *_: self.filmstrip.setVisible(len(s.photos) > 1))
        self.banner.fix_requested.connect(self.open_flow.apply_fix)
        self.preview.follow(s)  # (before preview_shown below: the image is in the view when it is emitted)
        self.preview.ready.connect(self._on_preview_ready)
        self.preview.failed.connect(lambda _k, msg: say(_("Preview: {msg}").format(msg=msg), 8000))
        self.run_panel.run_button.clicked.connect(self.run_current)
        self.run_panel.cancel_button.clicked.connect(self.cancel_run)
        self.run_panel.settings_requested.connect(self.open_settings)
        self.settings_flow.changed.connect(self._on_settings)
        self.settings_flow.changed.connect(lambda settings: self._apply_theme(settings.theme))
        of, rf, sf, hf = self.open_flow, self.run_flow, self.save_flow, self.history_flow
        of.photo_loaded.connect(self.photo_loaded)
        of.photo_analysed.connect(self.photo_analysed)
        of.warmed.connect(lambda: self._warmed("loader"))
        rf.problem.connect(self.run_panel.show_error)
        rf.progress.connect(self.run_panel.progress)
        rf.cancelling.connect(lambda: self.run_panel.status.setText(_("Cancelling…")))
        rf.run_cancelled.connect(lambda: self.run_panel.idle(_("Cancelled — nothing more is waited for.")))
        rf.run_progress.connect(self.run_progress)
        rf.run_finished.connect(self.run_finished)
        rf.run_failed.connect(self.run_failed)
        rf.run_cancelled.connect(self.run_cancelled)
        rf.ended.connect(self.settings_flow.apply_pending)
        sf.problem.connect(self.run_panel.show_error)
        sf.saved.connect(self.saved)
        sf.save_failed.connect(self.save_failed)
        sf.cannot_write.connect(self._offer_save_as)
        hf.params_restored.connect(self.controls.set_params)
        self.view_flow.detail_shown.connect(self.detail_shown)
        for flow in (of, rf, sf, hf, self.view_flow):
            flow.message.connect(say)

    # ------------------------------------------------------------------ entry points (menus, tests)
    def open_paths(self, paths: list[Path]) -> list[int]:
        """Open photos and folders; returns the session indexes of the photos opened now."""
        return self.open_flow.open_paths(paths)

    def run_current(self) -> bool:
        """Ctrl+Enter: send the current photo with its parameters; False when it cannot start."""
        if QApplication.focusWidget() in (None, self.run_panel.run_button):
            # Run is disabled while it runs: Qt would hand its focus to the next control (the Presets list,
            # where Space then picks a preset). The focus goes back to the image instead.
            self.compare.setFocus(Qt.FocusReason.OtherFocusReason)
        photo = self.session.current
        if photo is not None and (photo.queued or (photo.running and not self.runner.busy)):
            self.statusBar().showMessage(
                _("This photo is being retouched in the batch (Esc leaves it out)."), 8000
            )
            return False  # (sent twice, it would wait for the batch's own task)
        return self.run_flow.run_current()

    def cancel_run(self) -> None:
        """Esc: stop waiting for the edit in hand (the photo shown's, when it is in the batch)."""
        if self.batch_flow is None or not self.batch_flow.cancel_current():
            self.run_flow.cancel()

    def quick_save(self) -> None:
        """Ctrl+S: save as JPEG in the output folder (or next to the original), never over a file."""
        self.save_flow.quick_save()

    def save_as(self, target: Any, fmt: str | None = None, quality: int | None = None) -> bool:
        """Save the result to `target` (path or SaveRequest) off the GUI thread; False: nothing to save."""
        return self.save_flow.save_as(target, fmt, quality)

    def show_version(self, row: JournalRow) -> None:
        """History ▸ Make current / Undo: that version becomes the photo's result (what Save as writes)."""
        self.history_flow.show_version(row)

    def apply_settings(self, settings: Settings) -> None:
        """Use new settings (the backend changes from the next run on)."""
        self.settings_flow.apply(settings)

    def set_params(self, params: EditParams) -> None:
        """Apply parameters to the current photo as if the user set them (presets use this)."""
        self.controls.set_params(params)
        self._on_params_changed(params)

    def confirm_cost(self, estimate: Any, limit: Any) -> bool:
        """Ask whether to pay `estimate` (USD) for this edit, above the threshold `limit`."""
        answer = QMessageBox.question(
            self,
            _("Confirm the cost"),
            _(
                "This edit is estimated at {estimate}, more than your limit of {limit} per edit.\n\nRun it?"
            ).format(estimate=format_money(estimate, None), limit=format_money(limit, None)),
        )
        return answer == QMessageBox.StandardButton.Yes

    # ------------------------------------------------------------------ dialogs
    def choose_files(self) -> None:
        """Ctrl+O: pick photos with the platform's dialog."""
        paths, _chosen = QFileDialog.getOpenFileNames(
            self, _("Open photos"), self._start_dir(), text.photo_filter()
        )
        if paths:
            self.files_chosen.emit([Path(p) for p in paths])

    def choose_folder(self) -> None:
        """Open every photo of a folder (a whole shoot)."""
        folder = QFileDialog.getExistingDirectory(self, _("Open a folder of photos"), self._start_dir())
        if folder:
            self.files_chosen.emit([Path(folder)])

    def _start_dir(self) -> str:
        current = self.session.current
        return str(current.path.parent) if current else str(Path.home())

    def choose_save_as(self) -> None:
        """Ctrl+Shift+S: the Save as dialog."""
        from portrait_studio.ui.dialogs.save_dialog import SaveAsDialog

        photo = self.session.current
        if photo is None or photo.result_path is None:
            self.statusBar().showMessage(_("Nothing to save yet: run the edit first (Ctrl+Enter)."), 8000)
            return
        dialog = SaveAsDialog(self.save_flow.target(photo), photo.path, self)
        if dialog.exec():
            self.save_flow.save_as(dialog.request())

    def _offer_save_as(self, why: str) -> None:
        """Save could not write where it saves: say why and offer Save as (another folder or name)."""
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            _("Could not save"),
            _("{why}\n\nSave it somewhere else?").format(why=why),
            parent=self,
        )
        save_as = box.addButton(_("Save as…"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setObjectName("cannot-save")
        box.buttonClicked.connect(lambda button: self.choose_save_as() if button is save_as else None)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.cannot_save_box = box
        box.open()  # (not exec: the window keeps running; a test clicks the button)

    def open_settings(self) -> None:
        """The Settings dialog (backend, key, hosting, output folder, theme)."""
        from portrait_studio.ui.dialogs.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.settings, self)
        dialog.settings_changed.connect(self.apply_settings)
        self.settings_dialog = dialog
        dialog.exec()

    # ------------------------------------------------------------------ drag and drop, keys
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

    # ------------------------------------------------------------------ reactions
    def _on_current_changed(self, index: int) -> None:
        photo = self.session.photos[index]
        if self.controls.seed_lock.isChecked() and photo.params.seed != self.controls.params().seed:
            self.session.set_params(index, photo.params.replace(seed=self.controls.params().seed))
        self.controls.set_params(photo.params)  # (a locked seed follows from photo to photo)
        self.setWindowTitle(f"{photo.path.name} — {APP_NAME}")
        self._show_history()
        self._update_status_bar()

    def _on_photo_changed(self, index: int) -> None:
        if index == self.session.current_index:
            self._show_history()
        self._update_status_bar()  # (the session's cost counts every photo's runs)

    def _on_params_changed(self, params: EditParams) -> None:
        i = self.session.current_index
        if i < 0 or self.faces_flow.take_params(params):  # (a selected face's own strengths)
            return
        self.session.set_params(i, params, show_preview=True)
        self.preview.request(params)

    def _on_preview_ready(self, key: object, _image: QImage, ms: float) -> None:
        self.last_preview_ms = ms
        photo = self.session.current
        if photo is not None and photo.send_path == key:
            self.preview_shown.emit(ms)

    def _show_history(self) -> None:
        photo = self.session.current
        if self.history_panel is not None and photo is not None and photo.sha256:
            self.history_panel.set_photo(photo.sha256, photo.path)

    def _on_settings(self, settings: Settings) -> None:
        """Settings were chosen: the captions, the status bar, the theme and the panels follow."""
        self.controls.set_backend(settings.backend)
        self.compare_binding.backend = settings.backend
        self.compare_binding.refresh()
        self.backend_label.setText(text.backend_label(settings.backend, settings.base_url))
        self.run_panel.show_key_needed(*_key_needed(settings))
        self._update_status_bar()
        if self.batch_queue is not None:  # the batch follows the backend and the daily budget cap
            from portrait_studio.api.batch import default_concurrency

            self.batch_queue.budget_cap = settings.budget_cap
            self.batch_queue.set_concurrency(default_concurrency(settings.backend))
        if self.history_panel is not None:
            self.history_panel.set_budget_cap(settings.budget_cap)
        current = self.session.current_index
        if current >= 0:
            self.run_flow.show_result(current)

    def _apply_theme(self, theme: str) -> None:
        """Follow the Settings' theme (system / light / dark)."""
        from portrait_studio.ui.style.theme import ThemeFollower, apply_theme

        app = QApplication.instance()
        follower = app.findChild(ThemeFollower) if app is not None else None
        if follower is not None:
            follower.set_theme(theme)
        elif isinstance(app, QApplication):
            apply_theme(app, theme)

    # ------------------------------------------------------------------ view
    def set_compare_mode(self, mode: str) -> None:
        """split / side / toggle."""
        self.compare.set_mode(mode)
        self.window_actions.mode_actions[mode].setChecked(True)

    def toggle_preview(self, on: bool) -> None:
        """Turn the live local preview on or off."""
        self.preview.enabled = self.compare_binding.preview_enabled = on
        photo = self.session.current
        if photo is not None and photo.result_path is None and on:
            self.preview.request(photo.params)
        self.compare_binding.refresh()

    def _update_zoom_label(self) -> None:
        photo, image = self.session.current, self.compare.before
        if photo is None or image is None or not photo.source_size:
            self.zoom_label.setText("")
            return
        # The view's scale is per working-copy pixel; photographers read zoom per pixel of the file shown, and
        # one_to_one is the scale at which those match: the result's own pixels when one is shown, else the
        # original's (1.0 for a fixed copy: its own pixels are the photo).
        view = self.compare
        percent = 100 * view.scale / view.one_to_one
        shown = _("Fit ({percent:.0f} %)").format(percent=percent) if view.fit else f"{percent:.0f} %"
        if abs(view.one_to_one - view.before_one_to_one) > 1e-6:  # a model-size result: say both
            original = 100 * view.scale / view.before_one_to_one
            shown += _(" · original {percent:.0f} %").format(percent=original)
        self.zoom_label.setText(shown)

    def _update_status_bar(self) -> None:
        photo = self.session.current
        failed = photo is not None and photo.load_failed
        self.faces_label.setText(
            text.faces(photo.face_count if photo else None, opened=photo is not None, failed=failed)
        )
        self.cost_label.setText(text.session_cost(self.session.total_cost))
        self._update_zoom_label()

    def request_detail(self) -> bool:
        """Zoomed in past the working copy's resolution: fetch the original's pixels for the visible part."""
        return self.view_flow.request_detail()

    def compare_versions(self, older: JournalRow | None, newer: JournalRow | None) -> None:
        """History ▸ Compare: two versions (or the original and a version) in the compare view."""
        self.history_flow.compare_versions(older, newer)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.compare and event.type() == QEvent.Type.Paint:
            self.compare.removeEventFilter(self)  # only the first paint matters
            self._late_timer.start(0)
        return False

    # ------------------------------------------------------------------ docks, after the first paint
    def _build_late_docks(self) -> None:
        # Warm up after the first paint: imports and the local gateway start would otherwise land on the
        # first open and the first Run (measured: 100+ ms GUI stalls from imports holding the GIL).
        self._warming = {"loader", "run"}
        self.open_flow.warm_up()
        self.runner.prepared.connect(lambda _why: self._warmed("run"))
        self.runner.prepare()
        try:
            self._build_presets_dock()
        except Exception as err:  # presets are a convenience: a broken store must not stop retouching
            log.warning("presets panel not available: %s", err)
        journal = self.executor.journal()
        if journal is not None:
            for build in (self._build_history_dock, self._build_batch_dock):
                try:
                    build(journal)
                except Exception as err:  # a sibling panel that is missing or broken must not stop the window
                    log.warning("%s not available: %s", build.__name__, err)
        from portrait_studio.ui.window.docks import add_about, add_keyboard_sheet

        add_keyboard_sheet(self.window_actions.help_menu, self)
        add_about(self.window_actions.help_menu, self)
        if journal is not None:  # finish what a crash interrupted (never resubmits a possibly-paid task)
            from portrait_studio.ui.window.resume_flow import ResumeFlow

            self.resume_flow = ResumeFlow(journal, self)
            self.resume_flow.message.connect(self.statusBar().showMessage)
            self.resume_flow.start()

    def _dock(
        self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea, menu_text: str
    ) -> QDockWidget:
        from portrait_studio.ui.window.docks import add_dock

        menu = self.window_actions.panels_menu
        self.docks[name] = add_dock(self, menu, title, name, widget, area, menu_text)
        return self.docks[name]

    def _build_presets_dock(self) -> None:
        """The presets panel under the edit controls; a preset applied sets the current photo's parameters."""
        from portrait_studio.core.presets import PresetStore
        from portrait_studio.ui.panels.presets_panel import PresetsPanel

        store = self._preset_store if self._preset_store is not None else PresetStore()
        panel = PresetsPanel(
            store, current_params=self.controls.params, parent=self,
            current_result_size=self.controls.result_size.current,
        )  # fmt: skip
        panel.preset_applied.connect(self._apply_preset)
        panel.error.connect(lambda message: self.statusBar().showMessage(message, 10000))
        self.presets_panel = panel
        dock = self._dock(
            _("Presets"), "presets", panel, Qt.DockWidgetArea.RightDockWidgetArea, _("&Presets")
        )
        self.splitDockWidget(self.edit_dock, dock, Qt.Orientation.Vertical)

    def _apply_preset(self, name: str, params: EditParams) -> None:
        """A preset goes onto every photo selected in the filmstrip (the shown one alone: it), and its result
        size becomes the Result choice (a preset is settings and where the result goes, as in `retouch`)."""
        self.shoot.sync.apply_to_selected(self._keep_locked_seed(params), shown_name(name))
        if self.presets_panel is not None:
            with contextlib.suppress(PresetError):  # (deleted meanwhile: its strengths were applied)
                self.controls.result_size.choose(self.presets_panel.store.get(name).result_size)

    def _keep_locked_seed(self, params: EditParams) -> EditParams:
        # A preset is "named EditParams without the image": a locked seed stays as it is.
        if self.controls.seed_lock.isChecked():
            return params.replace(seed=self.controls.params().seed)
        return params

    def _build_history_dock(self, journal: Journal) -> None:
        """Versions of the current photo from the journal; compare two, or make one current (undo)."""
        from portrait_studio.ui.panels.history_panel import HistoryPanel

        panel = HistoryPanel(journal, parent=self)
        panel.set_budget_cap(self.settings.budget_cap)
        panel.compare_requested.connect(self.compare_versions)
        panel.version_restored.connect(self.show_version)
        panel.error.connect(lambda message: self.statusBar().showMessage(message, 10000))
        self.history_panel = panel
        self.history_flow.name_of = panel.version_name
        self._dock(
            _("History"), "history", panel, Qt.DockWidgetArea.BottomDockWidgetArea, _("&History")
        ).hide()
        self._show_history()

    def _build_batch_dock(self, journal: Journal) -> None:
        """Batch from the filmstrip (Retouch selected…), the watch folder; the Batch dock lists the queue."""
        from portrait_studio.ui.panels.batch_panel import BatchPanel
        from portrait_studio.ui.window.batch_flow import BatchFlow
        from portrait_studio.ui.window.watch_flow import WatchController

        backend, show = self.runner.worker.backend, self.run_flow.show_result

        def size_for(path: Path) -> str:  # (read on a batch thread: the choice is a plain attribute)
            i, choice = self.session.index_of(path), self.controls.result_size
            return choice.size_for(self.session.photos[i]) if i >= 0 else choice.chosen or "original"

        flow = BatchFlow(
            self.session, journal, backend, self._current_settings, show, self,
            show_params=self.controls.set_params, size_for=size_for,
        )  # fmt: skip
        watch = WatchController(
            self.session, lambda paths: self.open_flow.open_paths(paths, quiet=True), backend, journal,
            self._current_settings, show, self.io, self, show_params=self.controls.set_params,
        )  # fmt: skip
        self.batch_flow, self.watch_flow = flow, watch
        self.shoot.attach(flow, watch)
        # Adding photos in the dock puts them in the filmstrip, selected, and asks how to retouch them.
        panel = BatchPanel(
            flow.queue, parent=self, autostart=False,
            on_add=lambda paths: self.shoot.add_to_filmstrip(paths, self.open_paths),
            on_retouch=self.shoot.retouch_selected,
        )  # fmt: skip
        self.batch_queue, self.batch_panel = flow.queue, panel
        # Settings changed while photos were running wait for the batch too (they share the Run worker's
        # backend), until it is done or paused by the budget: a paused batch never "finishes".
        flow.settled.connect(self.settings_flow.apply_pending)
        dock = self._dock(_("Batch"), "batch", panel, Qt.DockWidgetArea.BottomDockWidgetArea, _("&Batch"))
        if "history" in self.docks:
            self.tabifyDockWidget(self.docks["history"], dock)
        dock.hide()
        self.shoot.batch_list_requested.connect(panel.refresh)  # (its Resume shown with the dock, not after)
        self.shoot.batch_list_requested.connect(dock.show)
        self.shoot.batch_list_requested.connect(dock.raise_)  # (in front of History, tabbed with it)

    def _warmed(self, part: str) -> None:
        self._warming.discard(part)
        if not self._warming:
            self.warmed_up.emit()

    # ------------------------------------------------------------------ close
    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._may_close():
            event.ignore()
            return
        self.shutdown()
        super().closeEvent(event)

    def _may_close(self) -> bool:
        """Ctrl+Q / closing with results not saved as files asks: Save all (then closes), Discard, Cancel."""
        flow = self.shoot_flow
        if flow is not None and not self._closed and not self._quit_confirmed:
            from portrait_studio.ui.window.shoot_menu import ask_quit_busy

            busy = self.shoot.busy_words()  # (a batch running, a folder watched: asked first)
            if busy and not ask_quit_busy(self, busy):
                return False
        unsaved = flow.unsaved() if flow is not None and not self._closed and not self._quit_confirmed else []
        if flow is None or not unsaved:
            return True
        answer = ask_unsaved(self, len(unsaved))
        if answer == "discard":
            flow.discard(unsaved)
            return True
        if answer == "save":
            sf = self.save_flow
            flow.save_all(unsaved, sf.quick_save, sf.saved, sf.save_failed, self._saved_all)
        return False

    def _saved_all(self, ok: bool) -> None:
        if ok:
            self._quit_confirmed = True
            self.close()

    def shutdown(self) -> None:
        """Stop timers and every worker thread, waiting for them (idempotent)."""
        if self._closed:
            return
        self._closed = True
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.image_keys)
        self._late_timer.stop()
        self.view_flow.stop()
        self.preview.stop()
        if self.watch_flow is not None:
            self.watch_flow.stop()  # joins the watcher's threads and its queue's (before the backend)
        if self.batch_flow is not None:
            self.batch_flow.close()  # cancels what is left and joins the batch threads (before the backend)
        if self.shoot_flow is not None:  # (after the batch and the watch: their photos as they end)
            self.shoot_flow.stop()  # (the photos as they are now, for the next start)
        if self.resume_flow is not None:
            self.resume_flow.stop()  # before the journal closes below
        for runner in (self.runner, self.loader, self.io, self.scaler):
            runner.stop()
        if self.docks:
            from portrait_studio.ui.window.docks import panel_of

            for dock in self.docks.values():
                stop = getattr(panel_of(dock), "shutdown", None)  # panels with a thread of their own
                if stop is not None:
                    stop()
        self.executor.close()  # every thread has stopped: nothing uses the journal any more


def _paint(widget: QWidget, **roles: QColor) -> None:
    """Set palette colours on one widget (cheaper at start-up than a style sheet, which re-polishes all)."""
    palette = widget.palette()
    for role, colour in roles.items():
        palette.setColor(getattr(QPalette.ColorRole, role.capitalize()), colour)
    widget.setPalette(palette)
    widget.setAutoFillBackground(True)


def _key_needed(settings: Settings) -> tuple[bool, str]:
    """(the cloud is chosen without an API key, the site where a key is made: the gateway's own origin)."""
    if settings.backend != "cloud":
        return False, ""  # (the keyring is not even asked: start-up time)
    from urllib.parse import urlparse

    from portrait_studio.api.keys import get_api_key

    url = urlparse(settings.base_url.strip())
    site = f"{url.scheme}://{url.netloc}" if url.scheme in ("http", "https") and url.netloc else ""
    return not get_api_key(), site


def _typing() -> bool:
    """True when a text field has the focus (arrows and Space belong to it)."""
    return isinstance(QApplication.focusWidget(), QLineEdit)


__all__ = ["MainWindow"]
