"""The pre-flight banner above the photo: what is wrong with it for the model, each with a one-click fix."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from portrait_studio.core.i18n import _, ngettext
from portrait_studio.ui import text as words
from portrait_studio.ui.model.session import Photo, Session

OK, WARN, ERROR = "ok", "warn", "error"
STYLE = {
    OK: ("#20342a", "#7fd39a"),
    WARN: ("#3a3020", "#f0c060"),
    ERROR: ("#3c2323", "#f08a80"),
}


class PreflightBanner(QFrame):
    """Shows a `PreflightReport`: a green line when the photo is ready, else one row per problem."""

    fix_requested = Signal(object)  # the problem whose fix button was clicked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preflight-banner")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(12, 6, 12, 6)
        self._layout.setSpacing(4)
        self.level = OK
        self.buttons: list[QPushButton] = []
        self._session: Session | None = None
        self._shown: tuple[object, ...] | None = None  # what the banner last drew from the current photo
        self.hide()

    def bind(self, session: Session) -> None:
        """Follow the session's current photo: what is wrong with it, or that it is ready."""
        self._session = session
        session.current_changed.connect(lambda _i: self._follow(force=True))
        session.photo_changed.connect(lambda i: self._follow() if i == session.current_index else None)

    def _follow(self, force: bool = False) -> None:
        photo = self._session.current if self._session is not None else None
        if photo is None:
            return
        # Redraw only when what the banner says changed (a preview landing must not rebuild its rows).
        state = (photo.error, photo.load_failed, photo.display is None, id(photo.report), photo.fixing)
        if force or state != self._shown:
            self._shown = state
            self.show_photo(photo)

    def show_photo(self, photo: Photo) -> None:
        """One photo's banner: its read error, "loading" / "looking for faces", or its pre-flight report."""
        if photo.error and (photo.display is None or photo.load_failed):
            self.show_error(photo.error, photo.error_fix)
        elif photo.fixing:
            self.show_busy(_("Applying the fix…"))
        elif photo.report is None:
            self.show_busy(_("Looking for faces…") if photo.display is not None else _("Loading…"))
        else:
            approx = bool(getattr(photo.faces, "approximate", False))
            self.show_report(photo.report, photo.face_count, approx)

    def text(self) -> str:
        """Everything the banner says, as plain text (for tests and screen readers)."""
        import re

        return "\n".join(re.sub(r"<[^>]+>", "", lbl.text()) for lbl in self.findChildren(QLabel))

    def show_busy(self, message: str) -> None:
        """A neutral line while faces are being looked for."""
        self._reset(OK)
        self._row(message, None, None)
        self.show()

    def show_report(self, report: Any, face_count: int | None, approximate: bool = False) -> None:
        """Show the report of the current photo (problems first; else the all-clear with the face count)."""
        problems = list(getattr(report, "problems", ()) or ())
        blocking = [p for p in problems if p.blocks]
        self._reset(ERROR if blocking else (WARN if problems else OK))
        if not blocking:
            faces = ngettext("{n} face found", "{n} faces found", face_count or 0).format(n=face_count or 0)
            note = _(" (approximate detector)") if approximate else ""
            # A damaged file decodes, but retouching it retouches the damage: not "ready".
            damaged = any(p.code == "damaged" for p in problems)
            state = _("but the file is damaged") if damaged else _("ready to retouch")
            self._row(f"{faces}{note} — {state}", None, None)
        for problem in problems:
            title = words.problem_title(problem.code, face_count)
            # The face-count titles say all the message says; the others keep their detail (sizes, MB).
            detail = "" if problem.code in ("no_face", "several_faces") else f" {problem.message}"
            text = (
                _("<b>{title}.</b>{detail}").format(title=title, detail=detail) if title else problem.message
            )
            self._row(text, getattr(problem, "fix", None), problem, tip=problem.message)
        self.show()

    def show_error(self, message: str, fix: str | None) -> None:
        """A photo that could not be read at all."""
        self._reset(ERROR)
        self._row(message, fix, None)
        self.show()

    # ------------------------------------------------------------------ rows
    def _reset(self, level: str) -> None:
        while self._layout.count():
            item = self._layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
                widget.setParent(None)
        self.buttons = []
        self.level = level
        bg, fg = STYLE[level]
        self.setStyleSheet(
            f"#preflight-banner {{ background: {bg}; border-bottom: 1px solid {fg}; }}"
            f"#preflight-banner QLabel {{ color: {fg}; }}"
            f"#preflight-banner QLabel#fix {{ color: #c8c8c8; }}"
        )

    def _row(self, message: str, fix: str | None, problem: Any, tip: str = "") -> None:
        row = QWidget(self)
        h = QHBoxLayout(row)
        h.setContentsMargins(0, 0, 0, 0)
        text = QLabel(message, row)
        text.setObjectName("message")
        text.setTextFormat(Qt.TextFormat.RichText if message.startswith("<b>") else Qt.TextFormat.PlainText)
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        text.setToolTip(tip)
        h.addWidget(text, 2)
        if fix:
            hint = QLabel(fix, row)
            hint.setObjectName("fix")
            hint.setWordWrap(True)
            h.addWidget(hint, 3)
        if problem is not None and getattr(problem, "auto_fix", None):
            button = QPushButton(words.fix_label(problem.auto_fix), row)
            button.setObjectName("fix-button")
            button.clicked.connect(lambda _=False, p=problem: self.fix_requested.emit(p))
            h.addWidget(button, 0)
            self.buttons.append(button)
        self._layout.addWidget(row)


__all__ = ["PreflightBanner"]
