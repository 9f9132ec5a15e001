"""Hostile requests to the local gateway, over real sockets.

The standalone gateway (`portrait-studio gateway`) runs in a child process so that what it prints on stderr
can be checked: a malformed request or a vanished client gets a clean answer or a silent close, never a
traceback. The image_input tests run an in-process gateway (their test image server stands in for a public
host by marking 127.0.0.1 public for that test only) and check stderr with capfd.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from portrait_studio.core.errors import ConfigError
from portrait_studio.gateway import LocalGateway, TrivialEngine
from tests.conftest import cli_args
from tests.photos import astronaut

CREATE = "/model/v1/generation"


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(astronaut()).resize((256, 256)).save(buf, "JPEG", quality=85)
    return buf.getvalue()


JPEG = _jpeg()


def create_body(image_input: str) -> dict[str, Any]:
    return {"model": "spark_edit_portrait", "input": [{"params": {"image_input": image_input}}]}


# --------------------------------------------------------------------------- the standalone gateway
class Standalone:
    """`portrait-studio gateway --engine trivial` in a child process, and what it has printed on stderr."""

    def __init__(self, tmp: Path) -> None:
        self.proc = subprocess.Popen(
            cli_args("gateway", "--engine", "trivial", "--cache-dir", str(tmp)),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=os.environ.copy(),
        )
        assert self.proc.stdout is not None and self.proc.stderr is not None
        info = json.loads(self.proc.stdout.readline())
        self.base_url, self.token, self.upload_url = info["base_url"], info["token"], info["upload_url"]
        self.port = int(self.base_url.rsplit(":", 1)[1])
        os.set_blocking(self.proc.stderr.fileno(), False)
        self.stderr = b""

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def assert_quiet(self) -> None:
        """Nothing like a traceback on stderr (waiting a moment for a server thread still writing)."""
        assert self.proc.stderr is not None
        deadline = time.monotonic() + 0.5
        while time.monotonic() < deadline:
            chunk = self.proc.stderr.read()
            if chunk:
                self.stderr += chunk
            time.sleep(0.05)
        assert self.proc.poll() is None, "the gateway died"
        text = self.stderr.decode(errors="replace")
        assert "Traceback" not in text and "Exception" not in text, text

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Standalone]:
    gateway = Standalone(tmp_path_factory.mktemp("standalone"))
    yield gateway
    gateway.stop()


def raw(port: int, data: bytes, *, timeout: float = 5.0) -> tuple[int, dict[str, Any]]:
    """Send bytes as they are; the answer's status and JSON body (the connection is left open meanwhile)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, json.loads(response.read())


def post_head(gw: Standalone, *headers: str, path: str = CREATE) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{gw.port}", f"Authorization: Bearer {gw.token}"]
    return ("\r\n".join([*lines, *headers]) + "\r\n\r\n").encode("latin-1")


def reset_close(sock: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER 0), as a killed client does."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


# --------------------------------------------------------------------------- item 10: upload, Host, Origin
def test_upload_needs_the_token_or_the_upload_urls_secret(gw: Standalone) -> None:
    files = {"file": ("p.jpg", JPEG, "image/jpeg")}
    with httpx.Client(base_url=gw.base_url, timeout=10) as http:
        assert http.post("/upload", files=files).status_code == 401
        assert http.post("/upload/not-the-secret", files=files).status_code == 401
        status, _ = raw(gw.port, post_head(gw, "Content-Length: 0", path="/upload/g\u00e9n\u00e9ral"))
        assert status == 401  # a secret that is not ASCII (compare_digest would raise on it as str)
        wrong = {"Authorization": "Bearer " + "x" * 32}
        assert http.post("/upload", files=files, headers=wrong).status_code == 401
        by_token = http.post("/upload", files=files, headers=gw.auth())
        by_secret = http.post(gw.upload_url, files=files)
        assert by_token.status_code == 200 and by_secret.status_code == 200
        for answer in (by_token, by_secret):
            url = answer.json()["url"]
            assert url.startswith(f"{gw.base_url}/files/uploads/")
            assert http.get(url).content == JPEG  # the URL itself is the capability: no token needed
    assert gw.upload_url.rsplit("/", 1)[1] not in (gw.token, "")
    gw.assert_quiet()


