"""The filmstrip: one thumbnail per open photo with its status badge; click or ←/→ to move between them.

Several photos can be selected (Ctrl/Shift-click, Ctrl+A) for the verbs that act on a selection (Retouch
selected…, Paste / Sync settings, a preset): `selected_indexes()`. A photo in the batch shows its progress
along the bottom of its thumbnail and its result badge when done. The right-click menu holds the actions
given to `set_menu_actions` (the window's; the strip only shows them).
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QItemSelectionModel, QRectF, QSize, Qt
from PySide6.QtGui import QAction, QColor, QFont, QIcon, QImage, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QListWidget, QListWidgetItem, QWidget

from portrait_studio.core.i18n import N_, _
from portrait_studio.ui.model.session import (
    BLOCKED,
    EDITED,
    FAILED,
    LOADING,
    MISSING,
    NEEDS_FIX,
    QUEUED,
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
    QUEUED: QColor(120, 140, 170),
    EDITED: QColor(90, 190, 110),
    SAVED: QColor(150, 150, 150),
    MISSING: QColor(150, 110, 110),
}
BADGE_TEXT = {
    NEEDS_FIX: N_("FIX"),
    BLOCKED: N_("NO GO"),
    FAILED: N_("ERR"),
    RUNNING: "…",
    QUEUED: N_("QUEUED"),
    EDITED: N_("EDITED"),
    SAVED: N_("SAVED"),
    MISSING: N_("MISSING"),
}


class Filmstrip(QListWidget):
    """A horizontal strip of thumbnails that follows a `Session` (views subscribe to their model)."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filmstrip")
        self.session = session
        self._drawn: dict[int, tuple[object, ...]] = {}  # row → what its tile shows (thumb, status, progress)
        self._scaled: dict[int, tuple[int, QImage]] = {}  # row → its thumbnail at tile size (by cacheKey)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setMovement(QListView.Movement.Static)
        self.setIconSize(TILE)
        self.setSpacing(4)
        self.setUniformItemSizes(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Ctrl/Shift-click and Ctrl+A select several photos; the current one (shown) is the last clicked.
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
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
        progress = photo.progress if photo.status == RUNNING else None
        if progress is not None:
            progress = round(progress * 20) / 20  # drawn in 5 % steps: a task reports far more often
        # A photo changes for many reasons (its settings, a preview); its tile only for these. Measured: a
        # 120-photo watch burst redrew 1 300 tiles at ~4 ms each on the GUI thread before this.
        drawn = (photo.thumb.cacheKey() if photo.thumb is not None else None, photo.status, progress)
        if self._drawn.get(index) != drawn:
            self._drawn[index] = drawn
            item.setIcon(QIcon(self._tile(photo.thumb, photo.status, progress, index)))
        line = photo.run_text.splitlines()[0] if photo.run_text else ""
        item.setToolTip("\n".join(t for t in (str(photo.path), _(photo.status), line, photo.error) if t))
        item.setData(Qt.ItemDataRole.UserRole, photo.status)

    def _on_current(self, index: int) -> None:
        if self.currentRow() != index:
            # Moving within the selection (←/→ through the photos picked) keeps it; elsewhere it starts anew.
            item = self.item(index)
            keep = item is not None and item.isSelected()
            flag = QItemSelectionModel.SelectionFlag
            self.blockSignals(True)
            self.setCurrentRow(index, flag.NoUpdate if keep else flag.ClearAndSelect)
            self.blockSignals(False)
        self.scrollToItem(self.item(index))

    # ------------------------------------------------------------------ selection (the verbs act on it)
    def selected_indexes(self) -> list[int]:
        """The selected photos' session indexes, in order; the current photo when none is selected."""
        rows = sorted(self.row(item) for item in self.selectedItems())
        if not rows and self.session.current_index >= 0:
            return [self.session.current_index]
        return rows

    def select_indexes(self, indexes: Iterable[int]) -> None:
        """Select exactly these photos (the current one stays current)."""
        wanted = set(indexes)
        self.blockSignals(True)  # (selecting must not move the current photo)
        for row in range(self.count()):
            self.item(row).setSelected(row in wanted)
        self.blockSignals(False)

    def select_all_photos(self) -> None:
        """Ctrl+A: every photo of the shoot."""
        self.select_indexes(range(self.count()))

    def set_menu_actions(self, actions: Iterable[QAction | None]) -> None:
        """The right-click menu (None: a separator)."""
        for action in actions:
            if action is None:
                action = QAction(self)
                action.setSeparator(True)
            self.addAction(action)

    def _scaled_thumb(self, thumb: QImage, row: int) -> QImage:
        """The thumbnail at tile size (~50 KB), kept per photo: a batch redraws each tile many times."""
        kept = self._scaled.get(row)
        if kept is None or kept[0] != thumb.cacheKey():
            scaled = thumb.scaled(
                TILE, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation
            )
            kept = self._scaled[row] = (thumb.cacheKey(), scaled)
        return kept[1]

    def _tile(
        self, thumb: QImage | None, status: Status, progress: float | None = None, row: int = -1
    ) -> QPixmap:
        """Thumbnail centred on a dark tile with the status badge in its corner."""
        pix = QPixmap(TILE)
        pix.fill(QColor(28, 28, 30))
        p = QPainter(pix)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if thumb is not None:
            scaled = self._scaled_thumb(thumb, row)
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
            if progress is not None:
                text = f"{round(progress * 100)} %"
            w = p.fontMetrics().horizontalAdvance(text) + 10
            rect = QRectF(TILE.width() - w - 4, 4, w, 15)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(colour)
            p.drawRoundedRect(rect, 3, 3)
            p.setPen(QColor(15, 15, 15))
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        if status in (RUNNING, QUEUED):  # a batch photo: how far its task is, along the tile's bottom
            track = QRectF(6, TILE.height() - 9, TILE.width() - 12, 5)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(0, 0, 0, 160))
            p.drawRoundedRect(track, 2, 2)
            if progress is not None:
                p.setBrush(BADGE_COLOURS[RUNNING])
                p.drawRoundedRect(QRectF(track.x(), track.y(), track.width() * progress, 5), 2, 2)
        p.end()
        return pix


__all__ = ["Filmstrip"]
