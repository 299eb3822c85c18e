"""Discussion groups over three hub processes on one Redis: a group defined through one
node meets through the others, its room created once, its status back in the plenary."""

from __future__ import annotations

from typing import Any

import pytest

from presidium_console.client import CongressClient
from session_server.backends.redis import RedisBackend
from session_server.core.group_state import group_room
from session_server.demo import DEMO_ROOM
from tests.conftest import UNIT, DemoTokens, HubProcess
from tests.redis_server import RedisServer

from . import test_nodes
from .test_nodes import Hall

# The three nodes on one Redis, the demo's tokens and the screens, as test_nodes has them.
nodes = test_nodes.nodes
demo = test_nodes.demo
hall = test_nodes.hall

pytestmark = pytest.mark.slow

G1 = group_room(DEMO_ROOM, "g1")


async def enter(hall: Hall, node: HubProcess, token: str, room: str) -> CongressClient:
    client = CongressClient(node.url, token, room)
    await client.connect(timeout=10 * UNIT)
    hall.clients.append(client)
    await client.wait_for(lambda view: view.seq > 0, timeout=10 * UNIT)
    return client


async def test_a_group_defined_on_one_node_meets_on_the_others(
    nodes: list[HubProcess], demo: DemoTokens, hall: Hall, redis_server: RedisServer
) -> None:
    ids = [d for _, d in demo.delegates[:3]]
    staff = await hall.connect(nodes[0], demo.secretariat)
    board = await hall.connect(nodes[2], demo.boards[0])
    await staff.command("define_group", group_name="Tổ 1", place="Phòng họp A")
    await staff.command("assign_to_group", group_id="g1", delegate_ids=ids)
    await staff.command("set_group_officers", group_id="g1", chair=ids[0], secretary=None)
    # The member on node B and the chair on node C enter the room node A's change made.
    member = await enter(hall, nodes[1], demo.delegates[2][0], G1)
    chair = await enter(hall, nodes[2], demo.delegates[0][0], G1)
    assert (member.welcome["role"], chair.welcome["role"]) == ("delegate", "presidium")

    def synced(view: Any) -> bool:
        return bool(view["attendance"]["total"] == 3 and view["session"]["group"]["name"])

    await member.wait_for(synced, timeout=10 * UNIT)
    await chair.command("add_agenda_item", title="Thảo luận Báo cáo chính trị")
    await chair.command("set_current_item", item_id="item-1")
    await chair.command("open_session")
    asked = await member.command("request_floor", kind="speech")
    # The chair grants the floor once the request is in the chair's own view, as at the
    # console: node C may not have read node B's record yet when B acknowledges it.
    await chair.wait_for(lambda v: v.seq >= asked.seq, timeout=10 * UNIT)
    await chair.command("grant_floor", seconds=60)
    view = await member.wait_for(lambda v: (v["speakers"] or {}).get("floor") is not None)
    assert view["speakers"]["floor"]["delegate_id"] == ids[2]
    assert view["session"]["title"] == "Tổ 1"
    # Every node created the room or found it created, and synced it: one first record,
    # and no copy of the plenary recorded twice, whatever the number of nodes at work.
    log = await RedisBackend.open(redis_server.url)
    try:
        records = await log.read(G1, 0, 1000)
    finally:
        await log.close()
    kinds = [event.kind for record in records for event in record.events]
    assert kinds.count("room_created") == 1
    assert records[0].events[0].kind == "room_created"
    synced_copies = [
        event for record in records for event in record.events if event.kind == "group_synced"
    ]
    assert len(synced_copies) == len({repr(event) for event in synced_copies})
    # The status reached the plenary's board through whichever node reported it.
    await board.wait_for(
        lambda v: any(g["status"] == "in_session" for g in v["groups"]), timeout=10 * UNIT
    )
