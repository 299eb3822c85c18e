"""One connection without a network: frames fed to the ASGI side, frames and close codes out."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgpack
import pytest
from starlette.websockets import WebSocket

from session_server.auth import issue_token
from session_server.backends.sqlite import SQLiteBackend
from session_server.core import commands as c
from session_server.core.state import Role
from session_server.hub.connection import serve_screen
from session_server.hub.node import Hub, Limits
from session_server.protocol.codes import Close
from tests.conftest import UNIT
from tests.hub.fakes import SECRETARIAT, LogWriter, Wire

ROOM = "r"
DELEGATE = "DB001"
NOW = 1_700_000_000_000
STAFF = Role.PRESIDIUM


class Peer:
    """The client end of one socket served by `serve_screen`, at the ASGI boundary."""

    def __init__(self, hub: Hub) -> None:
        self.wire = Wire()
        self._incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._incoming.put_nowait({"type": "websocket.connect"})
        scope = {"type": "websocket", "path": "/ws", "headers": [], "query_string": b""}
        websocket = WebSocket(scope, self._incoming.get, self.wire.send)
        self.served = asyncio.create_task(
            serve_screen(websocket, self._incoming.get, hub, self.wire)
        )
        self.greeting = 0
        """Frames the hub sent on its own after the hello (welcome, snapshot, you)."""

    def send(self, frame: dict[str, Any] | bytes | str) -> None:
        if isinstance(frame, str):
            self._incoming.put_nowait({"type": "websocket.receive", "text": frame})
            return
        data = frame if isinstance(frame, bytes) else msgpack.packb(frame)
        self._incoming.put_nowait({"type": "websocket.receive", "bytes": data})

    def leave(self) -> None:
        self._incoming.put_nowait({"type": "websocket.disconnect", "code": 1001})

    async def answers(self, count: int) -> list[dict[str, Any]]:
        """The frames after the greeting, once `count` of them are out."""
        return (await self.wire.until(self.greeting + count))[self.greeting :]


class Hall:
    """A hub over a SQLite log with one room, and the peers connected to it."""

    def __init__(self, log: SQLiteBackend, limits: Limits) -> None:
        self.log = log
        self.hub = Hub(log, limits=limits, clock=lambda: NOW)
        self.peers: list[Peer] = []
        self.issued: list[str] = []
        """The secrets of the tokens issued for the peers, in order."""

    async def connect(self, role: Role, delegate_id: str | None = None) -> Peer:
        issued = await issue_token(self.log, room=ROOM, role=role, now=NOW, delegate_id=delegate_id)
        self.issued.append(issued.secret)
        peer = Peer(self.hub)
        self.peers.append(peer)
        peer.send({"type": "hello", "v": 2, "token": issued.secret, "room": ROOM})
        peer.greeting = 2 if delegate_id is None else 3
        greeting = await peer.wire.until(peer.greeting)
        assert [f["type"] for f in greeting] == ["welcome", "snapshot", "you"][: peer.greeting]
        return peer

    async def close(self) -> None:
        for peer in self.peers:
            peer.served.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await peer.served
        await self.hub.close()


@pytest.fixture
async def log(tmp_path: Path) -> AsyncIterator[SQLiteBackend]:
    backend = await SQLiteBackend.open(tmp_path / "log.db", poll_interval=0.05)
    writer = LogWriter(backend, ROOM)
    await writer.create()
    await writer.do(
        c.RegisterDelegate(delegate_id=DELEGATE, full_name="Nguyễn Văn An", unit="Năm Căn"),
        SECRETARIAT,
    )
    yield backend
    await backend.close()


@pytest.fixture
async def hall(log: SQLiteBackend) -> AsyncIterator[Hall]:
    opened = Hall(log, Limits())
    yield opened
    await opened.close()


def command(command_id: str, name: str, **args: Any) -> dict[str, Any]:
    return {"type": "command", "id": command_id, "name": name, "args": args}


def error(frame: dict[str, Any]) -> tuple[str, str | None]:
    assert frame["type"] == "error", frame
    assert isinstance(frame["message"], str)
    assert frame["message"]
    return frame["code"], frame["id"]


async def test_a_command_is_acked_after_its_event_and_a_retry_is_a_duplicate(
    hall: Hall,
) -> None:
    presidium = await hall.connect(Role.PRESIDIUM)
    presidium.send(command("c-1", "add_agenda_item", title="Khai mạc"))
    event, ack = await presidium.answers(2)
    assert event["type"] == "event"
    assert ack == {"type": "ack", "id": "c-1", "seq": event["seq"], "duplicate": False}
    presidium.send(command("c-1", "add_agenda_item", title="Khai mạc"))
    (*_, again) = await presidium.answers(3)
    assert again == {"type": "ack", "id": "c-1", "seq": event["seq"], "duplicate": True}


async def test_ping_gets_a_pong_and_sync_a_snapshot(hall: Hall) -> None:
    board = await hall.connect(Role.BOARD)
    board.send({"type": "ping", "t": 42})
    board.send({"type": "sync"})
    pong, snapshot = await board.answers(2)
    assert pong == {"type": "pong", "t": 42, "server_time": NOW}
    assert snapshot["type"] == "snapshot"
    assert snapshot["seq"] == 2


@pytest.mark.parametrize(
    ("role", "frame", "code", "ref"),
    [
        (STAFF, b"\xc1 not msgpack", "malformed", None),
        (STAFF, msgpack.packb([1, 2]), "malformed", None),
        (STAFF, "a text frame", "unsupported_frame", None),
        (STAFF, {"type": "launch"}, "unknown_type", None),
        (
            STAFF,
            {"type": "hello", "v": 2, "token": "t", "room": ROOM},
            "invalid_message",
            None,
        ),
        (STAFF, {"type": "command", "id": "c-1", "name": 7}, "invalid_message", "c-1"),
        (STAFF, command("c-2", "open_the_doors"), "unknown_command", "c-2"),
        (STAFF, command("c-3", "add_agenda_item", title=5), "invalid_args", "c-3"),
        (
            STAFF,
            command("c-4", "register_document", document_id="x"),
            "forbidden",
            "c-4",
        ),
        (Role.DELEGATE, command("c-5", "add_agenda_item", title="Mục mới"), "forbidden", "c-5"),
    ],
    ids=[
        "garbage",
        "not-a-map",
        "text",
        "unknown-type",
        "second-hello",
        "bad-command",
        "unknown-command",
        "bad-args",
        "server-only-command",
        "not-for-this-role",
    ],
)
async def test_a_refused_frame_gets_its_error_and_the_connection_goes_on(
    hall: Hall, role: Role, frame: dict[str, Any] | bytes | str, code: str, ref: str | None
) -> None:
    sender = await hall.connect(role, DELEGATE if role is Role.DELEGATE else None)
    sender.send(frame)
    (refused,) = await sender.answers(1)
    assert error(refused) == (code, ref)
    sender.send({"type": "ping", "t": 1})
    _, pong = await sender.answers(2)
    assert pong["type"] == "pong", "still served"
    assert not sender.served.done()


async def test_a_screen_over_its_burst_is_told_to_slow_down_without_it_counting_as_an_error(
    log: SQLiteBackend,
) -> None:
    hall = Hall(log, Limits(frame_rate=1e-9, frame_burst=3, max_errors=1))
    try:
        delegate = await hall.connect(Role.DELEGATE, DELEGATE)
        for n in range(5):
            delegate.send(command(f"c-{n}", "check_in"))
        # The check-in's event and the delegate's own frame, three acks, two refusals.
        answers = await delegate.answers(7)
        acks = [a for a in answers if a["type"] == "ack"]
        assert [a["id"] for a in acks] == ["c-0", "c-1", "c-2"]
        refused = [error(a) for a in answers if a["type"] == "error"]
        assert refused == [("rate_limited", f"c-{n}") for n in (3, 4)]
        # A ping takes from the same limit: refused too, and still not counted as an error
        # (max_errors is 1).
        delegate.send({"type": "ping"})
        assert error((await delegate.answers(8))[-1]) == ("rate_limited", None)
        assert not delegate.served.done()
    finally:
        await hall.close()


async def test_a_screen_that_goes_on_sending_while_refused_is_closed_as_flooding(
    log: SQLiteBackend,
) -> None:
    hall = Hall(log, Limits(frame_rate=1e-9, frame_burst=2))
    try:
        board = await hall.connect(Role.BOARD)
        for n in range(5):
            board.send({"type": "ping", "t": n})
        assert await board.wire.closed() == Close.FLOODING
        frames = board.wire.frames[board.greeting :]
        assert [f["type"] for f in frames] == ["pong", "pong", "error", "error"]
        await board.served
        # The token is refused at its next hello for a while, before it is looked up.
        again = Peer(hall.hub)
        hall.peers.append(again)
        secret = next(iter(hall.issued))
        again.send({"type": "hello", "v": 2, "token": secret, "room": ROOM})
        assert await again.wire.closed() == Close.FLOODING
        assert again.wire.frames == []
    finally:
        await hall.close()


async def test_too_many_refused_frames_close_with_4009_after_the_last_error(
    log: SQLiteBackend,
) -> None:
    hall = Hall(log, Limits(max_errors=2))
    try:
        board = await hall.connect(Role.BOARD)
        for _ in range(3):
            board.send(b"\xc1")
        assert await board.wire.closed() == Close.TOO_MANY_ERRORS
        frames = board.wire.frames[board.greeting :]
        assert [error(f) for f in frames] == [("malformed", None)] * 3
        assert board.wire.messages[-1]["type"] == "websocket.close", "the errors went out first"
        await board.served
    finally:
        await hall.close()


async def test_a_peer_that_leaves_is_detached(hall: Hall) -> None:
    board = await hall.connect(Role.BOARD)
    room = hall.hub.rooms[ROOM]
    assert room.screen_count() == 1
    board.leave()
    await asyncio.wait_for(board.served, 5 * UNIT)
    assert room.screen_count() == 0
    assert not any(m["type"] == "websocket.close" for m in board.wire.messages)


async def test_a_first_frame_that_is_not_a_hello_closes_with_bad_hello(hall: Hall) -> None:
    peer = Peer(hall.hub)
    hall.peers.append(peer)
    peer.send({"type": "ping"})
    assert await peer.wire.closed() == Close.BAD_HELLO
    assert peer.wire.frames == [], "no welcome, no snapshot"