def test_a_foreign_host_or_origin_is_refused_on_every_route(gw: Standalone) -> None:
    files = {"file": ("p.jpg", JPEG, "image/jpeg")}
    with httpx.Client(base_url=gw.base_url, timeout=10, headers=gw.auth()) as http:
        uploaded = http.post(gw.upload_url, files=files).json()["url"]
        requests: list[tuple[str, str, dict[str, Any]]] = [
            ("GET", "/api/v1/skill/models/spark_edit_portrait/spec", {}),
            ("GET", uploaded.removeprefix(gw.base_url), {}),
            ("GET", f"{CREATE}/task/task_abc", {}),
            ("POST", CREATE, {"json": create_body(uploaded)}),
            ("POST", f"{CREATE}/precharge", {"json": create_body(uploaded)}),
            ("POST", "/upload", {"files": files}),
            ("POST", gw.upload_url.removeprefix(gw.base_url), {"files": files}),
            ("GET", "/nowhere", {}),
        ]
        foreign = [
            {"Host": f"rebind.attacker.example:{gw.port}"},  # DNS rebinding: the page's own host name
            {"Host": "127.0.0.1"},  # no port: not how this gateway is addressed
            {"Host": f"127.0.0.1:{gw.port + 1}"},
            {"Origin": "https://attacker.example"},  # a page on another origin posting to 127.0.0.1
            {"Origin": "null"},
        ]
        for method, path, kwargs in requests:
            for headers in foreign:
                r = http.request(method, path, headers=headers, **kwargs)
                assert r.status_code == 403, (method, path, headers, r.text)
                error = r.json()["error"]
                assert error["message"] == error["error_message"] and "gateway" in error["message"]
        # The gateway's own origin (and localhost) are fine: a create still works.
        own = {"Origin": gw.base_url, "Host": f"localhost:{gw.port}"}
        assert http.post(CREATE, json=create_body(uploaded), headers=own).status_code == 200
    gw.assert_quiet()


def test_what_uploads_keep_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from portrait_studio.gateway import server

    monkeypatch.setattr(server, "MAX_UPLOADS", 3)
    with LocalGateway(TrivialEngine(), cache_dir=tmp_path) as gateway, httpx.Client(timeout=10) as http:

        def up() -> str:
            return str(
                http.post(gateway.upload_url, files={"file": ("p.jpg", JPEG, "image/jpeg")}).json()["url"]
            )

        urls = [up() for _ in range(5)]
        assert [http.get(u).status_code for u in urls] == [404, 404, 200, 200, 200]  # oldest went first
        monkeypatch.setattr(server, "MAX_UPLOAD_BYTES", int(2.5 * len(JPEG)))
        urls.append(up())
        assert [http.get(u).status_code for u in urls[2:]] == [404, 404, 200, 200]
        uploads = gateway.files_dir / "uploads"
        assert len(list(uploads.iterdir())) == 2
        monkeypatch.setattr(server, "MAX_UPLOAD_BYTES", 10**9)  # room again, but a day is a day
        two_days_ago = time.time() - 2 * 86400
        os.utime(uploads / urls[4].rsplit("/", 1)[1], (two_days_ago, two_days_ago))
        urls.append(up())
        assert [http.get(u).status_code for u in urls[4:]] == [404, 200, 200]


# --------------------------------------------------------------------------- item 11: malformed bodies
@pytest.mark.parametrize("length", ["-1", "abc", "1e3", "0x10", "1_000", "\u0661\u0662"])
def test_a_content_length_that_is_not_a_byte_count_is_a_400(gw: Standalone, length: str) -> None:
    # -1 made the gateway read until the client hung up (past the 12 MB cap); the others raised ValueError.
    head = post_head(gw, f"Content-Length: {length}".encode().decode("latin-1"))
    status, body = raw(gw.port, head + b'{"model": "spark_edit_portrait"}' + b" " * 1000)
    assert status == 400 and "Content-Length" in body["error"]["message"]
    gw.assert_quiet()


