"""User settings (backend, base URL, image hosting, output folder, theme, language, spend limits), as JSON."""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from portrait_studio.core.errors import ConfigError
from portrait_studio.core.fileio import atomic_write_json
from portrait_studio.core.i18n import LANGUAGES, _
from portrait_studio.core.money import parse_money
from portrait_studio.core.paths import config_dir

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
DEFAULT_CLOUD_BASE_URL = "https://cloud.vtrix.ai"  # the provider's docs (docs/PROTOCOL.md)
_MONEY = ("confirm_cost_above", "budget_cap")  # Decimal USD; written as text, read from text or numbers

Backend = Literal["local", "cloud"]
ImageHost = Literal["inline", "upload", "url"]
Theme = Literal["system", "light", "dark", "high_contrast"]


@dataclass(frozen=True)
class Settings:
    """Everything the user can set outside a single edit. The API key is NOT here: it lives in the keyring."""

    backend: Backend = "local"
    base_url: str = DEFAULT_CLOUD_BASE_URL  # cloud gateway; the local one picks its own port
    image_host: ImageHost = "inline"  # how a local photo becomes the `image_input` URL (cloud only)
    upload_url: str = ""  # for image_host == "upload": multipart field `file` → {"url"} or {"data": {"url"}}
    output_dir: str = ""  # empty: next to the original
    theme: Theme = "system"
    confirm_cost_above: Decimal = Decimal("0.10")  # USD: ask before paying more than this per task
    budget_cap: Decimal | None = None  # USD per day; batches pause before exceeding it
    language: str = "system"  # "system" (LANGUAGE / LC_ALL / LANG) or a code of core.i18n.LANGUAGES

    def __post_init__(self) -> None:
        for name in _MONEY:  # a number from an older settings file, or from a spin box, becomes exact here
            value = getattr(self, name)
            amount = parse_money(value)
            if amount is None and not (value is None and name == "budget_cap"):
                raise ConfigError(
                    _("The {setting} {value!r} is not an amount in USD.").format(
                        setting=name.replace("_", " "), value=value
                    ),
                    _("Enter an amount such as 0.10 in Settings."),
                )
            object.__setattr__(self, name, amount)
        if self.backend not in ("local", "cloud"):
            raise ConfigError(
                _("Unknown backend {value!r}.").format(value=self.backend),
                _("Choose local or cloud in Settings."),
            )
        if self.image_host not in ("inline", "upload", "url"):
            raise ConfigError(
                _("Unknown image hosting {value!r}.").format(value=self.image_host),
                _("Choose inline, upload or url."),
            )
        if self.language != "system" and self.language not in LANGUAGES:
            raise ConfigError(
                _("Unknown language {value!r}.").format(value=self.language),
                _("Choose one of: {choices}.").format(choices=", ".join(["system", *LANGUAGES])),
            )
        if self.theme not in ("system", "light", "dark", "high_contrast"):
            raise ConfigError(
                _("Unknown theme {value!r}.").format(value=self.theme),
                _("Choose system, light, dark or high_contrast."),
            )

    def output_folder(self) -> Path | None:
        """Where results are saved, `~` expanded; None: next to each original."""
        return Path(self.output_dir.strip()).expanduser() if self.output_dir.strip() else None

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data.update({k: str(data[k]) for k in _MONEY if data[k] is not None})
        return {"schema": SCHEMA_VERSION, **data}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Settings:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def settings_path() -> Path:
    return config_dir() / "settings.json"


def load_settings(path: Path | None = None) -> Settings:
    """Read settings; a missing or broken file gives defaults (and a log line), never a crash."""
    path = path or settings_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Settings.from_dict(data)
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError, TypeError, ConfigError) as err:
        log.warning("settings file %s is unreadable (%s); using defaults", path, err)
        return Settings()


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write settings atomically."""
    return atomic_write_json(path or settings_path(), settings.to_dict())


__all__ = ["DEFAULT_CLOUD_BASE_URL", "Settings", "load_settings", "save_settings", "settings_path"]
