"""The detection cache (core/face_cache.py): a photo counted once is not counted again, safely."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from portrait_studio.core import face_cache, paths
from portrait_studio.core.face_cache import detect_faces_cached
from portrait_studio.core.faces import FaceResult, detect_faces
from tests import photos

ROOT = Path(__file__).resolve().parents[2]


def _same(a: FaceResult, b: FaceResult) -> bool:
    return (
        a.approximate == b.approximate
        and [(f.box, f.score) for f in a.faces] == [(f.box, f.score) for f in b.faces]
        and all(
            np.allclose(f.keypoints, g.keypoints, atol=1e-4) for f, g in zip(a.faces, b.faces, strict=True)
        )
    )


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, ...]]:
    """The shapes the real detector was run on (it still runs; this only records the calls)."""
    calls: list[tuple[int, ...]] = []

    def spy(rgb: np.ndarray) -> FaceResult:
        calls.append(rgb.shape)
        return detect_faces(rgb)

    monkeypatch.setattr(face_cache, "detect_faces", spy)
    return calls


def _photo(tmp_path: Path, name: str = "a.jpg", rgb: np.ndarray | None = None) -> tuple[Path, np.ndarray]:
    rgb = photos.astronaut() if rgb is None else rgb
    return photos.save(rgb, tmp_path / name, quality=95), rgb


def test_second_count_comes_from_the_cache_and_equals_the_first(
    tmp_path: Path, counted: list[tuple[int, ...]]
) -> None:
    path, rgb = _photo(tmp_path)
    first = detect_faces_cached(rgb, path)
    again = detect_faces_cached(rgb, path)
    assert counted == [rgb.shape]
    assert first.count == 1 and _same(first, again) and _same(first, detect_faces(rgb))
    assert not again.faces[0].keypoints.flags.writeable
    # the entry lives in the app's cache folder (conftest points it at a temporary one)
    assert len(list(paths.cache_dir().glob("faces/*/*.json"))) == 1


def test_other_content_or_other_size_is_counted_again(tmp_path: Path, counted: list[tuple[int, ...]]) -> None:
    a, rgb = _photo(tmp_path, "a.jpg")
    g, grey = _photo(tmp_path, "g.jpg", photos.grace_hopper())
    detect_faces_cached(rgb, a, cache_dir=tmp_path)
    detect_faces_cached(grey, g, cache_dir=tmp_path)
    half = np.ascontiguousarray(rgb[::2, ::2])
    assert (
        detect_faces_cached(half, a, cache_dir=tmp_path).faces[0].size < 0.6 * detect_faces(rgb).faces[0].size
    )
    assert detect_faces_cached(rgb, a.read_bytes(), cache_dir=tmp_path).count == 1  # bytes key == path key
    assert counted == [rgb.shape, grey.shape, half.shape]


def test_damaged_entry_is_counted_again_and_rewritten(tmp_path: Path, counted: list[tuple[int, ...]]) -> None:
    path, rgb = _photo(tmp_path)
    first = detect_faces_cached(rgb, path, cache_dir=tmp_path)
    (entry,) = (tmp_path / "faces").glob("*/*.json")
    entry.write_bytes(entry.read_bytes()[:20])  # e.g. a disk that filled up under another program
    assert _same(detect_faces_cached(rgb, path, cache_dir=tmp_path), first)
    assert _same(detect_faces_cached(rgb, path, cache_dir=tmp_path), first)
    assert len(counted) == 2  # the damaged one once more, then the rewritten entry is used


def test_approximate_results_are_not_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, rgb = _photo(tmp_path)
    monkeypatch.setattr(face_cache, "detect_faces", lambda im: FaceResult([], approximate=True))
    assert detect_faces_cached(rgb, path, cache_dir=tmp_path).approximate
    assert not list(tmp_path.glob("faces/**/*.json"))


def test_unwritable_cache_does_not_stop_the_count(tmp_path: Path) -> None:
    path, rgb = _photo(tmp_path)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("x")
    assert detect_faces_cached(rgb, path, cache_dir=blocked).count == 1


_CHILD = """
import sys
from portrait_studio.core.face_cache import detect_faces_cached
from portrait_studio.core.images import load_image
path, cache = sys.argv[1], sys.argv[2]
r = detect_faces_cached(load_image(path).rgb, path, cache_dir=__import__("pathlib").Path(cache))
print(r.count, r.faces[0].box)
"""


def test_two_processes_counting_the_same_photo_at_once(tmp_path: Path) -> None:
    path, _ = _photo(tmp_path)
    cmd = [sys.executable, "-c", _CHILD, str(path), str(tmp_path / "cache")]
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert outs[0][0] == outs[1][0] and outs[0][0].startswith(b"1 ")
    assert all(err == b"" for _, err in outs)  # LiteRT's start-up notice is kept out of stderr too
    (entry,) = (tmp_path / "cache" / "faces").glob("*/*.json")  # one entry, whole, no temp file left
    assert not list((tmp_path / "cache").glob("**/*.part"))
    assert entry.read_bytes().startswith(b'{"faces":')
