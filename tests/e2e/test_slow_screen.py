"""A screen that stops reading delays no one, costs bounded memory, and catches up by snapshot."""

from __future__ import annotations

import asyncio

import msgpack
import psutil

from tests.conftest import UNIT, Clients, DemoTokens, HubProcess, reached, stuck_screen

SPEECHES = 300
"""Finished speeches on item 2: each reopening of the item sends its whole list of speakers
(event frames otherwise carry only what changed), so these frames are some 40 KB."""


async def test_a_screen_that_stops_reading_delays_no_one(
    hub: HubProcess, tokens: DemoTokens, clients: Clients
) -> None:
    presidium = await clients.connect(tokens.presidium)
    watcher = await clients.connect(tokens.delegates[1][0])
    # Many take turns, each well within a delegate's rate limit.
    speakers = [await clients.connect(token) for token, _ in tokens.delegates[2:]]
    await presidium.command("open_session")
    await presidium.command("set_current_item", item_id="item-2")
    for n in range(SPEECHES):
        await speakers[n % len(speakers)].command("request_floor")
        await presidium.command("grant_floor", interrupt=True)
    for speaker in speakers:
        # Only the watcher and the stuck screen are to follow the big frames that come.
        await speaker.close()

    # The hub's writes to this screen stall at once.
    stuck = await stuck_screen(hub, tokens.delegates[0][0])
    hub_process = psutil.Process(hub.pid)

    toggles = iter(range(10**6))

    async def toggle() -> int:
        # Item 2 closes, then opens again with its speakers whole (it had none open).
        ack = await presidium.command(
            "set_current_item", item_id="item-2" if next(toggles) % 2 else None
        )
        return ack.seq

    # Fill the hub's resume history (bounded on its own) so what follows measures the
    # stuck screen alone.
    for _ in range(400):
        await toggle()
    rss_before = hub_process.memory_info().rss

    edits = 1500
    seqs = [await toggle() for _ in range(edits)]
    last = seqs[-1]
    # Every other screen has every change while the stuck one still hangs.
    await watcher.wait_for(reached(last), timeout=10 * UNIT)
    watcher_events = [f for f in watcher.frames if f["type"] == "event"][-edits:]
    assert [f["seq"] for f in watcher_events] == seqs == list(range(seqs[0], last + 1))

    rss_growth = hub_process.memory_info().rss - rss_before
    broadcast = sum(len(msgpack.packb(f)) for f in watcher_events)
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