def test_conflicting_lengths_chunked_and_oversized_bodies_are_refused(gw: Standalone) -> None:
    status, body = raw(gw.port, post_head(gw, "Content-Length: 5", "Content-Length: 500") + b"{}")
    assert status == 400 and "Content-Length" in body["error"]["message"]
    status, body = raw(gw.port, post_head(gw, "Transfer-Encoding: chunked") + b"2\r\n{}\r\n0\r\n\r\n")
    assert status == 411 and "Content-Length" in body["error"]["message"]
    status, body = raw(gw.port, post_head(gw, f"Content-Length: {13 * 2**20}") + b"{")
    assert status == 413 and "12 MB" in body["error"]["message"]
    gw.assert_quiet()


def test_json_nested_200000_deep_is_a_400(gw: Standalone) -> None:
    deep = b"[" * 200_000 + b"]" * 200_000
    status, body = raw(gw.port, post_head(gw, f"Content-Length: {len(deep)}") + deep)
    assert status == 400 and "not valid JSON" in body["error"]["message"]
    assert body["error"]["error_message"] == body["error"]["message"]
    gw.assert_quiet()


def test_clients_that_vanish_mid_request_are_closed_silently(gw: Standalone) -> None:
    port = gw.port
    # Reset in the middle of the request line, of the headers, and of the body.
    for partial in (
        b"GET /api/v1/sk",
        b"POST /upload HTTP/1.1\r\nHost: 127",
        post_head(gw, "Content-Length: 9000"),
    ):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(partial + b"x" * 10)
        time.sleep(0.1)
        reset_close(sock)
    # Many answers asked for, none read, then a reset: the gateway's writes fail (broken pipe / reset).
    spec = f"GET /api/v1/skill/models/spark_edit_portrait/spec HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.sendall(spec.encode() * 300)
    time.sleep(0.2)
    reset_close(sock)
    time.sleep(0.2)
    with httpx.Client(base_url=gw.base_url, timeout=10) as http:  # and it still serves
        assert http.get("/api/v1/skill/models/spark_edit_portrait/spec").status_code == 200
    gw.assert_quiet()


# --------------------------------------------------------------------------- item 12: image_input fetches
class _ImageHost(BaseHTTPRequestHandler):
    """/a.jpg a photo; /to?u=URL a 302 there; /loop a redirect to itself; /drip-body and /drip-head slow."""

    protocol_version = "HTTP/1.1"
    hits: list[str]

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.server.hits.append(self.path)  # type: ignore[attr-defined]
        if self.path.startswith("/to?u="):
            self._answer(302, b"", {"Location": self.path.removeprefix("/to?u=")})
        elif self.path == "/loop":
            self._answer(302, b"", {"Location": "/loop"})
        elif self.path == "/drip-head":
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            self._drip(b"X-Slow: " + b"a" * 1000)
        elif self.path == "/drip-body":
            self.wfile.write(f"HTTP/1.1 200 OK\r\nContent-Length: {len(JPEG)}\r\n\r\n".encode())
            self._drip(JPEG)
        else:
            self._answer(200, JPEG, {"Content-Type": "image/jpeg"})

    def _drip(self, data: bytes) -> None:
        try:
            for i in range(len(data)):  # a byte every 50 ms: each read is quick, the whole is endless
                self.wfile.write(data[i : i + 1])
                self.wfile.flush()
                time.sleep(0.05)
        except OSError:
            pass  # the gateway gave up, as it should

    def _answer(self, status: int, data: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in {**headers, "Content-Length": str(len(data))}.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def image_host() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ImageHost)
    server.daemon_threads = True
    server.hits = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _create(gateway: LocalGateway, image_input: str) -> httpx.Response:
    auth = {"Authorization": f"Bearer {gateway.token}"}
    return httpx.post(gateway.base_url + CREATE, json=create_body(image_input), headers=auth, timeout=60)


