"""A screen's outgoing queue: bounded, order-keeping, snapshot instead of backlog, slow close."""

from __future__ import annotations

import asyncio

from session_server.core.state import Role
from session_server.hub.screen import Screen
from session_server.protocol.codes import Close
from tests.conftest import UNIT


class Socket:
    """A socket that can be told to stop draining."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.draining = asyncio.Event()
        self.draining.set()
        self.wrote = asyncio.Condition()

    async def send(self, frame: bytes) -> None:
        await self.draining.wait()
        self.sent.append(frame)
        async with self.wrote:
            self.wrote.notify_all()


def screen(socket: Socket, *, max_queue: int = 4, send_timeout: float = 60.0) -> Screen:
    return Screen(
        socket.send,
        audience=Role.DELEGATE,
        token_id="tk-1",
        delegate_id="DB001",
        snapshot=lambda: b"SNAPSHOT",
        max_queue=max_queue,
        send_timeout=send_timeout,
    )


async def drain(s: Screen, socket: Socket, count: int) -> None:
    async with asyncio.timeout(2 * UNIT), socket.wrote:
        await socket.wrote.wait_for(lambda: len(socket.sent) >= count)


async def test_frames_go_out_in_order() -> None:
    socket = Socket()
    s = screen(socket)
    writer = asyncio.create_task(s.run())
    for frame in (b"welcome", b"e1", b"e2"):
        s.offer(frame)
    await drain(s, socket, 3)
    assert socket.sent == [b"welcome", b"e1", b"e2"]
    s.close(Close.NORMAL)
    assert await writer == Close.NORMAL


async def test_a_backlog_is_replaced_by_one_snapshot_after_the_answers() -> None:
    socket = Socket()
    socket.draining.clear()
    s = screen(socket, max_queue=4)
    writer = asyncio.create_task(s.run())
    s.offer(b"welcome", droppable=False)
    await asyncio.sleep(0)  # the writer takes the welcome and blocks on the socket
    s.offer(b"ack-1", droppable=False)
    for n in range(10):
        s.offer(f"e{n}".encode())
    assert s.queued <= 4, "never more than max_queue frames wait"
    assert s.resyncs == 1
    socket.draining.set()
    await drain(s, socket, 3)
    s.offer(b"e-after")
    await drain(s, socket, 4)
    assert socket.sent == [b"welcome", b"ack-1", b"SNAPSHOT", b"e-after"]
    s.close(Close.NORMAL)
    await writer


async def test_resync_keeps_the_welcome_first() -> None:
    socket = Socket()
    s = screen(socket)
    s.offer(b"welcome", droppable=False)
    s.offer(b"old-event")
    s.resync()
    s.resync()
    s.offer(b"covered-by-snapshot")
    writer = asyncio.create_task(s.run())
    await drain(s, socket, 2)
    assert socket.sent == [b"welcome", b"SNAPSHOT"]
    s.close(Close.NORMAL)
    await writer


async def test_a_screen_stuck_past_its_send_timeout_is_closed_slow() -> None:
    socket = Socket()
    socket.draining.clear()
    s = screen(socket, send_timeout=0.05)
    writer = asyncio.create_task(s.run())
    s.offer(b"e1")
    await asyncio.sleep(0.1)
    s.offer(b"e2")
    async with asyncio.timeout(2 * UNIT):
        socket.draining.set()
        assert await writer == Close.SLOW


async def test_answers_that_are_never_read_close_the_screen() -> None:
    socket = Socket()
    socket.draining.clear()
    s = screen(socket, max_queue=3)
    writer = asyncio.create_task(s.run())
    for n in range(5):
        s.offer(f"pong-{n}".encode(), droppable=False)
    assert s.closing == Close.SLOW
    socket.draining.set()
    async with asyncio.timeout(2 * UNIT):
        assert await writer == Close.SLOW
