"""The demo loader: steps aside when another node loads it first; issues the hall's token; is
not started again on a log that has the demo."""

from __future__ import annotations

import argparse
import json
import urllib.request
from pathlib import Path

import pytest

from session_server.backends.sqlite import SQLiteBackend
from session_server.cli import demo
from session_server.demo import DEMO_ROOM, load_demo
from session_server.documents.render import RenderPool
from session_server.documents.store import DocumentLimits, DocumentStore
from session_server.writer import RoomWriter
from tests.conftest import UNIT, HubProcess


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


def test_the_demo_issues_one_hall_token_and_prints_its_link_and_card(tmp_path: Path) -> None:
    hub = HubProcess(tmp_path / "data")
    hub.start()
    try:
        printed = hub.log_path.read_text(encoding="utf-8")
        cards = (hub.data_dir / "demo-cards.html").read_text(encoding="utf-8")
        lines = (hub.data_dir / "demo-tokens.txt").read_text(encoding="utf-8").splitlines()
        (hall,) = [line.split("\t") for line in lines if line.startswith("hall\t")]
        secret = hall[1]
        signed_in = urllib.request.Request(
            f"{hub.http}/api/session",
            data=json.dumps({"token": secret}).encode(),
            headers={"Content-Type": "application/json", "X-Congress-Request": "1"},
            method="POST",
        )
        with urllib.request.urlopen(signed_in, timeout=10 * UNIT) as answer:
            who = json.loads(answer.read())
    finally:
        hub.stop()
    assert hall[2] == "Màn hình hội trường"
    assert f"  hall         {secret}  (Màn hình hội trường)" in printed
    assert f"/hall/#token={secret}" in printed
    assert f"/hall/#token={secret}" in cards
    assert who == {
        "role": "hall",
        "room": DEMO_ROOM,
        "delegate_id": None,
        "label": "Màn hình hội trường",
    }


async def test_the_hub_asks_the_log_itself_and_loads_the_demo_only_on_a_fresh_one(
    demo_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = argparse.Namespace(room=DEMO_ROOM, data=demo_data)
    loaded = await SQLiteBackend.open(demo_data / "congress.db")
    fresh = await SQLiteBackend.open(tmp_path / "fresh.db")
    try:
        assert await demo.present(args, loaded) == 0
        said = capsys.readouterr().out
        tokens = demo_data / "demo-tokens.txt"
        assert said == f"Demo congress {DEMO_ROOM!r} continues; its tokens are in {tokens}\n"
        assert await demo.present(args, fresh) == demo.ABSENT
        assert capsys.readouterr().out == ""
        assert await fresh.head(DEMO_ROOM) == 0, "asking writes nothing"
    finally:
        await loaded.close()
        await fresh.close()
