"""The session's rules: what adjourning and a break do, undo, interrupting, speaking presets."""

from __future__ import annotations

import msgpack
import pytest

from session_server.core import commands as c
from session_server.core import events as e
from session_server.core.decide import Actor, Rejection, create_room
from session_server.core.events import event_from_plain, event_to_plain
from session_server.core.evolve import apply
from session_server.core.projection import project
from session_server.core.replay import replay, state_bytes
from session_server.core.state import Access, Floor, Role, SessionStatus

from .rooms import (
    ANH,
    BINH,
    CHI,
    DUNG,
    ORDER,
    PRESIDIUM,
    REPLY,
    SECRETARIAT,
    SPEECH,
    Room,
    ask,
    delegate,
    seated,
)


class Logged(Room):
    """A room that keeps its log, to check that a replay ends where the room did."""

    def __init__(self) -> None:
        super().__init__()
        created = create_room("r", self.state.title)
        assert isinstance(created, tuple)
        self.log: list[tuple[int, tuple[e.Event, ...]]] = [(1, created)]

    def do(self, command: c.Command, actor: Actor = PRESIDIUM) -> tuple[e.Event, ...]:
        events = super().do(command, actor)
        if events:
            self.log.append((self.state.seq, events))
        return events


def reason(room: Room, command: c.Command, actor: Actor = PRESIDIUM) -> tuple[str, str]:
    refused = room.refuse(command, actor)
    return refused.code, refused.reason


# --- Adjournment ---------------------------------------------------------------------


def test_after_adjournment_a_request_and_a_grant_are_refused() -> None:
    room = seated()
    ask(room, (ANH, SPEECH))
    room.do(c.AdjournSession())
    assert reason(room, c.RequestFloor(), delegate(BINH)) == ("invalid_state", "session_adjourned")
    assert reason(room, c.GrantFloor(ANH)) == ("invalid_state", "session_adjourned")
    assert reason(room, c.GrantFloor(ANH, interrupt=True)) == (
        "invalid_state",
        "session_adjourned",
    )
    for command in (c.SetCurrentItem("item-2"), c.ShowPage("x", 1), c.AddAgendaItem("Late")):
        assert reason(room, command) == ("invalid_state", "session_adjourned")
    assert reason(room, c.CheckIn(CHI), SECRETARIAT) == ("invalid_state", "session_adjourned")
    # Announcements outlive the session; the roll may be corrected for the record.
    room.do(c.PostAnnouncement("Xe đưa đón lúc 17 giờ"), SECRETARIAT)
    room.do(c.RegisterDelegate(ANH, "Anh Nguyễn", "Unit 0", "A0"), SECRETARIAT)


def test_adjourning_ends_the_speech_empties_the_queue_and_hides_the_page() -> None:
    room = Logged()
    for n, delegate_id in enumerate((ANH, BINH, CHI, DUNG)):
        room.do(c.RegisterDelegate(delegate_id, f"Delegate {n}", f"Unit {n}"), SECRETARIAT)
    room.do(c.AddAgendaItem(title="Report"))
    room.do(c.RegisterDocument("programme", "Programme", Access.PUBLIC, 2), SECRETARIAT)
    room.do(c.OpenSession())
    room.do(c.SetCurrentItem("item-1"))
    room.do(c.ShowPage("programme", 2))
    for delegate_id in (ANH, BINH, CHI):
        room.do(c.RequestFloor(), delegate(delegate_id))
    room.do(c.AcceptRequest(BINH))
    room.do(c.GrantFloor(ANH))
    granted = room.now
    events = room.do(c.AdjournSession())
    assert events == (
        e.SpeechEnded("item-1", room.now),
        e.RequestRemoved("item-1", CHI, withdrawn=False, position=1),
        e.RequestRemoved("item-1", BINH, withdrawn=False, position=0),
        e.DocumentHidden(),
        e.SessionStatusChanged(SessionStatus.ADJOURNED, room.now),
    )
    speakers = room.state.current_speakers()
    assert speakers is not None
    assert (speakers.floor, speakers.requests) == (None, ())
    assert [(s.delegate_id, s.started_at, s.ended_at) for s in speakers.speeches] == [
        (ANH, granted, room.now)
    ]
    assert state_bytes(replay("r", room.log)) == state_bytes(room.state)
    for role in Role:
        view = project(room.state, role)
        assert view["speakers"]["floor"] is None
        assert view["speakers"]["queue"] == []
        assert view["document"] is None
    # Reconvening undoes a mistaken adjournment: the requests come back one by one.
    room.do(c.OpenSession())
    room.do(c.RestoreRequest(BINH))
    room.do(c.RestoreRequest(CHI))
    assert room.queue == [(BINH, SPEECH), (CHI, SPEECH)]
    speakers = room.state.current_speakers()
    assert speakers is not None
    assert [r.accepted for r in speakers.requests] == [True, False]


