"""The speaker history over HTTP: each item's speeches in order, for staff tokens only."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from typing import Any

from session_server.core.state import Role
from session_server.demo import DEMO_ROOM
from tests.conftest import UNIT, Clients, DemoTokens, HubProcess, reached


def get(url: str, secret: str | None) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    try:
        request = urllib.request.Request(url, headers=headers)
        with urllib.request.urlopen(request, timeout=5 * UNIT) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        with refused:
            return refused.code, json.loads(refused.read())


async def fetch(hub: HubProcess, secret: str | None, room: str = DEMO_ROOM) -> tuple[int, Any]:
    return await asyncio.to_thread(get, f"{hub.http}/api/rooms/{room}/history", secret)


async def test_each_item_lists_its_speeches_in_order_with_kind_and_times(
    hub: HubProcess, tokens: DemoTokens, clients: Clients
) -> None:
    presidium = await clients.connect(tokens.presidium)
    first, second = tokens.delegates[0], tokens.delegates[1]
    speakers = [await clients.connect(first[0]), await clients.connect(second[0])]
    items = presidium.view["agenda"]["items"]
    await presidium.command("open_session")
    await presidium.command("set_current_item", item_id=items[0]["id"])
    await speakers[0].command("request_floor", kind="speech")
    await speakers[1].command("request_floor", kind="point_of_order")
    await presidium.command("grant_floor", delegate_id=second[1])
    await presidium.command("end_speech")
    await presidium.command("grant_floor", delegate_id=first[1])
    await presidium.command("end_speech")
    await presidium.command("set_current_item", item_id=items[1]["id"])
    await presidium.command("grant_floor", delegate_id=second[1], seconds=60)
    ack = await presidium.command("end_speech")
    await presidium.command("grant_floor", delegate_id=first[1])
    view = await presidium.wait_for(reached(ack.seq + 1), timeout=10 * UNIT)
    roll = {d["id"]: d for d in view["roll"]}

    status, body = await fetch(hub, tokens.presidium)
    assert status == 200
    assert body["seq"] >= ack.seq + 1
    assert [i["item"] for i in body["items"]] == [i["id"] for i in items]
    assert [i["title"] for i in body["items"]] == [i["title"] for i in items]
    spoken = {i["item"]: i["speeches"] for i in body["items"]}
    assert [(s["delegate_id"], s["kind"]) for s in spoken[items[0]["id"]]] == [
        (second[1], "point_of_order"),
        (first[1], "speech"),
    ]
    # The speech still running on the open item is the view's floor, not history.
    assert [(s["delegate_id"], s["kind"]) for s in spoken[items[1]["id"]]] == [
        (second[1], "speech")
    ]
    assert all(not spoken[i["id"]] for i in items[2:])
    for speeches in spoken.values():
        for speech in speeches:
            assert speech["name"] == roll[speech["delegate_id"]]["name"]
            assert speech["unit"] == roll[speech["delegate_id"]]["unit"]
            assert 0 < speech["started_at"] <= speech["ended_at"]
    done = spoken[items[0]["id"]]
    assert done[0]["ended_at"] <= done[1]["started_at"], "oldest first"
    # The same as the secretariat reads it.
    assert (await fetch(hub, tokens.secretariat))[1]["items"] == body["items"]


async def test_only_staff_tokens_read_the_history(hub: HubProcess, tokens: DemoTokens) -> None:
    assert (await fetch(hub, None))[0] == 401
    assert (await fetch(hub, "not-a-token"))[0] == 401
    for secret in (tokens.delegates[0][0], tokens.boards[0], tokens.hall):
        status, body = await fetch(hub, secret)
        assert (status, body["error"]) == (403, "forbidden")
    # A token of this room is no key to another's.
    assert (await fetch(hub, tokens.presidium, "another-room"))[0] == 401
    # A token only in the cookie is read as the other endpoints read it.
    other = await hub.issue(Role.SECRETARIAT)
    url = f"{hub.http}/api/rooms/{DEMO_ROOM}/history"

    def by_cookie() -> int:
        request = urllib.request.Request(url, headers={"Cookie": f"congress_token={other}"})
        with urllib.request.urlopen(request, timeout=5 * UNIT) as answer:
            return int(answer.status)

    assert await asyncio.to_thread(by_cookie) == 200
