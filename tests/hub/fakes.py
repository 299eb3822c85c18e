"""Stand-ins for a hub's surroundings: another writer of the log, and a socket's ASGI side."""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping
from typing import Any

import msgpack

from session_server.backends.base import Backend, LogRecord
from session_server.core import commands as c
from session_server.core import events as e
from session_server.core.decide import Actor, create_room, decide
from session_server.core.evolve import apply
from session_server.core.state import Role, RoomState
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


class Wire:
    """The server's ASGI `send` for one socket: keeps every message, decodes the frames."""

    def __init__(self) -> None:
        self.messages: list[MutableMapping[str, Any]] = []
        self._changed = asyncio.Condition()

    async def send(self, message: MutableMapping[str, Any]) -> None:
        self.messages.append(message)
        async with self._changed:
            self._changed.notify_all()

    @property
    def frames(self) -> list[dict[str, Any]]:
        return [msgpack.unpackb(m["bytes"]) for m in self.messages if m["type"] == "websocket.send"]

    async def until(self, count: int) -> list[dict[str, Any]]:
        """The frames, once at least `count` have been sent."""
        async with asyncio.timeout(5 * UNIT), self._changed:
            await self._changed.wait_for(lambda: len(self.frames) >= count)
        return self.frames

    async def closed(self) -> int:
        """The close code sent, once the socket is closed."""
        async with asyncio.timeout(5 * UNIT), self._changed:
            await self._changed.wait_for(
                lambda: any(m["type"] == "websocket.close" for m in self.messages)
            )
        (close,) = [m for m in self.messages if m["type"] == "websocket.close"]
        return int(close["code"])
