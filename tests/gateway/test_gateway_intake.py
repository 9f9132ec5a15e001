"""The gateway validates like the cloud and answers the seed's error codes (raw HTTP, no client code)."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from portrait_studio.api.hosting import data_url
from portrait_studio.core.errors import ConfigError
from portrait_studio.gateway import LocalGateway, TrivialEngine
from tests.photos import astronaut, coffee

CREATE = "/model/v1/generation"


def encode(rgb: np.ndarray, fmt: str = "JPEG", **kw: object) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, fmt, **kw)
    return buf.getvalue()


def body(image_input: str, **params: object) -> dict[str, object]:
    return {"model": "spark_edit_portrait", "input": [{"params": {"image_input": image_input, **params}}]}


@pytest.fixture
def http(local_gateway: LocalGateway) -> httpx.Client:
    headers = {"Authorization": f"Bearer {local_gateway.token}"}
    with httpx.Client(base_url=local_gateway.base_url, headers=headers, timeout=10) as c:
        yield c  # type: ignore[misc]


def error_code(response: httpx.Response) -> str:
    return str(response.json()["error"]["code"])


def test_token_is_required(local_gateway: LocalGateway, portrait_data_url: str) -> None:
    with httpx.Client(base_url=local_gateway.base_url) as anon:
        assert anon.post(CREATE, json=body(portrait_data_url)).status_code == 401
        assert anon.get(f"{CREATE}/task/task_x").status_code == 401
        bad = {"Authorization": f"Bearer {local_gateway.token}x"}
        assert anon.post(CREATE, json=body(portrait_data_url), headers=bad).status_code == 401
    assert local_gateway.stats.creates == 0


def test_binds_loopback_only(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"127\.0\.0\.1"):
        LocalGateway(TrivialEngine(), cache_dir=tmp_path, host="0.0.0.0")
    with LocalGateway(TrivialEngine(), cache_dir=tmp_path) as gw:
        assert gw.base_url.startswith("http://127.0.0.1:") and gw.port > 0
        assert len(gw.token) >= 24 and gw.token not in repr(gw)


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda: body(""), "003010001"),
        (lambda: {"model": "spark_edit_portrait", "input": []}, "003010001"),
        (lambda: body("ftp://example.org/x.jpg"), "003010001"),
        (lambda: body(data_url(encode(astronaut()), "image/jpeg"), gpen=1.5), "003010002"),
        (lambda: body(data_url(encode(astronaut()), "image/jpeg"), width=4000), "003010002"),
        (lambda: body(data_url(encode(astronaut()), "image/jpeg"), gen_mode="cartoon"), "003010002"),
        (lambda: body(data_url(encode(astronaut()), "image/jpeg"), colour="red"), "003010002"),
        (lambda: {**body(data_url(encode(astronaut()), "image/jpeg")), "model": "other_model"}, "003010002"),
        (lambda: body(data_url(encode(astronaut(), "WEBP"), "image/webp")), "003010003"),
        (lambda: body(data_url(encode(astronaut(), "GIF"), "image/gif")), "003010003"),
        (lambda: body("data:image/jpeg;base64,@@@not-base64@@@"), "003010003"),
        (lambda: body(data_url(b"\xff\xd8\xff" + b"\0" * 100, "image/jpeg")), "003010003"),
    ],
    ids=[
        "no-image",
        "no-params",
        "not-http",
        "gpen-range",
        "width-range",
        "gen_mode",
        "unknown-param",
        "wrong-model",
        "webp",
        "gif",
        "bad-base64",
        "truncated-jpeg",
    ],
)
def test_bad_requests_get_the_seed_codes(
    http: httpx.Client, local_gateway: LocalGateway, make: object, code: str
) -> None:
    response = http.post(CREATE, json=make())  # type: ignore[operator]
    assert response.status_code == 400, response.text
    assert error_code(response) == code and response.json()["error"]["message"]
    assert local_gateway.stats.creates == 0


def test_size_limits(http: httpx.Client, local_gateway: LocalGateway) -> None:
    rng = np.random.default_rng(0)
    noisy = rng.integers(0, 256, (1400, 1400, 3), dtype=np.uint8)  # incompressible: > 5 MB as PNG
    big = encode(noisy, "PNG")
    assert len(big) > 5 * 2**20
    r = http.post(CREATE, json=body(data_url(big, "image/png")))
    assert r.status_code == 400 and error_code(r) == "003010002" and "5 MB" in r.json()["error"]["message"]
    wide = encode(np.zeros((8, 4100, 3), np.uint8), "PNG")
    r = http.post(CREATE, json=body(data_url(wide, "image/png")))
    assert r.status_code == 400 and "4096" in r.json()["error"]["message"]
    assert local_gateway.stats.creates == 0


def test_model_in_x_model_header_and_extra_keys_are_accepted(
    http: httpx.Client, local_gateway: LocalGateway
) -> None:
    payload = body(data_url(encode(coffee(), "PNG"), "image/png"), width=512, height=512)
    del payload["model"]
    payload.update(moderation={"level": 1}, metadata={"k": "v"}, options={})
    r = http.post(CREATE, json=payload, headers={"X-Model": "spark_edit_portrait", "X-Project": "p1"})
    assert r.status_code == 200 and r.json()["status"] == "in_progress"
    assert local_gateway.stats.creates == 1


def test_precharge_costs_nothing_and_validates(http: httpx.Client, portrait_data_url: str) -> None:
    r = http.post(f"{CREATE}/precharge", json=body(portrait_data_url))
    assert r.json() == {
        "status": "success",
        "data": {
            "cost": "0",
            "currency": "USD",
            "discount": 1,
            "reason": "LOCAL_ENGINE",
            "model": "spark_edit_portrait",
        },
    }
    assert error_code(http.post(f"{CREATE}/precharge", json=body(portrait_data_url, skin=2))) == "003010002"


def test_model_spec_route_needs_no_auth(local_gateway: LocalGateway) -> None:
    with httpx.Client(base_url=local_gateway.base_url) as anon:
        spec = anon.get("/api/v1/skill/models/spark_edit_portrait/spec").json()
        missing = anon.get("/api/v1/skill/models/nope/spec").json()
    assert spec["status"]["code"] == 200
    assert spec["data"]["api"]["endpoint"] == f"{local_gateway.base_url}{CREATE}"
    names = {p["name"]: p for p in spec["data"]["parameters"]}
    assert names["image_input"]["required"] and names["width"]["constraints"]["max"] == 2048
    assert names["gen_mode"]["constraints"]["enum"] == ["creative", "reference", "reference_char"]
    assert missing["status"]["code"] == 404


def test_unknown_task_and_file_are_404(http: httpx.Client) -> None:
    assert http.get(f"{CREATE}/task/task_nope").status_code == 404
    assert http.get("/files/nothing.jpg").status_code == 404
    assert http.get("/files/../../etc/passwd").status_code == 404
    assert http.post("/nowhere", json={}).status_code == 404


def test_old_results_are_cleaned_and_own_cache_removed(tmp_path: Path, portrait_data_url: str) -> None:
    files = tmp_path / "cache" / "files"
    files.mkdir(parents=True)
    old, fresh = files / "old.jpg", files / "fresh.jpg"
    old.write_bytes(b"x")
    fresh.write_bytes(b"y")
    two_days_ago = time.time() - 2 * 86400
    os.utime(old, (two_days_ago, two_days_ago))
    with LocalGateway(TrivialEngine(), cache_dir=tmp_path / "cache"):
        assert not old.exists() and fresh.exists()
    gw = LocalGateway(TrivialEngine()).start()  # no cache_dir: a temp folder, removed on stop
    own = gw.cache_dir
    assert own.is_dir()
    gw.stop()
    assert not own.exists()


def test_concurrent_creates_are_each_counted_once(
    local_gateway: LocalGateway, portrait_data_url: str
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from portrait_studio.api.client import Client
    from portrait_studio.core.params import EditParams

    with Client(local_gateway.base_url, local_gateway.token) as c, ThreadPoolExecutor(6) as pool:
        tasks = list(
            pool.map(lambda _: c.submit(EditParams(width=512, height=512), portrait_data_url), range(6))
        )
        done = list(pool.map(lambda t: c.wait(t.id), tasks))
    assert len({t.id for t in tasks}) == 6 and all(t.status == "completed" for t in done)
    assert local_gateway.stats.creates == 6 == local_gateway.stats.create_requests


def test_image_input_from_another_server_is_fetched_over_http(
    local_gateway: LocalGateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portrait_studio.api.client import Client
    from portrait_studio.api.hosting import upload
    from portrait_studio.core.params import EditParams
    from portrait_studio.gateway import fetch

    # The other server stands for a public image host: only here may 127.0.0.1 count as public.
    public = fetch.is_public
    monkeypatch.setattr(fetch, "is_public", lambda ip: ip == "127.0.0.1" or public(ip))
    with LocalGateway(TrivialEngine(), cache_dir=tmp_path / "host") as host:
        url = upload(encode(astronaut()), "image/jpeg", host.upload_url)
        with Client(local_gateway.base_url, local_gateway.token) as c:
            done = c.wait(c.submit(EditParams(width=512, height=512), url).id)
        assert done.status == "completed" and host.stats.files_requests == 1
        dead = url.replace("/uploads/", "/uploads/missing-")
        with httpx.Client(base_url=local_gateway.base_url) as raw:
            auth = {"Authorization": f"Bearer {local_gateway.token}"}
            r = raw.post(CREATE, json=body(dead), headers=auth)
        assert r.status_code == 400 and error_code(r) == "003010001"


def test_a_burst_of_connections_is_never_reset(local_gateway: LocalGateway, portrait_data_url: str) -> None:
    # With socketserver's default backlog (5), 40 simultaneous creates saw ~15 connection resets.
    import threading

    payload = body(portrait_data_url, width=512, height=512)
    auth = {"Authorization": f"Bearer {local_gateway.token}"}
    barrier, failures = threading.Barrier(40), []

    def create() -> None:
        with httpx.Client(base_url=local_gateway.base_url, headers=auth, timeout=30) as c:
            barrier.wait()
            try:
                c.post(CREATE, json=payload).raise_for_status()
            except httpx.HTTPError as err:
                failures.append(type(err).__name__)

    threads = [threading.Thread(target=create) for _ in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == [] and local_gateway.stats.creates == 40
