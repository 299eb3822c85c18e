"""One connected screen: a bounded outgoing queue and the one task that writes it to the socket."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ..core.state import Role
from ..protocol.codes import Close

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outgoing:
    frame: bytes
    # A broadcast frame may be dropped in favour of a fresh snapshot; an answer to this
    # client (ack, error, pong, you) may not.
    droppable: bool


# Stands in the queue where a fresh snapshot is to be written.
_SNAPSHOT = Outgoing(b"", droppable=False)


class Screen:
    """A socket following a room. `offer` never blocks: the hub's fan-out never waits for one.

    When more than `max_queue` frames wait, the broadcast frames are dropped and the next
    frame written is a fresh snapshot: a screen wants the latest state, not the backlog. A
    screen whose socket has not accepted a frame for `send_timeout` seconds is closed
    with the "slow" code.
    """

    def __init__(
        self,
        send: Callable[[bytes], Awaitable[None]],
        *,
        audience: Role,
        token_id: str,
        delegate_id: str | None,
        snapshot: Callable[[], bytes],
        max_queue: int,
        send_timeout: float,
    ) -> None:
        self._send = send
        self.audience = audience
        self.token_id = token_id
        self.delegate_id = delegate_id
        self._snapshot = snapshot
        self.max_queue = max_queue
        self.send_timeout = send_timeout
        self._queue: deque[Outgoing] = deque()
        self._resync = False
        self._wakeup = asyncio.Event()
        self._sending_since: float | None = None
        self.resyncs = 0
        self.closing: int | None = None
        self._loop = asyncio.get_running_loop()

    @property
    def queued(self) -> int:
        return len(self._queue)

    def offer(self, frame: bytes, *, droppable: bool = True) -> None:
        """Queue a frame for this screen; never waits, never grows past `max_queue`."""
        if self.closing is not None:
            return
        if self._stuck():
            self.close_slow()
            return
        if droppable and self._resync:
            return  # the snapshot waiting in the queue will already hold this change
        if len(self._queue) >= self.max_queue:
            if droppable:
                self.resyncs += 1
                self.resync()
                return
            self._drop_broadcasts()
            if len(self._queue) >= self.max_queue:
                # Only answers are waiting and still the client does not read them.
                self.close_slow()
                return
        self._queue.append(Outgoing(frame, droppable))
        self._wakeup.set()

    def resync(self) -> None:
        """Replace the broadcast frames still waiting with one fresh snapshot, in their place.

        The snapshot is taken when its turn comes to be written, so it is the latest state;
        frames queued before it (the welcome, acks) keep their order.
        """
        if not self._resync:
            self._drop_broadcasts()
            self._queue.append(_SNAPSHOT)
            self._resync = True
            self._wakeup.set()

    def _drop_broadcasts(self) -> None:
        self._queue = deque(o for o in self._queue if not o.droppable)

    def _stuck(self) -> bool:
        since = self._sending_since
        return since is not None and self._loop.time() - since > self.send_timeout

    def close_slow(self) -> None:
        self.close(Close.SLOW)

    def close(self, code: int) -> None:
        """Ask the writer to stop; the connection's owner closes the socket with `code`."""
        if self.closing is None:
            self.closing = code
            self._queue.clear()
            self._wakeup.set()

    async def run(self) -> int:
        """Write frames until closed; returns the close code the owner should send."""
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self.closing is None and self._queue:
                outgoing = self._queue.popleft()
                if outgoing is _SNAPSHOT:
                    self._resync = False
                    frame = self._snapshot()
                else:
                    frame = outgoing.frame
                self._sending_since = self._loop.time()
                await self._send(frame)
                self._sending_since = None
            if self.closing is not None:
                return self.closing
