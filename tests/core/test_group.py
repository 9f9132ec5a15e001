"""core.group on real faces: numbering, choice, isolation in the upload (counted again), merge weights."""

from __future__ import annotations

import numpy as np
import pytest

from portrait_studio.core.faces import Face, detect_faces
from portrait_studio.core.group import (
    FacesChoiceError,
    FaceUpload,
    NotIsolated,
    choose,
    face_weight,
    group_faces,
    isolate,
    parse_choice,
)
from tests.core.test_faces_composites import pasted_face
from tests.group_photos import tight_group


def _face(x: int, y: int, side: int) -> Face:
    return Face((x, y, side, side), 0.9, np.zeros((6, 2), np.float32))


def test_faces_are_numbered_left_to_right_and_tiny_background_faces_are_off_by_default():
    faces = group_faces([_face(900, 100, 200), _face(100, 120, 180), _face(500, 50, 40)])
    assert [(f.number, f.box[0], f.tiny) for f in faces] == [(1, 100, False), (2, 500, True), (3, 900, False)]
    assert [f.number for f in choose(faces)] == [1, 3]
    assert [f.number for f in choose(faces, "largest")] == [3]
    assert [f.number for f in choose(faces, (2,))] == [2]  # a tiny face named by number is taken
    with pytest.raises(FacesChoiceError, match="there is no face 4"):
        choose(faces, (1, 4))


def test_parse_choice():
    assert parse_choice("ALL") == "all" and parse_choice("largest") == "largest"
    assert parse_choice("3, 1,3") == (1, 3)
    for bad in ("", "two", "0", "1,-2"):
        with pytest.raises(FacesChoiceError):
            parse_choice(bad)


def test_a_tiny_real_face_in_the_background_is_found_and_left_out():
    canvas = pasted_face("coffee", "grace", (1500, 200), px=40)
    big = pasted_face("coffee", "astronaut", (300, 300), px=220)
    canvas[:, :1100] = big[:, :1100]
    faces = group_faces(detect_faces(canvas).faces)
    assert len(faces) == 2 and [f.tiny for f in faces] == [False, True]
    assert [f.number for f in choose(faces)] == [1]


def test_each_upload_of_a_tight_group_holds_exactly_its_own_face_and_the_photo_is_untouched():
    group, _ = tight_group(5)
    before = group.copy()
    faces = group_faces(detect_faces(group).faces)
    assert len(faces) == 5
    for f in faces:
        upload = isolate(group, faces, f.number)
        assert isinstance(upload, FaceUpload), upload
        assert upload.covered  # its neighbours reach into its crop: covered there
        [alone] = detect_faces(upload.rgb).faces  # counted again: one face, this one
        x, y, _, _ = upload.crop
        cx, cy = alone.box[0] + alone.box[2] / 2 + x, alone.box[1] + alone.box[3] / 2 + y
        assert f.box[0] < cx < f.box[0] + f.box[2] and f.box[1] < cy < f.box[1] + f.box[3]
        # the face itself is not covered: its centre pixels are the photo's
        fx, fy, fw, fh = (v - o for v, o in zip(f.box, (x, y, 0, 0), strict=True))
        centre = (slice(fy + fh // 3, fy + 2 * fh // 3), slice(fx + fw // 3, fx + 2 * fw // 3))
        assert np.array_equal(upload.rgb[centre], group[y : y + upload.rgb.shape[0], x:][centre])
    assert np.array_equal(group, before)  # covers are in the uploads only


def test_a_face_pressed_into_another_is_not_isolated_with_a_reason():
    pair, _ = tight_group(2, gap=0.7)
    faces = group_faces(detect_faces(pair).faces)
    outcome = isolate(pair, faces, 1)
    assert isinstance(outcome, NotIsolated) and "face 1" in outcome.reason
    assert isinstance(isolate(pair, faces, 2), FaceUpload)


def test_merge_weights_of_touching_faces_never_add_up_past_one():
    group, _ = tight_group(5)
    faces = group_faces(detect_faces(group).faces)
    boxes = [tuple(float(v) for v in f.box) for f in faces]
    window = (0, 0, group.shape[1], group.shape[0])
    weights = np.stack([face_weight(boxes, i, window) for i in range(len(boxes))])
    assert weights.sum(axis=0).max() <= 1.0 + 1e-6  # where two faces meet, no double retouch
    for i, f in enumerate(faces):  # each face's centre is its own
        x, y, w, h = f.box
        assert weights[i, y + h // 2, x + w // 2] == 1.0
        assert all(weights[j, y + h // 2, x + w // 2] == 0 for j in range(len(faces)) if j != i)
    assert (weights.sum(axis=0)[:, :40] == 0).all()  # far from every face: nothing


def test_nothing_is_merged_where_the_upload_showed_a_cover():
    import cv2

    from portrait_studio.core.group import merge_faces

    group, _ = tight_group(3)
    faces = group_faces(detect_faces(group).faces)
    upload = isolate(group, faces, 2)
    assert isinstance(upload, FaceUpload) and upload.cover is not None
    # A "model" that brightens the face and all around it, the neighbours' covers there too.
    x, y, w, h = upload.crop
    fx, fy, fw, fh = faces[1].box
    bright = upload.rgb.astype(np.int16)
    gx, gy = fx - x - fw // 2, fy - y - fh // 3
    bright[max(0, gy) : gy + 2 * fh, max(0, gx) : gx + 2 * fw] += 12
    answer = cv2.resize(np.clip(bright, 0, 255).astype(np.uint8), (1024, 1024), interpolation=cv2.INTER_AREA)
    merged = merge_faces(group, [(upload, answer)], faces)
    assert not merged.refused
    changed = np.abs(merged.pixels.astype(int) - group).max(axis=-1) > 0
    under = np.zeros(group.shape[:2], bool)
    under[y : y + h, x : x + w] = upload.cover > 0  # (scale 1: the crop is the upload's pixels)
    assert changed[fy : fy + fh, fx : fx + fw].mean() > 0.9  # face 2 itself took the change
    brightened = np.zeros(group.shape[:2], bool)
    brightened[y + max(0, gy) : y + gy + 2 * fh, x + max(0, gx) : x + gx + 2 * fw] = True
    assert (under & brightened).sum() > 1000  # the model changed covers near the face
    assert not (changed & under).any()  # and none of that reached the photo
    # Where the upload showed a cover, even on the face's own ground, nothing is merged: a cover put by hand
    # over the left half of face 2's cheek in its upload keeps that part of the photo as it was.
    import dataclasses

    cover = np.zeros(upload.rgb.shape[:2], np.uint8)
    cheek = (slice(fy - y + fh // 2, fy - y + fh), slice(fx - x, fx - x + fw // 2))
    cover[cheek] = 255
    merged = merge_faces(group, [(dataclasses.replace(upload, cover=cover), answer)], faces)
    changed = np.abs(merged.pixels.astype(int) - group).max(axis=-1) > 0
    kept = (slice(fy + fh // 2, fy + fh), slice(fx, fx + fw // 2))
    assert not changed[kept].any() and changed[fy : fy + fh // 2, fx : fx + fw].mean() > 0.9
