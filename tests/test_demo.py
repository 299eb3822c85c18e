"""The demo loader on a log another node fills at the same instant: it steps aside, never fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from session_server.backends.sqlite import SQLiteBackend
from session_server.demo import DEMO_ROOM, load_demo
from session_server.documents.render import RenderPool
from session_server.documents.store import DocumentLimits, DocumentStore
from session_server.writer import RoomWriter


async def test_a_node_that_loses_the_race_to_create_the_demo_steps_aside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = await SQLiteBackend.open(tmp_path / "log.db")
    pool = RenderPool()
    store = DocumentStore(log, tmp_path, pool, DocumentLimits())
    try:
        # The other node created the room after this one found the log empty.
        other = await RoomWriter.open(DEMO_ROOM, log, clock=lambda: 0)
        await other.create("Đại hội")

        async def empty(room: str) -> int:
            return 0

        monkeypatch.setattr(log, "head", empty)
        assert await load_demo(log, store, DEMO_ROOM) is None
        monkeypatch.undo()
        assert await log.head(DEMO_ROOM) == 1, "nothing more written by the loser"
    finally:
        await store.close()
        await pool.close()
        await log.close()
