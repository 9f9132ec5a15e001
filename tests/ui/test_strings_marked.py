"""Every literal text handed to a Qt widget in ui/ is marked for translation (core/i18n.py).

A bare "Run" in `QPushButton("Run")` would stay English in the zh_CN window and never reach the catalogue,
so the catalogue test (tests/core/test_i18n.py) could not see it. This test reads the ui package's source
and fails on any such call whose literal text has words in it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "portrait_studio" / "ui"
# Qt calls whose string arguments a user reads.
TEXT_CALLS = {
    "QAction", "QCheckBox", "QDockWidget", "QGroupBox", "QLabel", "QPushButton", "QRadioButton", "QToolBar",
    "addAction", "addButton", "addItem", "addMenu", "addRow", "addTab", "critical", "getExistingDirectory",
    "getOpenFileName", "getOpenFileNames", "getSaveFileName", "getText", "information", "question",
    "setFormat", "setHeaderLabels", "setInformativeText", "setPlaceholderText", "setStatusTip", "setText",
    "setTitle", "setToolTip", "setWindowTitle", "showMessage", "warning",
}  # fmt: skip
LOGGERS = {"log", "logger", "logging"}


def _words(node: ast.expr) -> str:
    """The literal text of a str constant or an f-string's constant parts, without HTML tags."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    else:
        return ""
    return re.sub(r"<[^>]*>", "", text)


def unmarked_texts(root: Path = UI) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            owner = (
                func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
            )
            if name not in TEXT_CALLS or owner in LOGGERS:
                continue
            where = f"{path.relative_to(root.parents[1])}:{node.lineno}"
            found += [
                f"{where}: {ast.unparse(a)[:70]}" for a in node.args if re.search(r"[A-Za-z]{2,}", _words(a))
            ]
    return found


def test_no_bare_text_reaches_a_widget() -> None:
    assert unmarked_texts() == []


def test_the_check_sees_a_bare_text(tmp_path: Path) -> None:
    pkg = tmp_path / "portrait_studio" / "ui"
    pkg.mkdir(parents=True)
    (pkg / "x.py").write_text(
        'b = QPushButton("Run")\nc = QPushButton(_("Run"))\nlog.warning("not for users")\n'
        'w.setToolTip(f"Photo {n}")\nw.setText(f"<b>{name}</b>")\n',
        encoding="utf-8",
    )
    assert [line.split(": ", 1)[1] for line in unmarked_texts(pkg)] == ["'Run'", "f'Photo {n}'"]
