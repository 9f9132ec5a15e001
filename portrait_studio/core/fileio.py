"""Atomic file writes: the one way this app writes a file (temp file in the same folder + fsync + rename).

`atomic_open` replaces the target (settings, sidecars: files this app owns). A result that must never land on
someone else's file is created with `create_exclusive` / `create_unique` instead: the finished temp file is
*linked* to its name, which fails if any process made that name first (no check-then-rename race).
Temp files are `.<name>.<pid>-<random>.part`: `clean_stale_temps` removes those whose process is gone.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from portrait_studio.core.journal_rows import pid_alive


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once at import: os.umask() can only be read by setting it, which is not safe once threads run.
_FILE_MODE = 0o666 & ~_read_umask()


#: Bytes a temp file's name may take from its target's: `.<name>.<pid>-<8 random>.part` must fit NAME_MAX too.
_TEMP_NAME_BYTES = 120
#: `<pid>-<random>.part` at the end of a temp file's name (see _temp_prefix).
_TEMP_NAME = re.compile(
    r"^\..+\.(?:(\d+)-)?[a-z0-9_]{8}\.part$"
)  # the pid is missing in older versions' names
#: A temp file older than this is stale whatever its name says (a crash of an older version, a reused pid).
STALE_TEMP_SECONDS = 24 * 3600


def _temp_prefix(target: Path) -> str:
    return f".{_cut(target.name, _TEMP_NAME_BYTES)}.{os.getpid()}-"


def _temp_in(target: Path) -> tuple[int, str]:
    target.parent.mkdir(parents=True, exist_ok=True)
    return tempfile.mkstemp(prefix=_temp_prefix(target), suffix=".part", dir=target.parent)


@contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "wb", *, durable: bool = True) -> Iterator[IO[Any]]:
    """Open a temp file next to `path`; on success it replaces `path` at once, on error it vanishes.

    `durable=False` skips the fsync: still all-or-nothing for readers, but a power cut may lose it. Only for
    copies that can be made again (the local gateway's result cache), never for the user's files.
    """
    if mode not in ("wb", "w"):
        raise ValueError("atomic_open writes only ('wb' or 'w')")
    target = Path(path)
    fd, tmp = _temp_in(target)
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
    """`path`, or `name-2.ext`, `name-3.ext`… — the first that does not exist (never overwrite silently).

    Only a suggestion (another process may take it next): to write there, use create_unique.
    """
    return next(p for p in numbered(path) if not p.exists())


#: link() is not offered by every file system (FAT/exFAT, some network shares): then O_EXCL is the fallback.
_NO_LINK = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK}


def create_exclusive(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write `data` at `path` only if nothing is there (FileExistsError otherwise), durably.

    The temp file is complete and synced before it gets the name, and link() gives it the name only if no file
    has it, so a reader never sees half a file and nobody's file is ever replaced.
    """
    target = Path(path)
    fd, tmp = _temp_in(target)
    try:
        os.fchmod(fd, _FILE_MODE)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, target)
        except OSError as err:
            if isinstance(err, FileExistsError) or err.errno not in _NO_LINK:
                raise
            _create_excl_in_place(target, data)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target


def _create_excl_in_place(target: Path, data: bytes) -> None:
    """Without link(): O_EXCL still claims the name exclusively (a crash mid-write may leave it short)."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _FILE_MODE)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def create_unique(
    path: str | os.PathLike[str], data: bytes, *, before: Callable[[Path], None] | None = None
) -> Path:
    """`data` written at `path` or the first free `-2`, `-3`… name (exclusively: see create_exclusive).

    `before(name)` is called before each try (the journal records the name a result is about to get).
    """
    for candidate in numbered(path):
        if candidate.exists():
            continue
        if before is not None:
            before(candidate)
        try:
            return create_exclusive(candidate, data)
        except FileExistsError:
            continue  # another process took it between the look and the link: the next name
    raise AssertionError("unreachable")  # numbered() is endless


def name_max(folder: str | os.PathLike[str]) -> int:
    """The longest file name (in bytes) the file system of `folder` takes (255 when it cannot say)."""
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):  # Windows has no pathconf; a missing folder
        return 255


def _cut(text: str, limit: int) -> str:
    """`text` cut to at most `limit` UTF-8 bytes, never inside a character."""
    return text.encode("utf-8", "surrogateescape")[:limit].decode("utf-8", "ignore")


def fit_name(folder: Path, stem: str, suffix: str, *, reserve: int = 8) -> str:
    """`stem + suffix`, with the stem shortened when the name would not fit the file system.

    `reserve` bytes are kept free for what is added later (a `-12` number, `.json` instead of `.jpg`). A
    shortened stem ends in `~` and 6 hex digits of the full stem's hash, so two long names that share their
    start still get different names.
    """
    limit = name_max(folder) - len(suffix.encode()) - reserve
    raw = stem.encode("utf-8", "surrogateescape")
    if len(raw) <= limit:
        return stem + suffix
    tag = "~" + hashlib.sha256(raw).hexdigest()[:6]
    return _cut(stem, limit - len(tag)) + tag + suffix


def clean_stale_temps(folder: str | os.PathLike[str], *, now: float | None = None) -> list[Path]:
    """Remove this app's temp files in `folder` that nobody is writing any more; returns what was removed.

    Stale means provably abandoned: the process named in it is gone, or it is older than STALE_TEMP_SECONDS.
    A live process's temp file (another window writing a result now) is left alone.
    """
    removed: list[Path] = []
    now = time.time() if now is None else now
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP_NAME.match(entry.name)
        if match is None:
            continue  # not a temp file of this app: never touched
        try:
            old = now - entry.stat(follow_symlinks=False).st_mtime > STALE_TEMP_SECONDS
            if old or (match.group(1) is not None and not pid_alive(int(match.group(1)))):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue  # gone already, or not ours to remove
    return removed


__all__ = [
    "atomic_open",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "atomic_write_with",
    "clean_stale_temps",
    "create_exclusive",
    "create_unique",
    "fit_name",
    "name_max",
    "numbered",
    "unique_path",
]
