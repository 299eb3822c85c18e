"""Resume bookkeeping: frames kept per audience, the floor, what a returning screen gets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgpack
import pytest

from session_server.backends.sqlite import SQLiteBackend
from session_server.core import commands as c
from session_server.core.decide import Actor
from session_server.core.state import RequestKind, Role
from session_server.hub.room import VIEWS, Room
from session_server.hub.screen import Screen
from tests.conftest import UNIT
from tests.hub.fakes import SECRETARIAT, LogWriter, Wire, unframe

DELEGATE = "DB001"


@pytest.fixture
async def log(tmp_path: Path) -> AsyncIterator[SQLiteBackend]:
    backend = await SQLiteBackend.open(tmp_path / "log.db", poll_interval=0.05)
    yield backend
    await backend.close()


@pytest.fixture
def writer(log: SQLiteBackend) -> LogWriter:
    return LogWriter(log, "r")


class Rooms:
    """Rooms on this node following the test's log; closed before the log is."""

    def __init__(self, log: SQLiteBackend) -> None:
        self.log = log
        self.opened: list[Room] = []

    async def follow(self, *, history: int = 1024, history_bytes: int = 1 << 22) -> Room:
        room = Room(
            "r",
            self.log,
            clock=lambda: 1_700_000_000_000,
            history=history,
            history_bytes=history_bytes,
            ack_wait=5 * UNIT,
        )
        await room.load()
        self.opened.append(room)
        return room


@pytest.fixture
async def rooms(log: SQLiteBackend) -> AsyncIterator[Rooms]:
    opened = Rooms(log)
    yield opened
    for room in opened.opened:
        await room.close()


async def applied(room: Room, seq: int) -> None:
    assert await room.caught_up(seq, 5 * UNIT), f"the room's tail never applied seq {seq}"


def decoded(frames: list[bytes]) -> list[dict[str, Any]]:
    return [msgpack.unpackb(frame) for frame in frames]


def kept(room: Room, view: Role) -> list[dict[str, Any]]:
    return decoded([unframe(s.outgoing.wire) for s in room.sent[view]])


def missed(room: Room, view: Role, last_seq: int | None) -> list[int] | None:
    frames = room._missed(view, last_seq)
    return (
        None if frames is None else [f["seq"] for f in decoded([unframe(o.wire) for o in frames])]
    )


def screen(
    wire: Wire, room: Room, role: Role, *, delegate_id: str | None = None, max_queue: int = 1024
) -> Screen:
    return Screen(
        wire,
        audience=role,
        token_id=f"tk-{role.value}",
        secret_hash="h",
        delegate_id=delegate_id,
        snapshot=lambda: room.snapshot_wire(role),
        max_queue=max_queue,
        max_queue_bytes=1 << 22,
        send_timeout=60,
    )


PENDING = 6
"""The seq of the request the board does not see."""


async def a_session(writer: LogWriter) -> int:
    """Seq 1 to 7: created, a delegate, two items, one opened, a request, one more item."""
    await writer.create()
    await writer.do(
        c.RegisterDelegate(delegate_id=DELEGATE, full_name="Nguyễn Văn An", unit="Năm Căn"),
        SECRETARIAT,
    )
    await writer.do(c.AddAgendaItem(title="Khai mạc"))
    await writer.do(c.AddAgendaItem(title="Báo cáo chính trị"))
    await writer.do(c.SetCurrentItem(item_id=writer.state.agenda[0].id))
    pending = await writer.do(
        c.RequestFloor(kind=RequestKind.SPEECH), Actor(Role.DELEGATE, DELEGATE)
    )
    assert pending == PENDING
    return await writer.do(c.AddAgendaItem(title="Bế mạc"))


async def test_each_audience_keeps_its_frames_chained_by_prev(
    rooms: Rooms, writer: LogWriter
) -> None:
    room = await rooms.follow()
    head = await a_session(writer)
    await applied(room, head)
    for view in VIEWS:
        frames = kept(room, view)
        seqs = [f["seq"] for f in frames]
        assert seqs == sorted(set(seqs)), view
        assert seqs[-1] == head == room.last_sent[view], view
        assert [f["prev"] for f in frames] == [0, *seqs[:-1]], "each frame names the one before"
        assert all(f["type"] == "event" for f in frames)
    # A pending request is not the board's business: its frames skip that record.
    assert [f["seq"] for f in kept(room, Role.PRESIDIUM)] == list(range(1, head + 1))
    assert PENDING not in [f["seq"] for f in kept(room, Role.BOARD)]
    assert PENDING + 1 in [f["seq"] for f in kept(room, Role.BOARD)]


