"""Atomic file writes: the one way this app writes a file (temp file in the same folder + fsync + rename)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once at import: os.umask() can only be read by setting it, which is not safe once threads run.
_FILE_MODE = 0o666 & ~_read_umask()


@contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "wb", *, durable: bool = True) -> Iterator[IO[Any]]:
    """Open a temp file next to `path`; on success it replaces `path` at once, on error it vanishes.

    `durable=False` skips the fsync: still all-or-nothing for readers, but a power cut may lose it. Only for
    copies that can be made again (the local gateway's result cache), never for the user's files.
    """
    if mode not in ("wb", "w"):
        raise ValueError("atomic_open writes only ('wb' or 'w')")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        # mkstemp makes the file 0600; a saved photo should get the permissions a plain open() would give.
        os.chmod(tmp, _FILE_MODE)
        with os.fdopen(fd, mode, encoding="utf-8" if mode == "w" else None) as f:
            yield f
            f.flush()
            if durable:
                os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, *, durable: bool = True) -> Path:
    """Write bytes atomically; returns the path. `durable`: see atomic_open."""
    with atomic_open(path, "wb", durable=durable) as f:
        f.write(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 text atomically; returns the path."""
    with atomic_open(path, "w") as f:
        f.write(text)
    return Path(path)


def atomic_write_json(path: str | os.PathLike[str], obj: Any) -> Path:
    """Write JSON (UTF-8, indented, sorted keys) atomically."""
    return atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def atomic_write_with(path: str | os.PathLike[str], writer: Callable[[IO[bytes]], None]) -> Path:
    """Let `writer` stream into a binary file object that is committed atomically (e.g. PIL's save)."""
    with atomic_open(path, "wb") as f:
        writer(f)
    return Path(path)


def numbered(path: str | os.PathLike[str]) -> Iterator[Path]:
    """`path`, then `name-2.ext`, `name-3.ext`… (endless): the names a file takes when the first is in use."""
    p = Path(path)
    yield p
    n = 2
    while True:
        yield p.with_name(f"{p.stem}-{n}{p.suffix}")
        n += 1


def unique_path(path: str | os.PathLike[str]) -> Path:
    """`path`, or `name-2.ext`, `name-3.ext`… — the first that does not exist (never overwrite silently)."""
    return next(p for p in numbered(path) if not p.exists())


__all__ = [
    "atomic_open",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "atomic_write_with",
    "numbered",
    "unique_path",
]