def test_a_session_not_started_refuses_the_floor_and_allows_preparation() -> None:
    room = Room()
    room.do(c.RegisterDelegate(ANH, "Anh"), SECRETARIAT)
    room.do(c.AddAgendaItem(title="Opening"))
    room.do(c.RegisterDocument("programme", "Programme", Access.PUBLIC, 2), SECRETARIAT)
    room.do(c.ShowPage("programme", 1))
    room.do(c.CheckIn(ANH), SECRETARIAT)
    room.do(c.SetSpeakingTimes(300, 60, 120))
    room.do(c.SetCurrentItem("item-1"))
    # Requests to speak are collected ahead; the floor waits for the opening.
    room.do(c.RequestFloor(), delegate(ANH))
    room.do(c.AcceptRequest(ANH))
    assert reason(room, c.GrantFloor(ANH)) == ("invalid_state", "session_not_started")
    assert reason(room, c.EndSpeech()) == ("invalid_state", "session_not_started")
    assert reason(room, c.SuspendSession()) == ("invalid_state", "session_not_started")


# --- A break ---------------------------------------------------------------------------


def test_a_break_with_its_resume_time_reaches_every_audience() -> None:
    room = seated()
    resumes = room.now + 15 * 60_000
    room.do(c.SuspendSession(resumes_at=resumes))
    began = room.now
    for role in Role:
        session = project(room.state, role)["session"]
        assert (session["status"], session["since"], session["resumes_at"]) == (
            "suspended",
            began,
            resumes,
        )
    # Changing the end keeps the start; the same end again changes nothing.
    later = resumes + 10 * 60_000
    room.do(c.SuspendSession(resumes_at=later))
    assert (room.state.status_since, room.state.resumes_at) == (began, later)
    assert room.do(c.SuspendSession(resumes_at=later)) == ()
    room.do(c.OpenSession())
    assert room.state.resumes_at is None
    assert project(room.state, Role.BOARD)["session"]["resumes_at"] is None


@pytest.mark.parametrize("ahead", [-1, 0, 24 * 60 * 60_000 + 1])
def test_a_break_s_end_is_after_now_and_within_a_day(ahead: int) -> None:
    room = seated()
    command = c.SuspendSession(resumes_at=room.now + 1_000 + ahead)
    assert reason(room, command) == ("invalid_args", "resume_time_range")
    assert room.status() is SessionStatus.IN_SESSION


def test_during_a_break_nobody_gets_the_floor_but_the_list_is_kept() -> None:
    room = seated()
    ask(room, (ANH, SPEECH), (BINH, REPLY))
    room.do(c.SuspendSession())
    assert reason(room, c.GrantFloor()) == ("invalid_state", "session_suspended")
    assert reason(room, c.RequestFloor(), delegate(CHI)) == ("invalid_state", "session_suspended")
    assert reason(room, c.SetCurrentItem("item-2")) == ("invalid_state", "session_suspended")
    room.do(c.AcceptRequest(ANH))
    room.do(c.MoveRequest(BINH, 0))
    room.do(c.AddAgendaItem(title="Added in the break"))
    room.do(c.PostAnnouncement("Giải lao 15 phút"), SECRETARIAT)
    room.do(c.WithdrawRequest(), delegate(BINH))
    assert room.queue == [(ANH, SPEECH)]


def test_boards_hide_the_floor_and_queue_during_a_break_and_the_speaker_gets_it_back() -> None:
    room = seated()
    ask(room, (ANH, SPEECH), (BINH, SPEECH))
    room.do(c.AcceptRequest(BINH))
    room.do(c.GrantFloor(ANH, seconds=300))
    granted = room.now
    room.now += 59_000
    room.do(c.SuspendSession())
    for role in (Role.BOARD, Role.HALL):
        speakers = project(room.state, role)["speakers"]
        assert (speakers["floor"], speakers["queue"]) == (None, [])
    presidium = project(room.state, Role.PRESIDIUM)["speakers"]
    assert presidium["floor"]["delegate_id"] == ANH
    room.now += 600_499
    events = room.do(c.OpenSession())
    # The break lasted 601.5 s: the speaker gets 602 s back, so the countdown resumes.
    assert events == (
        e.SpeakingTimeExtended("item-1", 602),
        e.SessionStatusChanged(SessionStatus.IN_SESSION, room.now),
    )
    assert room.floor == Floor(ANH, SPEECH, granted, 902)
    board = project(room.state, Role.BOARD)["speakers"]
    assert board["floor"]["name"] == "Delegate 0"
    assert [q["name"] for q in board["queue"]] == ["Delegate 1"]


