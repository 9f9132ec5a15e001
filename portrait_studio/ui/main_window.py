"""The main window."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QMainWindow

from portrait_studio import APP_NAME

IMAGE_FILTER = "Images (*.jpg *.jpeg *.png *.webp *.tif *.tiff *.bmp *.heic *.heif);;All files (*)"


class MainWindow(QMainWindow):
    """Portrait Studio's main window (the full retouch loop grows here)."""

    files_chosen = Signal(list)

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle(APP_NAME)
        self.resize(1280, 820)
        self._canvas = QLabel("Open a portrait to begin\n\nCtrl+O, or drop photos here")
        self._canvas.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._canvas.setObjectName("canvas")
        self.setCentralWidget(self._canvas)

        self.open_action = QAction("&Open…", self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self._on_open)
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(self.open_action)
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        toolbar.addAction(self.open_action)
        self.statusBar().showMessage("Local engine · no photo")

    def _on_open(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Open photos", str(Path.home()), IMAGE_FILTER)
        if paths:
            self.files_chosen.emit([Path(p) for p in paths])
