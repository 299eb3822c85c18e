"""This hub node: its limits, its clock, and the rooms it serves, loaded from the log on demand."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..backends.base import Backend
from .room import Room


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True, kw_only=True, slots=True)
class Limits:
    """Every limit of a node, with its default; docs/limits.md says what happens at each."""

    max_frame: int = 64 * 1024
    """Largest frame a client may send, in bytes; larger closes the socket with 1009."""
    max_queue: int = 256
    """Frames waiting for one screen before its backlog is replaced by a snapshot."""
    send_timeout: float = 30.0
    """Seconds one frame may wait on a socket that does not drain before it is closed (4008)."""
    hello_timeout: float = 10.0
    """Seconds a new connection has to send its hello (else 4000)."""
    heartbeat_interval: float = 20.0
    """Seconds between WebSocket pings the server sends to every client."""
    heartbeat_timeout: float = 20.0
    """Seconds to wait for the pong before closing a dead peer (1011)."""
    history: int = 1024
    """Frames kept per audience so a reconnecting screen gets exactly what it missed ..."""
    history_bytes: int = 4 * 1024 * 1024
    """... within this many bytes per audience; older resumes get a snapshot instead."""
    max_errors: int = 50
    """Refused frames a connection may send before it is closed (4009)."""
    command_rate: float = 10.0
    """Commands per second a delegate's or board's connection may send on average ..."""
    command_burst: int = 30
    """... and in a burst, before `rate_limited` errors."""
    snapshot_every: int = 500
    """Records between two stored room snapshots."""


class Hub:
    """The rooms this node serves. A room is loaded the first time a screen asks for it."""

    def __init__(
        self,
        backend: Backend,
        *,
        limits: Limits | None = None,
        clock: Callable[[], int] = wall_clock_ms,
        allowed_origins: Iterable[str] = (),
    ) -> None:
        self.backend = backend
        self.limits = limits or Limits()
        self.clock = clock
        self.allowed_origins = frozenset(o.rstrip("/").lower() for o in allowed_origins)
        self.node_id = "node-" + secrets.token_hex(3)
        self.rooms: dict[str, Room] = {}
        self._loading: dict[str, asyncio.Lock] = {}

    async def room(self, name: str) -> Room | None:
        """The room `name`, or None when no log has it."""
        room = self.rooms.get(name)
        if room is not None:
            return room
        lock = self._loading.setdefault(name, asyncio.Lock())
        async with lock:
            room = self.rooms.get(name)
            if room is not None:
                return room
            if await self.backend.head(name) == 0:
                return None
            room = Room(
                name,
                self.backend,
                clock=self.clock,
                history=self.limits.history,
                history_bytes=self.limits.history_bytes,
                snapshot_every=self.limits.snapshot_every,
            )
            await room.load()
            self.rooms[name] = room
            return room

    def origin_allowed(self, origin: str | None, host: str | None) -> bool:
        """Browsers always send Origin: it must be this server itself or on the allowlist.

        A client with no Origin is not a browser page, so no other site can be driving it;
        it still needs a token.
        """
        if origin is None:
            return True
        origin = origin.rstrip("/").lower()
        if origin in self.allowed_origins:
            return True
        parts = urlsplit(origin)
        return (
            host is not None and parts.scheme in ("http", "https") and parts.netloc == host.lower()
        )

    async def close(self) -> None:
        for room in self.rooms.values():
            await room.close()
        self.rooms.clear()
