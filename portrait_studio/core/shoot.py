"""The last shoot, remembered: which photos were open, each one's settings and result (a small catalog).

The window writes it (atomically, core/fileio.py) whenever the open photos change and reads it at start, so
quitting — or a crash — does not lose the filmstrip. The results themselves stay where the pipeline put them
(the cache) and their versions in the task journal; this file only says which photo had which. Qt-free.

    store = ShootStore()                    # data_dir()/shoot.json
    store.save(Shoot((ShootPhoto(path, params, result_path=...),), current=0))
    shoot = store.load()                    # an empty Shoot when there is none, or it cannot be read
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from portrait_studio.core.errors import PortraitStudioError
from portrait_studio.core.fileio import atomic_write_json
from portrait_studio.core.money import parse_money
from portrait_studio.core.params import EditParams
from portrait_studio.core.paths import data_dir

log = logging.getLogger(__name__)
VERSION = 1
FILE_NAME = "shoot.json"


@dataclass(frozen=True)
class ShootPhoto:
    """One remembered photo: where it is, its settings, and the result it had (None: none, or discarded)."""

    path: Path
    params: EditParams = field(default_factory=EditParams)
    result_path: Path | None = None
    task_id: str | None = None
    cost: Decimal | None = None
    saved_path: Path | None = None
    sha256: str | None = None  # of the original's bytes (the journal's key for its versions)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able; money as a decimal string (core/money.py: never a float)."""
        return {
            "path": str(self.path),
            "params": self.params.to_dict(),
            "result_path": _text(self.result_path),
            "task_id": self.task_id,
            "cost": None if self.cost is None else str(self.cost),
            "saved_path": _text(self.saved_path),
            "sha256": self.sha256,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ShootPhoto:
        """The photo `to_dict` wrote; raises ValueError/TypeError/PortraitStudioError when it is not one."""
        params = data.get("params") or {}
        return cls(
            path=Path(data["path"]),
            params=EditParams.from_dict(params),
            result_path=_path(data.get("result_path")),
            task_id=data.get("task_id"),
            cost=parse_money(data.get("cost")),
            saved_path=_path(data.get("saved_path")),
            sha256=data.get("sha256"),
        )


@dataclass(frozen=True)
class Shoot:
    """The open photos in filmstrip order and which one was shown (-1: none)."""

    photos: tuple[ShootPhoto, ...] = ()
    current: int = -1


class ShootStore:
    """`shoot.json` in the data folder (or `path`): `save(shoot)`, `load()`, `clear()`."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else data_dir() / FILE_NAME

    def save(self, shoot: Shoot) -> None:
        """Replace the remembered shoot (atomic: a crash leaves the old one or the new one, never half)."""
        body = {
            "version": VERSION,
            "current": shoot.current,
            "photos": [p.to_dict() for p in shoot.photos],
        }
        atomic_write_json(self.path, body)

    def load(self) -> Shoot:
        """The remembered shoot; empty when there is none. A damaged file, or a damaged photo in it, is logged
        and left out: a start-up never fails because of it."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return Shoot()
        except (OSError, ValueError) as err:
            log.warning("the last shoot (%s) cannot be read, starting empty: %s", self.path, err)
            return Shoot()
        if not isinstance(data, dict) or not isinstance(data.get("photos"), list):
            log.warning("the last shoot (%s) is not a shoot file, starting empty", self.path)
            return Shoot()
        photos: list[ShootPhoto] = []
        for entry in data["photos"]:
            try:
                photos.append(ShootPhoto.from_dict(entry))
            except (KeyError, TypeError, ValueError, AttributeError, PortraitStudioError) as err:
                log.warning("a photo of the last shoot is left out (%r): %s", entry, err)
        current = data.get("current", -1)
        if not isinstance(current, int) or not -1 <= current < len(photos):
            current = 0 if photos else -1
        return Shoot(tuple(photos), current)

    def clear(self) -> None:
        """Forget the shoot (an empty one is written, so an older file cannot come back)."""
        self.save(Shoot())


def _text(path: Path | None) -> str | None:
    return None if path is None else str(path)


def _path(value: object) -> Path | None:
    return Path(value) if isinstance(value, str) and value else None


__all__ = ["FILE_NAME", "Shoot", "ShootPhoto", "ShootStore"]
