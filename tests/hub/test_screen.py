"""A screen's state machine: direct writes, a bounded queue, snapshots for backlogs, slow close."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from session_server.core.state import Role
from session_server.hub.screen import Outgoing, Screen, State, framed
from session_server.metrics import Metrics
from session_server.protocol.codes import Close
from tests.hub.fakes import Wire, unframe


class Clock:
    """Seconds that pass only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def screen(
    wire: Wire,
    *,
    max_queue: int = 4,
    send_timeout: float = 60.0,
    clock: Clock | None = None,
    snapshot: bytes = b"SNAPSHOT",
) -> Screen:
    return Screen(
        wire,
        audience=Role.DELEGATE,
        token_id="tk-1",
        secret_hash="h",
        delegate_id="DB001",
        snapshot=lambda: framed(snapshot),
        max_queue=max_queue,
        max_queue_bytes=1000,
        send_timeout=send_timeout,
        clock=clock or Clock(),
    )


def state_of(s: Screen) -> State:
    """Read afresh: mypy would keep an earlier assert's narrowing across calls that change it."""
    return s.state


def sent(wire: Wire) -> list[bytes]:
    return [m["bytes"] for m in wire.messages if m["type"] == "websocket.send"]


def broadcast(frame: bytes) -> Outgoing:
    return Outgoing(frame)


def test_a_frame_is_framed_once_as_a_server_sends_it() -> None:
    assert unframe(framed(b"x" * 70_000)) == b"x" * 70_000
    shared = broadcast(b"e1")
    assert unframe(shared.wire) == b"e1"


async def test_an_open_screen_writes_at_once_in_order() -> None:
    wire = Wire()
    s = screen(wire)
    s.answer(b"welcome")
    for frame in (b"e1", b"e2"):
        s.offer(broadcast(frame))
    # No await since: every write happened inside the call.
    assert sent(wire) == [b"welcome", b"e1", b"e2"]
    assert s.state is State.OPEN
    assert s.queued == 0


async def test_the_same_bytes_go_to_every_screen_of_an_audience() -> None:
    written: list[bytes] = []

    class Recorder(Wire):
        def write_frame(self, frame: bytes) -> None:
            written.append(frame)

    screens = [screen(Recorder()) for _ in range(3)]
    shared = broadcast(b"page-7")
    Screen.offer_all(screens, shared)
    assert len(written) == 3
    assert all(frame is shared.wire for frame in written), "one object, not a copy each"


def in_state(state: State) -> tuple[Screen, Wire]:
    """A screen brought to `state` by its socket's callbacks and its own calls."""
    wire = Wire()
    s = screen(wire, max_queue=2)
    s.answer(b"welcome")
    if state is not State.OPEN:
        wire.stall()
        s.offer(broadcast(b"e0"))  # fills the buffer
        s.answer(b"ack-0")
    if state is State.RESYNCING:
        s.resync()
    elif state is State.CLOSING:
        s.close(Close.TOO_MANY_ERRORS, flush=True)
    elif state is State.CLOSED:
        s.close(Close.TOO_MANY_ERRORS)
    assert s.state is state
    return s, wire


@pytest.mark.parametrize("state", list(State))
async def test_the_fan_out_loop_does_what_offer_does_in_every_state(state: State) -> None:
    # The loop writes an open screen's frame itself; every other state is `offer`'s.
    one, one_wire = in_state(state)
    other, other_wire = in_state(state)
    for n in (1, 2, 3):
        frame = broadcast(b"e%d" % n)
        one.offer(frame)
        Screen.offer_all([other], frame)
    assert other.state is one.state
    assert other.queued == one.queued
    assert other.resyncs == one.resyncs
    one_wire.drain()
    other_wire.drain()
    assert sent(other_wire) == sent(one_wire)
    if state is State.OPEN:
        assert sent(other_wire) == [b"welcome", b"e1", b"e2", b"e3"]


async def test_a_full_buffer_queues_and_a_drain_writes_in_order() -> None:
    wire = Wire()
    s = screen(wire)
    wire.stall()
    s.offer(broadcast(b"e1"))  # fills the buffer: the transport says pause
    assert state_of(s) is State.BACKED_UP
    s.offer(broadcast(b"e2"))
    s.answer(b"ack-2")
    assert sent(wire) == [b"e1"]
    assert s.queued == 2
    wire.drain()
    assert sent(wire) == [b"e1", b"e2", b"ack-2"]
    assert state_of(s) is State.OPEN
    s.offer(broadcast(b"e3"))
    assert sent(wire)[-1] == b"e3", "open again, the next write is direct again"


