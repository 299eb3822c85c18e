"""Heartbeats find dead peers, silent connections are timed out, check-in reaches the right eyes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path

import msgpack
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from session_server.core.state import Role
from session_server.protocol.codes import Close
from tests.conftest import (
    UNIT,
    Clients,
    DemoTokens,
    HubProcess,
    health,
    run_cli,
    stuck_screen,
)


@pytest.fixture
def quick_hub(demo_data: Path) -> Iterator[HubProcess]:
    process = HubProcess(demo_data)
    process.start(
        "--ping-interval",
        "0.3",
        "--ping-timeout",
        "0.3",
        "--hello-timeout",
        "0.5",
        "--revocation-check",
        "0.5",
        "--send-timeout",
        "1",
    )
    try:
        yield process
    finally:
        process.stop()


async def screens(hub: HubProcess) -> int:
    return int((await health(hub))["rooms"]["camau-2025"]["screens"])


async def until_screens(hub: HubProcess, count: int) -> None:
    # The hub is another process: ask it until it has as many screens as expected.
    for _ in range(int(100 * UNIT)):
        if await screens(hub) == count:
            return
        await asyncio.sleep(0.1)
    pytest.fail(f"the hub never came down to {count} screens")


async def test_a_peer_that_stops_answering_heartbeats_is_dropped(quick_hub: HubProcess) -> None:
    tokens = quick_hub.tokens()
    alive = quick_hub.client(tokens.boards[1])
    await alive.connect(timeout=5 * UNIT)
    async with connect(quick_hub.url, ping_interval=None) as dead:
        await dead.send(
            msgpack.packb(
                {"type": "hello", "v": 2, "token": tokens.boards[0], "room": "camau-2025"}
            )
        )
        assert msgpack.unpackb(await dead.recv(decode=False))["type"] == "welcome"
        assert await screens(quick_hub) == 2
        # The peer's machine goes silent: it reads nothing, so it answers no ping.
        dead.transport.pause_reading()
        await until_screens(quick_hub, 1)
        dead.transport.resume_reading()
        with contextlib.suppress(ConnectionClosed):
            await dead.recv()
            await dead.recv()
    # The live screen answered every ping and is still here.
    await asyncio.sleep(1)
    assert alive.closed is None
    assert await screens(quick_hub) == 1
    await alive.close()


async def test_a_connection_that_never_says_hello_is_closed(quick_hub: HubProcess) -> None:
    async with connect(quick_hub.url) as silent:
        with contextlib.suppress(ConnectionClosed):
            await silent.recv()
    assert silent.close_code == Close.HELLO_TIMEOUT


async def test_check_in_reaches_the_delegate_and_only_counts_reach_boards(
    tokens: DemoTokens, clients: Clients
) -> None:
    secret, delegate_id = tokens.delegates[4]
    delegate = await clients.connect(secret)
    second_tablet = await clients.connect(secret)
    other = await clients.connect(tokens.delegates[5][0])
    board = await clients.connect(tokens.boards[0])
    presidium = await clients.connect(tokens.presidium)
    assert delegate.view.you is not None
    assert delegate.view.you["present"] is False

    ack = await delegate.command("check_in")
    for tablet in (delegate, second_tablet):
        await tablet.wait_for(lambda v: bool(v.you and v.you["present"]), timeout=5 * UNIT)
    await board.wait_for(lambda v: v.seq >= ack.seq, timeout=5 * UNIT)
    assert board.view["attendance"] == {"present": 1, "total": 40}
    assert other.view.you is not None
    assert other.view.you["present"] is False, "one delegate's check-in is theirs alone"
    await presidium.wait_for(lambda v: v.seq >= ack.seq, timeout=5 * UNIT)
    present = [d["id"] for d in presidium.view["roll"] if d["present"]]
    assert present == [delegate_id]
    assert all("roll" not in f.get("set", {}) for f in board.frames if f["type"] == "event")
    again = await delegate.command("check_in")
    assert again.seq == ack.seq, "checking in twice changes nothing"


async def test_a_revoked_token_is_cut_off_while_connected(quick_hub: HubProcess) -> None:
    tokens = quick_hub.tokens()
    secret = await quick_hub.issue(Role.BOARD)
    board = quick_hub.client(secret)
    await board.connect(timeout=5 * UNIT)
    keeper = quick_hub.client(tokens.boards[0])
    await keeper.connect(timeout=5 * UNIT)
    token_id = (await run_cli(quick_hub, "tokens", "list")).splitlines()[-1].split("\t")[0]
    await run_cli(quick_hub, "tokens", "revoke", token_id)
    closed = await board.wait_closed(timeout=10 * UNIT)
    assert closed.rcvd is not None
    assert closed.rcvd.code == Close.REVOKED
    assert keeper.closed is None
    await keeper.close()


async def test_a_screen_that_never_drains_is_dropped_after_the_send_timeout(
    quick_hub: HubProcess,
) -> None:
    tokens = quick_hub.tokens()
    presidium = quick_hub.client(tokens.presidium)
    await presidium.connect(timeout=5 * UNIT)
    stuck = await stuck_screen(quick_hub, tokens.boards[0])
    await until_screens(quick_hub, 2)
    stuck.transport.pause_reading()
    long_title = "Thảo luận " * 28
    for n in range(300):
        await presidium.command(
            "edit_agenda_item", item_id=f"item-{n % 6 + 1}", title=f"{long_title}{n}"
        )
    await until_screens(quick_hub, 1)
    assert presidium.closed is None
    await presidium.close()
    stuck.transport.abort()


async def test_a_client_that_saw_nothing_gets_a_snapshot(
    tokens: DemoTokens, clients: Clients, hub: HubProcess
) -> None:
    presidium = await clients.connect(tokens.presidium)
    await presidium.command("show_page", document_id="chuong-trinh", page=2)
    async with connect(hub.url) as ws:
        hello = {"type": "hello", "v": 2, "token": tokens.boards[0], "room": "camau-2025"}
        await ws.send(msgpack.packb({**hello, "last_seq": 0}))
        welcome, first = (
            msgpack.unpackb(await ws.recv(decode=False)),
            msgpack.unpackb(await ws.recv(decode=False)),
        )
    assert welcome["type"] == "welcome"
    assert first["type"] == "snapshot"
    assert first["seq"] == presidium.view.seq
    assert first["state"]["roll"] is None
