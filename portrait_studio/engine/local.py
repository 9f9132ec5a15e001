"""LocalEngine: what the local gateway runs for each task (JPEG bytes in, retouched JPEG bytes out)."""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
from PIL import Image

from portrait_studio.core import engine_notes
from portrait_studio.core.errors import CODE_INTERNAL, CODE_INVALID_FORMAT, ImageError, PortraitStudioError
from portrait_studio.core.images import load_image_bytes
from portrait_studio.core.params import EditParams, check_local
from portrait_studio.engine.retouch import retouch

JPEG_QUALITY = 95  # results are re-saved by the user later: keep the generation loss small


def _decode(image_bytes: bytes) -> tuple[np.ndarray, bytes | None]:
    """RGB uint8 (EXIF orientation applied) and the ICC profile; ImageError with a task code on failure."""
    try:
        loaded = load_image_bytes(image_bytes, "upload")
    except ImageError as err:
        if err.code is None:
            err.code = CODE_INVALID_FORMAT  # the gateway fails the task with this code: every read failure
        raise
    return np.ascontiguousarray(loaded.rgb), loaded.icc_profile


def _encode(rgb: np.ndarray, icc: bytes | None, notes: list[str]) -> bytes:
    buf = io.BytesIO()
    extra: dict[str, bytes] = {"icc_profile": icc} if icc else {}
    if notes:
        extra["comment"] = engine_notes.as_comment(notes)  # the app moves them to the sidecar
    # 4:4:4 chroma: retouched skin tones and red lips suffer visibly from 4:2:0 subsampling.
    Image.fromarray(rgb).save(buf, "JPEG", quality=JPEG_QUALITY, subsampling=0, **extra)
    return buf.getvalue()


class LocalEngine:
    """The local retouch engine behind the gateway's `Engine` protocol (deterministic, thread-safe)."""

    name = "local"

    def run(self, image_bytes: bytes, params: EditParams, progress: Callable[[float], None]) -> bytes:
        """Decode, retouch at params.width × height, encode as JPEG; PortraitStudioError on failure."""
        check_local(params)  # fail a prompt before spending time on decoding
        progress(0.05)
        rgb, icc = _decode(image_bytes)
        progress(0.25)
        try:
            result = retouch(rgb, params)
        except PortraitStudioError as err:
            if err.code is None:  # e.g. FaceModelError: the gateway fails tasks by code, so give one
                err.code = CODE_INTERNAL
            raise
        progress(0.9)
        data = _encode(result.image, icc, result.notes)
        progress(1.0)
        return data


__all__ = ["LocalEngine"]
