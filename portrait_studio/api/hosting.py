"""Turn a local photo into the `image_input` URL: inline data URL, an upload endpoint, or a public URL."""

from __future__ import annotations

import base64
from urllib.parse import urlsplit

import httpx

from portrait_studio.api import _constants as C
from portrait_studio.api.client import Client
from portrait_studio.core.errors import APIError, ConfigError
from portrait_studio.core.i18n import N_, _
from portrait_studio.core.settings import Settings

_UPLOAD_FIX = N_(
    "Check Settings → Image hosting → Upload URL (it must accept a multipart field "
    '\'file\' and answer {"url": ...}), or set Image hosting to "inline".'
)


def data_url(data: bytes, mime: str) -> str:
    """An inline base64 data URL (the local gateway always accepts it)."""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def image_input_for(
    data: bytes,
    mime: str,
    settings: Settings,
    client: Client | httpx.Client | None = None,
    *,
    public_url: str | None = None,
) -> str:
    """The `image_input` for this photo under the settings' image hosting (local backend: always inline).

    `client` lends its connection pool to an upload; no API key is ever sent to the upload host.
    """
    if settings.backend == "local" or settings.image_host == "inline":
        return data_url(data, mime)
    if settings.image_host == "url":
        return _checked_public_url(public_url)
    http = client.http if isinstance(client, Client) else client
    return upload(data, mime, settings.upload_url, http=http)


def _checked_public_url(url: str | None) -> str:
    if not url or not url.strip():
        raise ConfigError(
            _('Image hosting is set to "public URL" but no URL was given for this photo.'),
            _('Paste the photo\'s public http(s) URL, or set Settings → Image hosting to "inline".'),
        )
    url = url.strip()
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        raise ConfigError(
            _("{url!r} is not an http(s) URL.").format(url=url),
            _('Give a public http(s) URL of the photo, or set Settings → Image hosting to "inline".'),
        )
    return url


def upload(data: bytes, mime: str, upload_url: str, *, http: httpx.Client | None = None) -> str:
    """POST the photo to the user's upload endpoint; its answer is {"url"} or {"data": {"url"}}."""
    if urlsplit(upload_url).scheme not in ("http", "https"):
        raise ConfigError(
            _("Image hosting is set to 'upload' but the upload URL is not set."), _(_UPLOAD_FIX)
        )
    ext = "png" if mime == "image/png" else "jpg"
    # No Authorization header: the upload host is a third party and must never see the API key.
    own = http is None
    client = http or httpx.Client(timeout=C.DEFAULT_TIMEOUT)
    try:
        response = client.post(upload_url, files={"file": (f"photo.{ext}", data, mime)})
    except httpx.HTTPError as err:
        raise APIError(
            _("The upload endpoint could not be reached ({type}).").format(type=type(err).__name__),
            _(_UPLOAD_FIX),
        ) from err
    finally:
        if own:
            client.close()
    if response.status_code >= 400:
        raise APIError(
            _("The upload endpoint refused the photo (HTTP {status}).").format(status=response.status_code),
            _(_UPLOAD_FIX),
        )
    try:
        body = response.json()
    except ValueError:
        body = None
    url = _url_from(body)
    if not url:
        raise APIError(_("The upload endpoint did not answer with a URL."), _(_UPLOAD_FIX))
    return url


def _url_from(body: object) -> str | None:
    if not isinstance(body, dict):
        return None
    inner = body.get("data")
    url = body.get("url") or (inner.get("url") if isinstance(inner, dict) else None)
    if isinstance(url, str) and urlsplit(url).scheme in ("http", "https"):
        return url
    return None


__all__ = ["data_url", "image_input_for", "upload"]
