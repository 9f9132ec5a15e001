"""Fetch an http(s) `image_input` without letting a request aim the gateway at the user's own network.

The gateway runs on the user's machine, so a URL it fetches on a client's behalf could reach what only that
machine can: its loopback services, the LAN, a cloud metadata address (server-side request forgery). So every
address a host name resolves to must be public; the connection goes to the address that was checked (a second
resolution could answer differently: DNS rebinding); each redirect hop is checked the same way; and the whole
fetch (resolving, connecting, every hop, the body) has one time limit, so a server that drips a byte at a time
cannot hold a task. The gateway's own /files/ URLs never come here: they are read from disk (intake.py).
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from urllib.parse import SplitResult, quote, urljoin, urlsplit

#: Seconds for the whole fetch, redirects included.
FETCH_SECONDS = 20.0
MAX_REDIRECTS = 3
_REDIRECTS = (301, 302, 303, 307, 308)
_CHUNK = 64 * 1024
_URL_SAFE = "/?&=%:@!$'()*+,;~[]"  # what a path and query keep as they are (letters and digits always)


class FetchError(Exception):
    """The URL was refused or could not be fetched; the message says which and why."""


def is_public(ip: str) -> bool:
    """True for an address on the public internet (not loopback, private, link-local, reserved, multicast)."""
    addr = ipaddress.ip_address(ip.split("%", 1)[0])  # an IPv6 zone ("fe80::1%eth0") is link-local anyway
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped  # ::ffff:127.0.0.1 is loopback
    return addr.is_global and not addr.is_multicast


def fetch_url(url: str, max_bytes: int) -> bytes:
    """The body of a 200 answer, at most `max_bytes` + 1 bytes (the caller refuses more); FetchError else."""
    deadline = time.monotonic() + FETCH_SECONDS
    opened: list[http.client.HTTPConnection] = []  # the watchdog cuts the latest at the deadline
    watchdog = threading.Timer(FETCH_SECONDS, lambda: _cut(opened[-1]) if opened else None)
    watchdog.start()
    try:
        for _ in range(MAX_REDIRECTS + 1):
            try:
                parts = urlsplit(url)
                port = parts.port or (443 if parts.scheme == "https" else 80)
            except ValueError as err:  # "http://[::1/", a port over 65535
                raise FetchError(f"image_input (or a redirect) is not a valid URL: {url[:100]!r}.") from err
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise FetchError(f"image_input (or a redirect) is not an http(s) URL: {url[:100]!r}.")
            addresses = _public_addresses(parts.hostname, port, deadline)
            response: http.client.HTTPResponse | None = None
            try:
                response = _get(parts, addresses, port, deadline, opened)
                location = response.getheader("Location")
                if response.status in _REDIRECTS and location:
                    url = _redirect(url, location)
                    continue
                if response.status != 200:
                    raise FetchError(f"image_input could not be fetched (HTTP {response.status}).")
                return _read(response, max_bytes, deadline)
            except (OSError, http.client.HTTPException, ValueError) as err:  # ValueError: a refused path
                if time.monotonic() >= deadline:
                    raise FetchError(_too_slow()) from err
                raise FetchError(f"image_input could not be fetched ({type(err).__name__}).") from err
            finally:
                # The answer holds its own reference to the socket (makefile): a redirect's answer, never
                # read, kept the connection open until garbage collection unless it is closed too.
                if response is not None:
                    response.close()
                for conn in opened:
                    conn.close()
        raise FetchError(f"image_input redirects more than {MAX_REDIRECTS} times.")
    finally:
        watchdog.cancel()


def _redirect(url: str, location: str) -> str:
    try:
        return urljoin(url, location.strip())
    except ValueError as err:
        raise FetchError(
            f"image_input redirects to something that is not a valid URL: {location[:100]!r}."
        ) from err


def _get(
    parts: SplitResult,
    addresses: list[str],
    port: int,
    deadline: float,
    opened: list[http.client.HTTPConnection],
) -> http.client.HTTPResponse:
    """GET from the first of the checked addresses that accepts a connection."""
    assert parts.hostname is not None
    for number, ip in enumerate(addresses, 1):
        timeout = max(0.01, deadline - time.monotonic())
        conn: http.client.HTTPConnection
        if parts.scheme == "https":
            conn = _PinnedHTTPS(ip, port, parts.hostname, timeout)
        else:
            conn = http.client.HTTPConnection(ip, port, timeout=timeout)
        opened.append(conn)
        try:
            conn.connect()
        except ssl.SSLError:
            raise  # it answered, with TLS the gateway cannot trust: no other address changes that
        except OSError:
            if number == len(addresses):
                raise
            continue  # as socket.create_connection does: e.g. an IPv6 address without a route
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        path = quote(path, safe=_URL_SAFE)  # spaces and non-ASCII as a browser sends them
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        host += f":{parts.port}" if parts.port else ""  # never the user:password part of the URL
        conn.request("GET", path, headers={"Host": host, "Accept": "image/jpeg, image/png"})
        return conn.getresponse()
    raise FetchError("image_input's host has no address.")  # not reached: _public_addresses has one


def _too_slow() -> str:
    return (
        f"image_input took longer than {FETCH_SECONDS:g} s to fetch; "
        "host the photo elsewhere or send it inline as a data URL."
    )


def _public_addresses(host: str, port: int, deadline: float) -> list[str]:
    """Every address of `host`, when every one is public (FetchError otherwise)."""
    found: list[object] = []
    # getaddrinfo has no timeout of its own: it runs on a helper thread so the deadline holds for it too.
    resolver = threading.Thread(target=_resolve, args=(host, port, found), daemon=True)
    resolver.start()
    resolver.join(max(0.0, deadline - time.monotonic()))
    if not found:
        raise FetchError(_too_slow())
    answer = found[0]
    if isinstance(answer, OSError):
        raise FetchError(f"image_input's host {host[:100]!r} could not be resolved.")
    addresses = [str(a) for a in answer]  # type: ignore[attr-defined]
    refused = [a for a in addresses if not is_public(a)]
    if refused or not addresses:
        raise FetchError(
            f"image_input points at a local or private address ({host[:100]} → "
            f"{refused[0] if refused else 'none'}); the gateway fetches only public URLs and its own "
            "/files/ URLs. Send the photo inline as a data URL, or upload it to this gateway first."
        )
    return addresses


def _resolve(host: str, port: int, found: list[object]) -> None:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        found.append(list(dict.fromkeys(str(info[4][0]) for info in infos)))
    except (OSError, UnicodeError) as err:
        found.append(OSError(str(err)))


def tls_context() -> ssl.SSLContext:
    """The system's trusted certificates (a test swaps in its own authority)."""
    return ssl.create_default_context()


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to the checked address, with the certificate verified for the host name (SNI)."""

    def __init__(self, ip: str, port: int, hostname: str, timeout: float) -> None:
        self._tls = tls_context()
        super().__init__(ip, port, timeout=timeout, context=self._tls)
        self._hostname = hostname

    def connect(self) -> None:
        self.sock = socket.create_connection((self.host, self.port), self.timeout)  # the watchdog sees it
        self.sock = self._tls.wrap_socket(self.sock, server_hostname=self._hostname)


def _cut(conn: http.client.HTTPConnection) -> None:
    """At the deadline: shut the socket down, which wakes a read blocked in another thread."""
    if conn.sock is not None:
        # socket.socket's own shutdown, also for a TLS socket (whose override would drop its state).
        with contextlib.suppress(OSError):
            socket.socket.shutdown(conn.sock, socket.SHUT_RDWR)


def _read(response: http.client.HTTPResponse, max_bytes: int, deadline: float) -> bytes:
    data = bytearray()
    while len(data) <= max_bytes:  # one byte over is enough for check_image to refuse the size
        chunk = response.read1(_CHUNK)
        if not chunk:
            break
        data += chunk
    if time.monotonic() >= deadline:  # the watchdog cut the connection: what came is not the whole photo
        raise FetchError(_too_slow())
    return bytes(data)


__all__ = ["FETCH_SECONDS", "MAX_REDIRECTS", "FetchError", "fetch_url", "is_public"]
