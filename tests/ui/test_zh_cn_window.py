"""The window in Simplified Chinese: every state it shows is Chinese, rendered in a CJK font, and no label or
button cuts its text (a translation longer than its widget, or a layout too narrow for it)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import numpy as np
import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QRadioButton,
    QStyle,
    QToolButton,
    QTreeWidget,
    QWidget,
)

from portrait_studio.core import i18n
from portrait_studio.ui.style.application import apply_qt_language
from tests import photos
from tests.ui.windows import make_window

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def zh_cn(qapp: QApplication) -> Iterator[None]:
    """The app in zh_CN for one test (our catalogue and Qt's own), English again after."""
    i18n.set_language("zh_CN")
    assert apply_qt_language(qapp, "zh_CN"), "Qt's qtbase_zh_CN.qm is missing from the PySide6 wheel"
    yield
    i18n.set_language("en")
    apply_qt_language(qapp, "en")


def _english_msgids() -> set[str]:
    """Every marked English sentence whose zh_CN translation differs (what must not be seen in zh_CN)."""
    entries = i18n.parse_po(i18n.catalogue_path("zh_CN").read_text(encoding="utf-8"))
    return {e.msgid for e in entries if e.msgid and e.msgstr and e.msgstr[0] != e.msgid}


def _plain(text: str) -> str:
    return re.sub(r"\s*\(&\w\)|&", "", text)


def _shown(root: QWidget) -> Iterator[QWidget]:
    for w in [root, *root.findChildren(QWidget)]:
        if w.isVisibleTo(root) and w.isVisible() and w.width() > 0:
            yield w


def cut_texts(root: QWidget) -> list[str]:
    """Labels and buttons whose text needs more room than they have: wider than the widget (one line), or
    wrapped into more lines than its height shows."""
    found = []
    for w in _shown(root):
        if isinstance(w, QLabel):
            text = w.text()
            rich = w.textFormat() == Qt.TextFormat.RichText or (
                w.textFormat() == Qt.TextFormat.AutoText and "<" in text
            )
            if text and w.wordWrap():  # wrapped: cut when its lines need more height than it has
                need = w.heightForWidth(w.width())
                if need > w.height() + 1:
                    found.append(f"QLabel {text[:40]!r}…: wraps to {need} px high, has {w.height()}")
                continue
            if not text or rich:  # rich text is laid out by Qt itself
                continue
            room = w.contentsRect().width() - 2 * w.margin() - w.indent() * (w.indent() > 0)
            fm = QFontMetrics(w.font())
            widest = max(fm.horizontalAdvance(line) for line in text.splitlines() or [""])
            if widest > room + 1:
                found.append(f"QLabel {text!r}: needs {widest} px, has {room}")
        elif (
            isinstance(w, QPushButton | QCheckBox | QRadioButton | QToolButton)
            and w.text()
            and w.width() < w.sizeHint().width() - 1
        ):
            found.append(f"{type(w).__name__} {w.text()!r}: needs {w.sizeHint().width()} px, has {w.width()}")
        elif isinstance(w, QTreeWidget):
            found += _cut_cells(w)
    return found


def _cut_cells(tree: QTreeWidget) -> list[str]:
    """Cells of a list whose text is elided: wider than its column less the style's text margins (the
    current version's line is bold, so its own font is measured)."""
    margin = tree.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, tree) + 1
    found = []
    for row in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(row)
        for col in range(tree.columnCount()):
            text = item.text(col)
            if not text or tree.isColumnHidden(col):
                continue
            need = QFontMetrics(item.font(col)).horizontalAdvance(text) + 2 * margin
            if need > tree.columnWidth(col) + 1:
                found.append(
                    f"{tree.objectName()} cell {text!r}: needs {need} px, has {tree.columnWidth(col)}"
                )
    return found


def english_left(root: QWidget, english: set[str]) -> list[str]:
    """Visible texts that are still the English of a translated message."""
    left = []
    for w in _shown(root):
        texts = []
        if isinstance(w, QLabel | QAbstractButton):
            texts.append(w.text())
        texts.append(w.toolTip())
        left += [t for t in texts if t and (_plain(t) in english or t in english)]
    return left


def check_state(root: QWidget, english: set[str], name: str) -> None:
    QApplication.processEvents()
    assert cut_texts(root) == [], name
    assert english_left(root, english) == [], name


def test_the_check_sees_a_cut_label_and_button(qtbot: Any, zh_cn: None) -> None:
    root = QWidget()
    qtbot.addWidget(root)
    label = QLabel("把结果保存在原图旁边", root)
    label.setGeometry(0, 0, 40, 20)
    button = QPushButton("将当前参数另存为…", root)
    button.setGeometry(0, 30, 40, 24)
    fits = QLabel("好", root)
    fits.setGeometry(0, 60, 200, 20)
    wrapped = QLabel("系统没有可用的密钥环，API 密钥只保留到应用退出（绝不会写入普通文件）。", root)
    wrapped.setWordWrap(True)
    wrapped.setGeometry(0, 80, 120, 20)
    root.resize(300, 100)
    root.show()
    qtbot.waitExposed(root)
    found = cut_texts(root)
    assert len(found) == 3, found
    assert "把结果保存在原图旁边" in found[0] and "将当前参数另存为…" in found[1] and "wraps to" in found[2]
    assert english_left(root, {"Save the result next to the original"}) == []
    label.setText("Save the result next to the original")
    assert english_left(root, {"Save the result next to the original"}) == [
        "Save the result next to the original"
    ]


