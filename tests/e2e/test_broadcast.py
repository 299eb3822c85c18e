"""Changes from the presidium reach every screen in order; boards never see what is not public."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

from presidium_console.client import CongressClient
from session_server.core.state import Role
from tests.conftest import UNIT, Clients, DemoTokens, HubProcess

CONFIDENTIAL_STRINGS = (
    "de-an-nhan-su",
    "Đề án nhân sự Ban Chấp hành (MẬT)",
    "bao-cao-chinh-tri",
    "Dự thảo Báo cáo chính trị",
)
PRIVATE_KEYS = ("delegate_id", "seat", "requested_at", "accepted")


def walk(value: Any) -> Iterator[tuple[str | None, Any]]:
    """Every (key, value) pair in a decoded frame, at any depth."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def assert_public(frames: list[dict[str, Any]]) -> None:
    for frame in frames:
        for key, value in walk(frame):
            if key in PRIVATE_KEYS or key == "roll":
                assert value is None, (key, frame)
            if isinstance(value, str):
                for secret in CONFIDENTIAL_STRINGS:
                    assert secret not in value, (secret, frame)


def event_seqs(client: CongressClient) -> list[int]:
    return [f["seq"] for f in client.frames if f["type"] == "event"]


async def test_changes_reach_fifty_delegates_two_boards_and_presidium_in_order(
    hub: HubProcess, tokens: DemoTokens, clients: Clients
) -> None:
    presidium = await clients.connect(tokens.presidium)
    secretariat = await clients.connect(tokens.secretariat)
    delegate_tokens = list(tokens.delegates)
    for n in range(41, 51):
        delegate_id = f"DB{n:03d}"
        await secretariat.command(
            "register_delegate",
            delegate_id=delegate_id,
            full_name=f"Đại biểu {n}",
            unit="Khách mời",
        )
        delegate_tokens.append((await hub.issue(Role.DELEGATE, delegate_id), delegate_id))
    assert len(delegate_tokens) == 50
    delegates = await asyncio.gather(*(clients.connect(t) for t, _ in delegate_tokens))
    boards = [await clients.connect(t) for t in tokens.boards]
    screens = [presidium, *delegates, *boards]
    start = presidium.view.seq

    await presidium.command("open_session")
    await presidium.command("set_current_item", item_id="item-2")
    await presidium.command("show_page", document_id="chuong-trinh", page=2)
    speaker = delegates[7]
    await speaker.command("request_floor", kind="speech")
    await presidium.command("show_page", document_id="bao-cao-chinh-tri", page=3)
    await presidium.command("accept_request", delegate_id=delegate_tokens[7][1])
    last = await presidium.command("grant_floor", seconds=300)

    await asyncio.gather(
        *(s.wait_for(lambda v: v.seq >= last.seq, timeout=10 * UNIT) for s in screens)
    )
    for screen in screens:
        seqs = event_seqs(screen)
        assert seqs == sorted(set(seqs)), "events arrive once each, in strictly increasing seq"
        assert seqs
        assert seqs[-1] == last.seq
        view = screen.view
        assert view["session"]["status"] == "in_session"
        assert view["agenda"]["current"] == "item-2"
        assert speaker.view.you is not None
        assert view["speakers"]["floor"]["name"] == speaker.view.you["name"]
        assert view["speakers"]["floor"]["allowed_seconds"] == 300
    # Every delegate and the presidium got every change; boards skip the private ones.
    for screen in [presidium, *delegates]:
        after_start = [seq for seq in event_seqs(screen) if seq > start]
        assert after_start == list(range(start + 1, last.seq + 1))
        assert screen.view["document"]["id"] == "bao-cao-chinh-tri"
        assert screen.view["document"]["page"] == 3
    for board in boards:
        assert board.view["document"] == {"hidden": True}
        assert board.view["speakers"]["floor"]["unit"] == speaker.view["speakers"]["floor"]["unit"]
        # The board learned of the public page turn before the confidential one.
        public_turns = [f for f in board.frames if f["type"] == "event" and "document" in f["set"]]
        assert public_turns[0]["set"]["document"]["id"] == "chuong-trinh"
        assert_public(board.frames)


async def test_board_never_sees_pending_requests_or_presidium_documents(
    tokens: DemoTokens, clients: Clients
) -> None:
    presidium = await clients.connect(tokens.presidium)
    delegate = await clients.connect(tokens.delegates[0][0])
    board = await clients.connect(tokens.boards[0])
    await presidium.command("set_current_item", item_id="item-4")
    await presidium.command("show_page", document_id="de-an-nhan-su", page=1)
    await delegate.command("request_floor", kind="point_of_order")
    await board.wait_for(lambda v: v["speakers"] is not None, timeout=5 * UNIT)
    ack = await presidium.command("post_announcement", text="Nghỉ giải lao 15 phút", minutes=15)
    await board.wait_for(lambda v: v.seq >= ack.seq, timeout=5 * UNIT)

    assert board.view["speakers"]["queue"] == []
    assert board.view["document"] == {"hidden": True}
    assert delegate.view["document"] == {"hidden": True}
    assert delegate.view["speakers"]["queue"][0]["delegate_id"] == tokens.delegates[0][1]
    assert presidium.view["document"]["title"] == "Đề án nhân sự Ban Chấp hành (MẬT)"
    assert all(d["access"] != "presidium" for d in delegate.view["documents"])
    assert [d["access"] for d in board.view["documents"]] == ["public"]
    assert board.view["attendance"]["total"] == 40
    assert_public(board.frames)

    accepted = await presidium.command("accept_request", delegate_id=tokens.delegates[0][1])
    await board.wait_for(lambda v: v.seq >= accepted.seq, timeout=5 * UNIT)
    entry = board.view["speakers"]["queue"][0]
    you = delegate.view.you
    assert you is not None
    assert entry == {"name": you["name"], "unit": you["unit"], "kind": "point_of_order"}
    assert_public(board.frames)
