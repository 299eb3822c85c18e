"""Malformed frames get an error or a documented close, change nothing, and disturb no one."""

from __future__ import annotations

import contextlib
from typing import Any

import msgpack
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from presidium_console.client import CongressClient
from session_server.protocol.codes import Close
from tests.conftest import UNIT, Clients, DemoTokens, HubProcess, reached

COMMAND = msgpack.packb(
    {
        "type": "command",
        "id": "c1",
        "name": "show_page",
        "args": {"document_id": "chuong-trinh", "page": 2},
    }
)

BAD_FRAMES: list[tuple[str, bytes | str, str, str | None]] = [
    ("truncated msgpack", COMMAND[:-5], "malformed", None),
    ("not msgpack", b"\xc1\xc1\xc1", "malformed", None),
    ("an array, not a map", msgpack.packb(["command", "show_page"]), "malformed", None),
    ("extra bytes after the map", COMMAND + b"\x01", "malformed", None),
    ("integer map keys", msgpack.packb({1: "command"}), "malformed", None),
    ("deep nesting", b"\x91" * 60_000 + b"\x00", "malformed", None),
    (
        "deep nesting inside a map",
        b"\x81\xa4args" + b"\x81\xa1a" * 5_000 + b"\x00",
        "malformed",
        None,
    ),
    ("unknown message type", msgpack.packb({"type": "dance"}), "unknown_type", None),
    ("no type", msgpack.packb({"id": "x"}), "unknown_type", "x"),
    (
        "command id of the wrong type",
        msgpack.packb({"type": "command", "id": 5, "name": "show_page"}),
        "invalid_message",
        None,
    ),
    ("unknown field", msgpack.packb({"type": "ping", "color": "red"}), "invalid_message", None),
    (
        "unknown command",
        msgpack.packb({"type": "command", "id": "c2", "name": "dissolve_congress"}),
        "unknown_command",
        "c2",
    ),
    (
        "page as a string",
        msgpack.packb(
            {
                "type": "command",
                "id": "c3",
                "name": "show_page",
                "args": {"document_id": "chuong-trinh", "page": "2"},
            }
        ),
        "invalid_args",
        "c3",
    ),
    (
        "page as a boolean",
        msgpack.packb(
            {
                "type": "command",
                "id": "c4",
                "name": "show_page",
                "args": {"document_id": "chuong-trinh", "page": True},
            }
        ),
        "invalid_args",
        "c4",
    ),
    (
        "args as a list",
        msgpack.packb({"type": "command", "id": "c5", "name": "show_page", "args": [1, 2]}),
        "invalid_message",
        "c5",
    ),
    (
        "a page that does not exist",
        msgpack.packb(
            {
                "type": "command",
                "id": "c6",
                "name": "show_page",
                "args": {"document_id": "chuong-trinh", "page": 99},
            }
        ),
        "not_found",
        "c6",
    ),
    (
        "a second hello",
        msgpack.packb({"type": "hello", "v": 2, "token": "x", "room": "camau-2025"}),
        "invalid_message",
        None,
    ),
    ("a text frame", '{"type": "ping"}', "unsupported_frame", None),
]


async def next_error(client: CongressClient, after: int) -> dict[str, Any]:
    def errors(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [f for f in frames[after:] if f["type"] == "error"]

    await client.wait_frames(lambda frames: bool(errors(frames)), timeout=5 * UNIT)
    return errors(client.frames)[0]


async def test_each_malformed_frame_gets_its_error_and_changes_nothing(
    tokens: DemoTokens, clients: Clients
) -> None:
    attacker = await clients.connect(tokens.presidium)
    watcher = await clients.connect(tokens.delegates[0][0])
    presidium = await clients.connect(tokens.presidium)
    for page, (label, frame, code, ref) in enumerate(BAD_FRAMES):
        seq_before = presidium.view.seq
        seen = len(attacker.frames)
        await attacker.send_raw(frame)
        error = await next_error(attacker, seen)
        assert (error["code"], error["id"]) == (code, ref), label
        assert isinstance(error["message"], str), label
        assert error["message"], label
        assert presidium.view.seq == seq_before, label
        # Everyone else keeps receiving: a page turn still reaches the watcher.
        ack = await presidium.command(
            "show_page", document_id="bao-cao-chinh-tri", page=page % 6 + 1
        )
        if ack.seq > seq_before:
            await watcher.wait_for(reached(ack.seq), timeout=5 * UNIT)
    assert attacker.closed is None, "refused frames alone do not cut the connection"


async def test_oversized_frame_closes_only_that_connection(
    tokens: DemoTokens, clients: Clients
) -> None:
    attacker = await clients.connect(tokens.delegates[0][0])
    watcher = await clients.connect(tokens.delegates[1][0])
    presidium = await clients.connect(tokens.presidium)
    await attacker.send_raw(b"\x00" * (70 * 1024))
    closed = await attacker.wait_closed(timeout=5 * UNIT)
    assert closed.rcvd is not None
    assert closed.rcvd.code == Close.TOO_BIG
    ack = await presidium.command("show_page", document_id="chuong-trinh", page=2)
    await watcher.wait_for(lambda v: v.seq >= ack.seq, timeout=5 * UNIT)


async def test_too_many_refused_frames_close_the_connection(
    tokens: DemoTokens, clients: Clients
) -> None:
    # A staff token, which no rate limit slows: the refused frames alone close it (a
    # board's would be cut off by its rate limit first, tests/security/test_floods.py).
    attacker = await clients.connect(tokens.secretariat)
    watcher = await clients.connect(tokens.boards[1])
    presidium = await clients.connect(tokens.presidium)
    for _ in range(60):
        try:
            await attacker.send_raw(b"\xc1")
        except Exception:
            break
    closed = await attacker.wait_closed(timeout=5 * UNIT)
    assert closed.rcvd is not None
    assert closed.rcvd.code == Close.TOO_MANY_ERRORS
    ack = await presidium.command("show_page", document_id="chuong-trinh", page=2)
    await watcher.wait_for(lambda v: v.seq >= ack.seq, timeout=5 * UNIT)


@pytest.mark.parametrize(
    "first",
    [
        b"\xc1",
        msgpack.packb({"type": "ping"}),
        msgpack.packb({"type": "hello", "v": 2, "token": 7, "room": "camau-2025"}),
        "hello",
    ],
    ids=["garbage", "ping-first", "token-not-a-string", "text-frame"],
)
async def test_a_bad_hello_is_closed_without_a_snapshot(
    hub: HubProcess, first: bytes | str
) -> None:
    received = []
    async with connect(hub.url) as ws:
        await ws.send(first)
        with contextlib.suppress(ConnectionClosed):
            while True:
                received.append(await ws.recv())
    assert received == []
    assert ws.close_code == Close.BAD_HELLO
