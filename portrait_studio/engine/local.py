"""LocalEngine: what the local gateway runs for each task (JPEG bytes in, retouched JPEG bytes out)."""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from portrait_studio.core.errors import ImageError
from portrait_studio.core.faces import detect_faces
from portrait_studio.core.params import EditParams
from portrait_studio.engine.retouch import check_local, retouch

JPEG_QUALITY = 95  # results are re-saved by the user later: keep the generation loss small


def _decode(image_bytes: bytes) -> tuple[np.ndarray, bytes | None]:
    """RGB uint8 (EXIF orientation applied) and the ICC profile, via core.images when it exists."""
    try:
        from portrait_studio.core.images import load_image_bytes  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        load_image_bytes = None
    if load_image_bytes is not None:
        loaded = load_image_bytes(image_bytes, "upload")
        return np.ascontiguousarray(loaded.rgb), getattr(loaded, "icc_profile", None)
    try:
        with Image.open(io.BytesIO(image_bytes)) as img:
            icc = img.info.get("icc_profile")
            rgb = np.asarray(ImageOps.exif_transpose(img).convert("RGB"))
    except (UnidentifiedImageError, OSError, ValueError) as err:
        raise ImageError(None, f"The photo could not be read ({err}).", code="003010003") from err
    return np.ascontiguousarray(rgb), icc


def _encode(rgb: np.ndarray, icc: bytes | None) -> bytes:
    buf = io.BytesIO()
    extra = {"icc_profile": icc} if icc else {}
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
        faces = detect_faces(rgb)
        progress(0.45)
        result = retouch(rgb, params, faces)
        progress(0.9)
        data = _encode(result.image, icc)
        progress(1.0)
        return data


__all__ = ["LocalEngine"]
