"""Extract every marked string of portrait_studio into the catalogues (core/i18n.py says how to mark one).

    python packaging/scripts/extract_strings.py          # update the .pot and each language's .po
    python packaging/scripts/extract_strings.py --check  # exit 1 when a catalogue is not complete and current

Marked: `_("…")`, `N_("…")`, `ngettext("…", "…", n)` and `N_plural("…", "…")` with literal strings. An
f-string (or any non-literal) inside a marker is an error: the catalogue could never hold it. Updating keeps
every translation whose msgid is still used, adds the new msgids untranslated, and drops the stale ones (a
stale translation is in git's history if a sentence comes back). Locations are file names without line
numbers, so moving code does not rewrite the catalogue (and does not conflict in merges).
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from portrait_studio.core.i18n import (  # noqa: E402  (the repository root is put on the path first)
    DOMAIN,
    LANGUAGES,
    LOCALE_DIR,
    Entry,
    catalogue_path,
    parse_po,
    po_quote,
)

PACKAGE = ROOT / "portrait_studio"
SINGLE = {"_", "N_"}
PLURAL = {"ngettext", "N_plural"}
Key = tuple[str, str | None]  # (msgid, msgid_plural)


@dataclass
class Extracted:
    """The marked strings of the package, in order of first use, and the markers that cannot be extracted."""

    messages: dict[Key, list[str]] = field(default_factory=dict)  # key → files using it
    errors: list[str] = field(default_factory=list)


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    return None


def extract(package: Path = PACKAGE) -> Extracted:
    """Every marked string under `package`."""
    out = Extracted()
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            if name not in SINGLE | PLURAL:
                continue
            want = 1 if name in SINGLE else 2
            literals = [a.value for a in node.args[:want] if isinstance(a, ast.Constant)]
            if len(literals) != want or not all(isinstance(v, str) for v in literals):
                if name in ("N_", "N_plural") or any(isinstance(a, ast.JoinedStr) for a in node.args):
                    out.errors.append(f"{rel}:{node.lineno}: {name}() needs literal strings (no f-string)")
                continue  # _(variable): a string marked elsewhere with N_, translated here
            key: Key = (literals[0], literals[1] if want == 2 else None)
            if not key[0]:
                out.errors.append(f"{rel}:{node.lineno}: {name}('') would return the catalogue's header")
                continue
            files = out.messages.setdefault(key, [])
            if rel not in files:
                files.append(rel)
    return out


def _entry_text(e: Entry, nplurals: int) -> str:
    lines = list(e.comments)
    if e.flags:
        lines.append("#, " + ", ".join(sorted(e.flags)))
    lines.append("msgid " + po_quote(e.msgid))
    if e.msgid_plural is None:
        lines.append("msgstr " + po_quote(e.msgstr[0] if e.msgstr else ""))
    else:
        lines.append("msgid_plural " + po_quote(e.msgid_plural))
        forms = e.msgstr + [""] * (nplurals - len(e.msgstr))
        lines += [f"msgstr[{i}] {po_quote(s)}" for i, s in enumerate(forms[:nplurals])]
    return "\n".join(lines)


def _nplurals(header: Entry | None) -> int:
    text = header.msgstr[0] if header else ""
    for part in text.split(";"):
        if "nplurals=" in part:
            return int(part.split("nplurals=")[1])
    return 2


def render(extracted: Extracted, old: list[Entry], header: str) -> str:
    """A catalogue for the extracted messages, keeping the translations of `old`."""
    known = {(e.msgid, e.msgid_plural): e for e in old if e.msgid}
    head = next((e for e in old if not e.msgid), None) or Entry("", msgstr=[header])
    nplurals = _nplurals(head)
    parts = [_entry_text(Entry("", msgstr=head.msgstr, flags=head.flags, comments=head.comments), 1)]
    for (msgid, plural), files in extracted.messages.items():
        prev = known.get((msgid, plural))
        entry = Entry(msgid, plural, list(prev.msgstr) if prev else [""] * (nplurals if plural else 1))
        entry.flags = set(prev.flags) if prev else set()
        entry.comments = [c for c in (prev.comments if prev else []) if not c.startswith("#:")]
        entry.comments.append("#: " + " ".join(files))
        parts.append(_entry_text(entry, nplurals))
    return "\n\n".join(parts) + "\n"


HEADER = (
    "Project-Id-Version: portrait-studio\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=UTF-8\n"
    "Content-Transfer-Encoding: 8bit\n"
)
PLURAL_FORMS = {"zh_CN": "nplurals=1; plural=0;"}


def problems(extracted: Extracted, code: str) -> list[str]:
    """What is wrong with language `code`'s catalogue: untranslated, fuzzy, stale, placeholders changed."""
    from portrait_studio.core.i18n import placeholders

    entries = parse_po(catalogue_path(code).read_text(encoding="utf-8"))
    have = {(e.msgid, e.msgid_plural): e for e in entries if e.msgid}
    out = [f"{code}: marker error: {err}" for err in extracted.errors]
    for key in extracted.messages:
        e = have.get(key)
        if e is None or not all(e.msgstr):
            out.append(f"{code}: untranslated: {key[0]!r}")
        elif "fuzzy" in e.flags:
            out.append(f"{code}: fuzzy (check and unmark): {key[0]!r}")
        else:
            want = placeholders(key[0])
            for s in e.msgstr:
                if placeholders(s) != want:
                    out.append(f"{code}: placeholders differ: {key[0]!r} → {s!r}")
    out += [f"{code}: stale (no longer in the code): {k[0]!r}" for k in have if k not in extracted.messages]
    return out


def update() -> None:
    """Write the .pot template and update every shipped language's .po."""
    extracted = extract()
    for err in extracted.errors:
        print(f"error: {err}", file=sys.stderr)
    (LOCALE_DIR / f"{DOMAIN}.pot").write_text(render(extracted, [], HEADER), encoding="utf-8")
    for code in LANGUAGES:
        if code == "en":
            continue
        path = catalogue_path(code)
        path.parent.mkdir(parents=True, exist_ok=True)
        old = parse_po(path.read_text(encoding="utf-8")) if path.is_file() else []
        header = (
            HEADER
            + f"Language: {code}\nPlural-Forms: {PLURAL_FORMS.get(code, 'nplurals=2; plural=(n != 1);')}\n"
        )
        path.write_text(render(extracted, old, header), encoding="utf-8")
        left = [p for p in problems(extracted, code) if "untranslated" in p]
        print(f"{path.relative_to(ROOT)}: {len(extracted.messages)} messages, {len(left)} untranslated")


def main(argv: list[str]) -> int:
    if "--check" in argv:
        extracted = extract()
        found = [p for code in LANGUAGES if code != "en" for p in problems(extracted, code)]
        print("\n".join(found) or "catalogues complete")
        return 1 if found else 0
    update()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
