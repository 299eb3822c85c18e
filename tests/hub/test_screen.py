"""A screen's outgoing queue: bounded, order-keeping, snapshot instead of backlog, slow close."""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping
from typing import Any

import pytest

from session_server.core.state import Role
from session_server.hub.screen import Outgoing, Screen
from session_server.protocol.codes import Close
from tests.conftest import UNIT


class Socket:
    """A socket that can be told to stop draining."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.draining = asyncio.Event()
        self.draining.set()
        self.blocked = asyncio.Event()
        """Set once a send waits because the socket does not drain."""
        self.wrote = asyncio.Condition()

    async def send(self, message: MutableMapping[str, Any]) -> None:
        if not self.draining.is_set():
            self.blocked.set()
        await self.draining.wait()
        assert message["type"] == "websocket.send"
        self.sent.append(message["bytes"])
        async with self.wrote:
            self.wrote.notify_all()


class Clock:
    """Seconds that pass only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def screen(
    socket: Socket, *, max_queue: int = 4, send_timeout: float = 60.0, clock: Clock | None = None
) -> Screen:
    return Screen(
        socket.send,
        audience=Role.DELEGATE,
        token_id="tk-1",
        secret_hash="h",
        delegate_id="DB001",
        snapshot=lambda: b"SNAPSHOT",
        max_queue=max_queue,
        max_queue_bytes=1000,
        send_timeout=send_timeout,
        clock=clock or Clock(),
    )


def broadcast(frame: bytes) -> Outgoing:
    return Outgoing(frame)


async def drain(socket: Socket, count: int) -> None:
    async with asyncio.timeout(2 * UNIT), socket.wrote:
        await socket.wrote.wait_for(lambda: len(socket.sent) >= count)


async def blocked(socket: Socket) -> None:
    """Until a send waits on the socket."""
    async with asyncio.timeout(2 * UNIT):
        await socket.blocked.wait()


async def writer_step() -> None:
    """Let the writer take the step it was just woken for: its wake-up is queued before ours."""
    await asyncio.sleep(0)


async def test_frames_go_out_in_order() -> None:
    socket = Socket()
    s = screen(socket)
    writer = s.start()
    s.answer(b"welcome")
    for frame in (b"e1", b"e2"):
        s.offer(broadcast(frame))
    await drain(socket, 3)
    assert socket.sent == [b"welcome", b"e1", b"e2"]
    s.close(Close.NORMAL)
    assert await writer == Close.NORMAL


async def test_a_backlog_is_replaced_by_one_snapshot_where_it_stood() -> None:
    socket = Socket()
    socket.draining.clear()
    s = screen(socket, max_queue=4)
    writer = s.start()
    s.answer(b"welcome")
    await blocked(socket)  # the writer took the welcome
    s.offer(broadcast(b"e1"))
    s.answer(b"ack-1")  # acknowledges e1: it must not overtake the state holding e1
    for n in range(2, 10):
        s.offer(broadcast(f"e{n}".encode()))
    assert s.queued <= 4, "never more than max_queue frames wait"
    assert s.resyncs == 1
    socket.draining.set()
    await drain(socket, 3)
    s.offer(broadcast(b"e-after"))
    await drain(socket, 4)
    assert socket.sent == [b"welcome", b"SNAPSHOT", b"ack-1", b"e-after"]
    s.close(Close.NORMAL)
    await writer


async def test_an_answer_into_a_full_queue_leaves_no_silent_gap() -> None:
    socket = Socket()
    socket.draining.clear()
    s = screen(socket, max_queue=3)
    writer = s.start()
    s.answer(b"welcome")
    await blocked(socket)
    for n in range(3):
        s.offer(broadcast(f"e{n}".encode()))
    s.answer(b"pong")
    socket.draining.set()
    await drain(socket, 3)
    assert socket.sent == [b"welcome", b"SNAPSHOT", b"pong"]
    s.close(Close.NORMAL)
    await writer


async def test_resync_keeps_the_welcome_first() -> None:
    socket = Socket()
    s = screen(socket)
    s.answer(b"welcome")
    s.offer(broadcast(b"old-event"))
    s.resync()
    s.resync()
    s.offer(broadcast(b"covered-by-snapshot"))
    writer = s.start()
    await drain(socket, 2)
    assert socket.sent == [b"welcome", b"SNAPSHOT"]
    s.close(Close.NORMAL)
    await writer


async def test_a_writer_stuck_past_its_send_timeout_is_aborted_slow() -> None:
    socket = Socket()
    socket.draining.clear()
    clock = Clock()
    s = screen(socket, send_timeout=30, clock=clock)
    writer = s.start()
    s.offer(broadcast(b"e1"))
    await blocked(socket)
    assert not s.stuck(clock())
    clock.advance(30)
    assert not s.stuck(clock()), "stuck only past the send timeout"
    clock.advance(0.5)
    assert s.stuck(clock())
    s.abort_slow()
    async with asyncio.timeout(2 * UNIT):
        assert await writer == Close.SLOW
    assert socket.sent == []


