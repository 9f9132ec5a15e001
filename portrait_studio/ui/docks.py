"""Docks of the panels other modules provide (presets, history, batch) and the About box."""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QWidget

if TYPE_CHECKING:
    from portrait_studio.ui.main_window import MainWindow

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
    from portrait_studio.ui.presets_panel import PresetsPanel

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


def build_optional_panel(w: MainWindow, module: str, cls: str, title: str) -> QDockWidget | None:
    """Dock `portrait_studio.ui.<module>.<cls>` if that panel exists and builds; else log why not."""
    try:
        factory = getattr(importlib.import_module(f"portrait_studio.ui.{module}"), cls)
        widget = _make_panel(factory, w)
    except Exception as err:  # a sibling panel that is missing or broken must not stop the window
        log.warning("%s panel not available: %s", title, err)
        return None
    dock = _dock(w, title, module.removesuffix("_panel"), widget, Qt.DockWidgetArea.BottomDockWidgetArea)
    dock.hide()  # opened from View ▸ Panels; the canvas keeps its height by default
    return dock


def _make_panel(factory: Any, w: MainWindow) -> QWidget:
    for kwargs in ({"parent": w}, {}):
        try:
            return factory(**kwargs)  # type: ignore[no-any-return]
        except TypeError:
            continue
    raise TypeError(f"{factory.__name__} needs arguments the window cannot give")


def add_about(w: MainWindow) -> None:
    """Help ▸ About (licences, including the MediaPipe weights notice)."""
    try:
        about = importlib.import_module("portrait_studio.ui.about_dialog")
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


__all__ = ["add_about", "build_optional_panel", "build_presets_dock"]
