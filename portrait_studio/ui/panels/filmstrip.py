"""The filmstrip: one thumbnail per open photo with its status badge; click or ←/→ to move between them."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QImage, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QListWidget, QListWidgetItem, QWidget

from portrait_studio.core.i18n import N_, _
from portrait_studio.ui.model.session import (
    BLOCKED,
    EDITED,
    FAILED,
    LOADING,
    NEEDS_FIX,
    RUNNING,
    SAVED,
    Session,
    Status,
)

TILE = QSize(132, 100)
BADGE_COLOURS = {
    NEEDS_FIX: QColor(230, 160, 40),
    BLOCKED: QColor(150, 110, 110),
    FAILED: QColor(220, 70, 60),
    RUNNING: QColor(80, 150, 240),
    EDITED: QColor(90, 190, 110),
    SAVED: QColor(150, 150, 150),
}
BADGE_TEXT = {
    NEEDS_FIX: N_("FIX"),
    BLOCKED: N_("NO GO"),
    FAILED: N_("ERR"),
    RUNNING: "…",
    EDITED: "EDITED",
    SAVED: "SAVED",
}


class Filmstrip(QListWidget):
    """A horizontal strip of thumbnails that follows a `Session` (views subscribe to their model)."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filmstrip")
        self.session = session
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setMovement(QListView.Movement.Static)
        self.setIconSize(TILE)
        self.setSpacing(4)
        self.setUniformItemSizes(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setFixedHeight(TILE.height() + 46)
        self.setFrameShape(QListWidget.Shape.NoFrame)
        palette = self.palette()  # the strip belongs to the dark canvas, whatever the theme
        palette.setColor(QPalette.ColorRole.Base, QColor(30, 30, 32))
        palette.setColor(QPalette.ColorRole.Text, QColor(190, 190, 190))
        palette.setColor(QPalette.ColorRole.Highlight, QColor(61, 74, 92))
        palette.setColor(QPalette.ColorRole.HighlightedText, QColor(235, 235, 235))
        self.setPalette(palette)
        session.added.connect(self._on_added)
        session.photo_changed.connect(self._on_changed)
        session.current_changed.connect(self._on_current)
        self.currentRowChanged.connect(session.set_current)

    def _on_added(self, start: int, count: int) -> None:
        for i in range(start, start + count):
            item = QListWidgetItem(self.session.photos[i].path.name)
            item.setSizeHint(QSize(TILE.width() + 8, TILE.height() + 30))
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
            self.addItem(item)
            self._on_changed(i)

    def _on_changed(self, index: int) -> None:
        item = self.item(index)
        if item is None:
            return
        photo = self.session.photos[index]
        item.setIcon(QIcon(self._tile(photo.thumb, photo.status)))
        item.setToolTip(f"{photo.path}\n{_(photo.status)}")
        item.setData(Qt.ItemDataRole.UserRole, photo.status)

    def _on_current(self, index: int) -> None:
        if self.currentRow() != index:
            self.blockSignals(True)
            self.setCurrentRow(index)
            self.blockSignals(False)
        self.scrollToItem(self.item(index))

    def _tile(self, thumb: QImage | None, status: Status) -> QPixmap:
        """Thumbnail centred on a dark tile with the status badge in its corner."""
        pix = QPixmap(TILE)
        pix.fill(QColor(28, 28, 30))
        p = QPainter(pix)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if thumb is not None:
            scaled = thumb.scaled(
                TILE, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation
            )
            p.drawImage((TILE.width() - scaled.width()) // 2, (TILE.height() - scaled.height()) // 2, scaled)
        elif status == LOADING:
            p.setPen(QColor(120, 120, 120))
            p.drawText(pix.rect(), Qt.AlignmentFlag.AlignCenter, "loading…")
        colour = BADGE_COLOURS.get(status)
        if colour is not None:
            font = QFont(self.font())
            font.setPointSizeF(7.0)
            font.setBold(True)
            p.setFont(font)
            text = _(BADGE_TEXT[status])
            w = p.fontMetrics().horizontalAdvance(text) + 10
            rect = QRectF(TILE.width() - w - 4, 4, w, 15)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(colour)
            p.drawRoundedRect(rect, 3, 3)
            p.setPen(QColor(15, 15, 15))
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        p.end()
        return pix


__all__ = ["Filmstrip"]
