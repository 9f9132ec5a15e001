"""Preset store: named EditParams (no image), built-in and user presets, import/export.

Built-ins are read-only JSON files in `resources/presets/`; user presets are one JSON file each in
`config_dir()/presets/`, so saving one preset never rewrites (or risks) another, and concurrent saves from two
windows or processes each land whole (atomic write + rename, core/fileio.py).

File format (schema 1)::

    {"schema": 1, "name": "Studio", "description": "...", "params": {EditParams.to_dict()},
     "result_size": "original"}

`params` width × height "auto" follow each photo (the built-ins all do); `result_size` is "original" (the
retouch merged onto the photographer's own file, the default, also for files written before it existed) or
"model" (the model's image as it is).

A file that cannot be read (bad JSON, unknown parameter, newer schema) is reported in `store.problems` and
skipped; it never stops the others from loading.

Usage (the presets panel and the CLI)::

    store = PresetStore()
    for p in store.list(): ...              # built-ins first, then user presets, by name
    params = store.get("studio").params     # names are matched case-insensitively
    store.save("My look", params)           # → Preset; refuses built-in names (result_size="model" too)
    store.rename("My look", "Wedding"); store.delete("Wedding")
    store.import_file(path); store.export("Studio", path)
    unsubscribe = store.subscribe(callback) # callback() after every change (called in the changing thread)
"""

from __future__ import annotations

import builtins
import hashlib
import json
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from portrait_studio.core.errors import ParamsError, PortraitStudioError
from portrait_studio.core.fileio import atomic_write_json
from portrait_studio.core.i18n import N_, _
from portrait_studio.core.params import EditParams
from portrait_studio.core.paths import config_dir, resources_dir

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
NAME_MAX = 80
RESULT_SIZES = ("original", "model")  # as api.output.SIZES (core cannot import api)

#: Upgrades of older files: schema N → a dict in schema N+1 (the hook for future format changes).
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


class PresetError(PortraitStudioError):
    """A preset is missing, misnamed, read-only or its file is unreadable."""

    default_fix = _("Check the preset's name with `portrait-studio presets list`.")


# The built-in presets' names and descriptions (resources/presets/*.json) for the catalogue: the window shows
# them in its language, while the name a preset is found by (`--preset Studio`, the files, the journal) stays
# the English one. tests/core/test_i18n.py fails when a built-in file's text is not here word for word.
BUILTIN_WORDS = {
    "Clean skin": (
        N_("Clean skin"),
        N_(
            "Blemish clean-up: strong Tone (uniformity and blemish removal), moderate Skin smoothing, the "
            "default Face HD."
        ),
    ),
    "Natural": (
        N_("Natural"),
        N_(
            "Light touch: a little Face HD and Skin smoothing, skin texture kept. Below the model's defaults "
            "(Face HD 0.4, Skin 0.3) so the retouch is hard to spot."
        ),
    ),
    "Soft glow": (
        N_("Soft glow"),
        N_(
            "Beauty/glamour: strong Skin smoothing and Tone unification with gentle Face HD, for a soft, "
            "luminous skin."
        ),
    ),
    "Studio": (
        N_("Studio"),
        N_("Headshot/commercial look: crisper Face HD and even Tone, as after a studio retouch pass."),
    ),
}


def shown_name(name: str) -> str:
    """A preset's name as the window shows it: a built-in's in the current language, a user's as typed."""
    words = BUILTIN_WORDS.get(name)
    return _(words[0]) if words else name


@dataclass(frozen=True)
class Preset:
    """A named set of edit parameters."""

    name: str
    params: EditParams
    description: str = ""
    builtin: bool = False
    path: Path | None = None
    result_size: str = "original"  # "original" | "model" (RESULT_SIZES)

    @property
    def shown_name(self) -> str:
        """The name in the window's language (a built-in's translated; the name itself finds it)."""
        return shown_name(self.name) if self.builtin else self.name

    @property
    def shown_description(self) -> str:
        """The description in the window's language (a built-in's translated, when it is the shipped one)."""
        words = BUILTIN_WORDS.get(self.name) if self.builtin else None
        return _(words[1]) if words and words[1] == self.description else self.description

    def to_dict(self) -> dict[str, Any]:
        """The file format (schema 1)."""
        return {
            "schema": SCHEMA_VERSION,
            "name": self.name,
            "description": self.description,
            "params": self.params.to_dict(),
            "result_size": self.result_size,
        }


