"""retouch(): frame the photo around the face, resize to the output size, then retouch the face(s).

Order matters for speed: the crop and resize come FIRST, so the effects only ever see the output-size
image (≤ 2048²) and, within it, only the face region plus a margin.

Several faces: the cloud model accepts exactly one face (docs/PROTOCOL.md). Locally, refusing a group photo
would help nobody, so the frame is placed on the largest face and every face inside the frame is
retouched; the result's notes say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from portrait_studio.core.errors import CODE_INVALID_PARAM, PortraitStudioError
from portrait_studio.core.faces import Face, FaceResult
from portrait_studio.core.i18n import N_, _
from portrait_studio.core.params import EditParams, check_local
from portrait_studio.engine import crop, detect
from portrait_studio.engine.render import FaceLayers, analyse, render

MIN_FACE_PX = 24  # faces smaller than this in the output have too few pixels for a mesh worth using


class LocalEngineError(PortraitStudioError):
    """The local engine cannot do what was asked (the message says why)."""

    default_fix = N_("Check the photo and the settings, then run again.")


class NoFaceError(LocalEngineError):
    """No face was found, so there is nothing to retouch."""

    default_fix = N_("Use a photo where a face is clearly visible (frontal, not too small), or crop to it.")


@dataclass(frozen=True)
class RetouchResult:
    """The output image (height × width × 3 uint8), notes for the user, and the crop in input pixels."""

    image: np.ndarray
    notes: list[str] = field(default_factory=list)
    crop_box: tuple[int, int, int, int] = (0, 0, 0, 0)
    faces_retouched: int = 0


def _check_rgb(rgb: np.ndarray) -> np.ndarray:
    if not isinstance(rgb, np.ndarray) or rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError("retouch() expects an H×W×3 uint8 RGB array")
    return np.ascontiguousarray(rgb)


def _inside(face: Face, box: tuple[int, int, int, int]) -> bool:
    x, y, w, h = box
    fx, fy, fw, fh = face.box
    cx, cy = fx + fw / 2, fy + fh / 2
    return x <= cx < x + w and y <= cy < y + h


def _face_layers(
    rgb: np.ndarray,
    out: np.ndarray,
    found: detect.Found,
    box: tuple[int, int, int, int],
    first: np.ndarray,
    params: EditParams,
) -> list[FaceLayers]:
    """Mesh each face inside the frame (the main one's mesh is given) and prepare its layers."""
    h, w = out.shape[:2]
    softness = max(1.0, w / box[2])  # an enlarged crop is soft by about the enlargement factor
    layers = []
    for i, face in enumerate(found.result.faces):
        if i and not _inside(face, box):
            continue
        if face.size * w / box[2] < MIN_FACE_PX:
            continue
        mesh = first if i == 0 else detect.mesh(rgb, found, i)
        strengths = (params.gpen, params.skin, params.skin_unifi)
        prepared = analyse(out, crop.to_output(mesh, box, w, h), softness, only=strengths)
        if prepared is not None:
            layers.append(prepared)
    return layers


def retouch(rgb: np.ndarray, params: EditParams, faces: FaceResult | None = None) -> RetouchResult:
    """Retouch a photo as the sliders ask: gpen (detail), skin (smoothing), skin_unifi (tone + spots)."""
    check_local(params)
    rgb = _check_rgb(rgb)
    found = detect.Found(faces) if faces is not None else detect.find(rgb)
    if not found.result.faces:
        # The seed requires exactly one face in image_input: a photo without one is an invalid parameter.
        raise NoFaceError(
            _("No face was found in the photo, so the local engine has nothing to retouch."),
            code=CODE_INVALID_PARAM,
        )
    mesh = detect.mesh(rgb, found, 0)  # detect_faces gives the largest face first
    out_w, out_h = params.size_for(rgb.shape[1], rgb.shape[0])  # a size that follows the photo: its own
    plan = crop.plan_crop(rgb.shape[1], rgb.shape[0], crop.head_from_points(mesh), out_w, out_h)
    out = crop.crop_resize(rgb, plan.box, out_w, out_h)
    notes = list(plan.notes)
    if params.effective_gen_mode == "reference_char":
        notes.append(_("the local engine keeps the background (removing it needs the cloud model)"))
    if params.seed not in (-1, 0):
        notes.append(_("the local engine is deterministic: the seed does not change its result"))
    if params.is_identity:
        return RetouchResult(out, notes, plan.box, 0)
    layers = _face_layers(rgb, out, found, plan.box, mesh, params)
    count = len(found.result.faces)
    if count > 1:
        notes.append(
            _(
                "{count} faces found: framed on the largest, retouched the {inside} inside the "
                "frame (the cloud model accepts only photos with one face)"
            ).format(count=count, inside=len(layers))
        )
    image = render(out, layers, params.gpen, params.skin, params.skin_unifi)
    return RetouchResult(image, notes, plan.box, len(layers))


__all__ = ["LocalEngineError", "NoFaceError", "RetouchResult", "retouch"]
