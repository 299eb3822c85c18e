"""`congress serve --certfile --keyfile`: no token or page crosses the hall's network in clear."""

from __future__ import annotations

import http.client
import json
import ssl
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import msgpack
import pytest
from websockets.asyncio.client import connect

from session_server.demo import DEMO_ROOM
from tests.conftest import UNIT, HubProcess, copy_demo


@pytest.fixture
def secure(tmp_path: Path, demo_template: Path) -> Iterator[HubProcess]:
    """A hub serving HTTPS and WSS with a certificate made for 127.0.0.1 by openssl."""
    cert, key = tmp_path / "hub.pem", tmp_path / "hub.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    hub = HubProcess(copy_demo(demo_template, tmp_path / "data"))
    hub.tls = ssl.create_default_context(cafile=str(cert))
    hub.start("--certfile", str(cert), "--keyfile", str(key))
    try:
        yield hub
    finally:
        hub.stop()


def post(hub: HubProcess, path: str, body: dict[str, str]) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(
        hub.http + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "X-Congress-Request": "1"},
    )
    with urllib.request.urlopen(request, timeout=10 * UNIT, context=hub.tls) as answer:
        return answer.status, {k.lower(): v for k, v in answer.headers.items()}


async def test_the_hub_serves_https_and_wss_with_a_secure_cookie(secure: HubProcess) -> None:
    tokens = secure.tokens()
    status, headers = post(secure, "/api/session", {"token": tokens.boards[0]})
    assert status == 200
    cookie = headers["set-cookie"].lower()
    assert "secure" in cookie
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert headers["strict-transport-security"].startswith("max-age=")
    async with connect(secure.url, ssl=secure.tls, ping_interval=None) as ws:
        hello = {"type": "hello", "v": 2, "token": tokens.boards[0], "room": DEMO_ROOM}
        await ws.send(msgpack.packb(hello))
        welcome = msgpack.unpackb(await ws.recv(decode=False))
        assert (welcome["type"], welcome["role"]) == ("welcome", "board")


def test_plain_http_is_not_answered_on_a_tls_port(secure: HubProcess) -> None:
    plain = secure.http.replace("https://", "http://") + "/healthz"
    # The TLS handshake fails and the hub hangs up: nothing is answered in clear.
    with pytest.raises((urllib.error.URLError, http.client.RemoteDisconnected)):
        urllib.request.urlopen(plain, timeout=5 * UNIT).close()
