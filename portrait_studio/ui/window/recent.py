"""Recently opened photos and folders (config/recent.json, written atomically)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QMenu

from portrait_studio.core.fileio import atomic_write_json
from portrait_studio.core.paths import config_dir

log = logging.getLogger(__name__)
MAX_RECENT = 12


class RecentFiles:
    """A most-recent-first list of paths that still exist."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / "recent.json"
        self.items: list[Path] = self._read()
        self._menu: QMenu | None = None
        self._open: Callable[[list[Path]], object] | None = None

    def _read(self) -> list[Path]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return [Path(p) for p in data.get("recent", []) if isinstance(p, str)]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, AttributeError) as err:
            log.warning("recent list %s unreadable (%s); starting empty", self.path, err)
            return []

    def add(self, paths: list[Path]) -> None:
        """Put `paths` first and save the list."""
        fresh = [p.resolve() for p in paths]
        self.items = list(dict.fromkeys(fresh + [p for p in self.items if p not in fresh]))[:MAX_RECENT]
        try:
            atomic_write_json(self.path, {"recent": [str(p) for p in self.items]})
        except OSError as err:  # a read-only config folder must not stop the photo from opening
            log.warning("could not save the recent list: %s", err)
        self._refill()

    def fill_menu(self, menu: QMenu, open_paths: Callable[[list[Path]], object]) -> None:
        """Keep `menu` listing the recent paths; choosing one calls `open_paths([path])`."""
        self._menu = menu
        self._open = open_paths
        self._refill()

    def _refill(self) -> None:
        menu, open_paths = self._menu, self._open
        if menu is None or open_paths is None:
            return
        menu.clear()
        existing = [p for p in self.items if p.exists()]
        for p in existing:
            action = menu.addAction(p.name if p.is_file() else f"{p.name}/")
            action.setToolTip(str(p))
            action.triggered.connect(lambda _c=False, p=p: open_paths([p]))
        menu.setEnabled(bool(existing))


__all__ = ["RecentFiles"]
