"""Sockets that flood pings, syncs or commands are limited and cut off; the hall keeps its pace."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import multiprocessing
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor

import msgpack
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from presidium_console.client import View
from session_server.demo import DEMO_ROOM
from session_server.protocol.codes import Close
from tests.conftest import UNIT, Clients, DemoTokens, HubProcess

FLOOD_SECONDS = 4.0


def ping(n: int) -> bytes:
    return msgpack.packb({"type": "ping", "t": n})


def sync(n: int) -> bytes:
    return msgpack.packb({"type": "sync"})


def command(n: int) -> bytes:
    return msgpack.packb(
        {"type": "command", "id": f"f{n}", "name": "check_in", "args": {"delegate_id": "x"}}
    )


def mixed(n: int) -> bytes:
    return (ping, sync, command)[n % 3](n)


async def flooder(url: str, token: str, frame: Callable[[int], bytes], until: float) -> int | None:
    """Send as fast as the socket takes, reading everything back; the close code, if any."""
    async with connect(url, max_queue=None, ping_interval=None) as ws:
        await ws.send(msgpack.packb({"type": "hello", "v": 2, "token": token, "room": DEMO_ROOM}))

        async def drain(ws: ClientConnection) -> None:
            async for _ in ws:
                pass

        reader = asyncio.create_task(drain(ws))
        try:
            for n in itertools.count():
                if time.monotonic() > until:
                    return None
                await ws.send(frame(n))
                if n % 50 == 0:
                    await asyncio.sleep(0)
        except ConnectionClosed:
            with contextlib.suppress(ConnectionClosed):
                await reader
            return ws.close_code
        finally:
            reader.cancel()
            with contextlib.suppress(BaseException):
                await reader
    return None


def flood_from_another_process(url: str, delegates: list[str], until: float) -> list[int | None]:
    """Twenty-three flooders, each close code; run in a process of its own, so the board's
    pace is measured by a client whose loop the flooders do not starve (CLOCK_MONOTONIC is
    the same clock in every process)."""

    async def floods() -> list[int | None]:
        return await asyncio.gather(
            flooder(url, delegates[0], ping, until),
            flooder(url, delegates[1], sync, until),
            flooder(url, delegates[2], command, until),
            *(flooder(url, delegates[3 + n], mixed, until) for n in range(20)),
        )

    return asyncio.run(floods())


async def page_turns(
    hub: HubProcess, clients: Clients, demo: DemoTokens, until: float
) -> list[float]:
    """Seconds from each page turn's ack to a watching board showing it."""
    board = await clients.connect(demo.boards[0])
    presidium = await clients.connect(demo.presidium)
    await presidium.command("open_session")
    late: list[float] = []
    for page in itertools.cycle((1, 2)):
        if time.monotonic() > until:
            break
        sent = time.monotonic()
        ack = await presidium.command("show_page", document_id="chuong-trinh", page=page)

        def shown(view: View, seq: int = ack.seq) -> bool:
            return view.seq >= seq

        await board.wait_for(shown, timeout=10 * UNIT)
        late.append(time.monotonic() - sent)
        await asyncio.sleep(0.1)
    return late


async def test_the_board_keeps_its_pace_while_sockets_flood(
    hub: HubProcess, tokens: DemoTokens, clients: Clients
) -> None:
    delegates = [secret for secret, _ in tokens.delegates]
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=spawn) as pool:
        # The child's start (a fresh interpreter) is paid before the clock runs.
        await asyncio.get_running_loop().run_in_executor(pool, time.monotonic)
        until = time.monotonic() + FLOOD_SECONDS
        floods: Awaitable[list[int | None]] = asyncio.get_running_loop().run_in_executor(
            pool, flood_from_another_process, hub.url, delegates, until
        )
        turns, codes = await asyncio.gather(page_turns(hub, clients, tokens, until), floods)
    assert len(turns) >= 5
    assert max(turns) < 1.0 * UNIT, sorted(turns)[-5:]
    # Each flooder was cut off, not left to run: with the documented code, or (a flooder
    # still writing when the hub stopped reading it) its socket reset before it read it.
    assert None not in codes, codes
    assert set(codes) <= {Close.FLOODING, 1006}, codes
    assert Close.FLOODING in codes


async def test_a_token_holds_a_bounded_number_of_sockets(
    hub: HubProcess, tokens: DemoTokens
) -> None:
    secret = tokens.delegates[0][0]
    hello = msgpack.packb({"type": "hello", "v": 2, "token": secret, "room": DEMO_ROOM})
    opened: list[ClientConnection] = []
    try:
        for _ in range(6):
            ws = await connect(hub.url, ping_interval=None)
            opened.append(ws)
            await ws.send(hello)
            welcome = msgpack.unpackb(await asyncio.wait_for(ws.recv(decode=False), 5 * UNIT))
            assert welcome["type"] == "welcome"
        await asyncio.sleep(0.2 * UNIT)
        # The newest sockets stay; the oldest were told they were replaced, and stop.
        codes = []
        for ws in opened:
            with contextlib.suppress(TimeoutError, ConnectionClosed):
                async with asyncio.timeout(0.5 * UNIT):
                    async for _ in ws:
                        pass
            codes.append(ws.close_code)
        assert codes[-3:] == [None, None, None]
        assert codes[:3] == [Close.REPLACED] * 3
    finally:
        for ws in opened:
            await ws.close()
