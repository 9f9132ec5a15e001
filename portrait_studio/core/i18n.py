"""Translations: one gettext catalogue per language for everything a user reads (window, CLI, errors, notes).

Mark a sentence where it is written: `_("Open a photo")`, `ngettext("{n} face", "{n} faces", n)`; a constant
defined at import time (a class's `default_fix`, a table of titles) is marked with `N_("…")` and translated
where it is shown, `_(TABLE[code])`. Placeholders are `str.format` names
(`_("{name} was saved").format(…)`), never an f-string inside `_()`: the catalogue holds the sentence with its
placeholders, so a translator can move them. The catalogues are
`portrait_studio/locale/<lang>/LC_MESSAGES/portrait_studio.po`, kept up to date by
`packaging/scripts/extract_strings.py`; they are compiled to gettext's `.mo` form in memory at first use
(`compile_po`, ~25 ms for the zh_CN catalogue), so the repository and the bundle carry only the text a
translator edits.

Why gettext and not Qt's `tr()`: `core/`, `api/` and `cli/` must not import Qt, and their messages (errors,
pre-flight problems, engine notes, `--help`) are most of what a user reads; one system for all of it means
one catalogue and one test. Qt's own dialog buttons are translated by Qt's `qtbase_<lang>.qm` (ui/app.py).

The language: `set_language(code)` (the window and the CLI call it at start with the Settings choice); until
then, and for "system", the first language of LANGUAGE / LC_ALL / LC_MESSAGES / LANG that is shipped, else
English. The choice is passed to child processes (engine workers, check workers) in
PORTRAIT_STUDIO_LANGUAGE, which also overrides the OS for one run.
"""

from __future__ import annotations

import ast
import gettext
import io
import json
import os
import re
import struct
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

DOMAIN = "portrait_studio"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
ENV_LANGUAGE = "PORTRAIT_STUDIO_LANGUAGE"
#: Languages shipped: code → the name shown in Settings (each in its own language).
LANGUAGES: dict[str, str] = {"en": "English", "zh_CN": "简体中文"}
LanguageChoice = str  # "system" or a key of LANGUAGES

_lock = threading.Lock()
_current: gettext.NullTranslations | None = None
_language = "en"


def N_(message: str) -> str:
    """Mark `message` for the catalogue without translating it now (translated where it is shown)."""
    return message


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Mark a singular/plural pair for the catalogue without translating it now (`ngettext(*pair, n)`)."""
    return singular, plural


def _(message: str) -> str:
    """`message` in the current language (itself when the catalogue has no translation)."""
    return _translations().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of `singular`/`plural` for the number `n` in the current language."""
    return _translations().ngettext(singular, plural, n)


def _translations() -> gettext.NullTranslations:
    current = _current
    if current is None:
        set_language("system")
        current = _current
        assert current is not None
    return current


def system_language(environ: Mapping[str, str] | None = None) -> str:
    """The shipped language the environment asks for (PORTRAIT_STUDIO_LANGUAGE, then the POSIX variables)."""
    env = os.environ if environ is None else environ
    for var in (ENV_LANGUAGE, "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        if not value:
            continue
        for item in value.split(":"):  # LANGUAGE may be a list: "zh_CN:en"
            code = _shipped(item)
            if code is not None:
                return code
        if var != "LANGUAGE":  # the first set variable decides, as in gettext; LANGUAGE only adds choices
            return "en"
    return "en"


def _shipped(item: str) -> str | None:
    """ "zh_CN.UTF-8" → "zh_CN", "zh" → "zh_CN", "en_GB" → "en"; None for a language not shipped."""
    base = item.split(".")[0].split("@")[0].replace("-", "_")
    lang, _sep, region = base.partition("_")
    lang = lang.lower()
    if lang in ("c", "posix", "en"):
        return "en"
    if lang == "zh" and region.upper() not in ("TW", "HK", "MO", "HANT"):  # Simplified only is shipped
        return "zh_CN"
    return None


def resolve(choice: LanguageChoice) -> str:
    """A Settings choice ("system", "en", "zh_CN") → the language that will be used."""
    return choice if choice in LANGUAGES else system_language()


def set_language(choice: LanguageChoice) -> str:
    """Use `choice` ("system" or a shipped code) from now on, in this process and its children."""
    global _current, _language
    code = resolve(choice)
    translations = _load(code)
    with _lock:
        _current, _language = translations, code
    if choice != "system" or ENV_LANGUAGE in os.environ:
        os.environ[ENV_LANGUAGE] = code  # spawned workers (engine, check) write messages too
    return code


def current_language() -> str:
    """The code of the language in use ("en", "zh_CN")."""
    _translations()
    return _language


def _load(code: str) -> gettext.NullTranslations:
    po = catalogue_path(code)
    if code == "en" or not po.is_file():
        return gettext.NullTranslations()
    return gettext.GNUTranslations(io.BytesIO(compile_po(po.read_text(encoding="utf-8"))))


def catalogue_path(code: str) -> Path:
    """The `.po` file of language `code`."""
    return LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


# ---------------------------------------------------------------------- .po files
@dataclass
class Entry:
    """One message of a `.po` file (`msgstr` has one item per plural form, or one)."""

    msgid: str
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=lambda: [""])
    flags: set[str] = field(default_factory=set)
    comments: list[str] = field(default_factory=list)  # "#: file:line" and "#." lines, kept as they are

    @property
    def translated(self) -> bool:
        return all(self.msgstr) and "fuzzy" not in self.flags


