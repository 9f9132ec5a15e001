"""At start-up, finish the edits a crash interrupted and show the ones that may have been charged.

Runs `api.resume.resume_pending` on a thread of its own (it polls, downloads and saves). Paid cloud tasks are
finished by id, never created again; rows whose create may or may not have reached the service are listed
for the user to check and dismiss, never resubmitted (docs/ARCHITECTURE.md, flow step 7).
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from portrait_studio.core.i18n import _, ngettext
from portrait_studio.core.journal import Journal
from portrait_studio.ui.threads.runner import BackgroundRunner


def _resume(journal: Journal, cancel: threading.Event) -> Any:
    """Background: finish orphaned tasks (local ones on a local gateway opened only if one is needed)."""
    from portrait_studio.api.backend import open_backend
    from portrait_studio.api.resume import resume_pending
    from portrait_studio.core.settings import Settings

    return resume_pending(journal, open_local=lambda: open_backend(Settings(backend="local")), cancel=cancel)


class ResumeFlow(QObject):
    """Owns one start-up resume: `finished(report)` once it is done; `dialog` lists uncertain tasks."""

    finished = Signal(object)  # api.resume.ResumeReport
    message = Signal(str, int)  # status bar text, milliseconds

    def __init__(self, journal: Journal, parent: QWidget) -> None:
        super().__init__(parent)
        self._parent = parent  # the uncertain tasks' dialog opens over it
        self._journal = journal
        self._cancel = threading.Event()
        self.dialog: QMessageBox | None = None
        self.report: Any = None
        self._runner = BackgroundRunner("resume", self)

    def start(self) -> None:
        """Queue the resume on its thread (nothing blocks the GUI thread)."""
        journal, cancel = self._journal, self._cancel
        self._runner.submit(lambda: _resume(journal, cancel), self._on_done, self._on_failed)

    def stop(self) -> None:
        """Stop polling and wait for the thread (the window is closing)."""
        self._cancel.set()
        self._runner.stop()

    def _on_failed(self, err: Exception) -> None:
        self.message.emit(_("Could not finish interrupted edits: {error}").format(error=err), 15000)
        self.finished.emit(None)

    def _on_done(self, report: Any) -> None:
        self.report = report
        parts = []
        if report.finished:
            where = ", ".join(str(r.output_path) for r in report.finished[:3])
            parts.append(
                ngettext(
                    "Finished {n} interrupted edit: {where}",
                    "Finished {n} interrupted edits: {where}",
                    len(report.finished),
                ).format(n=len(report.finished), where=where)
            )
        if report.failed:
            parts.append(
                ngettext(
                    "{n} interrupted edit could not be finished (see History)",
                    "{n} interrupted edits could not be finished (see History)",
                    len(report.failed),
                ).format(n=len(report.failed))
            )
        if parts:
            self.message.emit(" · ".join(parts), 20000)
        if report.uncertain:
            self._show_uncertain(report.uncertain)
        self.finished.emit(report)

    def _show_uncertain(self, rows: list[Any]) -> None:
        box = QMessageBox(self._parent)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(_("Edits that may have been charged"))
        box.setText(
            ngettext(
                "{n} cloud edit was being sent when the app stopped. The service may have "
                "created (and charged) it, so it was not sent again.",
                "{n} cloud edits were being sent when the app stopped. The service may have "
                "created (and charged) them, so they were not sent again.",
                len(rows),
            ).format(n=len(rows))
        )
        box.setInformativeText(
            _(
                "Check your account's task history. Dismiss them here once you know; to run one "
                "again, open the photo and press Run."
            )
        )
        box.setDetailedText("\n".join(f"#{r.id}  {r.input_path}  ({r.backend}, {r.base_url})" for r in rows))
        self.dismiss_button = box.addButton(_("Dismiss"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(_("Keep for later"), QMessageBox.ButtonRole.RejectRole)
        ids = [r.id for r in rows]
        box.buttonClicked.connect(lambda b: self._dismiss(ids) if b is self.dismiss_button else None)
        self.dialog = box
        box.open()  # not exec(): the window stays usable while the list is shown

    def _dismiss(self, ids: list[int]) -> None:
        journal = self._journal

        def dismiss() -> None:
            for i in ids:
                journal.dismiss(i)

        self._runner.submit(dismiss)


__all__ = ["ResumeFlow"]
