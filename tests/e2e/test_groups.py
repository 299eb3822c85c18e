"""Discussion groups on a real hub: each group meets in a room of its own, entered with the
plenary's tokens in the role the plenary's groups give them there."""

from __future__ import annotations

import re
from typing import Any

import pytest

from presidium_console.client import CommandRefused, CongressClient, ConnectionRefused
from session_server.core.group_state import group_room
from session_server.demo import DEMO_ROOM
from session_server.protocol.codes import Close
from tests.conftest import UNIT, Clients, DemoTokens, HubProcess, run_cli

G1, G2 = group_room(DEMO_ROOM, "g1"), group_room(DEMO_ROOM, "g2")


async def enter(hub: HubProcess, clients: Clients, token: str, room: str) -> CongressClient:
    client = CongressClient(hub.url, token, room)
    await client.connect(timeout=10 * UNIT)
    clients.open.append(client)
    await client.wait_for(lambda view: view.seq > 0, timeout=10 * UNIT)
    return client


async def refused(hub: HubProcess, token: str, room: str) -> int | None:
    client = CongressClient(hub.url, token, room)
    with pytest.raises(ConnectionRefused) as refusal:
        await client.connect(timeout=10 * UNIT)
    return refusal.value.code


def synced(members: int) -> Any:
    """The group's room holds the plenary's copy: its name and its members."""
    return lambda view: (
        (view["session"] or {}).get("group", {}).get("name") == "Tổ 1"
        and view["attendance"]["total"] == members
    )


@pytest.fixture
async def groups(hub: HubProcess, clients: Clients, tokens: DemoTokens) -> list[str]:
    """Two groups: g1 = delegates 0, 1, 2 (0 chairs, 1 keeps the record), g2 = 3, 4 (4 keeps
    the record). Returns the delegate ids in that order."""
    ids = [d for _, d in tokens.delegates[:5]]
    staff = await clients.connect(tokens.secretariat)
    await staff.command("define_group", group_name="Tổ 1", place="Phòng họp A")
    await staff.command("define_group", group_name="Tổ 2", place="Phòng họp B")
    await staff.command("assign_to_group", group_id="g1", delegate_ids=ids[:3])
    await staff.command("assign_to_group", group_id="g2", delegate_ids=ids[3:])
    await staff.command("set_group_officers", group_id="g1", chair=ids[0], secretary=ids[1])
    await staff.command("set_group_officers", group_id="g2", secretary=ids[4])
    return ids


async def test_each_role_enters_a_group_room_as_the_plenary_s_groups_say(
    hub: HubProcess, clients: Clients, tokens: DemoTokens, groups: list[str]
) -> None:
    secrets = [secret for secret, _ in tokens.delegates[:5]]
    member = await enter(hub, clients, secrets[2], G1)
    assert member.welcome["role"] == "delegate"
    # The `you` frame follows the sync that put the member on the room's roll; the officers
    # come with a later sync (they were set after the members), which a fast reader may
    # not have yet when the members are there.
    await member.wait_for(
        lambda view: (
            synced(3)(view)
            and member.view.you is not None
            and view["session"]["group"]["chair"] is not None
        ),
        timeout=10 * UNIT,
    )
    assert member.view.you is not None
    assert member.view.you["delegate_id"] == groups[2]
    chair = await enter(hub, clients, secrets[0], G1)
    secretary = await enter(hub, clients, secrets[1], G1)
    assert (chair.welcome["role"], secretary.welcome["role"]) == ("presidium", "secretariat")
    staff = await enter(hub, clients, tokens.presidium, G1)
    assert staff.welcome["role"] == "presidium"
    board = await enter(hub, clients, tokens.boards[0], G1)
    assert board.welcome["role"] == "board"
    # A delegate of another group, or the other group's secretary, may not come in.
    assert await refused(hub, secrets[3], G1) == Close.UNAUTHORIZED
    assert await refused(hub, secrets[4], G1) == Close.UNAUTHORIZED
    assert await refused(hub, secrets[0], G2) == Close.UNAUTHORIZED
    # A delegate with no group enters none.
    assert await refused(hub, tokens.delegates[6][0], G1) == Close.UNAUTHORIZED


async def test_a_member_acts_as_a_delegate_and_an_officer_as_staff_in_their_own_room_only(
    hub: HubProcess, clients: Clients, tokens: DemoTokens, groups: list[str]
) -> None:
    secrets = [secret for secret, _ in tokens.delegates[:5]]
    chair = await enter(hub, clients, secrets[0], G1)
    member = await enter(hub, clients, secrets[2], G1)
    await member.wait_for(synced(3), timeout=10 * UNIT)
    await chair.command("add_agenda_item", title="Thảo luận Báo cáo chính trị")
    await chair.command("set_current_item", item_id="item-1")
    await chair.command("open_session")
    await member.command("request_floor", kind="speech")
    with pytest.raises(CommandRefused) as steering:
        await member.command("grant_floor")
    assert steering.value.code == "forbidden"
    await chair.command("grant_floor", seconds=60)
    view = await member.wait_for(lambda v: (v["speakers"] or {}).get("floor") is not None)
    assert view["speakers"]["floor"]["delegate_id"] == groups[2]
    # The group's secretary posts the group's announcements but does not steer it.
    secretary_g2 = await enter(hub, clients, secrets[4], G2)
    await secretary_g2.command("post_announcement", text="Tổ 2 họp lúc 14 giờ")
    with pytest.raises(CommandRefused) as steering:
        await secretary_g2.command("open_session")
    assert steering.value.code == "forbidden"
    # The hub's own copy is never taken from a socket, even from the room's staff.
    with pytest.raises(CommandRefused) as hub_only:
        await chair.command(
            "sync_group",
            group_id="g1",
            group_name="Tổ giả",
            place="",
            members=[],
            chair=None,
            secretary=None,
            documents=[],
        )
    assert hub_only.value.code == "forbidden"