def test_image_input_on_a_local_or_private_address_is_refused(
    local_gateway: LocalGateway, image_host: ThreadingHTTPServer, capfd: pytest.CaptureFixture[str]
) -> None:
    port = image_host.server_address[1]
    for url in (
        f"http://127.0.0.1:{port}/a.jpg",
        f"http://localhost:{port}/a.jpg",
        f"http://2130706433:{port}/a.jpg",  # 127.0.0.1 spelt as one number
        f"http://0.0.0.0:{port}/a.jpg",  # reaches loopback on Linux
        f"http://[::ffff:127.0.0.1]:{port}/a.jpg",
        f"http://[::1]:{port}/a.jpg",
        "http://169.254.169.254/latest/meta-data/",  # a cloud machine's metadata service
        "http://10.0.0.1/a.jpg",
        "http://192.168.1.1/a.jpg",
        "http://100.64.0.1/a.jpg",
        f"{local_gateway.base_url}{CREATE}/task/x",  # the gateway itself, but not one of its files
    ):
        r = _create(local_gateway, url)
        assert r.status_code == 400, (url, r.text)
        assert "local or private address" in r.json()["error"]["message"], (url, r.text)
    assert image_host.hits == [] and local_gateway.stats.creates == 0  # type: ignore[attr-defined]
    assert "Traceback" not in capfd.readouterr().err


def _fake_dns(monkeypatch: pytest.MonkeyPatch, name: str, *addresses: str) -> None:
    """`name` resolves to these addresses, in this order (every other name as usual)."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != name:
            return real(host, port, *args, **kwargs)
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_every_address_of_a_name_is_checked(
    local_gateway: LocalGateway, image_host: ThreadingHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A name whose first address is public and second is loopback: connecting might pick either.
    _fake_dns(monkeypatch, "mixed.example", "93.184.216.34", "127.0.0.1")
    r = _create(local_gateway, f"http://mixed.example:{image_host.server_address[1]}/a.jpg")
    assert r.status_code == 400 and "127.0.0.1" in r.json()["error"]["message"], r.text
    assert image_host.hits == []  # type: ignore[attr-defined]


@pytest.mark.usefixtures("loopback_is_public")
def test_the_next_checked_address_is_tried_when_one_does_not_answer(
    local_gateway: LocalGateway, image_host: ThreadingHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = image_host.server_address[1]
    _fake_dns(monkeypatch, "two.example", "::1", "127.0.0.1")  # nothing listens on [::1]:port
    assert _create(local_gateway, f"http://two.example:{port}/a.jpg").status_code == 200
    assert image_host.hits == ["/a.jpg"]  # type: ignore[attr-defined]


@pytest.fixture
def loopback_is_public(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the test image host on 127.0.0.1 stand for a public host (everything else is still checked)."""
    from portrait_studio.gateway import fetch

    public = fetch.is_public
    # ::1 too: where "localhost" also resolves to it, the fetch must move on to 127.0.0.1 (the test hosts').
    monkeypatch.setattr(fetch, "is_public", lambda ip: ip in ("127.0.0.1", "::1") or public(ip))


