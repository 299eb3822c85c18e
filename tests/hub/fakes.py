"""Stand-ins for a hub's surroundings: another writer of the log, and a socket's server side."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, MutableMapping
from typing import Any

import msgpack
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from session_server.backends.base import Backend, LogRecord
from session_server.core import commands as c
from session_server.core import events as e
from session_server.core.decide import Actor, create_room, decide
from session_server.core.evolve import apply
from session_server.core.state import Role, RoomState
from session_server.hub.screen import Screen
from tests.conftest import UNIT

PRESIDIUM = Actor(Role.PRESIDIUM)
SECRETARIAT = Actor(Role.SECRETARIAT)


class LogWriter:
    """Another writer of a room's log (the CLI, another node): decides on its own copy, appends.

    The room under test learns of these records only by following the log, as in production.
    """

    def __init__(self, log: Backend, room: str) -> None:
        self.log = log
        self.room = room
        self.state = RoomState(room=room)
        self.at = 1_700_000_000_000

    async def create(self, title: str = "Đại hội thử") -> int:
        events = create_room(self.room, title)
        assert isinstance(events, tuple), events
        return await self._append(events, "system")

    async def do(self, command: c.Command, actor: Actor = PRESIDIUM) -> int:
        events = decide(self.state, command, actor, self.at)
        assert isinstance(events, tuple), events
        assert events, f"{command} changes nothing"
        return await self._append(events, f"{actor.role.value}:tk-writer")

    async def _append(self, events: tuple[e.Event, ...], actor: str) -> int:
        seq = self.state.seq + 1
        self.at += 1000
        await self.log.append(
            self.room, seq, LogRecord(seq=seq, at=self.at, events=events, actor=actor)
        )
        self.state = apply(self.state, seq, events)
        return seq


def unframe(wire: bytes) -> bytes:
    """The message inside one whole server frame, read by websockets' own parser."""
    reader = StreamReader()
    reader.feed_data(wire)
    reader.feed_eof()
    parser = Frame.parse(reader.read_exact, mask=False)
    try:
        next(parser)
    except StopIteration as done:
        frame: Frame = done.value
        assert frame.opcode is Opcode.BINARY
        assert frame.fin
        assert not reader.buffer, "one frame, nothing after it"
        return bytes(frame.data)
    raise AssertionError("an incomplete frame")


class Wire:
    """A socket's server side: the screen's sink for whole frames, ASGI `send` for the rest.

    It drains at once unless told to `stall`; then it tells its screen it is paused, and
    `drain` lets it through again, as a transport's flow control would.
    """

    def __init__(self) -> None:
        self.messages: list[MutableMapping[str, Any]] = []
        self._changed = asyncio.Event()
        self.screen: Screen | None = None
        self.stalled = False

    def write_frame(self, frame: bytes) -> None:
        self.messages.append({"type": "websocket.send", "bytes": unframe(frame)})
        self._changed.set()
        if self.stalled and self.screen is not None:
            self.screen.paused()

    def can_write(self) -> bool:
        return not self.stalled

    def follow(self, screen: Screen) -> None:
        self.screen = screen

    def stall(self) -> None:
        """Stop draining: the next frame written fills the buffer."""
        self.stalled = True

    def drain(self) -> None:
        self.stalled = False
        if self.screen is not None:
            self.screen.resumed()

    async def send(self, message: MutableMapping[str, Any]) -> None:
        self.messages.append(message)
        self._changed.set()

    async def _until(self, done: Callable[[], bool]) -> None:
        async with asyncio.timeout(5 * UNIT):
            while not done():
                self._changed.clear()
                await self._changed.wait()

    @property
    def frames(self) -> list[dict[str, Any]]:
        return [msgpack.unpackb(m["bytes"]) for m in self.messages if m["type"] == "websocket.send"]

    async def until(self, count: int) -> list[dict[str, Any]]:
        """The frames, once at least `count` have been sent."""
        await self._until(lambda: len(self.frames) >= count)
        return self.frames

    async def closed(self) -> int:
        """The close code sent, once the socket is closed."""
        await self._until(lambda: any(m["type"] == "websocket.close" for m in self.messages))
        (close,) = [m for m in self.messages if m["type"] == "websocket.close"]
        return int(close["code"])
