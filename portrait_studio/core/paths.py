"""App folders (config, data, cache) in the platform's standard places, or under PORTRAIT_STUDIO_DATA_DIR."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from portrait_studio import APP_NAME, APP_SLUG

ENV_DATA_DIR = "PORTRAIT_STUDIO_DATA_DIR"


def _override() -> Path | None:
    value = os.environ.get(ENV_DATA_DIR, "").strip()
    return Path(value).expanduser() if value else None


def _platform_dir(kind: str) -> Path:
    home = Path.home()
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA" if kind == "cache" else "APPDATA") or str(
            home / "AppData" / "Roaming"
        )
        sub = {"config": "config", "data": "data", "cache": "cache"}[kind]
        return Path(base) / APP_NAME / sub
    if sys.platform == "darwin":
        if kind == "cache":
            return home / "Library" / "Caches" / APP_NAME
        return home / "Library" / "Application Support" / APP_NAME / kind
    xdg = {
        "config": ("XDG_CONFIG_HOME", home / ".config"),
        "data": ("XDG_DATA_HOME", home / ".local" / "share"),
        "cache": ("XDG_CACHE_HOME", home / ".cache"),
    }[kind]
    return Path(os.environ.get(xdg[0]) or xdg[1]) / APP_SLUG


def _dir(kind: str) -> Path:
    root = _override()
    path = root / kind if root else _platform_dir(kind)
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    """Settings and user presets."""
    return _dir("config")


def data_dir() -> Path:
    """The task journal and anything that must survive a cache wipe."""
    return _dir("data")


def cache_dir() -> Path:
    """Downloaded results, working copies, thumbnails: safe to delete."""
    return _dir("cache")


def resources_dir() -> Path:
    """Read-only app resources (icons, built-in presets, licences, the sample photo): package data of
    `portrait_studio`, so a wheel carries them; bundled beside the code by PyInstaller."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parents[1] / "resources"


__all__ = ["ENV_DATA_DIR", "cache_dir", "config_dir", "data_dir", "resources_dir"]
