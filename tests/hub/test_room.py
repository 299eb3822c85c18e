"""A room on a node over a real SQLite log: snapshots, cold starts, other writers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from session_server.backends.sqlite import SQLiteBackend
from session_server.core import commands as c
from session_server.core.decide import Actor
from session_server.core.projection import project
from session_server.core.replay import replay, state_bytes
from session_server.core.state import Role
from session_server.hub.room import Room
from tests.conftest import UNIT

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
        assert outcome.seq == n + 2
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
    assert again.seq == 3
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
    assert outcome.seq == 3
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
    assert outcome.seq is None
    assert await log.head("r") == 1
    await room.close()
