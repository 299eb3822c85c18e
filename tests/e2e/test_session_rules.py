"""The session's rules on a real hub: after the adjournment the floor is shut and no board
shows a speaker; a break hides the floor with its end shown; undo and refusal reasons."""

from __future__ import annotations

from typing import Any

import pytest

from presidium_console.client import CommandRefused, CongressClient
from tests.conftest import UNIT, Clients, DemoTokens, HubProcess, health, reached


async def head(hub: HubProcess) -> int:
    return int((await health(hub))["rooms"]["camau-2025"]["seq"])


async def refused(client: CongressClient, name: str, **args: Any) -> tuple[str, str | None]:
    with pytest.raises(CommandRefused) as refusal:
        await client.command(name, **args)
    return refusal.value.code, refusal.value.reason


def shows_a_speaker(frame: dict[str, Any]) -> bool:
    """Whether a board's frame puts anyone on the floor or in the queue."""
    sections: dict[str, Any] = {}
    if frame["type"] == "snapshot":
        sections = frame["state"]
    elif frame["type"] == "event":
        sections = frame["set"]
        for edit in frame["edit"]:
            path = edit["path"]
            if path[:2] == ["speakers", "floor"] and edit.get("value") is not None:
                return True
            if path[:2] == ["speakers", "queue"] and (edit.get("items") or edit.get("insert")):
                return True
            if path == ["speakers"] and edit.get("value") is not None:
                value = edit["value"]
                if value.get("floor") is not None or value.get("queue"):
                    return True
    speakers = sections.get("speakers")
    return isinstance(speakers, dict) and (
        speakers.get("floor") is not None or bool(speakers.get("queue"))
    )


async def a_speech_under_way(
    clients: Clients, tokens: DemoTokens
) -> tuple[CongressClient, list[CongressClient], CongressClient]:
    """The presidium, three delegates (the first speaking, the second waiting), a board."""
    presidium = await clients.connect(tokens.presidium)
    delegates = [await clients.connect(token) for token, _ in tokens.delegates[:3]]
    board = await clients.connect(tokens.boards[0])
    ids = [delegate_id for _, delegate_id in tokens.delegates[:3]]
    await presidium.command("open_session")
    await presidium.command("set_current_item", item_id="item-2")
    for delegate in delegates[:2]:
        await delegate.command("request_floor", kind="speech")
    await presidium.command("accept_request", delegate_id=ids[1])
    granted = await presidium.command("grant_floor", delegate_id=ids[0])
    view = await board.wait_for(reached(granted.seq), timeout=10 * UNIT)
    assert view["speakers"]["floor"] is not None
    assert len(view["speakers"]["queue"]) == 1
    return presidium, delegates, board


async def test_after_adjournment_a_request_and_a_grant_are_refused_and_no_board_shows_a_speaker(
    hub: HubProcess, tokens: DemoTokens, clients: Clients
) -> None:
    presidium, delegates, board = await a_speech_under_way(clients, tokens)
    ids = [delegate_id for _, delegate_id in tokens.delegates[:3]]
    # Granting while someone speaks needs the chair's confirmation.
    assert await refused(presidium, "grant_floor", delegate_id=ids[1]) == (
        "invalid_state",
        "floor_taken",
    )
    adjourned = await presidium.command("adjourn_session")
    await board.wait_for(reached(adjourned.seq), timeout=10 * UNIT)
    before = await head(hub)

    assert await refused(delegates[2], "request_floor", kind="speech") == (
        "invalid_state",
        "session_adjourned",
    )
    assert await refused(presidium, "grant_floor", delegate_id=ids[1]) == (
        "invalid_state",
        "session_adjourned",
    )
    assert await refused(presidium, "grant_floor", delegate_id=ids[2], interrupt=True) == (
        "invalid_state",
        "session_adjourned",
    )
    assert await head(hub) == before, "a refused command appends nothing"

    # The adjournment's own frame took the speaker and the queue off the board, and no
    # frame since (nor a board connecting now) holds one.
    after = [f for f in board.frames if f.get("seq", 0) >= adjourned.seq]
    assert after
    assert not [f for f in after if shows_a_speaker(f)]
    assert board.view["session"]["status"] == "adjourned"
    assert board.view["speakers"]["floor"] is None
    assert board.view["speakers"]["queue"] == []
    late = await clients.connect(tokens.boards[1])
    assert late.view["speakers"]["floor"] is None
    assert not [f for f in late.frames if shows_a_speaker(f)]
    # The speech that was running is recorded as given.
    done = presidium.view["speakers"]["done"]
    assert [d["delegate_id"] for d in done] == [ids[0]]