async def test_the_plenary_s_board_sees_each_group_s_public_status_only(
    hub: HubProcess, clients: Clients, tokens: DemoTokens, groups: list[str]
) -> None:
    chair = await enter(hub, clients, tokens.delegates[0][0], G1)
    await chair.wait_for(synced(3), timeout=10 * UNIT)
    # The group room holds the plenary's documents a delegate may read, never the others.
    assert {d["id"] for d in chair.view["documents"]} == {
        "chuong-trinh",
        "bao-cao-chinh-tri",
        "du-thao-nghi-quyet",
    }
    with pytest.raises(CommandRefused) as secret:
        await chair.command("show_page", document_id="de-an-nhan-su", page=1)
    assert secret.value.code == "not_found"
    board = await clients.connect(tokens.boards[0])
    delegate = await clients.connect(tokens.delegates[5][0])
    await chair.command("open_session")
    await chair.command("show_page", document_id="bao-cao-chinh-tri", page=2)

    def g1(view: Any) -> dict[str, Any]:
        return next(g for g in view["groups"] if g["id"] == "g1")

    await delegate.wait_for(lambda v: (g1(v)["document"] or {}).get("page") == 2)
    await board.wait_for(lambda v: g1(v)["status"] == "in_session")
    # A document only delegates read is "in discussion" on a board.
    assert g1(board.view) == {
        "id": "g1",
        "name": "Tổ 1",
        "place": "Phòng họp A",
        "status": "in_session",
        "document": None,
    }
    await chair.command("show_page", document_id="chuong-trinh", page=1)
    view = await board.wait_for(lambda v: g1(v)["document"] is not None)
    assert g1(view)["document"] == {
        "id": "chuong-trinh",
        "title": "Chương trình Đại hội",
        "page": 1,
    }
    assert "members" not in g1(view)


async def test_a_delegate_whose_place_changes_is_signed_in_again(
    hub: HubProcess, clients: Clients, tokens: DemoTokens, groups: list[str]
) -> None:
    member = await enter(hub, clients, tokens.delegates[2][0], G1)
    await member.wait_for(synced(3), timeout=10 * UNIT)
    staff = await clients.connect(tokens.secretariat)
    await staff.command("set_group_officers", group_id="g1", chair=groups[2], secretary=None)
    closed = await member.wait_closed(timeout=10 * UNIT)
    assert closed.rcvd is not None
    assert closed.rcvd.code == Close.GROUP_CHANGED
    again = await enter(hub, clients, tokens.delegates[2][0], G1)
    assert again.welcome["role"] == "presidium"
    # Moved to the other group: out of this room at once, into the other one.
    await staff.command("assign_to_group", group_id="g2", delegate_ids=[groups[2]])
    closed = await again.wait_closed(timeout=10 * UNIT)
    assert closed.rcvd is not None
    assert closed.rcvd.code == Close.GROUP_CHANGED
    assert await refused(hub, tokens.delegates[2][0], G1) == Close.UNAUTHORIZED
    moved = await enter(hub, clients, tokens.delegates[2][0], G2)
    assert moved.welcome["role"] == "delegate"


async def test_no_room_for_a_group_the_plenary_lacks(
    hub: HubProcess, tokens: DemoTokens, groups: list[str]
) -> None:
    assert await refused(hub, tokens.presidium, group_room(DEMO_ROOM, "g9")) == Close.UNAUTHORIZED


async def test_a_token_revoked_in_the_plenary_leaves_its_group_s_room_at_once(
    hub: HubProcess, clients: Clients, tokens: DemoTokens, groups: list[str]
) -> None:
    issued = await run_cli(hub, "tokens", "issue", "--role", "delegate", "--delegate", groups[2])
    token_id = issued.split("\t")[0]
    secret = re.search(r"secret \(shown once\): (\S+)", issued)
    assert secret is not None
    member = await enter(hub, clients, secret.group(1), G1)
    await member.wait_for(synced(3), timeout=10 * UNIT)
    await run_cli(hub, "tokens", "revoke", token_id)
    # Within the plenary's tail, not the watchdog's 10 s: the revocation is in the log.
    closed = await member.wait_closed(timeout=5 * UNIT)
    assert closed.rcvd is not None
    assert closed.rcvd.code == Close.REVOKED
    assert await refused(hub, secret.group(1), G1) == Close.UNAUTHORIZED
