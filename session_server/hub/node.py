"""This hub node: its limits, its clock, and the rooms it serves, loaded from the log on demand."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..backends.base import Backend, BackendUnavailable
from ..ballots.checking import BallotChecker
from ..core.state import Role
from ..metrics import Metrics
from ..protocol.codes import Close
from ..writer import RoomWriter
from .groups import GroupRooms, create_group_room
from .room import Room
from .screen import Screen

log = logging.getLogger(__name__)


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True, kw_only=True, slots=True)
class Limits:
    """Every limit of a node, with its default; docs/limits.md says what happens at each."""

    max_frame: int = 64 * 1024
    """Largest frame a client may send, in bytes; larger closes the socket with 1009."""
    max_queue: int = 1024
    """Frames waiting for one screen before its backlog is replaced by a snapshot ..."""
    max_queue_bytes: int = 4 * 1024 * 1024
    """... or bytes. Frames are shared between screens, so many stuck screens pin the same
    frames: memory stays within about this much however many there are."""
    send_timeout: float = 30.0
    """Seconds a socket may stay full, draining nothing, before it is closed (4008).
    The watchdog checks every second."""
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
    frame_rate: float = 10.0
    """Frames (commands, pings, syncs) per second a delegate's, board's or hall screen's
    connection may send on average ..."""
    frame_burst: int = 30
    """... and in a burst, before `rate_limited` errors; as many refused again and it is
    closed (4011)."""
    flood_cooldown: float = 10.0
    """Seconds a token closed for flooding (4011) is refused at hello, with 4011 again."""
    sockets_per_token: int = 3
    """Connections one delegate, board or hall token may hold at once (a tablet, a phone, one
    being replaced); a new one beyond this closes the oldest (4012)."""
    staff_sockets_per_token: int = 16
    """The same for a presidium or secretariat token, which several consoles may share."""
    snapshot_every: int = 500
    """Records between two stored room snapshots."""
    ack_wait: float = 10.0
    """Seconds to wait for the node's own tail to apply a durable command before acking."""
    append_attempts: int = 5
    """Times a command is decided again after other writers appended first (else conflict)."""
    revocation_check: float = 10.0
    """Seconds between checks that the tokens of connected screens are still valid (4010)."""


def _seat(screen: Screen, room: str | None) -> str:
    """What a socket counts against: its token, or its token in one group's room."""
    return screen.token_id if room is None else f"{screen.token_id}@{room}"


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
        self.allowed_origins = frozenset(
            o.strip().rstrip("/").lower() for o in allowed_origins if o.strip()
        )
        self.node_id = "node-" + secrets.token_hex(3)
        self.metrics = Metrics()
        """What this node counts, read at /metrics; its rooms and screens count into it."""
        self.metrics.hub = self
        self.rooms: dict[str, Room] = {}
        self.on_room_loaded: list[Callable[[Room], None]] = []
        """Called once for each room this node loads, at start or when a screen first asks."""
        self._loading: dict[str, asyncio.Lock] = {}
        self._watchdog: asyncio.Task[None] | None = None
        self._sockets: dict[str, list[Screen]] = {}
        self._cooling: dict[str, float] = {}
        """Secret hashes of tokens cut off for flooding, and until when (monotonic)."""
        self.ballots = BallotChecker()
        """Checks election ballots' proofs in worker processes, off this node's loop."""
        self.groups = GroupRooms(self)
        """Creates the discussion groups' rooms and keeps them in step with their plenary."""
        self.on_room_loaded.append(self.groups.loaded)

    def start(self) -> None:
        """Start the watchdog that closes stuck and revoked screens."""
        self._watchdog = asyncio.create_task(self._watch(), name="hub-watchdog")

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        next_revocation_check = loop.time() + self.limits.revocation_check
        while True:
            await asyncio.sleep(1.0)
            now = loop.time()
            for room in list(self.rooms.values()):
                for screen in room.all_screens():
                    if screen.stuck(now):
                        if screen.closing is None:
                            # Once: a screen already closing for another reason keeps it.
                            self.metrics.slow_close("stalled")
                        screen.abort_slow()
            if now >= next_revocation_check:
                next_revocation_check = now + self.limits.revocation_check
                try:
                    await self._close_revoked()
                except BackendUnavailable as error:
                    # An outage is reported by the room's tail already: one line, no traceback.
                    log.warning("tokens of connected screens not checked: %s", error)
                except Exception:
                    log.exception("checking tokens of connected screens failed")

    async def _close_revoked(self) -> None:
        screens = [s for room in list(self.rooms.values()) for s in room.all_screens()]
        valid: dict[str, bool] = {}
        for screen in screens:
            if screen.secret_hash not in valid:
                token = await self.backend.find_token(screen.secret_hash)
                valid[screen.secret_hash] = token is not None and token.revoked_at is None
            if not valid[screen.secret_hash]:
                screen.close(Close.REVOKED)

    def admit(self, screen: Screen, room: str | None = None) -> None:
        """Count a welcomed screen against its token's limit; the oldest beyond it goes (4012).

        The oldest, not the newest: a tablet whose Wi-Fi dropped reconnects before the hub
        has noticed its old socket is dead, and must not be the one refused.
        """
        held = self._sockets.setdefault(_seat(screen, room), [])
        held.append(screen)
        staff = screen.audience in (Role.PRESIDIUM, Role.SECRETARIAT)
        cap = self.limits.staff_sockets_per_token if staff else self.limits.sockets_per_token
        while len(held) > cap:
            held.pop(0).close(Close.REPLACED)

    def cool_down(self, secret_hash: str) -> None:
        until = time.monotonic() + self.limits.flood_cooldown
        self._cooling[secret_hash] = until
        # Expired entries go as new ones come: the map holds only tokens that flooded lately.
        now = time.monotonic()
        for key in [k for k, end in self._cooling.items() if end <= now]:
            del self._cooling[key]

    def cooling_down(self, secret_hash: str) -> bool:
        until = self._cooling.get(secret_hash)
        return until is not None and until > time.monotonic()

    def release(self, screen: Screen, room: str | None = None) -> None:
        seat = _seat(screen, room)
        held = self._sockets.get(seat)
        if held is not None and screen in held:
            held.remove(screen)
            if not held:
                del self._sockets[seat]

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
            # A group's room is created when first needed, if its plenary has the group.
            if await self.backend.head(name) == 0 and not await create_group_room(self, name):
                return None
            room = Room(
                name,
                self.backend,
                clock=self.clock,
                history=self.limits.history,
                history_bytes=self.limits.history_bytes,
                ack_wait=self.limits.ack_wait,
                append_attempts=self.limits.append_attempts,
                snapshot_every=self.limits.snapshot_every,
            )
            room.metrics = room.writer.metrics = self.metrics
            await room.load()
            self.rooms[name] = room
            for loaded in self.on_room_loaded:
                loaded(room)
            return room

    async def writer(self, name: str) -> RoomWriter | None:
        """The writer of the room `name`, fed by its tail on this node; None for no room."""
        room = await self.room(name)
        return None if room is None else room.writer

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
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
        await self.groups.close()
        for room in self.rooms.values():
            await room.close()
        self.rooms.clear()
        self.ballots.close()