# --- Interrupting a speech -------------------------------------------------------------


def test_granting_the_floor_while_someone_speaks_needs_interrupt() -> None:
    room = seated()
    ask(room, (ANH, SPEECH), (BINH, SPEECH))
    room.do(c.GrantFloor())
    before = state_bytes(room.state)
    assert reason(room, c.GrantFloor()) == ("invalid_state", "floor_taken")
    assert reason(room, c.GrantFloor(CHI, seconds=60)) == ("invalid_state", "floor_taken")
    assert state_bytes(room.state) == before
    events = room.do(c.GrantFloor(interrupt=True))
    assert [type(event) for event in events] == [e.SpeechEnded, e.FloorGranted]
    # With nobody speaking, interrupt changes nothing.
    room.do(c.EndSpeech())
    ask(room, (CHI, SPEECH))
    assert [type(event) for event in room.do(c.GrantFloor(interrupt=True))] == [e.FloorGranted]


# --- Undo ------------------------------------------------------------------------------


def test_restore_request_puts_it_back_where_it_stood() -> None:
    room = seated()
    ask(room, (ANH, SPEECH), (BINH, REPLY), (CHI, SPEECH))
    room.do(c.AcceptRequest(BINH))
    speakers = room.state.current_speakers()
    assert speakers is not None
    asked_at = speakers.requests[1].requested_at
    room.do(c.RemoveRequest(BINH))
    assert room.queue == [(ANH, SPEECH), (CHI, SPEECH)]
    events = room.do(c.RestoreRequest(BINH))
    assert events == (e.RequestRestored("item-1", BINH, REPLY, asked_at, True, 1),)
    assert room.queue == [(ANH, SPEECH), (BINH, REPLY), (CHI, SPEECH)]
    # Restored once: there is nothing left to restore, and a request now is in the way.
    assert reason(room, c.RestoreRequest(BINH)) == ("invalid_state", "already_requested")
    room.do(c.RemoveRequest(BINH))
    room.do(c.RestoreRequest(BINH))
    room.do(c.WithdrawRequest(), delegate(BINH))
    assert reason(room, c.RestoreRequest(BINH)) == ("not_found", "nothing_to_restore")


def test_restore_request_refusals() -> None:
    room = seated()
    assert reason(room, c.RestoreRequest(ANH)) == ("not_found", "nothing_to_restore")
    ask(room, (ANH, SPEECH), (BINH, SPEECH), (CHI, ORDER))
    room.do(c.RemoveRequest(ANH))
    room.do(c.RemoveRequest(BINH))
    # A new request from the delegate supersedes the one removed.
    room.do(c.RequestFloor(), delegate(ANH))
    assert reason(room, c.RestoreRequest(ANH)) == ("invalid_state", "already_requested")
    room.do(c.WithdrawRequest(), delegate(ANH))
    assert reason(room, c.RestoreRequest(ANH)) == ("not_found", "nothing_to_restore")
    # Given the floor since: nothing to restore either.
    room.do(c.GrantFloor(BINH))
    assert reason(room, c.RestoreRequest(BINH)) == ("invalid_state", "has_floor")
    # A place past the end of a shorter queue becomes the end.
    room.do(c.EndSpeech())
    room.do(c.RequestFloor(), delegate(DUNG))
    room.do(c.RemoveRequest(DUNG))
    room.do(c.RemoveRequest(CHI))
    room.do(c.RestoreRequest(DUNG))
    assert room.queue == [(DUNG, SPEECH)]
    # Each item keeps its own: another item has nothing to restore.
    room.do(c.SetCurrentItem("item-2"))
    assert reason(room, c.RestoreRequest(CHI)) == ("not_found", "nothing_to_restore")
    room.do(c.SetCurrentItem(None))
    assert reason(room, c.RestoreRequest(CHI)) == ("invalid_state", "no_open_item")


