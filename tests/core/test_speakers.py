"""decide's rules for the list of speakers and the floor: requests, their order, speeches."""

from __future__ import annotations

import pytest

from session_server.core import commands as c
from session_server.core import events as e
from session_server.core.decide import DEFAULT_SECONDS, Actor, Rejection
from session_server.core.state import Floor, FloorRequest, Speech

from .rooms import (
    ANH,
    BINH,
    CHI,
    DUNG,
    GHOST,
    ORDER,
    REPLY,
    SPEECH,
    ask,
    delegate,
    seated,
)

# --- The list of speakers --------------------------------------------------------------


def test_a_speech_request_joins_the_end_of_the_queue_unaccepted() -> None:
    room = seated()
    events = room.do(c.RequestFloor(), delegate(ANH))
    requested_at = room.now
    assert events == (e.FloorRequested("item-1", ANH, SPEECH, requested_at, 0),)
    ask(room, (BINH, REPLY), (CHI, SPEECH))
    assert room.queue == [(ANH, SPEECH), (BINH, REPLY), (CHI, SPEECH)]
    speakers = room.state.current_speakers()
    assert speakers is not None
    assert speakers.requests[0] == FloorRequest(ANH, SPEECH, requested_at, accepted=False)


def test_a_point_of_order_goes_ahead_of_speeches_but_after_earlier_points_of_order() -> None:
    room = seated()
    ask(room, (ANH, SPEECH), (BINH, REPLY))
    events = room.do(c.RequestFloor(ORDER), delegate(CHI))
    assert events == (e.FloorRequested("item-1", CHI, ORDER, room.now, 0),)
    (later,) = room.do(c.RequestFloor(ORDER), delegate(DUNG))
    assert isinstance(later, e.FloorRequested)
    assert later.position == 1
    assert room.queue == [(CHI, ORDER), (DUNG, ORDER), (ANH, SPEECH), (BINH, REPLY)]


def test_a_point_of_order_on_an_empty_or_all_order_queue_goes_last() -> None:
    room = seated()
    ask(room, (ANH, ORDER), (BINH, ORDER))
    assert room.queue == [(ANH, ORDER), (BINH, ORDER)]


def test_a_closed_list_refuses_speeches_and_replies_but_accepts_points_of_order() -> None:
    room = seated()
    assert room.do(c.CloseList()) == (e.ListClosedChanged("item-1", True),)
    assert room.do(c.CloseList()) == ()
    assert room.refuse(c.RequestFloor(SPEECH), delegate(ANH)) == Rejection(
        "invalid_state", "the list of speakers is closed", "list_closed"
    )
    assert room.code(c.RequestFloor(REPLY), delegate(ANH)) == "invalid_state"
    room.do(c.RequestFloor(ORDER), delegate(ANH))
    assert room.queue == [(ANH, ORDER)]
    assert room.do(c.ReopenList()) == (e.ListClosedChanged("item-1", False),)
    assert room.do(c.ReopenList()) == ()
    room.do(c.RequestFloor(SPEECH), delegate(BINH))
    assert room.queue == [(ANH, ORDER), (BINH, SPEECH)]


def test_a_closed_list_stays_with_its_item() -> None:
    room = seated()
    room.do(c.CloseList())
    room.do(c.SetCurrentItem("item-2"))
    room.do(c.RequestFloor(), delegate(ANH))
    room.do(c.SetCurrentItem("item-1"))
    assert room.code(c.RequestFloor(), delegate(ANH)) == "invalid_state"


def test_a_delegate_asks_once_per_item_and_not_while_speaking() -> None:
    room = seated()
    ask(room, (ANH, SPEECH))
    assert room.refuse(c.RequestFloor(ORDER), delegate(ANH)).code == "invalid_state"
    room.do(c.GrantFloor(ANH))
    assert room.refuse(c.RequestFloor(), delegate(ANH)) == Rejection(
        "invalid_state", "you have the floor now", "has_floor"
    )
    room.do(c.SetCurrentItem("item-2"))
    ask(room, (ANH, SPEECH))
    assert room.queue == [(ANH, SPEECH)]


