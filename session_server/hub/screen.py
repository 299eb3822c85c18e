"""One connected screen: a bounded outgoing queue and the one task that writes it to the socket."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Generator, MutableMapping
from typing import Any

from ..core.state import Role
from ..metrics import UNCOUNTED, Metrics  # metrics
from ..protocol.codes import Close

log = logging.getLogger(__name__)


SendMessage = Callable[[MutableMapping[str, Any]], Awaitable[None]]
"""The server's ASGI `send`: takes a `websocket.send` message."""


class Outgoing:
    """A frame on its way out. One instance is shared by every screen a broadcast goes to.

    It holds the ASGI message too, built once: the server only reads it, so thousands of
    sockets can be handed the same dict instead of one new dict each.
    """

    __slots__ = ("droppable", "frame", "message")

    def __init__(self, frame: bytes, droppable: bool = True) -> None:
        self.frame = frame
        # A broadcast may be dropped in favour of a fresh snapshot; an answer to this
        # client (welcome, ack, error, pong, you) may not.
        self.droppable = droppable
        self.message: dict[str, Any] = {"type": "websocket.send", "bytes": frame}


# Stands in the queue where a fresh snapshot is to be written.
_SNAPSHOT = Outgoing(b"", droppable=False)


async def _awaiting(awaitable: Awaitable[None]) -> None:
    await awaitable


class _Resume:
    """Awaiting it resumes a coroutine that already ran up to its first suspension.

    The writer task takes over a send that `offer` started itself and that had to wait
    (the socket's buffer was full); it passes the future the send waits on to the event
    loop, exactly as `await` would have.
    """

    __slots__ = ("_coroutine", "_waiting_on")

    def __init__(self, coroutine: Coroutine[Any, Any, None], waiting_on: Any) -> None:
        self._coroutine = coroutine
        self._waiting_on = waiting_on

    def __await__(self) -> Generator[Any, Any, None]:
        value = self._waiting_on
        while True:
            try:
                received = yield value
            except GeneratorExit:
                self._coroutine.close()
                raise
            except BaseException as error:
                try:
                    value = self._coroutine.throw(error)
                except StopIteration:
                    return
            else:
                try:
                    value = self._coroutine.send(received)
                except StopIteration:
                    return