def test_cancel_check_in_undoes_a_check_in() -> None:
    room = seated()
    room.do(c.CheckIn(ANH), SECRETARIAT)
    room.do(c.CheckIn(BINH), SECRETARIAT)
    assert room.do(c.CancelCheckIn(ANH), SECRETARIAT) == (e.CheckInCancelled(ANH, room.now),)
    assert room.state.present == {BINH}
    assert project(room.state, Role.BOARD)["attendance"] == {"present": 1, "total": 4}
    assert room.do(c.CancelCheckIn(ANH)) == ()
    assert reason(room, c.CancelCheckIn("dlg-ghost")) == ("not_found", "delegate_not_found")
    refused = room.refuse(c.CancelCheckIn(BINH), delegate(BINH))
    assert (refused.code, refused.reason) == ("forbidden", "role_not_allowed")
    room.do(c.CheckIn(), delegate(ANH))
    assert room.state.present == {ANH, BINH}


# --- Speaking-time presets -------------------------------------------------------------


def test_speaking_time_presets_are_used_when_the_grant_names_no_time() -> None:
    room = seated()
    assert project(room.state, Role.PRESIDIUM)["session"]["speaking_times"] == {
        "speech": 420,
        "point_of_order": 120,
        "reply": 180,
    }
    room.do(c.SetSpeakingTimes(speech=300, point_of_order=90, reply=150))
    assert room.do(c.SetSpeakingTimes(300, 90, 150)) == ()
    for role in (Role.PRESIDIUM, Role.SECRETARIAT):
        assert project(room.state, role)["session"]["speaking_times"] == {
            "speech": 300,
            "point_of_order": 90,
            "reply": 150,
        }
    for role in (Role.DELEGATE, Role.BOARD, Role.HALL):
        assert "speaking_times" not in project(room.state, role)["session"]
    ask(room, (ANH, REPLY), (BINH, SPEECH))
    room.do(c.GrantFloor(ANH))
    assert room.floor is not None
    assert room.floor.allowed_seconds == 150
    room.do(c.GrantFloor(BINH, interrupt=True))
    assert room.floor is not None
    assert room.floor.allowed_seconds == 300
    # A custom time at the grant, and +1 minute, work as before.
    room.do(c.GrantFloor(CHI, seconds=45, interrupt=True))
    room.do(c.ExtendTime())
    assert room.floor is not None
    assert room.floor.allowed_seconds == 105


@pytest.mark.parametrize("times", [(9, 90, 150), (300, 3601, 150), (300, 90, 0)])
def test_speaking_time_presets_have_bounds(times: tuple[int, int, int]) -> None:
    room = seated()
    outcome = room.refuse(c.SetSpeakingTimes(*times))
    assert outcome == Rejection(
        "invalid_args", "speaking time is between 10 and 3600 seconds", "speaking_time_range"
    )
    assert room.state.speaking_times is None


# --- What is stored --------------------------------------------------------------------


def test_fields_added_later_are_stored_only_when_used() -> None:
    """A record or a state that does not use them is the same bytes as before they existed,
    so older logs and snapshots read, and hash, as they did."""
    opened = e.SessionStatusChanged(SessionStatus.IN_SESSION, 5)
    assert event_to_plain(opened) == {
        "kind": "session_status_changed",
        "status": "in_session",
        "at": 5,
    }
    paused = e.SessionStatusChanged(SessionStatus.SUSPENDED, 5, resumes_at=9)
    assert event_to_plain(paused)["resumes_at"] == 9
    assert event_from_plain(event_to_plain(paused)) == paused
    old_removal = {
        "kind": "request_removed",
        "item_id": "item-1",
        "delegate_id": ANH,
        "withdrawn": False,
    }
    assert event_from_plain(old_removal) == e.RequestRemoved("item-1", ANH, False, None)
    assert "position" not in event_to_plain(e.RequestRemoved("item-1", ANH, False))

    room = seated()
    ask(room, (ANH, SPEECH))
    plain = msgpack.unpackb(state_bytes(room.state))
    assert not {"resumes_at", "speaking_times"} & set(plain)
    assert "removed" not in plain["speakers"]["item-1"]
    room.do(c.SetSpeakingTimes(300, 60, 90))
    assert msgpack.unpackb(state_bytes(room.state))["speaking_times"] == {
        "speech": 300,
        "point_of_order": 60,
        "reply": 90,
    }


def test_a_removal_recorded_before_restore_existed_cannot_be_restored() -> None:
    room = seated()
    ask(room, (ANH, SPEECH))
    # As a log written by the release before holds it: no position.
    room.state = apply(room.state, room.state.seq + 1, (e.RequestRemoved("item-1", ANH, False),))
    assert reason(room, c.RestoreRequest(ANH)) == ("not_found", "nothing_to_restore")