async def test_a_resume_gets_exactly_the_frames_after_its_seq(
    rooms: Rooms, writer: LogWriter
) -> None:
    room = await rooms.follow()
    head = await a_session(writer)
    await applied(room, head)
    for view in VIEWS:
        seqs = [f["seq"] for f in kept(room, view)]
        for last_seq in range(1, head + 1):
            assert missed(room, view, last_seq) == [s for s in seqs if s > last_seq]
        assert missed(room, view, head) == [], "up to date: nothing missed, no snapshot"
    # Seen nothing, or a seq this room never reached (a log started over): a snapshot.
    for unknown in (None, 0, -3, head + 1):
        assert missed(room, Role.DELEGATE, unknown) is None


async def test_history_keeps_the_newest_frames_and_raises_the_floor(
    rooms: Rooms, writer: LogWriter
) -> None:
    room = await rooms.follow(history=3)
    await writer.create()
    for n in range(7):
        head = await writer.do(c.AddAgendaItem(title=f"Mục {n}"))
    await applied(room, head)
    for view in VIEWS:
        assert [f["seq"] for f in kept(room, view)] == [head - 2, head - 1, head]
        assert room.resume_floor[view] == head - 3
        assert missed(room, view, head - 3) == [head - 2, head - 1, head]
        assert missed(room, view, head - 4) is None, "below the floor: a snapshot"


async def test_history_stays_within_its_byte_budget(rooms: Rooms, writer: LogWriter) -> None:
    room = await rooms.follow(history_bytes=3000)
    everything = await rooms.follow()
    await writer.create()
    for n in range(12):
        # Each frame holds the new item, with a long title: only some fit in the budget.
        head = await writer.do(c.AddAgendaItem(title=f"Mục {n} " + "dài " * 60))
    await applied(room, head)
    await applied(everything, head)
    # The same frames, byte for byte, in a room that keeps them all: the newest that fit.
    budget, newest = 3000, list[int]()
    for sent in reversed(everything.sent[Role.PRESIDIUM]):
        if budget < len(sent.outgoing.wire):
            break
        budget -= len(sent.outgoing.wire)
        newest.insert(0, sent.seq)
    assert 1 < len(newest) < head
    assert [s.seq for s in room.sent[Role.PRESIDIUM]] == newest
    assert room.resume_floor[Role.PRESIDIUM] == newest[0] - 1
    assert missed(room, Role.PRESIDIUM, newest[0] - 1) == newest
    assert missed(room, Role.PRESIDIUM, newest[0] - 2) is None


async def test_a_frame_over_the_budget_alone_is_not_kept(rooms: Rooms, writer: LogWriter) -> None:
    room = await rooms.follow(history_bytes=100)
    await writer.create()
    head = await writer.do(c.AddAgendaItem(title="Một mục có tên dài " * 8))
    await applied(room, head)
    assert not room.sent[Role.DELEGATE]
    assert room.resume_floor[Role.DELEGATE] == head
    assert missed(room, Role.DELEGATE, head) == []
    assert missed(room, Role.DELEGATE, head - 1) is None


async def test_attach_sends_what_was_missed_then_follows_live(
    rooms: Rooms, writer: LogWriter
) -> None:
    room = await rooms.follow()
    head = await a_session(writer)
    await applied(room, head)
    wire = Wire()
    tablet = screen(wire, room, Role.DELEGATE, delegate_id=DELEGATE)
    room.attach(tablet, head - 3)
    live = await writer.do(c.AddAgendaItem(title="Bầu cử"))
    frames = await wire.until(5)
    assert [(f["type"], f["seq"]) for f in frames] == [
        ("event", head - 2),
        ("event", head - 1),
        ("event", head),
        ("you", head),
        ("event", live),
    ]
    assert frames[3]["you"]["delegate_id"] == DELEGATE
    assert frames[-1]["prev"] == head, "no gap between the catch-up and the live feed"
    tablet.close(0)


async def test_attach_with_nothing_seen_or_too_much_missed_gets_a_snapshot(
    rooms: Rooms, writer: LogWriter
) -> None:
    room = await rooms.follow()
    head = await a_session(writer)
    await applied(room, head)
    for last_seq, max_queue in ((None, 1024), (0, 1024), (1, 3)):
        wire = Wire()
        board = screen(wire, room, Role.BOARD, max_queue=max_queue)
        room.attach(board, last_seq)
        (frame,) = await wire.until(1)
        assert (frame["type"], frame["seq"]) == ("snapshot", head), (last_seq, max_queue)
        assert frame["state"] == room.views[Role.BOARD]
        board.close(0)
        room.detach(board)