async def test_a_backlog_is_replaced_by_one_snapshot_where_it_stood() -> None:
    wire = Wire()
    wire.stall()
    s = screen(wire, max_queue=4)
    s.answer(b"welcome")
    s.offer(broadcast(b"e1"))
    s.answer(b"ack-1")  # acknowledges e1: it must not overtake the state holding e1
    for n in range(2, 10):
        s.offer(broadcast(f"e{n}".encode()))
    assert s.queued <= 4, "never more than max_queue frames wait"
    assert s.resyncs == 1
    assert s.state is State.RESYNCING
    wire.drain()
    s.offer(broadcast(b"e-after"))
    assert sent(wire) == [b"welcome", b"SNAPSHOT", b"ack-1", b"e-after"]


async def test_an_answer_into_a_full_queue_leaves_no_silent_gap() -> None:
    wire = Wire()
    wire.stall()
    s = screen(wire, max_queue=3)
    s.answer(b"welcome")
    for n in range(3):
        s.offer(broadcast(f"e{n}".encode()))
    s.answer(b"pong")
    wire.drain()
    assert sent(wire) == [b"welcome", b"SNAPSHOT", b"pong"]


async def test_resync_on_an_open_screen_writes_the_latest_snapshot_at_once() -> None:
    wire = Wire()
    s = screen(wire)
    s.answer(b"welcome")
    s.resync()
    assert sent(wire) == [b"welcome", b"SNAPSHOT"]


async def test_resync_while_backed_up_queues_one_snapshot_that_covers_later_broadcasts() -> None:
    wire = Wire()
    s = screen(wire)
    wire.stall()
    s.answer(b"welcome")
    s.offer(broadcast(b"old-event"))
    s.resync()
    s.resync()
    s.offer(broadcast(b"covered-by-snapshot"))
    s.answer(b"pong")
    wire.drain()
    assert sent(wire) == [b"welcome", b"SNAPSHOT", b"pong"]


async def test_a_drain_that_fills_the_buffer_again_waits_for_the_next() -> None:
    class Small(Wire):
        """Takes one frame per drain before its buffer is full again."""

        def write_frame(self, frame: bytes) -> None:
            super().write_frame(frame)
            self.stall()
            if self.screen is not None:
                self.screen.paused()

    wire = Small()
    s = screen(wire)
    s.offer(broadcast(b"e1"))
    s.offer(broadcast(b"e2"))
    s.offer(broadcast(b"e3"))
    assert sent(wire) == [b"e1"]
    wire.drain()
    assert sent(wire) == [b"e1", b"e2"]
    assert s.state is State.BACKED_UP
    wire.drain()
    assert sent(wire) == [b"e1", b"e2", b"e3"]


async def test_a_socket_that_takes_nothing_past_its_send_timeout_is_aborted_slow() -> None:
    wire = Wire()
    clock = Clock()
    s = screen(wire, send_timeout=30, clock=clock)
    wire.stall()
    s.offer(broadcast(b"e1"))
    s.offer(broadcast(b"e2"))
    assert not s.stuck(clock())
    clock.advance(30)
    assert not s.stuck(clock()), "stuck only past the send timeout"
    clock.advance(0.5)
    assert s.stuck(clock())
    s.abort_slow()
    assert s.closed.result() == Close.SLOW
    wire.drain()
    assert sent(wire) == [b"e1"], "nothing is written once given up on"


async def test_a_drain_counts_as_progress_and_an_open_screen_is_never_stuck() -> None:
    wire = Wire()
    clock = Clock()
    s = screen(wire, send_timeout=30, clock=clock)
    assert not s.stuck(clock() + 120)
    wire.stall()
    s.offer(broadcast(b"e1"))
    s.offer(broadcast(b"e2"))
    clock.advance(20)
    s.resumed()  # drained a little, still full: the wait starts again
    clock.advance(20)
    assert not s.stuck(clock())
    wire.drain()
    assert not s.stuck(clock() + 120)


async def test_answers_that_are_never_read_close_the_screen() -> None:
    wire = Wire()
    wire.stall()
    s = screen(wire, max_queue=3)
    for n in range(6):
        s.answer(f"pong-{n}".encode())
    assert s.closing == Close.SLOW
    assert s.closed.result() == Close.SLOW


async def test_closing_with_flush_writes_what_is_queued_first() -> None:
    wire = Wire()
    wire.stall()
    s = screen(wire)
    s.answer(b"error-50")
    s.answer(b"error-51")
    s.close(Close.TOO_MANY_ERRORS, flush=True)
    assert s.state is State.CLOSING
    assert not s.closed.done()
    s.answer(b"after-close")
    s.offer(broadcast(b"e-after-close"))
    wire.drain()
    assert s.closed.result() == Close.TOO_MANY_ERRORS
    assert sent(wire) == [b"error-50", b"error-51"]


async def test_closing_an_open_screen_is_done_at_once() -> None:
    s = screen(Wire())
    s.close(Close.NORMAL, flush=True)
    assert s.closed.result() == Close.NORMAL
    s.close(Close.SLOW)
    assert s.closed.result() == Close.NORMAL, "the first close decided stands"