@pytest.mark.usefixtures("loopback_is_public")
def test_every_redirect_hop_is_checked(
    local_gateway: LocalGateway, image_host: ThreadingHTTPServer, capfd: pytest.CaptureFixture[str]
) -> None:
    base = f"http://127.0.0.1:{image_host.server_address[1]}"
    r = _create(local_gateway, f"{base}/to?u=http://169.254.169.254/latest/meta-data/")
    assert r.status_code == 400 and "local or private address" in r.json()["error"]["message"], r.text
    r = _create(local_gateway, f"{base}/to?u=http://[fd00::1]:{image_host.server_address[1]}/a.jpg")
    assert r.status_code == 400 and "local or private address" in r.json()["error"]["message"], r.text
    r = _create(local_gateway, f"{base}/loop")
    assert r.status_code == 400 and "redirects more than" in r.json()["error"]["message"], r.text
    r = _create(local_gateway, f"{base}/to?u=ftp://x.org/a.jpg")
    assert r.status_code == 400 and "not an http(s) URL" in r.json()["error"]["message"], r.text
    for bad in (f"{base}/to?u=http://[::1/a.jpg", "http://[::1/a.jpg", "http://x.org:99999/a.jpg"):
        r = _create(local_gateway, bad)
        assert r.status_code == 400 and "not a valid URL" in r.json()["error"]["message"], (bad, r.text)
    assert _create(local_gateway, f"{base}/to?u={base}/a.jpg").status_code == 200  # a fair redirect
    assert _create(local_gateway, f"{base}/caf\u00e9 au lait.jpg").status_code == 200  # sent quoted
    assert image_host.hits[-1] == "/caf%C3%A9%20au%20lait.jpg"  # type: ignore[attr-defined]
    assert local_gateway.stats.creates == 2
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.usefixtures("loopback_is_public")
@pytest.mark.parametrize("path", ["/drip-body", "/drip-head"])
def test_a_slow_drip_is_cut_at_the_time_limit(
    local_gateway: LocalGateway,
    image_host: ThreadingHTTPServer,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    path: str,
) -> None:
    from portrait_studio.gateway import fetch

    monkeypatch.setattr(fetch, "FETCH_SECONDS", 1.0)
    start = time.monotonic()
    r = _create(local_gateway, f"http://127.0.0.1:{image_host.server_address[1]}{path}")
    took = time.monotonic() - start
    assert r.status_code == 400 and "longer than 1 s" in r.json()["error"]["message"], r.text
    assert took < 4.0, took  # the cap is 1 s; the drip alone would last ~1,000 × 50 ms
    assert "Traceback" not in capfd.readouterr().err


@pytest.fixture
def tls_image_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, image_host: ThreadingHTTPServer
) -> ThreadingHTTPServer:
    """The image host over TLS with a certificate for "localhost" only, trusted by the gateway's fetch."""
    import ssl
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    from portrait_studio.gateway import fetch

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert_file, key_file)
    image_host.socket = server_side.wrap_socket(image_host.socket, server_side=True)
    monkeypatch.setattr(fetch, "tls_context", lambda: ssl.create_default_context(cafile=str(cert_file)))
    return image_host


@pytest.mark.usefixtures("loopback_is_public")
def test_https_goes_to_the_checked_address_and_verifies_the_name(
    local_gateway: LocalGateway, tls_image_host: ThreadingHTTPServer, capfd: pytest.CaptureFixture[str]
) -> None:
    port = tls_image_host.server_address[1]
    assert _create(local_gateway, f"https://localhost:{port}/a.jpg").status_code == 200
    # Connected by address, but the certificate is still checked against the name in the URL.
    r = _create(local_gateway, f"https://127.0.0.1:{port}/a.jpg")
    assert r.status_code == 400 and "SSLCertVerificationError" in r.json()["error"]["message"], r.text
    assert tls_image_host.hits == ["/a.jpg"] and local_gateway.stats.creates == 1  # type: ignore[attr-defined]
    assert "Traceback" not in capfd.readouterr().err


# --------------------------------------------------------------------------- item 13: the command line
@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--port", "99999"], "argument --port: '99999' is not a port number"),
        (["--port", "-1"], "argument --port: '-1' is not a port number"),
        (["--token", "a"], "argument --token: the token has 1 characters; it needs at least 16"),
        (["--workers", "0"], "argument --workers: '0' is not a whole number of at least 1"),
        (["--min-task-seconds", "nan"], "argument --min-task-seconds: 'nan' is not a number of seconds"),
    ],
)
def test_bad_gateway_options_are_usage_errors(tmp_path: Path, args: list[str], said: str) -> None:
    cmd = cli_args("gateway", "--engine", "trivial", "--cache-dir", str(tmp_path), *args)
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=20, env=os.environ.copy())
    except subprocess.TimeoutExpired:
        pytest.fail(f"{args} was accepted: the gateway started and served")
    assert done.returncode == 2 and said in done.stderr and "usage:" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_a_short_token_is_refused_by_the_gateway_itself(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="at least 16"):
        LocalGateway(TrivialEngine(), cache_dir=tmp_path, token="short")
