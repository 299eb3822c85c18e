"""A room on a node over a real SQLite log: snapshots, cold starts, other writers."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from session_server.backends.base import BackendUnavailable
from session_server.backends.sqlite import SQLiteBackend
from session_server.core import commands as c
from session_server.core.decide import Actor
from session_server.core.projection import project
from session_server.core.replay import replay, state_bytes
from session_server.core.state import Role
from session_server.hub.node import Hub
from session_server.hub.room import Room
from session_server.writer import Accepted, Refused, RoomWriter
from tests.conftest import UNIT
from tests.hub.fakes import LogWriter

PRESIDIUM = Actor(Role.PRESIDIUM)


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000_000

    def __call__(self) -> int:
        self.now += 1000
        return self.now


@pytest.fixture
async def log(tmp_path: Path) -> AsyncIterator[SQLiteBackend]:
    backend = await SQLiteBackend.open(tmp_path / "log.db", poll_interval=0.05)
    yield backend
    await backend.close()


async def new_room(log: SQLiteBackend, **options: int) -> Room:
    room = Room("r", log, clock=Clock(), ack_wait=5 * UNIT, **options)
    await room.load()
    return room


async def test_a_cold_start_from_a_snapshot_equals_a_full_replay(log: SQLiteBackend) -> None:
    room = await new_room(log, snapshot_every=5)
    await room.create("Đại hội thử")
    for n in range(12):
        outcome = await room.submit(
            c.AddAgendaItem(title=f"Mục {n}"), PRESIDIUM, command_id=f"cmd-{n}", token_id="tk"
        )
        assert outcome == Accepted(n + 2)
    await room.close()
    stored = await log.load_snapshot("r")
    assert stored is not None
    assert stored[0] == 10

    cold = await new_room(log)
    records = await log.read("r", 0)
    assert state_bytes(cold.state) == state_bytes(replay("r", ((r.seq, r.events) for r in records)))
    # A retry of a command from before the snapshot is still recognised.
    again = await cold.submit(
        c.AddAgendaItem(title="Mục 1"), PRESIDIUM, command_id="cmd-1", token_id="tk"
    )
    assert again == Accepted(3, duplicate=True)
    assert cold.state.seq == 13
    await cold.close()


async def test_a_room_catches_up_with_another_writer_before_deciding(log: SQLiteBackend) -> None:
    first = await new_room(log)
    await first.create("Đại hội thử")
    second = await new_room(log)
    # `second` has not seen what `first` appends; its append must conflict, catch up, retry.
    await first.submit(c.AddAgendaItem(title="A"), PRESIDIUM, command_id="a", token_id="tk")
    outcome = await second.submit(
        c.AddAgendaItem(title="B"), PRESIDIUM, command_id="b", token_id="tk"
    )
    assert outcome == Accepted(3)
    assert [i.title for i in second.state.agenda] == ["A", "B"]
    await first.caught_up(3, 5 * UNIT)
    assert state_bytes(first.state) == state_bytes(second.state)
    for view in (Role.PRESIDIUM, Role.DELEGATE, Role.BOARD):
        assert first.views[view] == project(first.state, view)
    await first.close()
    await second.close()


async def test_a_rejected_command_appends_nothing(log: SQLiteBackend) -> None:
    room = await new_room(log)
    await room.create("Đại hội thử")
    outcome = await room.submit(
        c.GrantFloor(), PRESIDIUM, command_id=uuid.uuid4().hex, token_id="tk"
    )
    assert outcome == Refused(
        "invalid_state", "grant_floor waits for the session to open", "session_not_started"
    )
    assert await log.head("r") == 1
    await room.close()


async def test_closing_a_room_lets_its_snapshot_be_saved(
    log: SQLiteBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    save = log.save_snapshot

    async def slow_save(room: str, seq: int, data: bytes) -> None:
        await asyncio.sleep(UNIT / 2)
        await save(room, seq, data)

    monkeypatch.setattr(log, "save_snapshot", slow_save)
    room = await new_room(log, snapshot_every=2)
    await room.create("Đại hội thử")
    await room.submit(c.AddAgendaItem(title="A"), PRESIDIUM, command_id="a", token_id="tk")
    await room.close()
    stored = await log.load_snapshot("r")
    assert stored is not None
    assert stored[0] == 2


async def test_a_writer_without_a_tail_reads_the_log_to_catch_up(log: SQLiteBackend) -> None:
    room = await new_room(log)
    await room.create("Đại hội thử")
    writer = await RoomWriter.open("r", log, clock=Clock())
    await room.submit(c.AddAgendaItem(title="A"), PRESIDIUM, command_id="a", token_id="tk")
    assert writer.state.seq == 1, "no tail: it has not seen A yet"
    outcome = await writer.submit(
        c.AddAgendaItem(title="B"), PRESIDIUM, command_id="b", token_id="cli"
    )
    assert outcome == Accepted(3)
    assert [i.title for i in writer.state.agenda] == ["A", "B"]
    assert await room.caught_up(3, 5 * UNIT)
    assert state_bytes(room.state) == state_bytes(writer.state)
    await room.close()


async def test_a_writer_answers_a_retry_from_another_process_once(log: SQLiteBackend) -> None:
    first = await RoomWriter.open("r", log, clock=Clock())
    await first.create("Đại hội thử")
    command = c.AddAgendaItem(title="A")
    assert await first.submit(command, PRESIDIUM, command_id="a", token_id="cli") == Accepted(2)
    again = await RoomWriter.open("r", log, clock=Clock())
    retry = await again.submit(command, PRESIDIUM, command_id="a", token_id="cli")
    assert retry == Accepted(2, duplicate=True)
    assert await log.head("r") == 2


async def test_a_room_started_from_a_snapshot_answers_not_durable_when_the_log_is_down(
    log: SQLiteBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    room = await new_room(log, snapshot_every=3)
    await room.create("Đại hội thử")
    for n in range(4):
        await room.submit(
            c.AddAgendaItem(title=f"Mục {n}"), PRESIDIUM, command_id=f"c{n}", token_id="t"
        )
    await room.close()
    cold = await new_room(log)
    try:

        async def unreachable(*args: object) -> int | None:
            raise BackendUnavailable("the log is down")

        # The origins before the snapshot are looked up in the log, which is down now.
        monkeypatch.setattr(log, "find_origin", unreachable)
        monkeypatch.setattr(log, "append", unreachable)
        outcome = await cold.submit(
            c.AddAgendaItem(title="Mục mới"), PRESIDIUM, command_id="new", token_id="t"
        )
        assert isinstance(outcome, Refused)
        assert outcome.code == "not_durable"
        # One the room would refuse may be the retry of one applied before: not_durable too.
        outcome = await cold.submit(
            c.RemoveAgendaItem(item_id="none"), PRESIDIUM, command_id="old", token_id="t"
        )
        assert isinstance(outcome, Refused)
        assert outcome.code == "not_durable"
    finally:
        await cold.close()


async def test_a_room_loaded_on_demand_is_announced_once_and_tells_of_each_record(
    log: SQLiteBackend,
) -> None:
    hub = Hub(log)
    loaded: list[Room] = []
    hub.on_room_loaded.append(loaded.append)
    try:
        assert await hub.room("r") is None
        assert loaded == [], "no room, nothing announced"
        other = LogWriter(log, "r")
        await other.create()
        room = await hub.room("r")
        assert room is not None
        assert await hub.room("r") is room
        assert loaded == [room], "once, however often it is asked for"
        changes: list[int] = []
        room.listeners.append(lambda: changes.append(room.state.seq))
        seq = await other.do(c.AddAgendaItem(title="Khai mạc"))
        assert await room.caught_up(seq, 5 * UNIT)
        assert changes == [seq], "after the record is applied, with the state it made"
    finally:
        await hub.close()