@pytest.mark.parametrize("actor", [delegate(GHOST), delegate(None)])
def test_a_delegate_token_not_on_the_roll_may_not_ask_for_the_floor(actor: Actor) -> None:
    assert seated().code(c.RequestFloor(), actor) == "forbidden"


def test_requests_need_an_open_item() -> None:
    room = seated()
    room.do(c.SetCurrentItem(None))
    delegate_commands: tuple[c.Command, ...] = (c.WithdrawRequest(), c.RequestFloor())
    for command in delegate_commands:
        assert room.refuse(command, delegate(ANH)) == Rejection(
            "invalid_state", "no agenda item is open", "no_open_item"
        )
    for command in (
        c.AcceptRequest(ANH),
        c.MoveRequest(ANH, 0),
        c.RemoveRequest(ANH),
        c.GrantFloor(),
        c.GrantFloor(ANH),
        c.CloseList(),
        c.ReopenList(),
    ):
        assert room.refuse(command) == Rejection(
            "invalid_state", "no agenda item is open", "no_open_item"
        )


def test_withdraw_request() -> None:
    room = seated()
    assert room.code(c.WithdrawRequest(), delegate(ANH)) == "not_found"
    assert room.code(c.WithdrawRequest(), delegate(None)) == "not_found"
    ask(room, (ANH, SPEECH), (BINH, SPEECH))
    assert room.do(c.WithdrawRequest(), delegate(ANH)) == (
        e.RequestRemoved("item-1", ANH, withdrawn=True),
    )
    assert room.queue == [(BINH, SPEECH)]
    assert room.code(c.WithdrawRequest(), delegate(ANH)) == "not_found"


def test_accept_request() -> None:
    room = seated()
    assert room.code(c.AcceptRequest(ANH)) == "not_found"
    ask(room, (ANH, SPEECH), (BINH, SPEECH))
    assert room.do(c.AcceptRequest(BINH)) == (e.RequestAccepted("item-1", BINH),)
    assert room.do(c.AcceptRequest(BINH)) == ()
    speakers = room.state.current_speakers()
    assert speakers is not None
    assert [r.accepted for r in speakers.requests] == [False, True]


def test_move_request() -> None:
    room = seated()
    ask(room, (ANH, SPEECH), (BINH, SPEECH), (CHI, SPEECH))
    assert room.code(c.MoveRequest(DUNG, 0)) == "not_found"
    assert room.code(c.MoveRequest(CHI, -1)) == "invalid_args"
    assert room.code(c.MoveRequest(CHI, 3)) == "invalid_args"
    assert room.do(c.MoveRequest(CHI, 0)) == (e.RequestMoved("item-1", CHI, 0),)
    assert [d for d, _ in room.queue] == [CHI, ANH, BINH]
    assert room.do(c.MoveRequest(CHI, 0)) == ()
    room.do(c.MoveRequest(CHI, 2))
    assert [d for d, _ in room.queue] == [ANH, BINH, CHI]


def test_remove_request_is_not_a_withdrawal() -> None:
    room = seated()
    assert room.code(c.RemoveRequest(ANH)) == "not_found"
    ask(room, (ANH, SPEECH))
    assert room.do(c.RemoveRequest(ANH)) == (
        e.RequestRemoved("item-1", ANH, withdrawn=False, position=0),
    )
    assert room.queue == []


# --- The floor -------------------------------------------------------------------------


def test_grant_floor_without_a_delegate_takes_the_first_in_the_queue() -> None:
    room = seated()
    assert room.refuse(c.GrantFloor()) == Rejection(
        "invalid_state", "nobody is waiting for the floor", "queue_empty"
    )
    ask(room, (ANH, SPEECH), (BINH, ORDER))
    events = room.do(c.GrantFloor())
    assert events == (e.FloorGranted("item-1", BINH, ORDER, room.now, DEFAULT_SECONDS[ORDER]),)
    assert room.floor == Floor(BINH, ORDER, room.now, 120)
    assert room.queue == [(ANH, SPEECH)]


