"""The app icon, loaded from the hicolor PNGs in resources/ (no SVG plugin needed in the bundle)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QIcon

from portrait_studio import APP_ID
from portrait_studio.core.paths import resources_dir

#: Sizes rendered by packaging/scripts/render_icons.py (the freedesktop hicolor sizes).
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def icon_png(size: int) -> Path:
    """Path of the PNG icon of one size."""
    return resources_dir() / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"


def app_icon() -> QIcon:
    """The window/app icon with every shipped size, so Qt picks a sharp one for each use."""
    icon = QIcon()
    for size in ICON_SIZES:
        path = icon_png(size)
        if path.is_file():
            icon.addFile(str(path))
    return icon


__all__ = ["ICON_SIZES", "app_icon", "icon_png"]