async def test_answers_that_are_never_read_close_the_screen() -> None:
    socket = Socket()
    socket.draining.clear()
    s = screen(socket, max_queue=3)
    writer = s.start()
    for n in range(6):
        s.answer(f"pong-{n}".encode())
    assert s.closing == Close.SLOW
    socket.draining.set()
    async with asyncio.timeout(2 * UNIT):
        assert await writer == Close.SLOW


async def test_closing_with_flush_writes_what_is_queued_first() -> None:
    socket = Socket()
    s = screen(socket)
    s.answer(b"error-51")
    s.close(Close.TOO_MANY_ERRORS, flush=True)
    s.answer(b"after-close")
    async with asyncio.timeout(2 * UNIT):
        assert await s.start() == Close.TOO_MANY_ERRORS
    assert socket.sent == [b"error-51"]


async def test_the_queue_is_bounded_in_bytes_too() -> None:
    socket = Socket()
    socket.draining.clear()
    s = screen(socket, max_queue=100)
    writer = s.start()
    s.answer(b"welcome")
    await blocked(socket)
    for n in range(5):
        s.offer(broadcast(bytes([n]) * 300))
    assert s.resyncs == 1, "the fourth 300-byte frame would pass the 1000-byte bound"
    socket.draining.set()
    await drain(socket, 2)
    assert socket.sent == [b"welcome", b"SNAPSHOT"]
    s.close(Close.NORMAL)
    await writer


async def idle(s: Screen) -> asyncio.Task[int]:
    """Start the writer and let it run until it waits for work."""
    writer = s.start()
    await writer_step()
    return writer


async def test_an_idle_screen_writes_a_broadcast_at_once_without_its_task() -> None:
    socket = Socket()
    s = screen(socket)
    writer = await idle(s)
    s.offer(broadcast(b"e1"))
    # No await between the offer and the check: the write happened inside offer().
    assert socket.sent == [b"e1"]
    assert s.queued == 0
    s.close(Close.NORMAL)
    assert await writer == Close.NORMAL


async def test_a_send_that_must_wait_is_finished_by_the_writer_before_the_queue() -> None:
    socket = Socket()
    clock = Clock()
    s = screen(socket, send_timeout=60, clock=clock)
    writer = await idle(s)
    socket.draining.clear()
    s.offer(broadcast(b"e1"))  # starts, then waits on the socket
    assert socket.blocked.is_set()
    s.offer(broadcast(b"e2"))
    s.answer(b"ack-2")
    assert socket.sent == []
    await writer_step()  # the writer takes over the waiting send
    clock.advance(61)
    assert s.stuck(clock()), "a waiting send is visible to the watchdog"
    socket.draining.set()
    await drain(socket, 3)
    assert socket.sent == [b"e1", b"e2", b"ack-2"]
    assert not s.stuck(clock() + 120)
    s.offer(broadcast(b"e3"))
    assert socket.sent[-1] == b"e3", "idle again, the next write is direct again"
    s.close(Close.NORMAL)
    assert await writer == Close.NORMAL


async def test_a_waiting_send_is_abandoned_when_the_watchdog_aborts_it() -> None:
    socket = Socket()
    clock = Clock()
    s = screen(socket, send_timeout=30, clock=clock)
    writer = await idle(s)
    socket.draining.clear()
    s.offer(broadcast(b"e1"))
    assert socket.blocked.is_set()
    await writer_step()  # the writer now waits on that send
    clock.advance(31)
    assert s.stuck(clock())
    s.abort_slow()
    async with asyncio.timeout(2 * UNIT):
        assert await writer == Close.SLOW
    assert socket.sent == []


async def test_a_snapshot_waiting_to_be_written_is_not_overtaken_by_an_answer() -> None:
    socket = Socket()
    s = screen(socket)
    writer = await idle(s)
    s.resync()  # a client's sync: the snapshot is queued, the writer not yet woken
    s.answer(b"pong")
    await drain(socket, 2)
    assert socket.sent == [b"SNAPSHOT", b"pong"]
    s.close(Close.NORMAL)
    await writer


async def test_a_direct_write_to_a_closed_socket_ends_the_writer_with_the_error() -> None:
    class Gone(Socket):
        async def send(self, message: MutableMapping[str, Any]) -> None:
            raise ConnectionResetError("peer went away")

    s = screen(Gone())
    writer = await idle(s)
    s.offer(broadcast(b"e1"))
    async with asyncio.timeout(2 * UNIT):
        with pytest.raises(ConnectionResetError):
            await writer
