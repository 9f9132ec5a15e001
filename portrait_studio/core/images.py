"""Image intake: load anything a photographer has, check it before paying, prepare a compliant upload, save.

The work is split into small modules (decoding in `_loading`, encoding in `_encoding`, the check and upload
fixes in `preflight`); this module is the one place callers import from.
"""

from __future__ import annotations

from portrait_studio.core._encoding import SAVE_FORMATS, encode_jpeg, fit_jpeg, save_image, working_copy
from portrait_studio.core._loading import (
    MAX_FILE_BYTES,
    MAX_PIXELS,
    MAX_PROFILE_BYTES,
    READABLE,
    LoadedImage,
    load_image,
    load_image_bytes,
    orientation_of,
    rgb_profile,
    upright,
)
from portrait_studio.core.preflight import (
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_SIDE,
    UPLOAD_FORMATS,
    EditSource,
    PreflightReport,
    PreparedUpload,
    Problem,
    colour_managed,
    face_crop_box,
    load_for_edit,
    load_for_upload,
    min_face_px,
    photo_size,
    preflight,
    prepare_upload,
    scale_faces,
    srgb_like,
)

#: The photos a folder contributes and the Open dialog offers: the suffixes the app saves, plus BMP and HEIC.
IMAGE_SUFFIXES = frozenset({*SAVE_FORMATS, ".bmp", ".heic", ".heif"})

__all__ = [
    "IMAGE_SUFFIXES",
    "MAX_FILE_BYTES",
    "MAX_PIXELS",
    "MAX_PROFILE_BYTES",
    "MAX_UPLOAD_BYTES",
    "MAX_UPLOAD_SIDE",
    "READABLE",
    "SAVE_FORMATS",
    "UPLOAD_FORMATS",
    "EditSource",
    "LoadedImage",
    "PreflightReport",
    "PreparedUpload",
    "Problem",
    "colour_managed",
    "encode_jpeg",
    "face_crop_box",
    "fit_jpeg",
    "load_for_edit",
    "load_for_upload",
    "load_image",
    "load_image_bytes",
    "min_face_px",
    "orientation_of",
    "photo_size",
    "preflight",
    "prepare_upload",
    "rgb_profile",
    "save_image",
    "scale_faces",
    "srgb_like",
    "upright",
    "working_copy",
]
