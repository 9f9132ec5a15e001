"""Check a create request exactly like the cloud: model, params, image (JPG/PNG, ≤ 5 MB, ≤ 4096×4096)."""

from __future__ import annotations

import base64
import binascii
import io
import re
import warnings
from collections.abc import Callable
from typing import Any

from PIL import Image, UnidentifiedImageError

from portrait_studio.core.errors import (
    CODE_INVALID_FORMAT,
    CODE_INVALID_PARAM,
    CODE_NO_IMAGE,
    ParamsError,
    PortraitStudioError,
)
from portrait_studio.core.params import MODEL, EditParams
from portrait_studio.gateway.fetch import FetchError, fetch_url

#: Limits of the seed document (docs/PROTOCOL.md, image_input).
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_SIDE = 4096

_DATA_URL = re.compile(r"^data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?P<params>(;[^,;]*)*?),(?P<data>.*)$", re.S)


class IntakeError(PortraitStudioError):
    """A create request the gateway refuses (HTTP 400 with a seed error code)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, None, code=code)


def parse_create(body: Any, header_model: str | None) -> tuple[EditParams, str]:
    """(params, image_input) of a create body; the model may come in the body or the X-Model header."""
    if not isinstance(body, dict):
        raise IntakeError(CODE_INVALID_PARAM, "The request body must be a JSON object.")
    model = body.get("model") or header_model
    if model != MODEL:
        raise IntakeError(CODE_INVALID_PARAM, f"Unknown model {model!r}; this gateway serves {MODEL}.")
    items = body.get("input")
    first = items[0] if isinstance(items, list) and items else None
    params = first.get("params") if isinstance(first, dict) else None
    if not isinstance(params, dict):
        raise IntakeError(CODE_NO_IMAGE, "input[0].params with image_input is missing.")
    try:
        return EditParams.from_payload(params)
    except ParamsError as err:
        code = CODE_NO_IMAGE if err.field == "image_input" else CODE_INVALID_PARAM
        raise IntakeError(code, str(err)) from err


def decode_data_url(url: str) -> bytes:
    """The bytes of a base64 data URL."""
    match = _DATA_URL.match(url)
    if not match or ";base64" not in (match.group("params") or ""):
        raise IntakeError(CODE_INVALID_FORMAT, "image_input is a data URL but not a base64 one.")
    try:
        return base64.b64decode(match.group("data"), validate=True)
    except (binascii.Error, ValueError) as err:
        raise IntakeError(CODE_INVALID_FORMAT, "image_input's base64 data is damaged.") from err


def fetch_image(url: str, local_file: Callable[[str], bytes | None]) -> bytes:
    """The bytes behind image_input: a data URL, a file this gateway serves, or a public http(s) URL."""
    if url.startswith("data:"):
        return decode_data_url(url)
    if not url.startswith(("http://", "https://")):
        raise IntakeError(CODE_NO_IMAGE, "image_input must be an http(s) URL or a data URL.")
    own = local_file(url)
    if own is not None:
        return own
    try:
        return fetch_url(url, MAX_IMAGE_BYTES)  # public addresses only, one time limit (fetch.py)
    except FetchError as err:
        raise IntakeError(CODE_NO_IMAGE, str(err)) from err


def check_image(data: bytes) -> tuple[int, int]:
    """Sniff the bytes (JPG/PNG only), then the size limits; return (width, height)."""
    if not data:
        raise IntakeError(CODE_NO_IMAGE, "image_input is empty.")
    if not (data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG\r\n\x1a\n")):
        raise IntakeError(CODE_INVALID_FORMAT, "Only JPG/JPEG and PNG images are accepted.")
    if len(data) > MAX_IMAGE_BYTES:
        raise IntakeError(CODE_INVALID_PARAM, f"The image is larger than 5 MB ({len(data) / 2**20:.1f} MiB).")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                width, height = img.size
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as err:
        raise IntakeError(CODE_INVALID_FORMAT, "The image data is damaged or unreadable.") from err
    if width > MAX_SIDE or height > MAX_SIDE:
        raise IntakeError(CODE_INVALID_PARAM, f"The image is {width}×{height}; the limit is 4096×4096.")
    return width, height


__all__ = ["MAX_IMAGE_BYTES", "MAX_SIDE", "IntakeError", "check_image", "fetch_image", "parse_create"]