async def test_the_queue_is_bounded_in_bytes_too() -> None:
    wire = Wire()
    wire.stall()
    s = screen(wire, max_queue=100)
    s.answer(b"welcome")
    for n in range(5):
        s.offer(broadcast(bytes([n]) * 300))
    assert s.resyncs == 1, "the fourth 300-byte frame would pass the 1000-byte bound"
    wire.drain()
    assert sent(wire) == [b"welcome", b"SNAPSHOT"]


async def test_a_lost_connection_ends_the_screen_with_no_close_to_send() -> None:
    wire = Wire()
    wire.stall()
    s = screen(wire)
    s.offer(broadcast(b"e1"))
    s.offer(broadcast(b"e2"))
    s.lost()
    assert s.closed.result() is None
    s.offer(broadcast(b"e3"))
    s.resumed()
    assert sent(wire) == [b"e1"]
    assert not s.stuck(1e9)


# ---- the guarantees, for any sequence of sends, stalls and drains


Step = tuple[str, int]
steps = st.lists(
    st.sampled_from(["broadcast", "ack", "stall", "drain", "sync"]).map(lambda op: (op, 0)),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(steps=steps, max_queue=st.integers(min_value=2, max_value=6), looped=st.booleans())
def test_a_client_ends_with_the_latest_state_and_no_ack_before_its_event(
    steps: list[Step], max_queue: int, looped: bool
) -> None:
    """Broadcasts n = 1, 2, ... each move the state to n; a snapshot holds the state when it is
    written; an ack names the broadcast it follows. The client applies what it gets in order.
    Broadcasts go through `offer`, or through the fan-out's loop (`looped`).
    """

    async def run() -> None:
        wire = Wire()
        offered = 0
        s = Screen(
            wire,
            audience=Role.BOARD,
            token_id="t",
            secret_hash="h",
            delegate_id=None,
            snapshot=lambda: framed(b"S%d" % offered),
            max_queue=max_queue,
            max_queue_bytes=1 << 20,
            send_timeout=30,
            clock=Clock(),
        )
        acks = 0
        for op, _ in steps:
            if op == "broadcast":
                offered += 1
                if looped:
                    Screen.offer_all([s], broadcast(b"E%d" % offered))
                else:
                    s.offer(broadcast(b"E%d" % offered))
            elif op == "ack":
                acks += 1
                s.answer(b"A%d" % offered)
            elif op == "stall":
                wire.stall()
            elif op == "drain":
                wire.drain()
            else:
                s.resync()
            # At most one snapshot more, when only answers waited as a broadcast came.
            assert s.queued <= max_queue + 1
        wire.drain()
        state = 0
        answered = 0
        for frame in sent(wire):
            kind, number = frame[:1], int(frame[1:])
            if kind == b"E":
                assert number == state + 1, "events arrive in order, with no gap"
                state = number
            elif kind == b"S":
                assert number >= state, "a snapshot never takes the client back"
                state = number
            else:
                assert state >= number, "an ack never arrives before the state it follows"
                answered += 1
        if s.closed.done():
            assert s.closed.result() == Close.SLOW
        else:
            assert state == offered, "the client ends with the latest state"
            assert answered == acks, "no answer is ever dropped"
            assert s.state is State.OPEN

    asyncio.run(run())


@pytest.mark.parametrize("state", [State.CLOSING, State.CLOSED])
async def test_a_closing_screen_takes_no_broadcast(state: State) -> None:
    wire = Wire()
    wire.stall()
    s = screen(wire)
    s.answer(b"last-error")
    s.answer(b"queued")
    s.close(Close.TOO_MANY_ERRORS, flush=state is State.CLOSING)
    assert s.state is state
    s.offer(broadcast(b"e1"))
    s.resync()
    assert s.queued == (1 if state is State.CLOSING else 0)


async def test_a_backlog_replaced_and_unread_answers_are_counted_in_the_metrics() -> None:
    metrics = Metrics()
    wire = Wire()
    wire.stall()
    s = Screen(
        wire,
        audience=Role.DELEGATE,
        token_id="t",
        secret_hash="h",
        delegate_id=None,
        snapshot=lambda: framed(b"SNAPSHOT"),
        max_queue=2,
        max_queue_bytes=1000,
        send_timeout=30,
        clock=Clock(),
        metrics=metrics,
    )
    for n in range(4):
        s.offer(broadcast(b"e%d" % n))
    for n in range(4):
        s.answer(b"a%d" % n)

    def sample(name: str, **labels: str) -> float:
        value = metrics.registry.get_sample_value(name, labels)
        assert value is not None, name
        return value

    assert sample("congress_snapshots_total", reason="queue_full") == s.resyncs >= 1
    assert sample("congress_slow_closes_total", cause="answers") == 1
    assert s.closed.result() == Close.SLOW
