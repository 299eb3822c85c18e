"""A room works out its own appends' frames while the log makes them durable, and sends them
only once the log gives the record back: the same frames a room that only follows would send."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from session_server.backends.base import LogRecord
from session_server.backends.sqlite import SQLiteBackend
from session_server.core import commands as c
from session_server.core.decide import Actor
from session_server.core.state import Role
from session_server.hub.room import VIEWS, Room
from session_server.writer import Accepted
from tests.conftest import UNIT
from tests.hub.fakes import LogWriter, Wire, unframe
from tests.hub.test_resume import DELEGATE, a_session, applied, screen

PRESIDIUM = Actor(Role.PRESIDIUM)


class HeldLog(SQLiteBackend):
    """Its appends wait while `held` is set and not yet released, as a slow fsync would."""

    held: asyncio.Event | None = None

    async def append(self, room: str, expected_seq: int, record: LogRecord) -> None:
        if self.held is not None:
            await self.held.wait()
        await super().append(room, expected_seq, record)


@pytest.fixture
async def log(tmp_path: Path) -> AsyncIterator[HeldLog]:
    backend = await HeldLog.open(tmp_path / "log.db", poll_interval=0.05)
    yield backend
    await backend.close()


@pytest.fixture
async def rooms(log: HeldLog) -> AsyncIterator[tuple[Room, Room]]:
    """The room that appends, and one that only follows the same log."""
    opened = []
    for _ in range(2):
        room = Room("r", log, clock=lambda: 1_700_000_000_000, ack_wait=5 * UNIT)
        await room.load()
        opened.append(room)
    opened[1].writer.foresee = None
    yield opened[0], opened[1]
    for room in opened:
        await room.close()


def watched(room: Room) -> asyncio.Event:
    """Set once the room has worked out a record it is appending."""
    done = asyncio.Event()
    foresee = room.writer.foresee
    assert foresee is not None

    def seen(record: LogRecord) -> None:
        foresee(record)
        done.set()

    room.writer.foresee = seen
    return done


async def foreseen(done: asyncio.Event) -> None:
    async with asyncio.timeout(5 * UNIT):
        await done.wait()


def sent_bytes(room: Room) -> dict[Role, list[bytes]]:
    return {view: [unframe(s.outgoing.wire) for s in room.sent[view]] for view in VIEWS}


async def test_a_command_s_frames_are_made_during_its_append_and_sent_after_it(
    log: HeldLog, rooms: tuple[Room, Room]
) -> None:
    mine, follower = rooms
    head = await a_session(LogWriter(log, "r"))
    await applied(mine, head)
    wire = Wire()
    tablet = screen(wire, mine, Role.DELEGATE, delegate_id=DELEGATE)
    mine.attach(tablet, head)
    log.held = asyncio.Event()
    done = watched(mine)
    answer = asyncio.create_task(
        mine.submit(c.AddAgendaItem(title="Bầu cử"), PRESIDIUM, command_id="c1", token_id="tk")
    )
    await foreseen(done)
    assert mine._foreseen is not None
    made = dict((view, outgoing) for view, _, outgoing in mine._foreseen.frames)
    await asyncio.sleep(0.05 * UNIT)
    assert wire.frames[1:] == [], "nothing is sent before the record is durable"
    assert mine.state.seq == head

    log.held.set()
    assert await answer == Accepted(head + 1)
    assert [(f["type"], f["seq"]) for f in wire.frames[1:]] == [("event", head + 1)]
    assert mine.sent[Role.DELEGATE][-1].outgoing is made[Role.DELEGATE], "the frame made early"
    assert mine._foreseen is None
    await applied(follower, head + 1)
    assert sent_bytes(mine) == sent_bytes(follower)
    assert mine.views == follower.views
    assert mine.state == follower.state
    tablet.close(0)


async def test_what_was_foreseen_for_a_record_another_writer_beat_is_never_sent(
    log: HeldLog, rooms: tuple[Room, Room]
) -> None:
    mine, follower = rooms
    other = LogWriter(log, "r")
    head = await a_session(other)
    await applied(mine, head)
    held = log.held = asyncio.Event()
    done = watched(mine)
    answer = asyncio.create_task(
        mine.submit(c.AddAgendaItem(title="Bầu cử"), PRESIDIUM, command_id="c1", token_id="tk")
    )
    await foreseen(done)
    assert mine._foreseen is not None
    beaten = mine._foreseen.frames

    # Another writer takes the seq the room was appending; the room then decides again.
    log.held = None
    await other.do(c.AddAgendaItem(title="Tổng kết"))
    await applied(mine, head + 1)
    held.set()
    assert await answer == Accepted(head + 2)
    await applied(follower, head + 2)
    sent = {outgoing for _, _, outgoing in beaten if outgoing is not None}
    assert not sent & {s.outgoing for view in VIEWS for s in mine.sent[view]}
    assert sent_bytes(mine) == sent_bytes(follower)
    assert mine.views == follower.views
    titles = [item.title for item in mine.state.agenda]
    assert titles[-2:] == ["Tổng kết", "Bầu cử"]
