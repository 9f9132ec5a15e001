"""Docks of the panels other modules provide (presets, history, batch) and the About box."""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QWidget

if TYPE_CHECKING:
    from portrait_studio.ui.window.main_window import MainWindow

log = logging.getLogger(__name__)


def _dock(w: MainWindow, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
    dock = QDockWidget(title, w)
    dock.setObjectName(f"{name}-dock")
    dock.setWidget(widget)
    w.addDockWidget(area, dock)
    w.panels_menu.addAction(dock.toggleViewAction())
    w._optional_docks[name] = dock
    return dock


def build_presets_dock(w: MainWindow) -> QDockWidget:
    """The presets panel under the edit controls; applying a preset sets the current photo's parameters."""
    from portrait_studio.core.presets import PresetStore
    from portrait_studio.ui.panels.presets_panel import PresetsPanel

    store = w._preset_store if w._preset_store is not None else PresetStore()
    panel = PresetsPanel(store, current_params=w.controls.params, parent=w)
    # A preset is "named EditParams without the image" (ARCHITECTURE.md): a locked seed stays as it is.
    panel.preset_applied.connect(lambda _name, params: w.set_params(_keep_locked_seed(w, params)))
    panel.error.connect(lambda text: w.statusBar().showMessage(text, 10000))
    w.presets_panel = panel
    dock = _dock(w, "Presets", "presets", panel, Qt.DockWidgetArea.RightDockWidgetArea)
    w.splitDockWidget(w.edit_dock, dock, Qt.Orientation.Vertical)
    return dock


def _keep_locked_seed(w: MainWindow, params: Any) -> Any:
    if w.controls.seed_lock.isChecked():
        return params.replace(seed=w.controls.params().seed)
    return params


def build_history_dock(w: MainWindow, journal: Any) -> QDockWidget:
    """Versions of the current photo from the journal; compare two, or make one current (undo)."""
    from portrait_studio.ui.panels.history_panel import HistoryPanel

    panel = HistoryPanel(journal, parent=w)
    panel.set_budget_cap(w.settings.budget_cap)
    panel.compare_requested.connect(w.compare_versions)
    panel.version_restored.connect(w.show_version)
    panel.error.connect(lambda text: w.statusBar().showMessage(text, 10000))
    w.history_panel = panel
    dock = _dock(w, "History", "history", panel, Qt.DockWidgetArea.BottomDockWidgetArea)
    dock.hide()  # View ▸ Panels ▸ History; the canvas keeps its height by default
    return dock


def build_batch_dock(w: MainWindow, journal: Any) -> QDockWidget:
    """The batch queue: the same pipeline over many photos, each with its own parameters when it is open."""
    from portrait_studio.api.batch import BatchQueue, default_concurrency
    from portrait_studio.api.pipeline import run_edit
    from portrait_studio.ui.panels.batch_panel import BatchPanel

    def params_for(path: Any) -> Any:
        # Read on a batch thread: EditParams is immutable, so taking the reference is safe.
        i = w.session.index_of(path)
        return w.session.photos[i].params if i >= 0 else w.controls.params()

    def run_one(path: Any, progress: Any, cancel: Any) -> Any:
        backend = w.runner.worker.backend()
        return run_edit(
            backend,
            path,
            params_for(path),
            journal=journal,
            settings=w.settings,
            out_dir=w.settings.output_folder(),  # Settings' output folder; None: next to each original
            on_progress=progress,
            cancel=cancel,
            budget_cap=queue.budget_cap,
            pace=queue.pace,
        )

    queue = BatchQueue(run_one, concurrency=default_concurrency(w.settings.backend))
    queue.budget_cap = w.settings.budget_cap
    panel = BatchPanel(queue, parent=w)
    w.batch_queue, w.batch_panel = queue, panel
    # Settings changed while photos were running wait for the batch too (they share the Run worker's backend),
    # until it is done or paused by the budget: a paused batch never "finishes".
    panel.settled.connect(lambda: None if w.runner.busy else w._apply_pending_settings())
    dock = _dock(w, "Batch", "batch", panel, Qt.DockWidgetArea.BottomDockWidgetArea)
    w.tabifyDockWidget(w._optional_docks["history"], dock) if "history" in w._optional_docks else None
    dock.hide()
    return dock


def add_about(w: MainWindow) -> None:
    """Help ▸ About (licences, including the MediaPipe weights notice)."""
    try:
        about = importlib.import_module("portrait_studio.ui.dialogs.about_dialog")
    except ImportError as err:
        log.warning("About dialog not available: %s", err)
        return
    show = getattr(about, "show_about", None)
    cls = getattr(about, "AboutDialog", None)
    action = w.help_menu.addAction("&About Portrait Studio")
    if show is not None:
        action.triggered.connect(lambda: show(w))
    elif cls is not None:
        action.triggered.connect(lambda: cls(w).exec())


__all__ = ["add_about", "build_batch_dock", "build_history_dock", "build_presets_dock"]
