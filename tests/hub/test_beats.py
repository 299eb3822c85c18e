"""The heartbeats' wheel: calls come when due (at most a tick late), once, unless cancelled."""

from __future__ import annotations

import asyncio
import functools

from session_server.hub import beats
from session_server.hub.beats import TICK, wheel


async def test_calls_come_when_due_in_order_and_once() -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    called: list[tuple[str, float]] = []

    def call(name: str) -> None:
        called.append((name, loop.time() - started))

    for name, delay in (("c", 0.3), ("a", 0.1), ("b", 0.2), ("a2", 0.1)):
        wheel(loop).later(delay, functools.partial(call, name))
    await asyncio.sleep(0.3 + 3 * TICK)
    assert sorted(n for n, _ in called) == ["a", "a2", "b", "c"]
    assert [n for n, _ in called][2:] == ["b", "c"]
    for name, at in called:
        due = {"a": 0.1, "a2": 0.1, "b": 0.2, "c": 0.3}[name]
        assert due - 0.01 <= at <= due + TICK + 0.1, (name, at)
    # Nothing waits: the loop's wheel is gone, and comes back when asked.
    assert loop not in beats._WHEELS


async def test_a_cancelled_call_never_comes() -> None:
    loop = asyncio.get_running_loop()
    called: list[str] = []
    kept = wheel(loop).later(0.1, lambda: called.append("kept"))
    dropped = wheel(loop).later(0.1, lambda: called.append("dropped"))
    dropped.cancel()
    dropped.cancel()  # twice is harmless, as for a loop timer
    assert wheel(loop).pending() == 1
    await asyncio.sleep(0.1 + 3 * TICK)
    assert called == ["kept"]
    kept.cancel()  # after it ran: harmless too
    alone = wheel(loop).later(0.05, lambda: called.append("alone"))
    alone.cancel()
    await asyncio.sleep(0.05 + 3 * TICK)
    assert called == ["kept"]
    assert loop not in beats._WHEELS


async def test_a_call_may_schedule_the_next_and_thousands_share_one_timer() -> None:
    loop = asyncio.get_running_loop()
    pings: list[int] = []

    def ping(n: int) -> None:
        pings.append(n)
        if n < 3:
            wheel(loop).later(0.05, lambda: ping(n + 1))

    wheel(loop).later(0.05, lambda: ping(1))
    many = [wheel(loop).later(0.5 + i * 0.0001, lambda: None) for i in range(3000)]
    assert wheel(loop).pending() == 3001
    # asyncio's own loop (the tests') lists its timers: the wheel's, and the test's sleep.
    scheduled = loop._scheduled  # type: ignore[attr-defined]
    assert sum(1 for handle in scheduled if not handle.cancelled()) == 1
    await asyncio.sleep(0.3)
    assert pings == [1, 2, 3]
    for due in many:
        due.cancel()
    assert wheel(loop).pending() == 0