async def test_a_break_shows_its_end_and_hides_the_floor_until_the_session_resumes(
    hub: HubProcess, tokens: DemoTokens, clients: Clients
) -> None:
    presidium, delegates, board = await a_speech_under_way(clients, tokens)
    hall = await clients.connect(tokens.hall)
    resumes_at = int(presidium.server_now_ms()) + 15 * 60_000
    suspended = await presidium.command("suspend_session", resumes_at=resumes_at)
    for screen in (board, hall, delegates[2], presidium):
        view = await screen.wait_for(reached(suspended.seq), timeout=10 * UNIT)
        assert view["session"]["status"] == "suspended"
        assert view["session"]["resumes_at"] == resumes_at
    for screen in (board, hall):
        assert screen.view["speakers"]["floor"] is None
        assert screen.view["speakers"]["queue"] == []
    assert presidium.view["speakers"]["floor"] is not None
    assert await refused(delegates[2], "request_floor") == ("invalid_state", "session_suspended")
    assert await refused(presidium, "grant_floor", interrupt=True) == (
        "invalid_state",
        "session_suspended",
    )
    resumed = await presidium.command("open_session")
    view = await board.wait_for(reached(resumed.seq), timeout=10 * UNIT)
    assert view["session"]["resumes_at"] is None
    assert view["speakers"]["floor"] is not None
    assert len(view["speakers"]["queue"]) == 1


async def test_a_removed_request_and_a_check_in_are_undone(
    hub: HubProcess, tokens: DemoTokens, clients: Clients
) -> None:
    presidium = await clients.connect(tokens.presidium)
    secretariat = await clients.connect(tokens.secretariat)
    (first, first_id), (second, second_id) = tokens.delegates[:2]
    one, two = await clients.connect(first), await clients.connect(second)
    await presidium.command("open_session")
    await presidium.command("set_current_item", item_id="item-2")
    await one.command("request_floor", kind="reply")
    await two.command("request_floor")
    await presidium.command("remove_request", delegate_id=first_id)
    restored = await presidium.command("restore_request", delegate_id=first_id)
    view = await presidium.wait_for(reached(restored.seq), timeout=10 * UNIT)
    assert [(q["delegate_id"], q["kind"]) for q in view["speakers"]["queue"]] == [
        (first_id, "reply"),
        (second_id, "speech"),
    ]
    assert await refused(presidium, "restore_request", delegate_id=first_id) == (
        "invalid_state",
        "already_requested",
    )

    await one.command("check_in")
    await one.wait_for(lambda v: bool(v.you and v.you["present"]), timeout=10 * UNIT)
    cancelled = await secretariat.command("cancel_check_in", delegate_id=first_id)
    await one.wait_for(lambda v: bool(v.you and not v.you["present"]), timeout=10 * UNIT)
    view = await presidium.wait_for(reached(cancelled.seq), timeout=10 * UNIT)
    assert not next(d for d in view["roll"] if d["id"] == first_id)["present"]
    # A delegate may not undo anyone's check-in, not even their own.
    assert await refused(one, "cancel_check_in", delegate_id=first_id) == (
        "forbidden",
        "role_not_allowed",
    )
