"""Face detection done once per photo: results kept by content hash in the cache folder.

Key: sha256 of the file's bytes, the size of the array the faces were counted on (a preview and the full
decode give boxes in different pixels) and DETECTOR_VERSION (the model files, the threshold, the working size
and the scan layout: a change of any makes old entries unreachable, never wrong). One small JSON file per
entry under <cache>/faces/, written atomically (temp file + rename), so a second process that counts the same
photo at the same moment writes the same bytes and a reader never sees half an entry; an unreadable entry is
counted again and rewritten. Approximate (Haar fallback) results are not kept: the models may come back.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

import numpy as np

from portrait_studio.core import _blazeface, paths
from portrait_studio.core.faces import SCORE_THRESHOLD, WORKING_SIDE, Face, FaceResult, detect_faces
from portrait_studio.core.fileio import atomic_write_bytes

log = logging.getLogger(__name__)

# the last part counts changes of how the detector's copy is made (2: halvings, December 2026)
_PARTS = (*sorted(_blazeface.SHA256.values()), SCORE_THRESHOLD, WORKING_SIDE, _blazeface.SCAN_FACTORS, 2)
DETECTOR_VERSION = hashlib.sha256(repr(_PARTS).encode()).hexdigest()[:16]


def content_hash(source: bytes | str | os.PathLike[str]) -> str:
    """sha256 of a file's bytes (or of the bytes given)."""
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest()
    h = hashlib.sha256()
    with open(source, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _entry(digest: str, shape: tuple[int, ...], cache_dir: Path | None) -> Path:
    root = cache_dir if cache_dir is not None else paths.cache_dir()
    return root / "faces" / digest[:2] / f"{digest}-{shape[1]}x{shape[0]}-{DETECTOR_VERSION}.json"


def _to_json(result: FaceResult) -> bytes:
    faces = [{"box": list(f.box), "score": f.score, "keypoints": f.keypoints.tolist()} for f in result.faces]
    return json.dumps({"faces": faces}, separators=(",", ":")).encode()


def _from_json(data: bytes) -> FaceResult:
    faces = []
    for f in json.loads(data)["faces"]:
        kp = np.array(f["keypoints"], np.float32).reshape(6, 2)
        kp.setflags(write=False)
        x, y, w, h = (int(v) for v in f["box"])
        faces.append(Face((x, y, w, h), float(f["score"]), kp))
    return FaceResult(faces, approximate=False)


def detect_faces_cached(
    rgb: np.ndarray, source: bytes | str | os.PathLike[str], *, cache_dir: Path | None = None
) -> FaceResult:
    """`detect_faces(rgb)` for the photo whose file is `source` (a path or its bytes), from the cache when
    this photo was counted before at this size; `rgb` must be what that file decodes to."""
    entry = _entry(content_hash(source), rgb.shape, cache_dir)
    try:
        return _from_json(entry.read_bytes())
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError, TypeError) as err:  # damaged entry: count again, rewrite it
        log.warning("face cache entry %s unreadable (%s); counting again", entry, err)
    result = detect_faces(rgb)
    if not result.approximate:
        try:
            # durable=False: a lost entry is only counted again; no fsync on every photo of a folder.
            atomic_write_bytes(entry, _to_json(result), durable=False)
        except OSError as err:  # a full or read-only cache folder must not stop a count
            log.warning("face cache not written (%s)", err)
    return result


__all__ = ["DETECTOR_VERSION", "content_hash", "detect_faces_cached"]
