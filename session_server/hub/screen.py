"""One connected screen: a state machine writing shared, pre-framed frames to its socket."""

from __future__ import annotations

import asyncio
import enum
import logging
from collections import deque
from collections.abc import Callable, Iterable
from typing import Protocol

from websockets.frames import Frame, Opcode

from ..core.state import Role
from ..metrics import UNCOUNTED, Metrics
from ..protocol.codes import Close

log = logging.getLogger(__name__)


def framed(payload: bytes) -> bytes:
    """The whole WebSocket frame for one binary message, as a server sends it (unmasked).

    Server frames are never masked, so every socket of an audience is sent exactly these
    bytes: a broadcast is framed once, not once per socket.
    """
    return Frame(Opcode.BINARY, payload).serialize(mask=False)


class Sink(Protocol):
    """The socket a screen writes to: the hub's WebSocket protocol (or a test's stand-in).

    It tells its screen when the socket's buffer fills (`Screen.paused`), drains
    (`Screen.resumed`) and when the connection is lost (`Screen.lost`).
    """

    def write_frame(self, frame: bytes) -> None:
        """Hand a whole frame to the transport; dropped if the socket is closing."""

    def can_write(self) -> bool:
        """Whether the transport takes more now (its buffer is under the high-water mark)."""
        ...

    def follow(self, screen: Screen) -> None:
        """Call this screen's `paused`, `resumed` and `lost` from now on."""


class Outgoing:
    """A frame on its way out. One instance is shared by every screen a broadcast goes to."""

    __slots__ = ("droppable", "wire")

    def __init__(self, payload: bytes, droppable: bool = True) -> None:
        self.wire = framed(payload)
        # A broadcast may be dropped in favour of a fresh snapshot; an answer to this
        # client (welcome, ack, error, pong, you) may not.
        self.droppable = droppable


class State(enum.Enum):
    OPEN = "open"
    """Nothing waits: a frame goes straight to the socket's transport."""
    BACKED_UP = "backed_up"
    """The socket's buffer is full: frames wait in the queue, by reference, in order."""
    RESYNCING = "resyncing"
    """Backed up, and a fresh snapshot waits in the queue: broadcasts are left out."""
    CLOSING = "closing"
    """A close is decided; the answers still queued go out first, then it is closed."""
    CLOSED = "closed"
    """Done: `closed` holds the close code to send (None when the peer is gone)."""


# Stands in the queue where a fresh snapshot is to be written.
_SNAPSHOT = Outgoing(b"", droppable=False)

_WAITING = (State.BACKED_UP, State.RESYNCING, State.CLOSING)

_NO_QUEUE: deque[Outgoing] = deque(maxlen=0)
"""Every screen's queue until it needs one of its own; nothing is ever added to it."""


