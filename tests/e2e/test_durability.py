"""A hub killed mid-stream loses no acknowledged command, and screens resume exactly."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from presidium_console.client import CongressClient, View
from session_server.backends.sqlite import SQLiteBackend
from session_server.core.projection import project
from session_server.core.replay import replay
from session_server.core.state import Role
from session_server.demo import DEMO_ROOM
from tests.conftest import UNIT, Clients, DemoTokens, HubProcess


async def replayed_view(hub: HubProcess, role: Role) -> dict[str, object]:
    """The view rebuilt straight from the log on disk, with no hub involved."""
    backend = await SQLiteBackend.open(hub.data_dir / "congress.db")
    try:
        records = await backend.read(DEMO_ROOM, 0, 1_000_000)
    finally:
        await backend.close()
    state = replay(DEMO_ROOM, ((r.seq, r.events) for r in records))
    return project(state, role)


def showing(sections: dict[str, object]) -> Callable[[View], bool]:
    return lambda view: view.sections == sections


async def test_sigkill_mid_stream_loses_nothing_acknowledged(
    hub: HubProcess, tokens: DemoTokens, clients: Clients
) -> None:
    presidium = await clients.connect(tokens.presidium)
    follower = await clients.connect(tokens.delegates[0][0])
    board = await clients.connect(tokens.boards[0])
    acked: list[tuple[str, int]] = []
    enough = asyncio.Event()

    async def stream() -> None:
        for n in range(100_000):
            title = f"Mục bổ sung {n}"
            ack = await presidium.command("add_agenda_item", title=title, timeout=2 * UNIT)
            acked.append((title, ack.seq))
            if len(acked) == 40:
                enough.set()
            await presidium.command(
                "show_page", document_id="bao-cao-chinh-tri", page=n % 6 + 1, timeout=2 * UNIT
            )

    streaming = asyncio.create_task(stream())
    async with asyncio.timeout(20 * UNIT):
        await enough.wait()
    hub.kill()
    with contextlib.suppress(Exception):
        await streaming
    await follower.wait_closed(timeout=5 * UNIT)
    follower_seq, board_seq = follower.view.seq, board.view.seq
    follower_frames, board_frames = len(follower.frames), len(board.frames)

    hub.start()
    fresh = await clients.connect(tokens.presidium)
    head = fresh.view.seq
    titles = [item["title"] for item in fresh.view["agenda"]["items"]]
    for title, seq in acked:
        assert title in titles
        assert seq <= head
    # The restarted hub serves exactly the state the log on disk replays to.
    assert fresh.view.sections == await replayed_view(hub, Role.PRESIDIUM)
    assert titles.count("Khai mạc Đại hội") == 1, "a restart continues, it does not reload"
    # Changes made while the screens are away: resuming must bring exactly these.
    await fresh.command("add_agenda_item", title="Mục trong lúc mất kết nối")
    await fresh.command("show_page", document_id="bao-cao-chinh-tri", page=6)
    head = (await fresh.command("show_page", document_id="chuong-trinh", page=1)).seq

    resumes = (
        (follower, follower_seq, follower_frames, Role.DELEGATE),
        (board, board_seq, board_frames, Role.BOARD),
    )
    for screen, seen, kept, role in resumes:
        # A board's seq moves only with changes it may see, so wait for its view, not a seq.
        expected = await replayed_view(hub, role)
        await screen.connect(resume=True, timeout=10 * UNIT)
        await screen.wait_for(showing(expected), timeout=10 * UNIT)
        after = [f for f in screen.frames[kept:] if f["type"] not in ("welcome", "you")]
        assert after, "a resumed screen is told what it missed"
        assert all(f["type"] == "event" for f in after), "missed events, not a snapshot"
        seqs = [f["seq"] for f in after]
        assert seqs == sorted(set(seqs))
        assert seqs[0] > seen
        assert after[0]["prev"] <= seen, "no gap between what it had and what it got"
    assert [f["seq"] for f in follower.frames[follower_frames:] if f["type"] == "event"] == list(
        range(follower_seq + 1, head + 1)
    ), "a delegate sees every change here, so it gets every missed seq exactly once"
    assert follower.gaps == 0
    assert board.gaps == 0


async def test_resume_far_behind_gets_a_snapshot(
    hub: HubProcess, tokens: DemoTokens, clients: Clients
) -> None:
    presidium = await clients.connect(tokens.presidium)
    # Past the hub's kept history (1024 frames per audience) the events are gone.
    for n in range(1100):
        await presidium.command("show_page", document_id="chuong-trinh", page=n % 2 + 1)
    late = hub.client(tokens.delegates[0][0])
    late.view.seq = 5
    await late.connect(resume=True, timeout=5 * UNIT)
    await late.wait_for(lambda v: v.seq == presidium.view.seq, timeout=5 * UNIT)
    await late.wait_frames(lambda frames: len(frames) >= 3, timeout=5 * UNIT)
    assert [f["type"] for f in late.frames[:3]] == ["welcome", "snapshot", "you"]
    await late.close()

    ahead = hub.client(tokens.delegates[0][0])
    ahead.view.seq = 10**9  # a seq this log never reached: trust the log, not the client
    await ahead.connect(resume=True, timeout=5 * UNIT)
    await ahead.wait_for(lambda v: v.seq == presidium.view.seq, timeout=5 * UNIT)
    assert ahead.frames[1]["type"] == "snapshot"
    await ahead.close()


async def test_a_retried_command_is_applied_once(tokens: DemoTokens, clients: Clients) -> None:
    presidium = await clients.connect(tokens.presidium)
    watcher = await clients.connect(tokens.delegates[0][0])
    first = await presidium.command("add_agenda_item", title="Bầu cử", command_id="retry-1")
    again = await presidium.command("add_agenda_item", title="Bầu cử", command_id="retry-1")
    assert (again.seq, again.duplicate) == (first.seq, True)
    assert not first.duplicate
    # Another connection with the same token retrying (as after a reconnect) is a retry too.
    other = await clients.connect(tokens.presidium)
    third = await other.command("add_agenda_item", title="Bầu cử", command_id="retry-1")
    assert (third.seq, third.duplicate) == (first.seq, True)
    await watcher.wait_for(lambda v: v.seq >= first.seq, timeout=5 * UNIT)
    titles = [i["title"] for i in presidium.view["agenda"]["items"]]
    assert titles.count("Bầu cử") == 1
    assert presidium.view.seq == first.seq


async def test_ack_follows_its_event_and_noops_append_nothing(
    tokens: DemoTokens, clients: Clients
) -> None:
    presidium = await clients.connect(tokens.presidium)
    ack = await presidium.command("show_page", document_id="chuong-trinh", page=2)
    kinds = [(f["type"], f.get("seq")) for f in presidium.frames]
    assert kinds.index(("event", ack.seq)) < kinds.index(("ack", ack.seq))
    same = await presidium.command("show_page", document_id="chuong-trinh", page=2)
    assert same.seq == ack.seq
    assert [f for f in presidium.frames if f["type"] == "event"][-1]["seq"] == ack.seq


async def test_sync_ping_and_clock(tokens: DemoTokens, clients: Clients) -> None:
    board: CongressClient = await clients.connect(tokens.boards[0])
    assert abs(board.clock_offset_ms) < 1000, "same machine: the offset is small"
    seen = len(board.frames)
    await board.send({"type": "sync"})
    await board.send({"type": "ping", "t": 42})
    await board.wait_frames(lambda frames: len(frames) >= seen + 2, timeout=5 * UNIT)
    snapshot, pong = board.frames[seen : seen + 2]
    assert snapshot["type"] == "snapshot"
    assert snapshot["seq"] == board.view.seq
    assert pong["type"] == "pong"
    assert pong["t"] == 42
    assert abs(pong["server_time"] - board.server_now_ms()) < 1000


async def test_a_client_iterates_the_latest_state(tokens: DemoTokens, clients: Clients) -> None:
    presidium = await clients.connect(tokens.presidium)
    board = await clients.connect(tokens.boards[0])
    pages: list[int] = []

    async def follow() -> None:
        async for view in board.updates():
            document = view["document"]
            if document is not None:
                pages.append(document["page"])
                if document["page"] == 2:
                    return

    following = asyncio.create_task(follow())
    await presidium.command("show_page", document_id="chuong-trinh", page=1)
    await presidium.command("show_page", document_id="chuong-trinh", page=2)
    async with asyncio.timeout(5 * UNIT):
        await following
    assert pages[-1] == 2
    assert pages == sorted(pages)
