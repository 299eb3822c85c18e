"""No HTTP request can make the hub hold memory or sockets: bounded bodies, deadlines, clean 4xx."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import quote

import psutil
import pytest

from presidium_console.client import CongressClient
from session_server.core.state import Role
from tests.conftest import UNIT, DemoTokens, HubProcess, copy_demo
from tests.documents.test_http import ROOM, request

HEADER_SECONDS = 1.0
BODY_SECONDS = 1.0


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Iterator[HubProcess]:
    """A hub with short HTTP deadlines, so the tests need not wait the defaults."""
    hub = HubProcess(copy_demo(demo_template, tmp_path_factory.mktemp("strict") / "data"))
    # Logging at info, as an operator runs it: the access log must not hold a token.
    hub.start(
        "--header-timeout",
        str(HEADER_SECONDS),
        "--body-timeout",
        str(BODY_SECONDS),
        "--log-level",
        "info",
    )
    try:
        yield hub
    finally:
        hub.stop()


@pytest.fixture
async def board(strict: HubProcess) -> AsyncIterator[CongressClient]:
    client = strict.client(strict.tokens().boards[0])
    await client.connect(timeout=10 * UNIT)
    yield client
    await client.close()


def rss(hub: HubProcess) -> int:
    return int(psutil.Process(hub.pid).memory_info().rss)


def raw_request(hub: HubProcess, head: bytes, body: bytes = b"") -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", hub.port), timeout=10 * UNIT)
    sock.sendall(head + body)
    return sock


def answer_of(sock: socket.socket) -> bytes:
    received = b""
    try:
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    except OSError:
        pass
    return received


def closed_by_peer(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def sign_in_head(length: int, chunked: bool = False) -> bytes:
    size = b"Transfer-Encoding: chunked" if chunked else f"Content-Length: {length}".encode()
    return (
        b"POST /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nX-Congress-Request: 1\r\n" + size + b"\r\n\r\n"
    )


def test_a_huge_declared_body_is_refused_before_it_is_read(strict: HubProcess) -> None:
    before = rss(strict)
    for _ in range(4):
        sock = raw_request(strict, sign_in_head(256 * 2**20), b"{" * 65536)
        with sock:
            assert answer_of(sock).startswith(b"HTTP/1.1 413")
    assert rss(strict) - before < 32 * 2**20


def test_a_chunked_body_is_cut_off_at_its_limit(strict: HubProcess) -> None:
    before = rss(strict)
    sock = raw_request(strict, sign_in_head(0, chunked=True))
    with sock:
        chunk = b"x" * 65536
        sent = 0
        try:
            while sent < 64 * 2**20:
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                sent += len(chunk)
        except OSError:
            pass
        assert answer_of(sock).startswith(b"HTTP/1.1 413")
    assert rss(strict) - before < 32 * 2**20


@pytest.mark.parametrize("depth", [3000, 100_000])
def test_a_deeply_nested_body_is_a_clean_refusal(strict: HubProcess, depth: int) -> None:
    answer = request(
        strict,
        "/api/session",
        method="POST",
        data=b"[" * depth,
        headers={"Content-Type": "application/json", "X-Congress-Request": "1"},
    )
    assert answer.status in (400, 413), answer.body
    assert b"Error" not in answer.body


async def test_connections_trickling_headers_are_closed(
    strict: HubProcess, board: CongressClient
) -> None:
    socks = [
        socket.create_connection(("127.0.0.1", strict.port), timeout=5 * UNIT) for _ in range(100)
    ]
    try:
        started = time.monotonic()
        for sock in socks:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 1")
        # One more byte each second: every byte used to restart uvicorn's only timer.
        while time.monotonic() - started < HEADER_SECONDS + 1.5 * UNIT:
            await asyncio.sleep(0.3)
            for sock in socks:
                with contextlib.suppress(OSError):
                    sock.sendall(b"2")
        closed = await asyncio.to_thread(lambda: sum(closed_by_peer(s) for s in socks))
        assert closed == len(socks)
    finally:
        for sock in socks:
            sock.close()
    # The hall's socket was never disturbed.
    assert board.closed is None
    presidium = strict.client(strict.tokens().presidium)
    await presidium.connect(timeout=10 * UNIT)
    try:
        ack = await presidium.command("open_session")
        await board.wait_for(lambda view: view.seq >= ack.seq, timeout=5 * UNIT)
    finally:
        await presidium.close()


def test_an_incomplete_body_is_answered_in_time(strict: HubProcess) -> None:
    sock = raw_request(strict, sign_in_head(100), b'{"token": ')
    with sock:
        started = time.monotonic()
        answer = answer_of(sock)
        assert answer.startswith(b"HTTP/1.1 408"), answer
        assert time.monotonic() - started < BODY_SECONDS + 2 * UNIT


@pytest.mark.parametrize(
    "path",
    # A superscript two, fullwidth digits and Arabic-Indic digits: str.isdigit() says yes.
    [
        "/api/rooms/{room}/documents/chuong-trinh/versions/1/pages/\u00b2.webp",
        "/api/rooms/{room}/documents/chuong-trinh/versions/\u00b2/pages/1.webp",
        "/api/rooms/{room}/documents/chuong-trinh/versions/1/pages/1.webp?width=\uff13\uff12\uff10",
        "/api/rooms/{room}/documents/chuong-trinh/versions/1/pages/\u0661/text",
        "/api/rooms/{room}/documents/chuong-trinh/versions/\u0662/pages/1/text",
    ],
)
def test_numbers_are_ascii_digits_only(strict: HubProcess, path: str) -> None:
    token = strict.tokens().presidium
    answer = request(strict, quote(path.format(room=ROOM), safe="/?="), token=token)
    assert answer.status == 400, answer.body
    assert b"Traceback" not in answer.body


async def test_a_token_in_a_query_string_is_never_logged(strict: HubProcess) -> None:
    # A token the demo never printed at its start.
    secret = await strict.issue(Role.BOARD)
    request(strict, f"/api/rooms/{ROOM}/documents?token={secret}")
    request(strict, f"/ws?token={secret}")
    request(strict, f"/healthz?token={secret}")
    assert secret not in strict.log_path.read_text(errors="replace")


async def test_the_hub_answers_missing_and_hidden_documents_alike(
    strict: HubProcess,
) -> None:
    demo: DemoTokens = strict.tokens()
    base = f"/api/rooms/{ROOM}/documents"
    for token in (demo.boards[0], demo.delegates[0][0]):
        hidden = request(strict, f"{base}/de-an-nhan-su", token=token)
        missing = request(strict, f"{base}/khong-co-tai-lieu-nay", token=token)
        assert hidden.status == missing.status == 404
        assert hidden.body == missing.body
