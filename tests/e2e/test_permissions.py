"""Delegates and boards cannot steer; unknown tokens, rooms and origins never get a snapshot."""

from __future__ import annotations

import asyncio
from typing import Any

import msgpack
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from presidium_console.client import CommandRefused, ConnectionRefused
from session_server.auth import issue_token
from session_server.backends.sqlite import SQLiteBackend
from session_server.core.commands import COMMAND_TYPES
from session_server.core.state import Role
from session_server.protocol.codes import Close
from tests.conftest import UNIT, Clients, DemoTokens, HubProcess, health, run_cli

# Plausible arguments for every command a delegate or a board may not send; a new command
# without an entry here fails the test, so none escapes the check.
STEERING_ARGS: dict[str, dict[str, Any]] = {
    "open_session": {},
    "suspend_session": {},
    "adjourn_session": {},
    "checkpoint": {},
    "prepare_vote": {"kind": "question", "title": "Giả mạo"},
    "withdraw_vote": {"vote_id": "vote-1"},
    "set_committee": {"vote_id": "vote-1", "members": ["DB001"], "threshold": 1},
    "start_presence_check": {"vote_id": "vote-1"},
    "open_vote": {"vote_id": "vote-1"},
    "close_vote": {"vote_id": "vote-1"},
    "publish_result": {"vote_id": "vote-1"},
    "join_committee": {"vote_id": "vote-1", "seal_key": b"k" * 32, "commitments": [], "proofs": []},
    "deliver_shares": {"vote_id": "vote-1", "sealed": [b""]},
    "confirm_shares": {"vote_id": "vote-1"},
    "confirm_presence": {"vote_id": "vote-1"},
    "cast_vote": {"vote_id": "vote-1", "choice": "for"},
    "cast_ballot": {"vote_id": "vote-1", "ballot": {}},
    "record_ballot": {"vote_id": "vote-1", "choices": [], "choice_proofs": [], "kept_proof": b""},
    "submit_decryption": {"vote_id": "vote-1", "shares": [], "proofs": []},
    "set_current_item": {"item_id": "item-3"},
    "add_agenda_item": {"title": "Mục mới"},
    "edit_agenda_item": {"item_id": "item-1", "title": "Đổi tên"},
    "move_agenda_item": {"item_id": "item-1", "position": 2},
    "remove_agenda_item": {"item_id": "item-6"},
    "register_document": {
        "document_id": "x",
        "title": "X",
        "access": "public",
        "pages": 1,
    },
    "show_page": {"document_id": "chuong-trinh", "page": 2},
    "hide_document": {},
    "accept_request": {"delegate_id": "DB001"},
    "move_request": {"delegate_id": "DB001", "position": 0},
    "remove_request": {"delegate_id": "DB001"},
    "restore_request": {"delegate_id": "DB001"},
    "grant_floor": {"interrupt": True},
    "set_speaking_times": {"speech": 300, "point_of_order": 60, "reply": 120},
    "end_speech": {},
    "extend_time": {"seconds": 60},
    "close_list": {},
    "reopen_list": {},
    "post_announcement": {"text": "Giả mạo"},
    "withdraw_announcement": {"announcement_id": "a-1"},
    "register_delegate": {"delegate_id": "DB099", "full_name": "Giả mạo"},
    "request_floor": {"kind": "speech"},
    "withdraw_request": {},
    "check_in": {"delegate_id": "DB003"},
    "cancel_check_in": {"delegate_id": "DB003"},
    "revoke_token": {"token_id": "tk-00000000"},
    "submit_contribution": {
        "title": "Giả mạo",
        "kind": "pdf",
        "sha256": "0" * 64,
        "size": 1,
        "pdf_sha256": "0" * 64,
        "page_sizes": [{"width": 595, "height": 842}],
    },
    "accept_contribution": {"contribution_id": "tl-1"},
    "return_contribution": {"contribution_id": "tl-1", "reason": "Giả mạo"},
    "make_contribution_document": {"contribution_id": "tl-1", "access": "public"},
    "define_group": {"group_name": "Tổ giả"},
    "edit_group": {"group_id": "g1", "place": "Giả"},
    "remove_group": {"group_id": "g1"},
    "assign_to_group": {"group_id": "g1", "delegate_ids": ["DB001"]},
    "unassign_from_group": {"delegate_ids": ["DB001"]},
    "set_group_officers": {"group_id": "g1", "chair": "DB001"},
    "sync_group": {
        "group_id": "g1",
        "group_name": "Tổ giả",
        "place": "",
        "members": [],
        "chair": None,
        "secretary": None,
        "documents": [],
    },
    "report_group_status": {"group_id": "g1", "status": "in_session"},
    "record_opinion": {
        "document_id": "du-thao-nghi-quyet",
        "version": 1,
        "paragraph_id": "p1-00000000",
        "kind": "agree",
    },
    "withdraw_opinion": {"opinion_id": "opinion-1"},
    "show_opinion_authors": {"shown": True},
}


