"""Save as: choose file, format and quality; the write itself (`write_result`) runs off the GUI thread."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSlider,
    QSpinBox,
    QWidget,
)

from portrait_studio.core.errors import ImageError
from portrait_studio.core.i18n import _
from portrait_studio.core.images import SAVE_FORMATS  # one suffix → format table for every save

FORMATS = (("JPEG", ".jpg"), ("PNG", ".png"), ("WEBP", ".webp"), ("TIFF", ".tif"))
LOSSY = frozenset({"JPEG", "WEBP"})
DEFAULT_QUALITY = 92  # visually lossless for portraits at a third of PNG's size (libjpeg 4:4:4 at ≥90)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SaveRequest:
    """Where and how to save one result."""

    path: Path
    fmt: str = "JPEG"
    quality: int = DEFAULT_QUALITY
    keep_metadata: bool = True
    sidecar: bool = True
    new_name: bool = False  # `path` or, when taken, `-2`, `-3`…: chosen as the file is written (Ctrl+S)


@dataclass(frozen=True)
class Saved:
    """Where the result was saved, and what the photographer should know about it ("" when nothing)."""

    path: Path
    note: str = ""


def format_for(path: Path, default: str = "JPEG") -> str:
    """The format a file name asks for (by suffix)."""
    return SAVE_FORMATS.get(path.suffix.lower(), default)


def sidecar_path(path: Path) -> Path:
    """`photo.jpg` → `photo.jpg.json` (kept next to the image, like darktable's `.xmp`)."""
    return path.with_name(path.name + ".json")


def is_same_file(a: Path, b: Path) -> bool:
    """True when both paths name the same file (resolving links and case on case-insensitive systems)."""
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return a.resolve() == b.resolve()


def write_result(request: SaveRequest, result_path: Path, original: Path, sidecar: dict[str, Any]) -> Saved:
    """Write the result in the asked format with the original's EXIF/ICC, and its sidecar (both atomic)."""
    import numpy as np
    from PIL import Image

    from portrait_studio.core.fileio import atomic_write_json
    from portrait_studio.core.images import load_image, save_image

    with Image.open(result_path) as im:
        rgb = np.asarray(im.convert("RGB"))
    icc = exif = None
    note = ""
    if request.keep_metadata:
        try:
            # Only the metadata is needed: a tiny reduced decode (JPEG DCT scaling) instead of all 24 MP.
            source = load_image(original, max_side=64)
            icc, exif = source.icc_profile, source.exif
        except ImageError as err:  # moved, deleted, its card ejected: the paid result is saved all the same
            log.warning("saving without the original's metadata: %s", err)
            note = _("without the original's EXIF and colour profile: the original could not be read")
    if not request.new_name and is_same_file(request.path, original):
        raise ImageError(
            request.path,
            _("this is the original photo."),
            _("Choose another file name: originals are never replaced."),
        )
    # A new name is taken exclusively (-2, -3… if another save or process has it): nothing is replaced.
    path = save_image(
        rgb,
        request.path,
        fmt=request.fmt,
        quality=request.quality,
        icc_profile=icc,
        exif=exif,
        new_name=request.new_name,
    )
    if request.sidecar:
        atomic_write_json(
            sidecar_path(path),
            {**sidecar, "original": str(original), "saved": str(path), "format": request.fmt},
        )
    return Saved(path, note)


class SaveAsDialog(QDialog):
    """File name, format, quality, metadata and sidecar choices; `request()` gives the answer."""

    def __init__(self, suggested: Path, original: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Save as"))
        self.setObjectName("save-dialog")
        self._original = original
        form = QFormLayout(self)
        self.path_edit = QLineEdit(str(suggested), self)
        browse = QPushButton(_("Browse…"), self)
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        form.addRow(_("File"), row)
        self.format = QComboBox(self)
        for name, suffix in FORMATS:
            self.format.addItem(name, suffix)
        self.format.setCurrentIndex(max(0, self.format.findText(format_for(suggested))))
        self.format.currentIndexChanged.connect(self._on_format)
        form.addRow(_("Format"), self.format)
        self.quality = QSpinBox(self)
        self.quality.setRange(1, 100)
        self.quality.setValue(DEFAULT_QUALITY)
        self.quality_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.quality_slider.setRange(1, 100)
        self.quality_slider.setValue(DEFAULT_QUALITY)
        self.quality_slider.valueChanged.connect(self.quality.setValue)
        self.quality.valueChanged.connect(self.quality_slider.setValue)
        qrow = QHBoxLayout()
        qrow.addWidget(self.quality_slider, 1)
        qrow.addWidget(self.quality)
        form.addRow(_("Quality"), qrow)
        self.keep_metadata = QCheckBox(_("Keep EXIF and colour profile of the original"), self)
        self.keep_metadata.setChecked(True)
        self.sidecar = QCheckBox(_("Write a JSON sidecar (settings, seed, task, cost)"), self)
        self.sidecar.setChecked(True)
        form.addRow("", self.keep_metadata)
        form.addRow("", self.sidecar)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self._on_format()

    def request(self) -> SaveRequest:
        """The choices as a SaveRequest."""
        path = Path(self.path_edit.text()).expanduser()
        if not path.suffix:
            path = path.with_suffix(self.format.currentData())
        return SaveRequest(
            path=path,
            fmt=format_for(path, self.format.currentText()),  # a typed ".png" means PNG
            quality=self.quality.value(),
            keep_metadata=self.keep_metadata.isChecked(),
            sidecar=self.sidecar.isChecked(),
        )

    def _on_format(self) -> None:
        lossy = self.format.currentText() in LOSSY
        self.quality.setEnabled(lossy)
        self.quality_slider.setEnabled(lossy)
        path = Path(self.path_edit.text())
        if path.name and format_for(path, "") != self.format.currentText():
            self.path_edit.setText(str(path.with_suffix(self.format.currentData())))

    def _browse(self) -> None:
        name, _chosen = QFileDialog.getSaveFileName(self, _("Save as"), self.path_edit.text())
        if name:
            self.path_edit.setText(name)
            self.format.setCurrentIndex(max(0, self.format.findText(format_for(Path(name)))))

    def _accept(self) -> None:
        path = self.request().path
        if is_same_file(path, self._original):
            QMessageBox.warning(
                self,
                _("Save as"),
                _("That is the original photo. Choose another name: originals are never replaced."),
            )
            return
        if path.exists():
            answer = QMessageBox.question(
                self, _("Save as"), _("{path} exists. Replace it?").format(path=path.name)
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.accept()


__all__ = ["FORMATS", "SaveAsDialog", "SaveRequest", "Saved", "format_for", "sidecar_path", "write_result"]