@dataclass(frozen=True)
class PresetProblem:
    """A preset file that was skipped, and why."""

    path: Path
    message: str


def check_result_size(value: object) -> str:
    """ "original" or "model"; PresetError otherwise."""
    if value not in RESULT_SIZES:
        raise PresetError(
            _("result_size must be “original” or “model”, not {value}.").format(value=repr(value)),
            _("Set it to “original” (full size, the default) or “model”."),
        )
    return str(value)


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def check_name(name: object) -> str:
    """A preset name: non-empty text of at most NAME_MAX characters, spaces collapsed."""
    if not isinstance(name, str) or not name.strip():
        raise PresetError(_("A preset needs a name."), _("Type a name, for example “Wedding soft”."))
    clean = " ".join(name.split())
    if len(clean) > NAME_MAX:
        raise PresetError(
            _("The preset name is longer than {NAME_MAX} characters.").format(NAME_MAX=NAME_MAX),
            _("Use a shorter name."),
        )
    return clean


def _file_name(name: str) -> str:
    # Readable slug + a short hash of the case-folded name: two names that slug alike never share a file.
    slug = re.sub(r"[^a-z0-9]+", "-", _key(name)).strip("-")[:40] or "preset"
    digest = hashlib.sha1(_key(name).encode("utf-8")).hexdigest()[:8]
    return f"{slug}-{digest}.json"


def parse_preset(data: object, *, path: Path | None = None, builtin: bool = False) -> Preset:
    """Validate a decoded preset file (migrating older schemas); raise PresetError when it is not one."""
    where = f"{path}: " if path else ""
    if not isinstance(data, dict):
        raise PresetError(_("{where}not a preset file (expected a JSON object).").format(where=where))
    schema = data.get("schema", 1)
    if not isinstance(schema, int) or schema < 1:
        raise PresetError(_("{where}unknown preset schema {schema!r}.").format(where=where, schema=schema))
    if schema > SCHEMA_VERSION:
        raise PresetError(
            _("{where}made by a newer Portrait Studio (schema {schema}).").format(where=where, schema=schema),
            _("Update Portrait Studio to use it."),
        )
    while schema < SCHEMA_VERSION:
        data, schema = MIGRATIONS[schema](data), schema + 1
    try:
        name = check_name(data.get("name"))
        params = EditParams.from_dict(data.get("params", {}))
        result_size = check_result_size(data.get("result_size", "original"))
    except (ParamsError, PresetError) as err:
        raise PresetError(f"{where}{err.message}", err.fix) from err
    description = data.get("description") or ""
    return Preset(name, params, str(description), builtin, path, result_size)