async def head(hub: HubProcess) -> int:
    return int((await health(hub))["rooms"]["camau-2025"]["seq"])


@pytest.mark.parametrize("role", ["delegate", "board"])
async def test_every_steering_command_is_refused(
    role: str, hub: HubProcess, tokens: DemoTokens, clients: Clients
) -> None:
    token = tokens.delegates[1][0] if role == "delegate" else tokens.boards[0]
    client = await clients.connect(token)
    presidium = await clients.connect(tokens.presidium)
    # A live floor and queue, so refusals are about who asks, not about the room's state.
    await presidium.command("set_current_item", item_id="item-2")
    before = await head(hub)
    view_before = dict(presidium.view.sections)

    forbidden = [name for name, cls in COMMAND_TYPES.items() if Role(role) not in cls.roles]
    for number, name in enumerate(forbidden):
        if number and number % 40 == 0:
            # More refusals than one connection may earn (`max_errors`): a fresh screen.
            client = await clients.connect(token)
        args = STEERING_ARGS[name]
        while True:
            with pytest.raises(CommandRefused) as refused:
                await client.command(name, **args)
            # Refusals count against a screen's frame rate too: past it, wait and ask again.
            if refused.value.code != "rate_limited":
                break
            await asyncio.sleep(0.5)
        assert refused.value.code == "forbidden", name
    if role == "delegate":
        while True:
            with pytest.raises(CommandRefused) as refused:
                await client.command("check_in", delegate_id="DB003")
            if refused.value.code != "rate_limited":
                break
            await asyncio.sleep(0.5)
        assert refused.value.code == "forbidden"

    assert await head(hub) == before
    assert presidium.view.sections == view_before
    # The hub still works for those allowed.
    ack = await presidium.command("show_page", document_id="chuong-trinh", page=2)
    assert ack.seq == before + 1


async def test_unknown_or_revoked_token_gets_no_snapshot(
    hub: HubProcess, tokens: DemoTokens
) -> None:
    stranger = hub.client("not-a-token")
    with pytest.raises(ConnectionRefused) as refused:
        await stranger.connect(timeout=5 * UNIT)
    assert refused.value.code == Close.UNAUTHORIZED
    assert [f["type"] for f in stranger.frames] == []

    board_token = await hub.issue(Role.BOARD)
    listed = (await run_cli(hub, "tokens", "list")).splitlines()
    token_id = listed[-1].split("\t")[0]
    assert "revoked" in await run_cli(hub, "tokens", "revoke", token_id)
    revoked = hub.client(board_token)
    with pytest.raises(ConnectionRefused) as refused:
        await revoked.connect(timeout=5 * UNIT)
    assert refused.value.code == Close.UNAUTHORIZED
    assert revoked.frames == []


async def test_token_for_another_room_and_unknown_room(hub: HubProcess, tokens: DemoTokens) -> None:
    elsewhere = hub.client(tokens.presidium)
    elsewhere.room = "another-congress"
    with pytest.raises(ConnectionRefused) as refused:
        await elsewhere.connect(timeout=5 * UNIT)
    assert refused.value.code == Close.UNAUTHORIZED

    backend = await SQLiteBackend.open(hub.data_dir / "congress.db")
    try:
        issued = await issue_token(backend, room="no-such-room", role=Role.BOARD, now=0)
    finally:
        await backend.close()
    nowhere = hub.client(issued.secret)
    nowhere.room = "no-such-room"
    with pytest.raises(ConnectionRefused) as refused:
        await nowhere.connect(timeout=5 * UNIT)
    assert refused.value.code == Close.UNKNOWN_ROOM


async def test_bad_origin_is_refused_at_the_handshake(hub: HubProcess, tokens: DemoTokens) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with connect(hub.url, additional_headers={"Origin": "https://evil.example"}):
            pass
    assert refused.value.response.status_code == 403

    # The hub's own origin is welcome.
    same = hub.client(tokens.boards[0], origin=hub.http)
    await same.connect(timeout=5 * UNIT)
    await same.wait_for(lambda v: v.seq > 0, timeout=5 * UNIT)
    await same.close()


async def test_wrong_protocol_version_is_closed(hub: HubProcess, tokens: DemoTokens) -> None:
    async with connect(hub.url) as ws:
        await ws.send(
            msgpack.packb(
                {"type": "hello", "v": 99, "token": tokens.boards[0], "room": "camau-2025"}
            )
        )
        await ws.wait_closed()
    assert ws.close_code == Close.UNSUPPORTED_VERSION
