"""The inbox and flag each socket uses instead of asyncio's Queue and Event."""

from __future__ import annotations

import asyncio

from session_server.hub.light import Flag, Inbox


async def test_the_inbox_hands_items_over_in_order_and_its_reader_waits_for_them() -> None:
    inbox: Inbox[str] = Inbox()
    inbox.put_nowait("connect")
    assert await inbox.get() == "connect"
    assert inbox.empty()
    waiting = asyncio.create_task(inbox.get())
    await asyncio.sleep(0)
    assert not waiting.done(), "nothing to get yet"
    inbox.put_nowait("receive")
    inbox.put_nowait("disconnect")
    assert await waiting == "receive"
    assert not inbox.empty()
    assert await inbox.get() == "disconnect"


async def test_a_cancelled_reader_leaves_the_inbox_usable() -> None:
    inbox: Inbox[int] = Inbox()
    waiting = asyncio.create_task(inbox.get())
    await asyncio.sleep(0)
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    inbox.put_nowait(1)
    assert await inbox.get() == 1


async def test_the_flag_lets_waiters_through_only_while_set() -> None:
    flag = Flag()
    assert not flag.is_set()
    waiters = [asyncio.create_task(flag.wait()) for _ in range(2)]
    await asyncio.sleep(0)
    assert not any(w.done() for w in waiters)
    flag.set()
    await asyncio.gather(*waiters)
    await flag.wait()  # set: returns at once
    flag.clear()
    late = asyncio.create_task(flag.wait())
    await asyncio.sleep(0)
    assert not late.done()
    late.cancel()
    await asyncio.gather(late, return_exceptions=True)
    flag.set()
