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
from portrait_studio.core.images import (
    SAVE_FORMATS,
    encode_image,
    load_image,
)  # SAVE_FORMATS: suffix → format

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
    """`x.retouched.jpg` → `x.retouched.json`: api/output.py's rule, as the CLI and the batch name theirs."""
    from portrait_studio.api.output import sidecar_for

    return sidecar_for(path)


def free_name(path: Path) -> Path:
    """`path` or its first `-2`, `-3`… whose sidecar is free too (`x.retouched.png` holds `x.retouched.json`,
    so a JPEG saved next to it takes `x.retouched-2.jpg`)."""
    from portrait_studio.core.fileio import numbered

    return next(p for p in numbered(path) if not p.exists() and not sidecar_path(p).exists())


def is_same_file(a: Path, b: Path) -> bool:
    """True when both paths name the same file (resolving links and case on case-insensitive systems)."""
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return a.resolve() == b.resolve()


def write_result(request: SaveRequest, result_path: Path, original: Path, sidecar: dict[str, Any]) -> Saved:
    """Write the result in the asked format, and its sidecar (both atomic): at the result's own size, bit
    depth and colour profile (a 16-bit Adobe RGB TIFF result is saved as one), with the original's EXIF."""
    from portrait_studio.core.fileio import atomic_write_json

    if not request.new_name and is_same_file(request.path, original):
        raise ImageError(
            request.path,
            _("this is the original photo."),
            _("Choose another file name: originals are never replaced."),
        )
    data, facts, note, xmp = result_bytes(request, result_path, original)
    path = _write(request, data)
    if xmp is not None:  # a format that cannot hold XMP (WebP): the `.xmp` sidecar catalogs read
        from portrait_studio.core.fileio import atomic_write_bytes
        from portrait_studio.core.metadata import sidecar_xmp

        atomic_write_bytes(sidecar_xmp(path), xmp)
    if request.sidecar:
        atomic_write_json(
            sidecar_path(path),
            {**sidecar, **facts, "original": str(original), "saved": str(path), "format": request.fmt},
        )
    return Saved(path, note)


def result_bytes(
    request: SaveRequest, result_path: Path, original: Path
) -> tuple[bytes, dict[str, Any], str, bytes | None]:
    """(the saved file's bytes, the sidecar's facts about them, a note for the photographer or "", an XMP
    packet the format could not hold — for a `.xmp` sidecar — or None).

    The result in its own format is copied as it is (the pipeline wrote it at full depth with the original's
    profile, EXIF, XMP, IPTC and the edit's record; a JPEG is not compressed a second time); another format is
    encoded from its pixels at their depth where the format holds it (TIFF, PNG: 16 bits, through
    core.deep_io), else at 8 bits, and the result's metadata (EXIF, XMP with the edit's record, IPTC) is put
    into the new file (core.metadata.embed). Its own ICC profile is kept: the original's would be wrong on a
    model-size result, which is sRGB.
    """
    import numpy as np

    from portrait_studio.core import deep_io
    from portrait_studio.core.colour import Space, quantise
    from portrait_studio.core.metadata import Metadata, embed, read_metadata

    deep = deep_io.read_deep(result_path)
    pixels, icc, alpha = deep.pixels, deep.icc_profile, deep.alpha
    h, w = pixels.shape[:2]
    lossless = request.fmt in ("TIFF", "PNG")
    if request.keep_metadata and request.fmt == deep.format and (lossless or request.new_name):
        facts = {"size": [w, h], "bits": deep.bits}
        return result_path.read_bytes(), facts, "", None
    note, meta = "", Metadata()
    if request.keep_metadata:
        meta = read_metadata(result_path)
        if meta.exif is None:  # (a result written without it): the original's, read from a tiny decode
            try:
                meta = Metadata(exif=load_image(original, max_side=64).exif, xmp=meta.xmp, iptc=meta.iptc)
            except (
                ImageError
            ) as err:  # moved, deleted, its card ejected: the paid result is saved all the same
                log.warning("saving without the original's EXIF: %s", err)
                note = _("without the original's EXIF: the original could not be read")
    space = Space.of(icc, deep.channels)
    if not request.keep_metadata and not space.is_srgb_like:
        # Without a profile the file is read as sRGB: its pixels must be sRGB then.
        pixels, icc = quantise(space.to_srgb(pixels), pixels.dtype), None
    elif deep.channels == 4:  # CMYK (a model-size result never is): saved as sRGB
        pixels, icc = quantise(space.to_srgb(pixels), pixels.dtype), None
    data: bytes | None = None
    bits = 8
    if lossless and pixels.dtype == np.uint16:  # TIFF and PNG hold 16 bits: kept (PNG: grey or RGB)
        if request.fmt == "TIFF":
            data, bits = deep_io.tiff_bytes(pixels, icc, alpha=alpha), 16
        elif pixels.shape[-1] in (1, 3):
            data, bits = deep_io.png_bytes(pixels, icc, alpha=alpha), 16
    if data is None:  # 8 bits (JPEG, WebP, or an 8-bit result)
        eight = deep_io.eight_bits(pixels)
        rgb = np.repeat(eight, 3, axis=-1) if eight.shape[-1] == 1 else eight
        # The EXIF goes in with the rest below (embed), except into WebP, which only Pillow writes it into
        # (and Pillow's TIFF writer refuses an EXIF block with its own sub-directories).
        exif = meta.exif if request.fmt == "WEBP" else None
        data = encode_image(rgb, request.fmt, quality=request.quality, icc_profile=icc, exif=exif)
    facts = {"size": [w, h], "bits": bits}
    if not request.keep_metadata or (meta.exif is None and meta.xmp is None and meta.iptc is None):
        return data, facts, note, None
    tagged = embed(data, exif=meta.exif, xmp=meta.xmp, iptc=meta.iptc)
    if tagged is None:  # WebP: Pillow wrote the EXIF; the XMP goes beside it
        return data, facts, note, meta.xmp
    return tagged, facts, note, None


def _write(request: SaveRequest, data: bytes) -> Path:
    """Atomic; a new name is taken exclusively (-2, -3… when another save or process has it)."""
    from portrait_studio.core.fileio import atomic_write_bytes, create_unique

    try:
        if request.new_name:  # (a name whose sidecar another result holds is skipped too: free_name)
            return create_unique(free_name(request.path), data)
        return atomic_write_bytes(request.path, data)
    except OSError as err:
        raise ImageError(
            request.path,
            _("could not be written ({error}).").format(error=err.strerror or err),
            _("Check the folder and free space."),
        ) from err


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
        if path.suffix.lower() not in SAVE_FORMATS:  # (`x.retouched` has a suffix, but not a format's)
            path = path.with_name(path.name + self.format.currentData())
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


__all__ = [
    "FORMATS",
    "SaveAsDialog",
    "SaveRequest",
    "Saved",
    "format_for",
    "result_bytes",
    "sidecar_path",
    "write_result",
]