class Screen:
    """A socket following a room. `offer` never blocks: the hub's fan-out never waits for one.

    When `max_queue` frames (or `max_queue_bytes`) wait, the broadcasts among them are
    replaced by one fresh snapshot, written where the first of them stood: a screen wants
    the latest state, not the backlog, and an ack still never arrives before the state it
    acknowledges. A socket
    that has not taken a frame for `send_timeout` seconds is closed with the "slow" code by
    the node's watchdog (`stuck`, `abort_slow`).
    """

    def __init__(
        self,
        send: SendMessage,
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
        metrics: Metrics = UNCOUNTED,  # metrics
    ) -> None:
        self.metrics = metrics  # metrics
        self._send = send
        self.audience = audience
        self.token_id = token_id
        self.secret_hash = secret_hash
        self.delegate_id = delegate_id
        self._snapshot = snapshot
        self.max_queue = max_queue
        self.max_queue_bytes = max_queue_bytes
        self._queued_bytes = 0
        self.send_timeout = send_timeout
        self._queue: deque[Outgoing] = deque()
        self._resync = False
        self._wakeup = asyncio.Event()
        # Seconds, as `stuck(now)` is given them: by default the event loop's clock, which
        # the node's watchdog reads too; a test passes one it moves itself.
        self._clock = clock or asyncio.get_running_loop().time
        self._sending_since: float | None = None
        self._writer: asyncio.Task[int] | None = None
        # The writer waits for work with nothing queued: `offer` may write itself.
        self._idle = False
        # A send `offer` started that had to wait, or the error it raised; the writer
        # finishes the one or raises the other before anything queued.
        self._inflight: _Resume | None = None
        self._failed: BaseException | None = None
        self.resyncs = 0
        self.closing: int | None = None

    @property
    def queued(self) -> int:
        return len(self._queue)

    def offer(self, outgoing: Outgoing) -> None:
        """Queue a frame for this screen; never waits, never grows past `max_queue`."""
        if self.closing is not None:
            return
        if outgoing.droppable and self._resync:
            return  # the snapshot waiting in the queue will already hold this change
        if self._full(outgoing):
            self.resyncs += 1
            self.metrics.snapshot_instead("queue_full")  # metrics: backlog replaced
            self.resync()
            if outgoing.droppable:
                return
            if self._full(outgoing):
                # Only answers are waiting, and still the client does not read them.
                self.metrics.slow_close("answers")  # metrics
                self.close(Close.SLOW)
                return
        # Only with nothing queued (a snapshot may be waiting there): order is kept.
        if self._idle and not self._queue and self._inflight is None and self._failed is None:
            self._write_now(outgoing)
            return
        self._queue.append(outgoing)
        self._queued_bytes += len(outgoing.frame)
        self._wakeup.set()

    def _write_now(self, outgoing: Outgoing) -> None:
        """Start the send here: with room in the socket's buffer it completes at once.

        A page turn is then one direct write per screen, as in a bare broadcast loop, not
        one task wake-up per screen; only a send that must wait is left to the writer.
        """
        sending = self._send(outgoing.message)
        coroutine = sending if isinstance(sending, Coroutine) else _awaiting(sending)
        try:
            waiting_on = coroutine.send(None)
        except StopIteration:
            return
        except Exception as error:
            # The socket is gone: the writer raises it, and the connection ends as usual.
            self._failed = error
        else:
            self._sending_since = self._clock()
            self._inflight = _Resume(coroutine, waiting_on)
        self._idle = False
        self._wakeup.set()

    def _full(self, outgoing: Outgoing) -> bool:
        return (
            len(self._queue) >= self.max_queue
            or self._queued_bytes + len(outgoing.frame) > self.max_queue_bytes
        )

    def fits(self, outgoing: list[Outgoing]) -> bool:
        """Whether these frames could all be queued now without a snapshot replacing them."""
        size = sum(len(o.frame) for o in outgoing)
        return (
            len(self._queue) + len(outgoing) <= self.max_queue
            and self._queued_bytes + size <= self.max_queue_bytes
        )

    def answer(self, frame: bytes) -> None:
        """Queue a frame for this client alone; it is never dropped for a snapshot."""
        self.offer(Outgoing(frame, droppable=False))

    def resync(self) -> None:
        """Replace the broadcasts still waiting with one fresh snapshot, where the first stood.

        The snapshot is taken when its turn comes to be written, so it is the latest state.
        """
        if self._resync:
            return
        kept: deque[Outgoing] = deque()
        for outgoing in self._queue:
            if outgoing.droppable:
                if not self._resync:
                    kept.append(_SNAPSHOT)
                    self._resync = True
            else:
                kept.append(outgoing)
        if not self._resync:
            kept.append(_SNAPSHOT)
            self._resync = True
        self._queue = kept
        self._queued_bytes = sum(len(o.frame) for o in kept)
        self._wakeup.set()

    def close(self, code: int, *, flush: bool = False) -> None:
        """Stop taking frames; with `flush`, write what is queued first. The owner closes."""
        if self.closing is None:
            self.closing = code
            if not flush:
                self._queue.clear()
                self._queued_bytes = 0
            self._wakeup.set()

    def stuck(self, now: float) -> bool:
        """Whether one frame has waited on the socket for longer than `send_timeout`."""
        since = self._sending_since
        return since is not None and now - since > self.send_timeout

    def abort_slow(self) -> None:
        """Give up on a socket that does not drain: its writer stops and returns SLOW."""
        self.close(Close.SLOW)
        if self._writer is not None:
            self._writer.cancel()

    def start(self) -> asyncio.Task[int]:
        self._writer = asyncio.create_task(self._run(), name=f"screen:{self.token_id}")
        return self._writer

    async def _run(self) -> int:
        """Write frames until closed; returns the close code the owner should send."""
        try:
            while True:
                if not self._queue and self.closing is None:
                    self._idle = True
                    await self._wakeup.wait()
                self._idle = False
                self._wakeup.clear()
                if self._failed is not None:
                    raise self._failed
                if self._inflight is not None:
                    await self._inflight
                    self._inflight = None
                    self._sending_since = None
                while self._queue:
                    outgoing = self._queue.popleft()
                    self._queued_bytes -= len(outgoing.frame)
                    if outgoing is _SNAPSHOT:
                        self._resync = False
                        message = Outgoing(self._snapshot()).message
                    else:
                        message = outgoing.message
                    # A timestamp, not a timer per send: the fan-out to thousands of
                    # screens must stay cheap; the node's watchdog reads it.
                    self._sending_since = self._clock()
                    await self._send(message)
                    self._sending_since = None
                if self.closing is not None:
                    return self.closing
        except asyncio.CancelledError:
            # Cancelled by the watchdog (or while closing for another reason): the socket
            # is given up on, and the owner still closes it with the code decided.
            if self.closing is not None:
                return self.closing
            raise
