"""open_backend: a ready Client for the configured backend (starting the local gateway when it is local)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from portrait_studio.api.client import Client
from portrait_studio.api.keys import ENV_API_KEY, get_api_key
from portrait_studio.core.errors import ConfigError
from portrait_studio.core.i18n import _
from portrait_studio.core.paths import cache_dir
from portrait_studio.core.settings import Settings
from portrait_studio.gateway import Engine, LocalGateway


@dataclass
class BackendSession:
    """A client plus, for the local backend, the in-process gateway behind it; close() stops both."""

    client: Client
    kind: Literal["local", "cloud"]
    gateway: LocalGateway | None = None
    engine_name: str = "cloud"
    opened_with: tuple[str, ...] = ()  # session_identity() of the settings (and key) it was opened with

    def warm(self, *, wait: bool = False) -> None:
        """Start the local engine's worker processes now (the first Run would wait ~0.6 s for one)."""
        warm = getattr(self.gateway.engine, "warm", None) if self.gateway is not None else None
        if warm is not None:
            warm(wait=wait)

    def close(self) -> None:
        """Close the client, then stop the gateway (if any)."""
        self.client.close()
        if self.gateway is not None:
            self.gateway.stop()

    def __enter__(self) -> BackendSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def session_identity(settings: Settings) -> tuple[str, ...]:
    """What an open session depends on: the backend and, for the cloud, its URL and the API key (hashed).

    Settings with the same identity can keep the session: a new theme, output folder or budget must not
    restart the local engine's workers, while a replaced API key must take effect from the next request.
    """
    return _identity(settings, None if settings.backend == "local" else get_api_key())


def _identity(settings: Settings, key: str | None) -> tuple[str, ...]:
    if settings.backend == "local":
        return ("local",)
    return ("cloud", settings.base_url, hashlib.sha256((key or "").encode()).hexdigest())


def open_backend(
    settings: Settings, *, engine: Engine | None = None, gateway_cache: Path | None = None
) -> BackendSession:
    """Local: start an in-process LocalGateway and bind a Client to it; cloud: a Client with the API key."""
    if settings.backend == "local":
        gateway = LocalGateway(engine, cache_dir=gateway_cache or cache_dir() / "gateway").start()
        try:
            client = Client(gateway.base_url, gateway.token)
        except BaseException:
            gateway.stop()
            raise
        return BackendSession(client, "local", gateway, gateway.engine_name, _identity(settings, None))
    key = get_api_key()
    if not key:
        raise ConfigError(
            _("The cloud backend needs an API key, and none is set."),
            _(
                "Open Settings and paste your API key (or set {ENV_API_KEY}), or switch to the free "
                "local backend."
            ).format(ENV_API_KEY=ENV_API_KEY),
        )
    return BackendSession(Client(settings.base_url, key), "cloud", opened_with=_identity(settings, key))


__all__ = ["BackendSession", "open_backend", "session_identity"]
