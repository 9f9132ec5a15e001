"""The window's loader counts a photo's faces once: reopening it (or the shoot) reads the detection cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from portrait_studio.core import face_cache
from portrait_studio.core.faces import FaceResult, detect_faces
from portrait_studio.core.params import EditParams
from portrait_studio.ui.jobs import loader
from tests import photos


def test_reopening_a_photo_does_not_count_its_faces_again(
    tmp_path: Path, qapp: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[int, ...]] = []

    def spy(rgb: np.ndarray) -> FaceResult:
        calls.append(rgb.shape)
        return detect_faces(rgb)

    monkeypatch.setattr(face_cache, "detect_faces", spy)
    path = photos.save(photos.astronaut(), tmp_path / "a.jpg", quality=95)
    first_screen = loader.load_screen(path)
    first = loader.analyse(path, first_screen.rgb, EditParams())
    again_screen = loader.load_screen(path)
    again = loader.analyse(path, again_screen.rgb, EditParams())
    assert len(calls) == 1
    assert first.faces.count == again.faces.count == 1
    assert [f.box for f in first.faces.faces] == [f.box for f in again.faces.faces]
    # another photo (other bytes) is counted
    other = photos.save(photos.astronaut()[:, ::-1].copy(), tmp_path / "b.jpg", quality=95)
    loader.analyse(other, loader.load_screen(other).rgb, EditParams())
    assert len(calls) == 2
