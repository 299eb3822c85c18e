"""Who turns the pages in a benchmark: the presidium on the hub, a control socket on the relay."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any, Protocol

import msgpack
from websockets.asyncio.client import ClientConnection, connect

from bench.screens import CLOSE_WAIT
from presidium_console.client import CongressClient
from session_server.protocol.messages import PROTOCOL_VERSION

ROOM = "camau-2025"
DOCUMENT = "chuong-trinh"
"""Public, so every turn changes the delegates' view and the boards' view alike."""
BOARD_EVERY = 10
"""One screen in ten is a welcome-gate board, the others are delegate tablets."""


def hello(token: str) -> bytes:
    return msgpack.packb(
        {"type": "hello", "v": PROTOCOL_VERSION, "token": token, "room": ROOM, "last_seq": None}
    )


def screen_hellos(n: int, boards: list[str], delegates: list[str]) -> list[bytes]:
    """Mostly delegates, one in BOARD_EVERY a board; tokens are shared, as tablets may."""
    return [
        hello(boards[i % len(boards)])
        if i % BOARD_EVERY == BOARD_EVERY - 1
        else hello(delegates[i % len(delegates)])
        for i in range(n)
    ]


class Controller(Protocol):
    async def turn(self, number: int) -> int:
        """Turn a page; returns the seq the screens will see on that turn's event frame."""
        ...

    async def close(self) -> None: ...


class HubController:
    def __init__(self, client: CongressClient, timeout: float) -> None:
        self.client = client
        self.timeout = timeout
        self.page = 0

    @classmethod
    async def open(cls, url: str, token: str, timeout: float) -> HubController:
        client = CongressClient(url, token, ROOM, record_frames=False)
        await client.connect(resume=False, timeout=timeout)
        controller = cls(client, timeout)
        view = await client.wait_for(lambda v: v.seq > 0, timeout)
        document = view["document"]
        # A day run before may have left either page shown: start from the other one.
        if isinstance(document, dict) and document.get("id") == DOCUMENT:
            controller.page = int(document.get("page", 0))
        return controller

    async def turn(self, number: int) -> int:
        # Always the other page, so that every command changes the state and makes an event.
        self.page = 1 if self.page == 2 else 2
        ack = await self.client.command(
            "show_page", timeout=self.timeout, document_id=DOCUMENT, page=self.page
        )
        return ack.seq

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            async with asyncio.timeout(CLOSE_WAIT):
                await self.client.close()


def padded_event(seq: int, size: int) -> bytes:
    """An event frame of exactly `size` bytes when possible, so the relay moves equal bytes."""
    message: dict[str, Any] = {"type": "event", "seq": seq, "prev": seq - 1, "set": {"pad": ""}}
    frame = msgpack.packb(message)
    for pad in range(size):
        message["set"]["pad"] = "x" * pad
        candidate = msgpack.packb(message)
        if len(candidate) > size:
            break
        frame = candidate
    return frame


class BaselineController:
    def __init__(self, connection: ClientConnection, frames: list[bytes], timeout: float) -> None:
        self.connection = connection
        self.frames = frames
        self.timeout = timeout

    @classmethod
    async def open(cls, url: str, size: int, turns: int, timeout: float) -> BaselineController:
        # Made ahead, so that making them is not timed as the relay's latency.
        frames = [padded_event(number + 1, size) for number in range(turns)]
        connection = await connect(url, compression=None, ping_interval=None, open_timeout=timeout)
        await connection.send(msgpack.packb({"type": "control"}))
        return cls(connection, frames, timeout)

    async def turn(self, number: int) -> int:
        seq = number + 1
        await self.connection.send(self.frames[number])
        async with asyncio.timeout(self.timeout):
            await self.connection.recv()
        return seq

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            async with asyncio.timeout(CLOSE_WAIT):
                await self.connection.close()


def expected_frame_bytes() -> int:
    """The size of the hub's page-turn frame, in case its warm-up turns showed none."""
    from session_server.protocol import messages

    document = {"id": DOCUMENT, "title": "Chương trình Đại hội", "page": 2, "pages": 2}
    return len(messages.event(60, 59, time.time_ns() // 1_000_000, {"document": document}))
