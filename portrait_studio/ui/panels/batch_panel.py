"""Batch panel: a whole shoot through the queue — add files/folders, per-photo status and ETA, retry/skip.

In the window the queue is filled from the filmstrip (Retouch selected…: ui/window/batch_flow.py) and the
panel is its detailed list; its Add buttons and drops go to `on_add` (into the filmstrip, then the dialog).
Without `on_add` (a standalone panel) they queue the photos at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt, QThread, Signal, Slot
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from portrait_studio.api.batch import FINAL, BatchItem, BatchQueue, duration, summary
from portrait_studio.core.i18n import N_, _
from portrait_studio.ui import text as words
from portrait_studio.ui.threads.bridge import Bridge

ID_ROLE = Qt.ItemDataRole.UserRole
COLUMNS = [N_("Photo"), N_("Status"), N_("Progress"), N_("Time left"), N_("Result")]
STATUS_COLOURS = {"done": "#5fae6a", "failed": "#e06c5a", "cancelled": "#9a9a9a", "skipped": "#9a9a9a"}


class BatchPanel(QWidget):
    """A view and controls over api.batch.BatchQueue; queue callbacks arrive on worker threads."""

    item_updated = Signal(object)  # BatchItem, always delivered on the GUI thread
    finished = Signal()  # nothing queued or running any more
    settled = Signal()  # nothing running and nothing about to start: finished, or paused by the budget

    def __init__(
        self,
        queue: BatchQueue,
        parent: QWidget | None = None,
        *,
        autostart: bool = True,
        on_add: Callable[[list[Path]], object] | None = None,
        on_retouch: Callable[[], object] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("batch-panel")
        self.queue = queue
        self.autostart = autostart
        self._on_add = on_add
        self._on_retouch = on_retouch  # the filmstrip's "Retouch selected…", also offered here
        self._items: dict[int, BatchItem] = {}
        self._rows: dict[int, QTreeWidgetItem] = {}
        self._was_busy = False
        self._was_idle = True
        self.setAcceptDrops(True)  # drop photos or folders of a shoot straight onto the list
        self._build()
        # The queue reports on its worker threads; only the item id crosses to the GUI thread (the Bridge), so
        # the widgets are only ever touched there (napari#2598).
        bridge = Bridge(self._on_item_id, self)
        unsubscribe = queue.subscribe(lambda item: bridge.call(item.id))
        self.destroyed.connect(lambda *_args: unsubscribe())  # (not the panel: it is being destroyed)
        for item in queue.items():
            self._on_item(item)
        self._update_summary()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(6, 6, 6, 6)
        top = QHBoxLayout()
        self.add_files_button = self._button(top, _("Add photos…"), self._on_add_files)
        self.add_folder_button = self._button(top, _("Add folder…"), self._on_add_folder)
        self.recursive_check = QCheckBox(_("Include sub-folders"))
        top.addWidget(self.recursive_check)
        self.retouch_button = self._button(top, _("Retouch selected…"), self._on_retouch_clicked)
        self.retouch_button.setToolTip(_("The photos selected in the filmstrip (Ctrl+Shift+Enter)"))
        if self._on_retouch is None:  # (never setVisible(True) here: still parentless, it would be a window)
            self.retouch_button.hide()
        top.addStretch(1)
        self.concurrency_label = QLabel()
        top.addWidget(self.concurrency_label)
        root.addLayout(top)
        self.pause_label = QLabel()
        self.pause_label.setObjectName("batch-paused")
        self.pause_label.setWordWrap(True)
        self.pause_label.setStyleSheet("color: #d9a13b;")
        self.pause_label.hide()
        root.addWidget(self.pause_label)
        self.tree = QTreeWidget()
        self.tree.setObjectName("batch-items")
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)  # hundreds of photos: keep layout cheap
        self.tree.setHeaderLabels([_(c) for c in COLUMNS])
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        root.addWidget(self.tree, 1)
        self.overall = QProgressBar()
        self.overall.setTextVisible(True)
        root.addWidget(self.overall)
        self.summary = QLabel()
        self.summary.setObjectName("batch-summary")
        self.summary.setWordWrap(True)
        root.addWidget(self.summary)
        bottom = QHBoxLayout()
        self.retry_button = self._button(bottom, _("Retry"), self._on_retry_clicked)
        self.retry_failed_button = self._button(bottom, _("Retry all failed"), self.retry_failed)
        self.skip_button = self._button(bottom, _("Skip"), self._on_skip_clicked)
        bottom.addStretch(1)
        self.resume_button = self._button(bottom, _("Resume"), self.resume)
        self.resume_button.hide()
        self.cancel_button = self._button(bottom, _("Cancel all"), self.cancel_all)
        root.addLayout(bottom)

    @staticmethod
    def _button(layout: QHBoxLayout, text: str, slot: Callable[[], None]) -> QPushButton:
        b = QPushButton(text)
        b.clicked.connect(slot)
        layout.addWidget(b)
        return b

    # ------------------------------------------------------------------ queue → view
    @Slot(int)
    def _on_item_id(self, item_id: int) -> None:
        # Only the id crosses threads; the snapshot is read here, so it is always the newest one and
        # reports that arrive out of order (a GUI-thread skip vs a worker's progress) cannot roll it back.
        self._on_item(self.queue.get(item_id))

    def _on_item(self, item: BatchItem) -> None:
        self._items[item.id] = item
        row = self._rows.get(item.id)
        if row is None:
            row = QTreeWidgetItem([item.path.name, "", "", "", ""])
            row.setData(0, ID_ROLE, item.id)
            row.setToolTip(0, str(item.path))
            self._rows[item.id] = row
            self.tree.addTopLevelItem(row)
        self._paint_row(row, item)
        self._update_summary()
        self._update_buttons()
        self.item_updated.emit(item)

    def _paint_row(self, row: QTreeWidgetItem, item: BatchItem) -> None:
        row.setText(1, words.batch_status(item))
        pct = item.progress if item.status == "running" else (1.0 if item.status == "done" else None)
        row.setText(2, f"{round(pct * 100)} %" if pct is not None else "")
        row.setText(3, duration(item.eta) if item.status == "running" else "")
        row.setText(4, words.batch_result(item))
        colour = STATUS_COLOURS.get(item.status)
        row.setForeground(1, QColor(colour) if colour else self.palette().text().color())
        tip = "\n".join([str(item.result.output_path), *item.result.notes]) if item.result else ""
        if item.error is not None:
            tip = f"{item.error.message}\n{item.error.fix}"
        row.setToolTip(4, tip)

    def _update_summary(self) -> None:
        items = list(self._items.values())
        counts: dict[str, int] = {}
        for i in items:
            counts[i.status] = counts.get(i.status, 0) + 1
        total = len(items)
        finished = sum(counts.get(s, 0) for s in FINAL)
        self.overall.setRange(0, max(total, 1))
        self.overall.setValue(finished)
        self.overall.setFormat(_("{finished} of {total}").format(finished=finished, total=total))
        busy = bool(counts.get("running") or counts.get("queued"))
        text = summary(items, self.queue.eta() if busy else None)
        spent = sum((i.result.cost or Decimal(0) for i in items if i.result), Decimal(0))
        if any(i.result for i in items):
            text += _(" · spent {spent}").format(spent=words.money(spent)) if spent else _(" · nothing spent")
        self.summary.setText(text)
        self.concurrency_label.setText(_("{n} at a time").format(n=self.queue.concurrency))
        self._update_pause()
        if self._was_busy and not busy:
            self.finished.emit()
        self._was_busy = busy
        idle = self.queue.idle()
        if idle and not self._was_idle:
            self.settled.emit()
        self._was_idle = idle

    def refresh(self) -> None:
        """Re-read the queue's summary and pause now, e.g. when the window shows the dock because the budget
        paused the batch: the panel's own report of that change may still be waiting in the event queue."""
        self._update_summary()

    def _update_pause(self) -> None:
        reason = self.queue.paused_reason
        self.pause_label.setVisible(bool(reason))
        self.resume_button.setVisible(bool(reason))
        if reason:
            self.pause_label.setText(
                _("Paused: {reason} Raise the daily budget cap in Settings, then Resume.").format(
                    reason=reason
                )
            )

    def _update_buttons(self) -> None:
        picked = [self._items[i] for i in self.selected_ids() if i in self._items]
        self.retry_button.setEnabled(any(i.status in ("failed", "cancelled", "skipped") for i in picked))
        self.skip_button.setEnabled(any(i.status in ("queued", "failed", "running") for i in picked))
        self.retry_failed_button.setEnabled(any(i.status == "failed" for i in self._items.values()))
        self.cancel_button.setEnabled(any(i.status in ("queued", "running") for i in self._items.values()))

    # ------------------------------------------------------------ actions (no dialogs: tests call these)
    def add_paths(self, paths: Iterable[Path | str], *, recursive: bool | None = None) -> list[BatchItem]:
        """Queue files and folders (recursing when asked or when the checkbox is on); starts the queue.
        With `on_add` they go there instead (nothing is queued here: [])."""
        deep = self.recursive_check.isChecked() if recursive is None else recursive
        if self._on_add is not None:
            from portrait_studio.api.batch import expand

            self._on_add(expand(list(paths), recursive=deep))
            return []
        added = self.queue.add(list(paths), recursive=deep)
        for item in added:  # shown at once, before the queued reports arrive
            self._on_item(item)
        if self.autostart:
            self.queue.start()
        return added

    def selected_ids(self) -> list[int]:
        """Queue item ids of the selected rows."""
        return [row.data(0, ID_ROLE) for row in self.tree.selectedItems()]

    def select(self, *ids: int) -> None:
        """Select the rows of these item ids."""
        for item_id, row in self._rows.items():
            row.setSelected(item_id in ids)

    def retry(self, ids: Iterable[int]) -> None:
        """Put failed, cancelled or skipped items back in the queue."""
        for i in ids:
            self._on_item(self.queue.retry(i))
        if self.autostart:
            self.queue.start()

    def retry_failed(self) -> None:
        """Retry every failed item."""
        self.retry([i.id for i in self._items.values() if i.status == "failed"])

    def skip(self, ids: Iterable[int]) -> None:
        """Leave items out (a running one is cancelled; a paid task stays resumable)."""
        for i in ids:
            self._on_item(self.queue.skip(i))

    def cancel_all(self) -> None:
        """Drop everything queued and stop waiting for running tasks."""
        self.queue.cancel_all()

    def resume(self) -> None:
        """Continue after a budget pause."""
        self.queue.resume()
        self._update_pause()

    def item(self, item_id: int) -> BatchItem:
        """The latest state of an item as the panel shows it."""
        return self._items[item_id]

    def status_of(self, item_id: int) -> str:
        """The Status column's text for an item."""
        return self._rows[item_id].text(1)

    def on_gui_thread(self) -> bool:
        """True when called on the thread that owns the panel (used by tests of the marshalling)."""
        return QThread.currentThread() is self.thread()

    # ------------------------------------------------------------------ drag and drop
    @staticmethod
    def _local_paths(event: QDropEvent | QDragEnterEvent) -> list[Path]:
        mime = event.mimeData()
        return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()] if mime.hasUrls() else []

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Accept files and folders from the file manager."""
        if self._local_paths(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        """Queue the dropped files and folders (folders recurse when the checkbox is on)."""
        paths = self._local_paths(event)
        if paths:
            self.add_paths(paths)
            event.acceptProposedAction()

    # ------------------------------------------------------------------ button handlers (dialogs)
    def _on_add_files(self) -> None:
        paths, _chosen = QFileDialog.getOpenFileNames(
            self, _("Add photos"), str(Path.home()), words.photo_filter()
        )
        if paths:
            self.add_paths(paths)

    def _on_add_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, _("Add a folder of photos"), str(Path.home()))
        if folder:
            self.add_paths([folder])

    def _on_retouch_clicked(self) -> None:
        if self._on_retouch is not None:
            self._on_retouch()

    def _on_retry_clicked(self) -> None:
        self.retry(self.selected_ids())

    def _on_skip_clicked(self) -> None:
        self.skip(self.selected_ids())


__all__ = ["BatchPanel"]