def parse_po(text: str) -> list[Entry]:
    """The entries of a `.po` file (the header is the entry with msgid ""); obsolete `#~` ones dropped."""
    entries: list[Entry] = []
    entry: Entry | None = None
    comments: list[str] = []
    flags: set[str] = set()
    key: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#,"):
            flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
        elif line.startswith("#"):
            comments.append(line)
        elif line.startswith("msgid_plural "):
            assert entry is not None
            entry.msgid_plural, key = _po_string(line[13:]), "msgid_plural"
        elif line.startswith("msgid "):
            entry = Entry(_po_string(line[6:]), flags=flags, comments=comments)
            entries.append(entry)
            entry.msgstr, comments, flags, key = [], [], set(), "msgid"
        elif line.startswith("msgstr"):
            assert entry is not None
            m = re.match(r"msgstr(?:\[(\d+)\])?\s+(.*)", line)
            assert m is not None, line
            entry.msgstr.append(_po_string(m.group(2)))
            key = "msgstr"
        elif line.startswith('"') and entry is not None:
            more = _po_string(line)
            if key == "msgid":
                entry.msgid += more
            elif key == "msgid_plural":
                entry.msgid_plural = (entry.msgid_plural or "") + more
            else:
                entry.msgstr[-1] += more
    return entries


def _po_string(token: str) -> str:
    # .po strings are C strings; the escapes po_quote writes (\\ \" \n \t) are JSON's too, and json is ~5×
    # faster than ast.literal_eval (start-up reads 780 of them); anything else C allows, ast reads.
    try:
        value = json.loads(token.strip())
    except ValueError:
        value = ast.literal_eval(token.strip())
    assert isinstance(value, str)
    return value


_FIELDS = re.compile(r"\{[^{}]*\}|%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[srdif%]")


def placeholders(text: str) -> list[str]:
    """The `{name}` and `%s` fields of a message, sorted: a translation must keep exactly these."""
    return sorted(_FIELDS.findall(text))


def po_quote(text: str) -> str:
    """A `.po` string literal for `text`."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def compile_po(text: str) -> bytes:
    """The `.mo` bytes of a `.po` file's translated entries (what msgfmt writes; fuzzy ones left out)."""
    pairs: dict[bytes, bytes] = {}
    for e in parse_po(text):
        if e.msgid and not e.translated:
            continue
        key = e.msgid if e.msgid_plural is None else f"{e.msgid}\0{e.msgid_plural}"
        pairs[key.encode()] = "\0".join(e.msgstr).encode()
    keys = sorted(pairs)
    header = 7 * 4
    ids_at = header
    strs_at = ids_at + len(keys) * 8
    data_at = strs_at + len(keys) * 8
    ids, strs, blob = [], [], b""
    for k in keys:
        ids.append((len(k), data_at + len(blob)))
        blob += k + b"\0"
    for k in keys:
        v = pairs[k]
        strs.append((len(v), data_at + len(blob)))
        blob += v + b"\0"
    out = struct.pack("<7I", 0x950412DE, 0, len(keys), ids_at, strs_at, 0, data_at)
    out += b"".join(struct.pack("<2I", *p) for p in ids) + b"".join(struct.pack("<2I", *p) for p in strs)
    return out + blob


# ---------------------------------------------------------------------- numbers and money
def format_number(value: float | Decimal, decimals: int = 0) -> str:
    """A number with the locale's grouping and decimal mark (both "1,234.5" in en and zh_CN)."""
    return f"{value:,.{decimals}f}"


def format_money(amount: Decimal, decimals: int | None = 2) -> str:
    """An amount of USD as the current language writes it: "$0.035" / "US$0.035" (zh_CN: "$" alone reads
    as any dollar, and "¥" would be wrong: every amount is USD). `decimals=None`: all the amount's digits."""
    text = f"{abs(amount):,}" if decimals is None else f"{abs(amount):,.{decimals}f}"
    sign = "-" if amount < 0 else ""
    prefix = "US$" if current_language() == "zh_CN" else "$"
    return f"{sign}{prefix}{text}"


# ---------------------------------------------------------------------- argparse
#: argparse's own user-facing sentences (Python 3.11), so `--help` and usage errors are in the catalogue.
ARGPARSE_MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("show program's version number and exit"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("unrecognized arguments: %s"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("unexpected option string: %s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("can't open '%(filename)s': %(error)s"),
)
ARGPARSE_PLURALS = (N_plural("expected %s argument", "expected %s arguments"),)


def translate_argparse() -> None:
    """Make argparse's own words (usage:, options, its errors) follow the current language.

    argparse looks its words up with the module-level `_` and `ngettext` it took from gettext's global
    domain; pointing those at this catalogue is the one way to reach all of them (they are spread over
    HelpFormatter, ArgumentParser and the actions)."""
    import argparse  # lazy: the window never builds a parser, and its start-up time counts

    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]


__all__ = [
    "ARGPARSE_MESSAGES",
    "DOMAIN",
    "ENV_LANGUAGE",
    "LANGUAGES",
    "LOCALE_DIR",
    "N_",
    "Entry",
    "N_plural",
    "_",
    "catalogue_path",
    "compile_po",
    "current_language",
    "format_money",
    "format_number",
    "ngettext",
    "parse_po",
    "placeholders",
    "po_quote",
    "resolve",
    "set_language",
    "system_language",
    "translate_argparse",
]
