"""One timer for every screen's heartbeat, instead of an event-loop timer per screen."""

from __future__ import annotations

import asyncio
import heapq
import math
from collections.abc import Callable

TICK = 0.05
"""Seconds a heartbeat may run late: calls due within one tick share one wake-up."""


class Due:
    """A call the wheel will make; `cancel` as for the event loop's own timer handles."""

    __slots__ = ("_callback", "_slot", "_wheel")

    def __init__(self, wheel: Wheel, slot: int, callback: Callable[[], None]) -> None:
        self._wheel = wheel
        self._slot = slot
        self._callback = callback

    def cancel(self) -> None:
        self._wheel.cancel(self._slot, self)

    def run(self) -> None:
        self._callback()


class Wheel:
    """Calls due at about the same time wait in one slot; one loop timer waits for the first.

    uvicorn gives every WebSocket connection an event-loop timer for its next ping and one
    for its pong: some 540 bytes a screen, thousands of screens all day, and a heap of
    thousands of timers. Here a screen's next heartbeat is one entry in a slot.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._slots: dict[int, set[Due]] = {}
        self._order: list[int] = []
        """The slots' numbers, a heap: the first is the next due."""
        self._timer: asyncio.TimerHandle | None = None
        self._timer_slot: int | None = None

    def later(self, delay: float, callback: Callable[[], None]) -> Due:
        """Call `callback` in `delay` seconds (up to one tick later)."""
        slot = math.ceil((self._loop.time() + delay) / TICK)
        due = Due(self, slot, callback)
        entries = self._slots.get(slot)
        if entries is None:
            entries = self._slots[slot] = set()
            heapq.heappush(self._order, slot)
        entries.add(due)
        if self._timer_slot is None or slot < self._timer_slot:
            self._arm(slot)
        return due

    def cancel(self, slot: int, due: Due) -> None:
        entries = self._slots.get(slot)
        if entries is not None:
            entries.discard(due)
            if not entries:
                # Its number stays in the heap until its time: `_run` skips it then.
                del self._slots[slot]

    def pending(self) -> int:
        return sum(len(entries) for entries in self._slots.values())

    def _arm(self, slot: int) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer_slot = slot
        self._timer = self._loop.call_at(slot * TICK, self._run)

    def _run(self) -> None:
        self._timer = self._timer_slot = None
        now = math.floor(self._loop.time() / TICK + 1e-9)
        while self._order and self._order[0] <= now:
            entries = self._slots.pop(heapq.heappop(self._order), None)
            for due in entries or ():
                due.run()
        while self._order and self._order[0] not in self._slots:
            heapq.heappop(self._order)
        if self._order:
            self._arm(self._order[0])
        else:
            _WHEELS.pop(self._loop, None)


_WHEELS: dict[asyncio.AbstractEventLoop, Wheel] = {}


def wheel(loop: asyncio.AbstractEventLoop) -> Wheel:
    """The loop's wheel; it is dropped again once nothing waits on it."""
    found = _WHEELS.get(loop)
    if found is None:
        found = _WHEELS[loop] = Wheel(loop)
    return found
