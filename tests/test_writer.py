"""The writer keeps only the latest origins in memory, and still applies every retry once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from session_server import writer as writer_module
from session_server.backends.base import BackendUnavailable
from session_server.backends.sqlite import SQLiteBackend
from session_server.core import commands as c
from session_server.core.decide import Actor
from session_server.core.state import Role
from session_server.writer import Accepted, RoomWriter

PRESIDIUM = Actor(Role.PRESIDIUM)


@pytest.fixture
async def log(tmp_path: Path) -> AsyncIterator[SQLiteBackend]:
    backend = await SQLiteBackend.open(tmp_path / "log.db")
    yield backend
    await backend.close()


def clock() -> int:
    return 1_700_000_000_000


async def test_only_the_latest_origins_are_kept_and_older_retries_are_found_in_the_log(
    log: SQLiteBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer_module, "RECENT_ORIGINS", 3)
    writer = await RoomWriter.open("r", log, clock=clock)
    await writer.create("Đại hội thử")
    add = c.AddAgendaItem(title="Mục 0")
    assert await writer.submit(add, PRESIDIUM, command_id="add", token_id="t") == Accepted(2)
    remove = c.RemoveAgendaItem(item_id=writer.state.agenda[0].id)
    assert await writer.submit(remove, PRESIDIUM, command_id="rm", token_id="t") == Accepted(3)
    for n in range(10):
        outcome = await writer.submit(
            c.PostAnnouncement(text=f"Thông báo {n}"), PRESIDIUM, command_id=f"a{n}", token_id="t"
        )
        assert outcome == Accepted(4 + n)
    assert len(writer._origins) == 3, "memory holds the latest origins only"
    # A retry that would change something again: the append finds its origin in the log.
    assert await writer.submit(add, PRESIDIUM, command_id="add", token_id="t") == Accepted(
        2, duplicate=True
    )
    # A retry the room would now refuse (the item is gone): looked up in the log.
    assert await writer.submit(remove, PRESIDIUM, command_id="rm", token_id="t") == Accepted(
        3, duplicate=True
    )
    assert await log.head("r") == 13, "nothing applied twice"
    assert len(writer.state.agenda) == 0


async def test_a_recent_retry_is_answered_from_memory_and_a_new_command_not_looked_up(
    log: SQLiteBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer_module, "RECENT_ORIGINS", 3)
    writer = await RoomWriter.open("r", log, clock=clock)
    await writer.create("Đại hội thử")
    for n in range(5):
        await writer.submit(
            c.PostAnnouncement(text=f"Thông báo {n}"), PRESIDIUM, command_id=f"a{n}", token_id="t"
        )

    async def unreachable(*args: object) -> int | None:
        raise BackendUnavailable("find_origin must not be asked")

    monkeypatch.setattr(log, "find_origin", unreachable)
    retry = c.PostAnnouncement(text="Thông báo 4")
    assert await writer.submit(retry, PRESIDIUM, command_id="a4", token_id="t") == Accepted(
        6, duplicate=True
    )
    fresh = c.PostAnnouncement(text="Mới")
    assert await writer.submit(fresh, PRESIDIUM, command_id="b", token_id="t") == Accepted(7)
