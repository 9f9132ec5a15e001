"""Fetch a result: http(s) only, size-capped, retried as one attempt per transfer, verified to be an image."""

from __future__ import annotations

import io
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx
from PIL import Image, UnidentifiedImageError

from portrait_studio.api import _constants as C
from portrait_studio.core.errors import CODE_BAD_RESULT, APIError, NotFoundError, error_for_status
from portrait_studio.core.i18n import _

RetryLoop = Callable[[Callable[[], httpx.Response], str], httpx.Response]
_IMAGE_FORMATS = {"JPEG", "PNG", "WEBP"}


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise APIError(
            _("The result address is not an http(s) link ({scheme}:…).").format(
                scheme=parts.scheme or "no scheme"
            ),
            _("Report this; the service answered with an address the app will not open."),
            code=CODE_BAD_RESULT,
        )


def _fail_status(response: httpx.Response) -> None:
    status = response.status_code
    if status in (403, 404, 410):
        # CDN links of results are signed (docs/PROTOCOL.md): an old link answers 403/404/410.
        raise NotFoundError(
            _("The result file is no longer available (HTTP {status}); its link may have expired.").format(
                status=status
            ),
            _("Check the task again to get a fresh link, or run the edit again."),
            status=status,
        )
    raise error_for_status(status, response.text[:500])


def _read_capped(response: httpx.Response) -> bytes:
    length = response.headers.get("content-length")
    if length and length.isdigit() and int(length) > C.MAX_DOWNLOAD_BYTES:
        raise _too_big(int(length))
    body, total = [], 0
    for chunk in response.iter_bytes(C.DOWNLOAD_CHUNK):
        total += len(chunk)
        if total > C.MAX_DOWNLOAD_BYTES:
            raise _too_big(total)
        body.append(chunk)
    return b"".join(body)


def _too_big(size: int) -> APIError:
    return APIError(
        _("The result is too large ({size:.0f} MB; the limit is {limit} MiB).").format(
            size=size / 1e6, limit=C.MAX_DOWNLOAD_BYTES // 2**20
        ),
        _("Report this: a portrait result should be a few MB."),
        code=CODE_BAD_RESULT,
    )


def _verify_image(data: bytes) -> None:
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise APIError(
            _("The downloaded result is not a readable image."),
            _("Run the edit again; if it keeps happening, report it."),
            code=CODE_BAD_RESULT,
        ) from err
    if fmt not in _IMAGE_FORMATS:
        raise APIError(
            _("The result is a {fmt} file, not a JPEG/PNG/WebP image.").format(fmt=fmt),
            _("Run the edit again."),
            code=CODE_BAD_RESULT,
        )


def fetch(http: httpx.Client, url: str, *, headers: dict[str, str], retry: RetryLoop) -> bytes:
    """The bytes of a result at `url`, size-capped and verified to be an image.

    Kept in memory, not streamed to a temp file: a result is a few MB at most (the cap is 64 MiB), and the
    pipeline writes it once, with its metadata, where it belongs (a temp file was written, fsynced, read
    back and deleted for every photo).
    """
    _check_url(url)
    body = b""

    def attempt() -> httpx.Response:
        nonlocal body
        # The whole transfer is one attempt, so a connection dropped mid-body is retried too.
        response = http.send(http.build_request("GET", url, headers=headers), stream=True)
        try:
            if response.status_code < 400:
                body = _read_capped(response)
            else:
                response.read()  # error bodies are small; read so the message can quote them
        finally:
            response.close()
        return response

    response = retry(attempt, "download")
    if response.status_code >= 400:
        _fail_status(response)
    _verify_image(body)
    return body


__all__ = ["fetch"]
