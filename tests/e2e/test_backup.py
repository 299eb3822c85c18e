"""A backup taken as commands stream in holds every one acknowledged before it, and serves."""

from __future__ import annotations

import asyncio
import contextlib
import stat
from pathlib import Path

from tests.conftest import UNIT, Clients, DemoTokens, HubProcess, cli


def titles(view_agenda: dict[str, object]) -> set[str]:
    items = view_agenda["items"]
    assert isinstance(items, list)
    return {item["title"] for item in items}


async def test_a_backup_during_a_stream_of_commands_restores_to_a_hub_that_serves(
    hub: HubProcess, tokens: DemoTokens, clients: Clients, tmp_path: Path
) -> None:
    presidium = await clients.connect(tokens.presidium)
    board = await clients.connect(tokens.boards[0])
    acknowledged: list[str] = []

    async def stream() -> None:
        for n in range(10_000):
            await presidium.command("add_agenda_item", title=f"Mục bổ sung {n}")
            acknowledged.append(f"Mục bổ sung {n}")

    streaming = asyncio.create_task(stream())
    await asyncio.sleep(0.5)
    before_backup = list(acknowledged)
    backup = tmp_path / "daihoi.backup"
    code, _, err = await cli(hub, "backup", str(backup))
    assert code == 0, err
    await asyncio.sleep(0.3)
    streaming.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await streaming
    assert len(before_backup) > 5
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    await board.wait_for(lambda view: view.seq >= presidium.view.seq, timeout=5 * UNIT)
    seen_by_board = board.view.seq

    restored = HubProcess(tmp_path / "restored")
    code, _, err = await cli(restored, "restore", str(backup))
    assert code == 0, err
    restored.start("--no-demo")
    try:
        again = restored.client(tokens.presidium)
        await again.connect(timeout=10 * UNIT)
        try:
            await again.wait_for(lambda view: view.seq > 0, timeout=5 * UNIT)
            # Every command acknowledged before the backup began is there.
            assert set(before_backup) <= titles(again.view["agenda"])
            head = again.view.seq
        finally:
            await again.close()
        # The board resumes on the restored hub from a seq beyond its log: a snapshot.
        assert seen_by_board > head
        board.url = restored.url
        await board.close()
        await board.connect(timeout=10 * UNIT)
        await board.wait_for(lambda view: view.seq == head, timeout=5 * UNIT)
    finally:
        restored.stop()


async def test_restore_refuses_a_file_that_is_not_a_backup_and_an_existing_log(
    hub: HubProcess, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a database at all" * 100)
    code, _, err = await cli(hub, "restore", str(junk))
    assert code == 2
    assert "not" in err
    good = tmp_path / "good.backup"
    assert (await cli(hub, "backup", str(good)))[0] == 0
    code, _, err = await cli(hub, "restore", str(good))
    assert code == 1
    assert "--force" in err
