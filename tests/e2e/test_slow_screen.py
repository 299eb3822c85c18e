"""A screen that stops reading delays no one, costs bounded memory, and catches up by snapshot."""

from __future__ import annotations

import asyncio

import msgpack
import psutil

from tests.conftest import UNIT, Clients, DemoTokens, HubProcess, reached, stuck_screen

LONG_TITLE = "Thảo luận " + "và cho ý kiến " * 20


async def test_a_screen_that_stops_reading_delays_no_one(
    hub: HubProcess, tokens: DemoTokens, clients: Clients
) -> None:
    presidium = await clients.connect(tokens.presidium)
    watcher = await clients.connect(tokens.delegates[1][0])
    for n in range(40):
        await presidium.command("add_agenda_item", title=f"{LONG_TITLE} {n}")

    # The hub's writes to this screen stall at once.
    stuck = await stuck_screen(hub, tokens.delegates[0][0])
    hub_process = psutil.Process(hub.pid)
    # Fill the hub's resume history (bounded on its own) so what follows measures the
    # stuck screen alone.
    for n in range(400):
        await presidium.command(
            "edit_agenda_item", item_id=f"item-{7 + n % 40}", title=f"{LONG_TITLE} warm {n}"
        )
    rss_before = hub_process.memory_info().rss

    frame_bytes = 0
    edits = 1500
    for n in range(edits):
        ack = await presidium.command(
            "edit_agenda_item", item_id=f"item-{7 + n % 40}", title=f"{LONG_TITLE} {n}"
        )
        if n == 0:
            await watcher.wait_for(reached(ack.seq), timeout=5 * UNIT)
            frame_bytes = len(msgpack.packb(watcher.view["agenda"]))
    last = ack.seq
    # Every other screen has every change while the stuck one still hangs.
    await watcher.wait_for(lambda v: v.seq >= last, timeout=10 * UNIT)
    watcher_events = [f["seq"] for f in watcher.frames if f["type"] == "event"]
    assert watcher_events[-edits:] == list(range(last - edits + 1, last + 1))

    rss_growth = hub_process.memory_info().rss - rss_before
    broadcast = frame_bytes * edits
    assert broadcast > 20_000_000, "enough was sent to the stuck screen to matter"
    assert rss_growth < broadcast / 4, (rss_growth, broadcast)

    # When it reads again it gets the latest state, not the whole backlog.
    received: list[dict[str, object]] = []
    async with asyncio.timeout(20 * UNIT):
        async for message in stuck:
            assert isinstance(message, bytes)
            frame = msgpack.unpackb(message)
            received.append(frame)
            if frame.get("seq") == last and frame["type"] in ("event", "snapshot"):
                break
    await stuck.close()
    kinds = [f["type"] for f in received]
    assert kinds[0] == "welcome"
    assert kinds.count("snapshot") >= 2, "its backlog was replaced by a fresh snapshot"
    assert kinds.count("event") < edits / 2
