"""The translation system: the zh_CN catalogue is complete and current, and the language follows the OS."""

from __future__ import annotations

import gettext
import importlib.util
import io
import os
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from portrait_studio.core import i18n

ROOT = Path(__file__).resolve().parents[2]


def _extractor():
    spec = importlib.util.spec_from_file_location(
        "extract_strings", ROOT / "packaging/scripts/extract_strings.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("extract_strings", module)
    spec.loader.exec_module(module)
    return module


def test_zh_cn_catalogue_is_complete_and_current() -> None:
    """Fails on any marked string without a translation, a fuzzy or stale entry, a changed placeholder, or
    an f-string inside a marker. Fix: `python packaging/scripts/extract_strings.py`, then translate."""
    ex = _extractor()
    extracted = ex.extract()
    assert len(extracted.messages) > 100  # the extractor found the app's strings, not just argparse's
    assert ex.problems(extracted, "zh_CN") == []


def test_the_checker_sees_an_untranslated_and_a_stale_string(tmp_path: Path, monkeypatch) -> None:
    ex = _extractor()
    extracted = ex.extract()
    po = i18n.parse_po(i18n.catalogue_path("zh_CN").read_text(encoding="utf-8"))
    text = ex.render(extracted, po, "")  # complete and current …
    text += '\nmsgid "A sentence the code no longer has"\nmsgstr "旧句子"\n'  # … plus a stale entry
    extracted.messages[("A new sentence", None)] = ["portrait_studio/x.py"]  # … and a new string
    fake = tmp_path / "zh_CN" / "LC_MESSAGES" / "portrait_studio.po"
    fake.parent.mkdir(parents=True)
    fake.write_text(text, encoding="utf-8")
    monkeypatch.setattr(ex, "catalogue_path", lambda code: fake)
    found = ex.problems(extracted, "zh_CN")
    assert any("untranslated: 'A new sentence'" in p for p in found)
    assert any("stale" in p and "no longer has" in p for p in found)


def test_placeholders_must_survive_translation() -> None:
    assert i18n.placeholders("{n} faces in %s, %(x)d") == sorted(["{n}", "%s", "%(x)d"])
    assert i18n.placeholders("{name}：{size}") == ["{name}", "{size}"]


def test_compiled_catalogue_is_what_gettext_reads() -> None:
    po = (
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
        'msgid "Open"\nmsgstr "打开"\n\n#, fuzzy\nmsgid "Save"\nmsgstr "保存"\n\n'
        'msgid "{n} face"\nmsgid_plural "{n} faces"\nmsgstr[0] "{n} 张人脸"\n\n'
        'msgid "two\\n"\n"lines"\nmsgstr "两\\n"\n"行"\n'
    )
    t = gettext.GNUTranslations(io.BytesIO(i18n.compile_po(po)))
    assert t.gettext("Open") == "打开"
    assert t.gettext("Save") == "Save"  # fuzzy: not trusted, as msgfmt does
    assert t.ngettext("{n} face", "{n} faces", 3) == "{n} 张人脸"
    assert t.gettext("two\nlines") == "两\n行"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh_CN"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANGUAGE": "zh_CN:en", "LANG": "en_US.UTF-8"}, "zh_CN"),
        ({"LANGUAGE": "fr:de", "LANG": "zh_CN.UTF-8"}, "zh_CN"),  # LANGUAGE lists nothing shipped
        ({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, "en"),  # LC_ALL wins over LANG
        ({"LC_MESSAGES": "zh_SG.UTF-8"}, "zh_CN"),
        ({"LANG": "zh_TW.UTF-8"}, "en"),  # Traditional is not shipped
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({}, "en"),
        ({"PORTRAIT_STUDIO_LANGUAGE": "en", "LANG": "zh_CN.UTF-8"}, "en"),
    ],
)
def test_language_follows_the_environment(env: dict[str, str], expected: str) -> None:
    assert i18n.system_language(env) == expected


def test_set_language_translates_and_reaches_child_processes(monkeypatch) -> None:
    monkeypatch.delenv(i18n.ENV_LANGUAGE, raising=False)
    try:
        assert i18n.set_language("zh_CN") == "zh_CN"
        assert i18n._("options") == "选项"
        assert i18n.ngettext("expected %s argument", "expected %s arguments", 2) == "需要 %s 个参数值"
        assert os.environ[i18n.ENV_LANGUAGE] == "zh_CN"
        assert i18n.set_language("en") == "en"
        assert i18n._("options") == "options"
    finally:
        i18n.set_language("en")


def test_money_and_numbers_for_the_locale() -> None:
    try:
        i18n.set_language("en")
        assert i18n.format_money(Decimal("1234.5")) == "$1,234.50"
        i18n.set_language("zh_CN")
        assert i18n.format_money(Decimal("0.035"), 3) == "US$0.035"
        assert i18n.format_money(Decimal("-2")) == "-US$2.00"
        assert i18n.format_number(12345.678, 1) == "12,345.7"
    finally:
        i18n.set_language("en")


def test_built_in_presets_are_shown_in_the_language_and_found_by_their_name() -> None:
    import json

    from portrait_studio.core.presets import BUILTIN_WORDS, PresetStore

    files = sorted((ROOT / "portrait_studio" / "resources" / "presets").glob("*.json"))
    shipped = {d["name"]: d["description"] for d in (json.loads(f.read_text()) for f in files)}
    # Word for word: a file edited without its marked copy would be shown in English in zh_CN.
    assert shipped == {name: words[1] for name, words in BUILTIN_WORDS.items()}
    assert all(name == words[0] for name, words in BUILTIN_WORDS.items())
    try:
        i18n.set_language("zh_CN")
        store = PresetStore()
        studio = store.get("Studio")  # the English name still finds it (the CLI's --preset, the journal)
        assert (studio.name, studio.shown_name) == ("Studio", "影棚")
        assert studio.shown_description.startswith("形象照")
        mine = store.save("Studio look", studio.params, "my own words")
        assert (mine.shown_name, mine.shown_description) == ("Studio look", "my own words")
    finally:
        i18n.set_language("en")
    assert studio.shown_name == "Studio"


def test_batch_summary_and_durations_in_chinese() -> None:
    from portrait_studio.api.batch import BatchItem, duration, summary

    items = [
        BatchItem(id=i, path=Path(f"{i}.jpg"), status=s) for i, s in enumerate(["done", "done", "running"])
    ]
    try:
        i18n.set_language("zh_CN")
        assert summary(items, 75) == "3 张照片：已完成 2 张，1 张进行中 · 约剩 1 分钟"
        assert [duration(x) for x in (4.2, 3900)] == ["4 秒", "1 小时 05 分"]
    finally:
        i18n.set_language("en")
    assert summary(items, None) == "3 photos: 2 done, 1 running"