def read_preset_file(path: Path, *, builtin: bool = False) -> Preset:
    """Read one preset file; PresetError says what is wrong with it."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise PresetError(
            _("{path}: cannot be read ({value}).").format(path=path, value=err),
            _("Check the file and its permissions."),
        ) from err
    except ValueError as err:
        raise PresetError(
            _("{path}: is not valid JSON ({value}).").format(path=path, value=err),
            _("Fix or delete the file."),
        ) from err
    return parse_preset(data, path=path, builtin=builtin)


class PresetStore:
    """Built-in presets plus the user's, read from disk on every call (so other processes' saves show up)."""

    def __init__(self, user_dir: Path | None = None, builtin_dir: Path | None = None) -> None:
        self._user_dir = user_dir
        self.builtin_dir = builtin_dir or resources_dir() / "presets"
        self.problems: list[PresetProblem] = []
        self._lock = threading.RLock()
        self._listeners: list[Callable[[], None]] = []

    @property
    def user_dir(self) -> Path:
        """Where user presets live (created on first use)."""
        path = self._user_dir or config_dir() / "presets"
        path.mkdir(parents=True, exist_ok=True)
        return path

    # ------------------------------------------------------------------ reading
    def _scan(self, folder: Path, builtin: bool) -> list[Preset]:
        found: list[Preset] = []
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            try:
                found.append(read_preset_file(path, builtin=builtin))
            except PresetError as err:
                log.warning("skipping preset file: %s", err.message)
                self.problems.append(PresetProblem(path, err.message))
        return found

    def list(self) -> list[Preset]:
        """Built-ins first, then user presets, each by name; broken files are listed in `problems`."""
        with self._lock:
            self.problems = []
            builtins = self._scan(self.builtin_dir, True)
            taken = {_key(p.name) for p in builtins}
            users = [p for p in self._scan(self.user_dir, False) if _key(p.name) not in taken]
        key = lambda p: _key(p.name)  # noqa: E731
        return sorted(builtins, key=key) + sorted(users, key=key)

    def names(self) -> builtins.list[str]:
        """The names of all presets, in list() order."""
        return [p.name for p in self.list()]

    def get(self, name: str) -> Preset:
        """The preset with this name (case-insensitive); PresetError lists the known names otherwise."""
        presets = self.list()
        for p in presets:
            if _key(p.name) == _key(name):
                return p
        known = ", ".join(p.name for p in presets) or "none"
        raise PresetError(
            _("There is no preset called “{name}”.").format(name=name),
            _("Use one of: {known}.").format(known=known),
        )

    def _find(self, name: str) -> Preset | None:
        try:
            return self.get(name)
        except PresetError:
            return None

    # ------------------------------------------------------------------ writing
    def save(
        self, name: str, params: EditParams, description: str = "", result_size: str = "original"
    ) -> Preset:
        """Create or replace a user preset (atomic write); built-in names are refused."""
        name = check_name(name)
        result_size = check_result_size(result_size)
        with self._lock:
            existing = self._find(name)
            if existing and existing.builtin:
                raise PresetError(
                    _("“{existing}” is a built-in preset and cannot be changed.").format(
                        existing=existing.name
                    ),
                    _("Save it under another name."),
                )
            path = existing.path if existing and existing.path else self.user_dir / _file_name(name)
            preset = Preset(name, params, description, False, path, result_size)
            atomic_write_json(path, preset.to_dict())
        self._changed()
        return preset

    def delete(self, name: str) -> None:
        """Delete a user preset; built-ins are refused."""
        with self._lock:
            preset = self.get(name)
            self._refuse_builtin(preset, _("deleted"))
            if preset.path:
                preset.path.unlink(missing_ok=True)
        self._changed()

    def rename(self, old: str, new: str) -> Preset:
        """Rename a user preset (the new file is written before the old one is removed)."""
        with self._lock:
            preset = self.get(old)
            self._refuse_builtin(preset, _("renamed"))
            clash = self._find(new)
            if clash and clash.path != preset.path:
                raise PresetError(
                    _("A preset called “{clash}” already exists.").format(clash=clash.name),
                    _("Choose another name."),
                )
            renamed = self.save(new, preset.params, preset.description, preset.result_size)
            if preset.path and preset.path != renamed.path:
                preset.path.unlink(missing_ok=True)
        self._changed()
        return renamed

    @staticmethod
    def _refuse_builtin(preset: Preset, verb: str) -> None:
        if preset.builtin:
            raise PresetError(
                _("“{preset}” is a built-in preset and cannot be {verb}.").format(
                    preset=preset.name, verb=verb
                ),
                _("Save a copy under another name and change that."),
            )

    def import_file(self, path: Path, *, name: str | None = None) -> Preset:
        """Add a preset from a file made by export (or by hand); `name` renames it on the way in."""
        preset = read_preset_file(Path(path))
        return self.save(name or preset.name, preset.params, preset.description, preset.result_size)

    def export(self, name: str, path: Path) -> Path:
        """Write a preset to a file that import_file (on any machine) reads back."""
        preset = self.get(name)
        return atomic_write_json(Path(path), preset.to_dict())

    # ------------------------------------------------------------------ change callbacks
    def subscribe(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call `callback()` after each save/delete/rename/import; returns the unsubscribe function."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    def _changed(self) -> None:
        for callback in list(self._listeners):
            try:
                callback()
            except Exception:  # a broken listener must not undo a save that already happened
                log.exception("preset listener failed")


__all__ = [
    "BUILTIN_WORDS",
    "RESULT_SIZES",
    "SCHEMA_VERSION",
    "Preset",
    "PresetError",
    "PresetProblem",
    "PresetStore",
    "check_name",
    "check_result_size",
    "parse_preset",
    "read_preset_file",
    "shown_name",
]