def test_a_cjk_font_is_installed(qapp: QApplication) -> None:
    families = QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese)
    assert families, "no Simplified Chinese font: install fonts-noto-cjk (packaging/scripts/check_qt_libs.sh)"


def test_the_window_is_chinese_and_nothing_is_cut(
    qtbot: Any, zh_cn: None, ui_backend: Any, tmp_path: Path
) -> None:
    english = _english_msgids()
    group = photos.save(
        np.hstack([photos.astronaut(), photos.grace_hopper()[44:556], photos.astronaut()[:, ::-1]]),
        tmp_path / "group.jpg",
        quality=90,
    )
    portrait = photos.save(photos.astronaut(), tmp_path / "astronaut.jpg", quality=90)
    w = make_window(qtbot, ui_backend)
    for size in ((1440, 900), (1280, 720)):
        w.resize(*size)
        qtbot.waitUntil(lambda: w.presets_panel is not None, timeout=30_000)
        check_state(w, english, f"empty {size}")
    assert [CJK.search(a.text()) is not None for a in w.menuBar().actions()] == [True] * len(
        w.menuBar().actions()
    )

    with qtbot.waitSignal(w.photo_analysed, timeout=60_000):
        w.open_paths([group])
    assert "3 张人脸" in w.banner.text()
    flow = w.faces_flow
    qtbot.waitUntil(lambda: flow.current() is not None and flow.current().ready, timeout=60_000)
    assert flow.bar.isVisible() and flow.bar.label.text().startswith("逐脸精修")
    check_state(w, english, "banner: three faces, the face-by-face offer")
    flow.bar.button.click()
    flow.toggle(2)
    flow.select(1)
    w.controls.sliders["skin"].setValue(9)  # face 1's own strengths: the bar's reset button shows
    qtbot.waitUntil(lambda: flow.bar.reset_button.isVisible(), timeout=5_000)
    for size in ((1440, 900), (1280, 720)):
        w.resize(*size)
        check_state(w, english, f"face by face, a face selected {size}")
    w.resize(1440, 900)
    flow.set_on(False)

    with qtbot.waitSignal(w.photo_analysed, timeout=60_000):
        w.open_paths([portrait])
    assert "找到 1 张人脸" in w.banner.text() and w.faces_label.text() == "1 张人脸"
    check_state(w, english, "filmstrip, one face")

    with qtbot.waitSignal(w.run_finished, timeout=120_000):
        w.run_current()
    assert "完成" in w.run_panel.status.text()
    check_state(w, english, "result")
    for dock in w.docks.values():
        dock.show()
    check_state(w, english, "every panel open")
    for name in ("history", "batch"):  # (tabbed together: one shows at a time)
        w.docks[name].raise_()
        qtbot.wait(50)
        check_state(w, english, f"{name} panel in front")
    assert w.history_panel.versions()
    # On a 1280 x 720 screen (the history's lines are at their narrowest there; the current one is bold).
    w.resize(1280, 720)
    w.docks["history"].raise_()
    qtbot.wait(50)
    check_state(w, english, "history at 1280 x 720")

    # Retouch selected… and Watch folder… over the window.
    w.filmstrip.select_all_photos()
    assert w.shoot.retouch_selected()
    batch = w.shoot.dialog
    qtbot.waitExposed(batch)
    assert CJK.search(batch.windowTitle()) and CJK.search(batch.plan_label.text())
    check_state(batch, english, "batch dialog")
    batch.reject()
    w.shoot.watch_action.trigger()
    watch = w.shoot.dialog
    qtbot.waitExposed(watch)
    watch.watch_edit.setText(str(tmp_path / "hot"))
    check_state(watch, english, "watch dialog")
    watch.reject()


def test_dialogs_are_chinese_qt_buttons_too(qtbot: Any, zh_cn: None, tmp_path: Path) -> None:
    from portrait_studio.core.settings import Settings
    from portrait_studio.ui.dialogs.save_dialog import SaveAsDialog
    from portrait_studio.ui.dialogs.settings_dialog import SettingsDialog

    english = _english_msgids()
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:  # without a keyring the key's note is the longest text of the dialog
        no_keyring = SettingsDialog(Settings(), settings_file=tmp_path / "s.json")
        qtbot.addWidget(no_keyring)
        no_keyring.show()
        qtbot.waitExposed(no_keyring)
        assert "系统没有可用的密钥环" in no_keyring.key_status.text()
        check_state(no_keyring, english, "settings without a keyring")
    finally:
        keyring.set_keyring(previous)
    settings = SettingsDialog(Settings(), settings_file=tmp_path / "s.json")
    save = SaveAsDialog(tmp_path / "a-retouched.jpg", tmp_path / "a.jpg")
    for dialog in (settings, save):
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        check_state(dialog, english, type(dialog).__name__)
    # Qt's own words come from qtbase_zh_CN.qm: "保存" / "取消", not "Save" / "Cancel".
    box = settings.findChild(QDialogButtonBox)
    assert box is not None
    words = {b.text() for b in box.buttons()}
    assert {"保存", "取消"} <= {_plain(t) for t in words}, words
    assert settings.language_combo.currentData() == "system"
    assert [settings.language_combo.itemText(i) for i in range(3)] == ["跟随系统", "English", "简体中文"]
