"""History panel: each result of the current photo as a version, compare any two, undo; the spend ledger."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent, QFont, QFontMetrics, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyle,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from portrait_studio.core.i18n import _, format_money, ngettext
from portrait_studio.core.journal import Journal, JournalRow
from portrait_studio.core.ledger import HistoryError
from portrait_studio.ui.text import describe_params, engine_name, money, total, when
from portrait_studio.ui.threads.bridge import Bridge
from portrait_studio.ui.threads.runner import BackgroundRunner

ROW_ROLE = Qt.ItemDataRole.UserRole
ORIGINAL = -1  # the id the "Original" line carries (it is not a journal row)
REFRESH_DELAY_MS = 150  # journal writes come in bursts (a progress write per poll): redraw once per burst


def ledger_summary(
    journal: Journal, budget_cap: Decimal | None, by_day: dict[str, Decimal] | None = None
) -> str:
    """Today, total and the budget cap's headroom in one line."""
    by_day = journal.spend_by_day() if by_day is None else by_day
    today = by_day.get(dt.date.today().isoformat(), Decimal(0))
    text = _("Today {today} · all time {total}").format(
        today=total(today), total=total(sum(by_day.values(), Decimal(0)))
    )
    if budget_cap is not None:
        left = budget_cap - journal.committed_today()
        if left > 0:
            text += _(" · daily cap {cap}, {left} left").format(
                cap=format_money(budget_cap), left=money(left)
            )
        else:  # money(0) is "free", which said "free left" when nothing was
            text += _(" · daily cap {cap} reached (batches pause)").format(cap=format_money(budget_cap))
    return text


@dataclass(frozen=True)
class LedgerSnapshot:
    """What the Spending tab shows, computed off the GUI thread (plain text only)."""

    summary: str
    by_day: list[tuple[str, str]]
    by_preset: list[tuple[str, str]]
    recent: list[tuple[str, str, str, str]]


def ledger_snapshot(journal: Journal, budget_cap: Decimal | None) -> LedgerSnapshot:
    """Read the spend ledger once (~50 ms for 10,000 journal rows): off the GUI thread."""
    by_day = journal.spend_by_day()
    paid = [r for r in journal.rows(limit=200) if r.cost][:50]  # cost > 0: local edits are free
    return LedgerSnapshot(
        summary=ledger_summary(journal, budget_cap, by_day),
        by_day=[(d, money(v)) for d, v in reversed(by_day.items())],
        by_preset=[(p, money(v)) for p, v in journal.spend_by_preset().items()],
        recent=[
            (when(r.created_at), Path(r.input_path).name, engine_name(r.engine), money(r.cost)) for r in paid
        ],
    )