def test_grant_floor_ends_the_current_speech_first() -> None:
    room = seated()
    ask(room, (ANH, SPEECH), (BINH, REPLY))
    room.do(c.GrantFloor())
    granted_at = room.now
    assert room.refuse(c.GrantFloor()).reason == "floor_taken"
    events = room.do(c.GrantFloor(interrupt=True))
    assert events == (
        e.SpeechEnded("item-1", room.now),
        e.FloorGranted("item-1", BINH, REPLY, room.now, 180),
    )
    speakers = room.state.current_speakers()
    assert speakers is not None
    assert speakers.speeches == (Speech(ANH, SPEECH, granted_at, room.now),)
    assert speakers.floor == Floor(BINH, REPLY, room.now, 180)
    assert speakers.requests == ()


def test_the_default_speaking_times() -> None:
    assert DEFAULT_SECONDS == {SPEECH: 420, ORDER: 120, REPLY: 180}
    room = seated()
    ask(room, (ANH, SPEECH))
    room.do(c.GrantFloor())
    assert room.floor is not None
    assert room.floor.allowed_seconds == 420


def test_grant_floor_to_a_named_delegate() -> None:
    room = seated()
    ask(room, (ANH, SPEECH), (BINH, REPLY))
    room.do(c.GrantFloor(BINH, seconds=60))
    assert room.floor == Floor(BINH, REPLY, room.now, 60)
    assert room.queue == [(ANH, SPEECH)]
    room.do(c.GrantFloor(CHI, interrupt=True))
    assert room.floor == Floor(CHI, SPEECH, room.now, 420)
    assert room.queue == [(ANH, SPEECH)]


def test_grant_floor_refusals() -> None:
    room = seated()
    ask(room, (ANH, SPEECH))
    assert room.code(c.GrantFloor(GHOST)) == "not_found"
    assert room.code(c.GrantFloor(ANH, seconds=9)) == "invalid_args"
    assert room.code(c.GrantFloor(ANH, seconds=3601)) == "invalid_args"
    assert room.code(c.GrantFloor(seconds=0)) == "invalid_args"
    assert room.queue == [(ANH, SPEECH)]
    room.do(c.GrantFloor(ANH, seconds=10))
    room.do(c.GrantFloor(BINH, seconds=3600, interrupt=True))
    assert room.floor == Floor(BINH, SPEECH, room.now, 3600)


def test_the_floor_may_be_granted_while_the_list_is_closed() -> None:
    room = seated()
    ask(room, (ANH, SPEECH))
    room.do(c.CloseList())
    room.do(c.GrantFloor())
    assert room.floor is not None
    assert room.floor.delegate_id == ANH


def test_end_speech() -> None:
    room = seated()
    assert room.refuse(c.EndSpeech()) == Rejection(
        "invalid_state", "nobody has the floor", "nobody_speaking"
    )
    room.do(c.GrantFloor(ANH))
    started = room.now
    assert room.do(c.EndSpeech()) == (e.SpeechEnded("item-1", room.now),)
    assert room.floor is None
    speakers = room.state.current_speakers()
    assert speakers is not None
    assert speakers.speeches == (Speech(ANH, SPEECH, started, room.now),)
    assert room.code(c.EndSpeech()) == "invalid_state"


def test_extend_time() -> None:
    room = seated()
    assert room.code(c.ExtendTime(0)) == "invalid_state", "nobody has the floor is checked first"
    assert room.code(c.ExtendTime()) == "invalid_state"
    room.do(c.GrantFloor(ANH, seconds=100))
    granted_at = room.now
    assert room.code(c.ExtendTime(0)) == "invalid_args"
    assert room.code(c.ExtendTime(1801)) == "invalid_args"
    assert room.do(c.ExtendTime()) == (e.SpeakingTimeExtended("item-1", 60),)
    room.do(c.ExtendTime(1))
    room.do(c.ExtendTime(1800))
    assert room.floor == Floor(ANH, SPEECH, granted_at, 100 + 60 + 1 + 1800)