class Screen:
    """A socket following a room. `offer` never blocks: the hub's fan-out never waits for one.

    Open, a frame is one `transport.write` of bytes shared by the whole audience. When the
    socket's buffer fills, frames queue; past `max_queue` frames (or `max_queue_bytes`)
    the broadcasts among them are replaced by one fresh snapshot, written where the first
    of them stood: a screen wants the latest state, not the backlog, and an ack still never
    arrives before the state it acknowledges. A socket that has not drained for
    `send_timeout` seconds is closed with the "slow" code by the node's watchdog (`stuck`,
    `abort_slow`). No task, no coroutine: the socket's own callbacks drive it.
    """

    def __init__(
        self,
        sink: Sink,
        *,
        audience: Role,
        token_id: str,
        secret_hash: str,
        delegate_id: str | None,
        snapshot: Callable[[], bytes],
        max_queue: int,
        max_queue_bytes: int,
        send_timeout: float,
        clock: Callable[[], float] | None = None,
        metrics: Metrics = UNCOUNTED,
    ) -> None:
        self._sink = sink
        self.metrics = metrics
        self._write = sink.write_frame
        self.audience = audience
        self.token_id = token_id
        self.secret_hash = secret_hash
        self.delegate_id = delegate_id
        self._snapshot = snapshot
        """The latest snapshot of this screen's view, as a whole frame."""
        self.max_queue = max_queue
        self.max_queue_bytes = max_queue_bytes
        self.send_timeout = send_timeout
        loop = asyncio.get_running_loop()
        # Seconds, as `stuck(now)` is given them: by default the event loop's clock, which
        # the node's watchdog reads too; a test passes one it moves itself.
        self._clock = clock or loop.time
        self.state = State.OPEN
        # Made when the socket first backs up: most screens never need one.
        self._queue: deque[Outgoing] = _NO_QUEUE
        self._queued_bytes = 0
        self._since: float | None = None
        """When the socket last stopped taking frames, or last drained while backed up."""
        self._code: int | None = None
        self.closed: asyncio.Future[int | None] = loop.create_future()
        """Resolved with the close code the owner should send (None: the peer is gone)."""
        self.resyncs = 0
        sink.follow(self)

    @property
    def queued(self) -> int:
        return len(self._queue)

    @property
    def closing(self) -> int | None:
        """The close code decided, if any."""
        return self._code

    def offer(self, outgoing: Outgoing) -> None:
        """Write a frame, or queue it; never waits, never grows past `max_queue`."""
        if self.state is State.OPEN:
            # The fan-out's hot path: one write of shared bytes. If it fills the buffer,
            # the transport calls `paused` before returning, and the next frame queues.
            self._write(outgoing.wire)
            return
        if self.state is State.CLOSING or self.state is State.CLOSED:
            return
        if outgoing.droppable and self.state is State.RESYNCING:
            return  # the snapshot waiting in the queue will already hold this change
        if self._full(outgoing):
            self.resyncs += 1
            self.metrics.snapshot_instead("queue_full")
            self.resync()
            if outgoing.droppable:
                return
            if self._full(outgoing):
                # Only answers are waiting, and still the client does not read them.
                self.metrics.slow_close("answers")
                self.close(Close.SLOW)
                return
        if self._queue is _NO_QUEUE:
            self._queue = deque()
        self._queue.append(outgoing)
        self._queued_bytes += len(outgoing.wire)

    @staticmethod
    def offer_all(screens: Iterable[Screen], outgoing: Outgoing) -> None:
        """`offer` one broadcast to each of `screens`: the fan-out's loop.

        An open screen's frame is written here rather than through `offer`: one Python call
        fewer per screen, thousands of screens a turn. Every other state is `offer`'s.
        """
        wire = outgoing.wire
        is_open = State.OPEN
        for screen in screens:
            if screen.state is is_open:
                screen._write(wire)
            else:
                screen.offer(outgoing)

    def answer(self, frame: bytes) -> None:
        """Send a frame to this client alone; it is never dropped for a snapshot."""
        self.offer(Outgoing(frame, droppable=False))

    def _full(self, outgoing: Outgoing) -> bool:
        return (
            len(self._queue) >= self.max_queue
            or self._queued_bytes + len(outgoing.wire) > self.max_queue_bytes
        )

    def fits(self, outgoing: list[Outgoing]) -> bool:
        """Whether these frames could all be queued now without a snapshot replacing them."""
        size = sum(len(o.wire) for o in outgoing)
        return (
            len(self._queue) + len(outgoing) <= self.max_queue
            and self._queued_bytes + size <= self.max_queue_bytes
        )

    def resync(self) -> None:
        """Send a fresh snapshot instead of the broadcasts still waiting, where the first stood.

        Open, it is written at once; backed up, it is taken when its turn comes, so it is the
        latest state then.
        """
        if self.state is State.OPEN:
            self._write(self._snapshot())
            return
        if self.state is not State.BACKED_UP:
            return
        kept: deque[Outgoing] = deque()
        placed = False
        for outgoing in self._queue:
            if not outgoing.droppable:
                kept.append(outgoing)
            elif not placed:
                kept.append(_SNAPSHOT)
                placed = True
        if not placed:
            kept.append(_SNAPSHOT)
        self._queue = kept
        self._queued_bytes = sum(len(o.wire) for o in kept)
        self.state = State.RESYNCING

    # ---- the socket's callbacks

    def paused(self) -> None:
        """The socket's buffer passed its high-water mark: frames queue from now on."""
        if self.state is State.OPEN:
            self.state = State.BACKED_UP
            self._since = self._clock()

    def resumed(self) -> None:
        """The socket drained below its low-water mark: write what waits, in order."""
        if self.state not in _WAITING:
            return
        self._since = self._clock()
        while self._queue:
            if not self._sink.can_write():
                return
            outgoing = self._queue.popleft()
            self._queued_bytes -= len(outgoing.wire)
            if outgoing is _SNAPSHOT:
                if self.state is State.RESYNCING:
                    self.state = State.BACKED_UP
                self._write(self._snapshot())
            else:
                self._write(outgoing.wire)
        if self.state is State.CLOSING:
            self._finish(self._code)
        elif self._sink.can_write():
            self.state = State.OPEN
            self._queue = _NO_QUEUE
            self._since = None

    def lost(self) -> None:
        """The connection is gone: nothing more is written, and no close is to be sent."""
        self._code = None
        self._finish(None)

    # ---- closing

    def close(self, code: int, *, flush: bool = False) -> None:
        """Stop taking frames; with `flush`, write what is queued first. The owner closes."""
        if self.state is State.CLOSING or self.state is State.CLOSED:
            return
        self._code = code
        if flush and self._queue:
            self.state = State.CLOSING
            return
        self._finish(code)

    def stuck(self, now: float) -> bool:
        """Whether the socket has taken nothing for longer than `send_timeout`."""
        since = self._since
        return self.state in _WAITING and since is not None and now - since > self.send_timeout

    def abort_slow(self) -> None:
        """Give up on a socket that does not drain: it is closed with the slow code."""
        if self.state is not State.CLOSED:
            self._code = Close.SLOW
            self._finish(Close.SLOW)

    def _finish(self, code: int | None) -> None:
        self.state = State.CLOSED
        self._queue = _NO_QUEUE
        self._queued_bytes = 0
        self._since = None
        if not self.closed.done():
            self.closed.set_result(code)