class HistoryPanel(QWidget):
    """Versions of one photo (from the journal) with compare/undo, and where the money went."""

    compare_requested = Signal(object, object)  # (JournalRow | None, JournalRow): None = the original photo
    version_restored = Signal(object)  # JournalRow now current (undo/redo/make current)
    error = Signal(str)
    ledger_updated = Signal()  # the Spending tab shows fresh figures

    def __init__(self, journal: Journal, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("history-panel")
        self.journal = journal
        self._sha: str | None = None
        self._path: str | None = None
        self._budget_cap: Decimal | None = None
        self._rows: dict[int, JournalRow] = {}
        self._order: list[int] = []  # row ids, oldest first
        self._current_id: int | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_DELAY_MS)
        self._timer.timeout.connect(self.refresh)
        self._stale = False
        self._ledger_stale = self._ledger_busy = self._ledger_again = False
        self._ledger = BackgroundRunner("ledger-read", self)  # stopped by shutdown() (or closing the panel)
        self._build()
        bridge = Bridge(self._schedule_refresh, self)  # journal callbacks come from writer threads
        unsubscribe = journal.subscribe(lambda _row_id: bridge.call())
        self.destroyed.connect(lambda *_args: unsubscribe())
        self.refresh()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(6, 6, 6, 6)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_versions(), _("Versions"))
        self._spending_page = self._build_spending()
        self.tabs.addTab(self._spending_page, _("Spending"))
        self.tabs.currentChanged.connect(self._on_tab_changed)
        root.addWidget(self.tabs)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()
        root.addWidget(self.message)

    def _build_versions(self) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        self.photo_label = QLabel(_("No photo open."))
        self.photo_label.setWordWrap(True)
        lay.addWidget(self.photo_label)
        self.tree = QTreeWidget()
        self.tree.setObjectName("versions")
        self.tree.setRootIsDecorated(False)
        self.tree.setHeaderLabels(["", _("Version"), _("When"), _("Engine"), _("Settings"), _("Cost")])
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self.tree.itemDoubleClicked.connect(lambda item, _col: self.restore(item.data(0, ROW_ROLE)))
        header = self.tree.header()
        # Every column as wide as its text, the last (Cost) taking what is left: a stretched Settings column
        # shared the room with it and cut the current version's bold line ("自动（…" in zh_CN).
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        # The list shrinks to a few lines before the buttons under it go out of view (a 720-pixel screen).
        self.tree.setMinimumHeight(self.tree.fontMetrics().height() * 5)
        lay.addWidget(self.tree, 1)
        row = QHBoxLayout()
        self.compare_button = QPushButton(_("Compare"))
        self.compare_button.setToolTip(_("Select two versions (or one, to compare it with the original)"))
        self.compare_button.clicked.connect(self.compare_selected)
        self.restore_button = QPushButton(_("Make current"))
        self.restore_button.clicked.connect(self._on_restore_clicked)
        self.undo_button = QPushButton(_("Undo"))
        self.undo_button.setToolTip(_("Go back to the previous version"))
        self.undo_button.clicked.connect(self.undo)
        self.redo_button = QPushButton(_("Redo"))
        self.redo_button.clicked.connect(self.redo)
        for b in (self.compare_button, self.restore_button, self.undo_button, self.redo_button):
            row.addWidget(b)
        lay.addLayout(row)
        return page

    def _build_spending(self) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        self.ledger_label = QLabel()
        self.ledger_label.setObjectName("ledger-summary")
        self.ledger_label.setWordWrap(True)
        lay.addWidget(self.ledger_label)
        self.by_day = self._ledger_tree([_("Day"), _("Spent")])
        self.by_preset = self._ledger_tree([_("Preset"), _("Spent")])
        self.recent = self._ledger_tree([_("Task"), _("Photo"), _("Engine"), _("Cost")])
        lay.addWidget(QLabel(_("Per day")))
        lay.addWidget(self.by_day, 1)
        lay.addWidget(QLabel(_("Per preset")))
        lay.addWidget(self.by_preset, 1)
        lay.addWidget(QLabel(_("Recent paid tasks")))
        lay.addWidget(self.recent, 2)
        return page

    @staticmethod
    def _ledger_tree(labels: list[str]) -> QTreeWidget:
        tree = QTreeWidget()
        tree.setRootIsDecorated(False)
        tree.setHeaderLabels(labels)
        tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        tree.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        tree.setMinimumHeight(tree.fontMetrics().height() * 3)  # (the tab's minimum is the taller page's)
        return tree

    # ------------------------------------------------------------------ inputs
    def set_photo(self, input_sha256: str | None, input_path: Path | str | None = None) -> None:
        """Show the versions of this photo (sha256 of the original file's bytes; None clears the list)."""
        self._sha = input_sha256
        self._path = str(input_path) if input_path is not None else None
        self.refresh()

    def set_budget_cap(self, cap: Decimal | None) -> None:
        """The daily budget cap from Settings (None: no cap)."""
        self._budget_cap = cap
        self._refresh_ledger()

    # ------------------------------------------------------------------ model → view
    @Slot()
    def refresh(self) -> None:
        """Re-read the journal (versions of the current photo, and the ledger)."""
        try:
            self._refresh_versions()
            self._refresh_ledger()
        except sqlite3.Error as err:  # e.g. the journal was closed while a redraw was pending
            self._say(
                _("History is unavailable ({error}). — Reopen the window; nothing is lost.").format(error=err)
            )

    @Slot()
    def _schedule_refresh(self) -> None:
        if self.isVisible():
            self._timer.start()
        else:
            self._stale = True  # redrawn when shown again

    def hideEvent(self, event: QHideEvent) -> None:
        """A hidden (or closed, or its window closed) panel keeps no timer running; it redraws when shown."""
        if self._timer.isActive():
            self._timer.stop()
            self._stale = True
        super().hideEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        """Catch up on journal writes made while hidden."""
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self.refresh()
        elif self._ledger_stale:
            self._refresh_ledger()

    def versions(self) -> list[JournalRow]:
        """The versions listed, oldest first."""
        return [self._rows[i] for i in self._order]

    def _refresh_versions(self) -> None:
        keep = set(self.selected_ids())
        rows = self.journal.versions(self._sha) if self._sha else []
        current = self.journal.current_version(self._sha) if self._sha else None
        self._current_id = current.id if current else None
        self._rows = {r.id: r for r in rows}
        self._order = [r.id for r in rows]
        self.tree.blockSignals(True)
        self.tree.clear()
        if self._sha:
            self.tree.addTopLevelItem(self._original_item())
        for n, r in enumerate(rows, 1):
            self.tree.addTopLevelItem(self._version_item(n, r))
        self._select_only(keep)
        self.tree.blockSignals(False)
        name = Path(self._path).name if self._path else _("this photo")
        count = (
            ngettext("{n} version", "{n} versions", len(rows)).format(n=len(rows))
            if rows
            else _("no edits yet")
        )
        self.photo_label.setText(
            _("{name}: {count}").format(name=name, count=count) if self._sha else _("No photo open.")
        )
        self._update_buttons()

    def _original_item(self) -> QTreeWidgetItem:
        item = QTreeWidgetItem(["", _("Original"), "", "", _("the photo as shot"), ""])
        item.setData(0, ROW_ROLE, ORIGINAL)
        item.setToolTip(1, _("The photo itself: select it with a version to compare the two"))
        self._fit_row(item)
        return item

    def _fit_row(self, item: QTreeWidgetItem) -> None:
        # One height for every line, with room around the text: lines exactly as tall as the text ran into
        # each other (the Original line read as part of v1's). The bold current line and its "●" (from a
        # fallback font) are the tallest thing a line shows.
        bold = QFont(self.tree.font())
        bold.setBold(True)
        height = (
            max(QFontMetrics(bold).height(), QFontMetrics(self.tree.font()).boundingRect("●").height()) + 6
        )
        # The hint is the column's width too (a width of 0 cut "原图" to "…"): its text and the margins.
        margin = self.tree.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self.tree) + 1
        width = QFontMetrics(item.font(1)).horizontalAdvance(item.text(1)) + 2 * margin + 2
        item.setSizeHint(1, QSize(width, height))

    def _version_item(self, n: int, r: JournalRow) -> QTreeWidgetItem:
        is_current = r.id == self._current_id
        engine = engine_name(r.engine or r.backend)
        settings = describe_params(r.params, local=r.backend == "local")
        cells = ["●" if is_current else "", f"v{n}", when(r.finished_at), engine, settings]
        item = QTreeWidgetItem([*cells, money(r.cost)])
        item.setData(0, ROW_ROLE, r.id)
        tip = [
            settings,
            _("Task {task_id}").format(task_id=r.task_id or "—"),
            _("Result: {path}").format(path=r.result_path),
        ]
        if r.preset:
            tip.append(_("Preset: {preset}").format(preset=r.preset))
        item.setToolTip(4, "\n".join(tip))
        if is_current:
            font = QFont(item.font(1))
            font.setBold(True)
            for col in range(6):
                item.setFont(col, font)
            item.setToolTip(0, _("The current version: what Save writes"))
        self._fit_row(item)
        return item

    def _on_tab_changed(self, _index: int) -> None:
        if self._ledger_stale:
            self._refresh_ledger()

    def _refresh_ledger(self) -> None:
        # ~50 ms for 10,000 journal rows, and it is read again after every edit of a batch, so it is read on a
        # worker thread, only while the Spending tab is on screen, one read at a time.
        if not (self.isVisible() and self.tabs.currentWidget() is self._spending_page):
            self._ledger_stale = True
            return
        self._ledger_stale = False
        if self._ledger_busy:
            self._ledger_again = True
            return
        self._ledger_busy = True
        journal, cap = self.journal, self._budget_cap
        self._ledger.submit(
            lambda: ledger_snapshot(journal, cap), self._on_ledger_ready, self._on_ledger_failed
        )

    def _on_ledger_failed(self, err: Exception) -> None:
        # e.g. sqlite3.Error: the journal was closed under the read
        self._on_ledger_ready(_("The spend ledger is unavailable ({error}).").format(error=err))

    def shutdown(self) -> None:
        """Stop the ledger-read thread, waiting for a read in hand (before the journal closes)."""
        self._timer.stop()
        self._ledger.stop()

    def closeEvent(self, event: QCloseEvent) -> None:
        """A panel closed on its own (not in a dock of the window) stops its thread too."""
        self.shutdown()
        super().closeEvent(event)

    def _on_ledger_ready(self, result: LedgerSnapshot | str) -> None:
        self._ledger_busy = False
        if isinstance(result, str):
            self.ledger_label.setText(result)
        else:
            self.ledger_label.setText(result.summary)
            self._fill(self.by_day, result.by_day)
            self._fill(self.by_preset, result.by_preset)
            self._fill(self.recent, result.recent)
            self.ledger_updated.emit()
        if self._ledger_again:
            self._ledger_again = False
            self._refresh_ledger()

    @staticmethod
    def _fill(tree: QTreeWidget, rows: Sequence[tuple[str, ...]]) -> None:
        tree.clear()
        tree.addTopLevelItems([QTreeWidgetItem(list(r)) for r in rows])

    # ------------------------------------------------------------------ selection and actions
    def _lines(self) -> list[QTreeWidgetItem]:
        items = (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
        return [it for it in items if it is not None]

    def _select_only(self, ids: Iterable[int]) -> None:
        wanted = set(ids)
        for item in self._lines():
            item.setSelected(item.data(0, ROW_ROLE) in wanted)

    def selected_ids(self) -> list[int]:
        """Ids of the selected lines (ORIGINAL for the original), in list order."""
        return [it.data(0, ROW_ROLE) for it in self._lines() if it.isSelected()]

    def version_name(self, row: JournalRow | None) -> str:
        """What the list calls a version: "Original" (None), "v1", "v2"… (the compare view's labels)."""
        if row is None:
            return _("Original")
        row_id = getattr(row, "id", None)  # (a row not from this list has no number)
        return f"v{self._order.index(row_id) + 1}" if row_id in self._order else _("Version")

    def select(self, *ids: int) -> None:
        """Select these lines (row ids, or ORIGINAL) and nothing else."""
        self._select_only(ids)

    def current_id(self) -> int | None:
        """The journal row id of the current version (None: the original is shown)."""
        return self._current_id if self._rows else None

    def _update_buttons(self) -> None:
        picked = self.selected_ids()
        versions = [i for i in picked if i != ORIGINAL]
        self.compare_button.setEnabled(len(picked) == 2 or (len(picked) == 1 and bool(versions)))
        self._update_restore(picked, versions)
        pos = self._order.index(self._current_id) if self._current_id in self._order else -1
        self.undo_button.setEnabled(pos > 0)
        self.redo_button.setEnabled(0 <= pos < len(self._order) - 1)

    def _update_restore(self, picked: list[int], versions: list[int]) -> None:
        """Make current names the version it would make current, and says why when it cannot."""
        button, one = self.restore_button, versions[0] if len(versions) == 1 else None
        name = f"v{self._order.index(one) + 1}" if one in self._order else ""
        if one is not None and len(picked) == 1 and one != self._current_id:
            button.setText(_("Make {name} current").format(name=name))
            button.setToolTip(
                _("Show {name} as the photo's result again (what Save writes); nothing is sent").format(
                    name=name
                )
            )
            button.setEnabled(True)
            return
        button.setText(_("Make {name} current").format(name=name) if name else _("Make current"))
        if one is not None and one == self._current_id:
            why = _("{name} is already the current version (●)").format(name=name)
        elif picked == [ORIGINAL]:
            why = _("The original is always kept: compare a version with it, or run a new edit")
        elif not self._order:
            why = _("No versions yet: run an edit (Ctrl+Enter)")
        else:
            why = _("Select one version to make it current")
        button.setToolTip(why)
        button.setEnabled(False)

    def compare_selected(self) -> bool:
        """Emit compare_requested for the two selected lines (older first), or one line vs the original."""
        picked = self.selected_ids()
        if len(picked) == 1 and picked[0] != ORIGINAL:
            picked = [ORIGINAL, picked[0]]
        if len(picked) != 2:
            self._say(_("Select two versions to compare (or one, to compare it with the original)."))
            return False
        before, after = (None if i == ORIGINAL else self._rows[i] for i in picked)
        self.compare_requested.emit(before, after)
        return True

    def restore(self, row_id: int) -> JournalRow | None:
        """Make a version current (undo to it); emits version_restored."""
        if row_id == ORIGINAL or row_id not in self._rows:
            return None
        try:
            row = self.journal.set_current(row_id)
        except HistoryError as err:
            self._say(str(err))
            self.error.emit(str(err))
            return None
        self._timer.stop()
        self.refresh()
        self._say(_("Version v{n} is current again.").format(n=self._order.index(row_id) + 1))
        self.version_restored.emit(row)
        return row

    def undo(self) -> JournalRow | None:
        """Go back to the version before the current one."""
        pos = self._order.index(self._current_id) if self._current_id in self._order else -1
        return self.restore(self._order[pos - 1]) if pos > 0 else None

    def redo(self) -> JournalRow | None:
        """Go forward to the version after the current one."""
        pos = self._order.index(self._current_id) if self._current_id in self._order else -1
        return self.restore(self._order[pos + 1]) if 0 <= pos < len(self._order) - 1 else None

    def _on_restore_clicked(self) -> None:
        versions = [i for i in self.selected_ids() if i != ORIGINAL]
        if len(versions) == 1:
            self.restore(versions[0])

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()


__all__ = ["ORIGINAL", "HistoryPanel", "LedgerSnapshot", "ledger_snapshot", "ledger_summary"]
