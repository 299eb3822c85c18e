"""decide's rules: who may send what, its error codes, creating a room, announcements, the roll."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pytest

from session_server.core import commands as c
from session_server.core import events as e
from session_server.core import evolve as evolve_module
from session_server.core import group_commands as gc
from session_server.core import opinion_commands as oc
from session_server.core import vote_commands as vc
from session_server.core.decide import (
    Actor,
    Rejection,
    create_room,
    decide,
)
from session_server.core.errors import RULE_CODES
from session_server.core.evolve import apply
from session_server.core.opinion_state import OpinionKind
from session_server.core.state import (
    Access,
    PageSize,
    Role,
    RoomState,
    SessionStatus,
)
from session_server.core.vote_state import Choice, VoteKind
from session_server.protocol.codes import ERRORS

from .rooms import (
    ANH,
    BINH,
    BOARD,
    CHI,
    DUNG,
    GHOST,
    PRESIDIUM,
    REPLY,
    SECRETARIAT,
    SPEECH,
    STEP,
    T0,
    Room,
    ask,
    delegate,
    seated,
)
from .test_contributions import CONTRIBUTION_SAMPLES, with_contributions

# --- Who may send what -----------------------------------------------------------------

DOCUMENTED_ROLES: dict[str, set[Role]] = {
    "open_session": {Role.PRESIDIUM},
    "suspend_session": {Role.PRESIDIUM},
    "adjourn_session": {Role.PRESIDIUM},
    "set_current_item": {Role.PRESIDIUM},
    "add_agenda_item": {Role.PRESIDIUM},
    "edit_agenda_item": {Role.PRESIDIUM},
    "move_agenda_item": {Role.PRESIDIUM},
    "remove_agenda_item": {Role.PRESIDIUM},
    "register_document": {Role.PRESIDIUM, Role.SECRETARIAT},
    "show_page": {Role.PRESIDIUM},
    "hide_document": {Role.PRESIDIUM},
    "request_floor": {Role.DELEGATE},
    "withdraw_request": {Role.DELEGATE},
    "accept_request": {Role.PRESIDIUM},
    "move_request": {Role.PRESIDIUM},
    "remove_request": {Role.PRESIDIUM},
    "grant_floor": {Role.PRESIDIUM},
    "end_speech": {Role.PRESIDIUM},
    "extend_time": {Role.PRESIDIUM},
    "close_list": {Role.PRESIDIUM},
    "reopen_list": {Role.PRESIDIUM},
    "post_announcement": {Role.PRESIDIUM, Role.SECRETARIAT},
    "withdraw_announcement": {Role.PRESIDIUM},
    "register_delegate": {Role.SECRETARIAT},
    "check_in": {Role.PRESIDIUM, Role.SECRETARIAT, Role.DELEGATE},
    "cancel_check_in": {Role.PRESIDIUM, Role.SECRETARIAT},
    "restore_request": {Role.PRESIDIUM},
    "set_speaking_times": {Role.PRESIDIUM},
    "revoke_token": {Role.PRESIDIUM, Role.SECRETARIAT},
    "checkpoint": {Role.PRESIDIUM},
    "prepare_vote": {Role.PRESIDIUM},
    "withdraw_vote": {Role.PRESIDIUM},
    "set_committee": {Role.PRESIDIUM},
    "join_committee": {Role.DELEGATE},
    "deliver_shares": {Role.DELEGATE},
    "confirm_shares": {Role.DELEGATE},
    "start_presence_check": {Role.PRESIDIUM},
    "confirm_presence": {Role.DELEGATE},
    "open_vote": {Role.PRESIDIUM},
    "cast_vote": {Role.DELEGATE},
    "cast_ballot": {Role.DELEGATE},
    "record_ballot": {Role.DELEGATE},
    "close_vote": {Role.PRESIDIUM},
    "submit_decryption": {Role.DELEGATE},
    "publish_result": {Role.PRESIDIUM},
    "submit_contribution": {Role.DELEGATE},
    "accept_contribution": {Role.PRESIDIUM, Role.SECRETARIAT},
    "return_contribution": {Role.PRESIDIUM, Role.SECRETARIAT},
    "make_contribution_document": {Role.PRESIDIUM, Role.SECRETARIAT},
    "define_group": {Role.PRESIDIUM, Role.SECRETARIAT},
    "edit_group": {Role.PRESIDIUM, Role.SECRETARIAT},
    "remove_group": {Role.PRESIDIUM, Role.SECRETARIAT},
    "assign_to_group": {Role.PRESIDIUM, Role.SECRETARIAT},
    "unassign_from_group": {Role.PRESIDIUM, Role.SECRETARIAT},
    "set_group_officers": {Role.PRESIDIUM, Role.SECRETARIAT},
    "sync_group": {Role.SECRETARIAT},
    "report_group_status": {Role.SECRETARIAT},
    "record_opinion": {Role.DELEGATE, Role.SECRETARIAT},
    "withdraw_opinion": {Role.DELEGATE, Role.SECRETARIAT},
    "show_opinion_authors": {Role.PRESIDIUM},
}
"""The role table of docs/protocol.md section 7."""

SAMPLES: dict[str, c.Command] = {
    cmd.name: cmd
    for cmd in (
        c.OpenSession(),
        c.SuspendSession(),
        c.AdjournSession(),
        c.SetCurrentItem("item-2"),
        c.AddAgendaItem(title="Any other business"),
        c.EditAgendaItem("item-1", title="Opening words"),
        c.MoveAgendaItem("item-3", 0),
        c.RemoveAgendaItem("item-3"),
        c.RegisterDocument("minutes", "Minutes", Access.PUBLIC, 3),
        c.ShowPage("budget", 1),
        c.HideDocument(),
        c.RequestFloor(),
        c.WithdrawRequest(),
        c.AcceptRequest(ANH),
        c.MoveRequest(ANH, 1),
        c.RemoveRequest(ANH),
        c.GrantFloor(interrupt=True),
        c.RestoreRequest(DUNG),
        c.SetSpeakingTimes(300, 60, 120),
        c.EndSpeech(),
        c.ExtendTime(),
        c.CloseList(),
        c.ReopenList(),
        c.PostAnnouncement("Lunch at noon"),
        c.WithdrawAnnouncement("a-1"),
        c.RegisterDelegate("dlg-new", "New Delegate"),
        c.CheckIn(DUNG),
        c.CancelCheckIn(ANH),
        c.RevokeToken("tk-1234abcd"),
        c.RecordCheckpoint(),
        vc.PrepareVote(VoteKind.QUESTION, "Thông qua Nghị quyết"),
        vc.WithdrawVote("vote-1"),
        vc.SetCommittee("vote-1", (ANH,), 1),
        vc.JoinCommittee("vote-1", b"k" * 32, (), ()),
        vc.DeliverShares("vote-1", (b"",)),
        vc.ConfirmShares("vote-1"),
        vc.StartPresenceCheck("vote-1"),
        vc.ConfirmPresence("vote-1"),
        vc.OpenVote("vote-1"),
        vc.CastVote("vote-1", Choice.FOR),
        vc.CastBallot("vote-1", {}),
        vc.RecordBallot("vote-1", (), (), b""),
        vc.CloseVote("vote-1"),
        vc.SubmitDecryption("vote-1", (), ()),
        vc.PublishResult("vote-1"),
        *CONTRIBUTION_SAMPLES,
        gc.DefineGroup("Tổ 3", "Phòng họp C"),
        gc.EditGroup("g1", place="Phòng họp D"),
        gc.RemoveGroup("g2"),
        gc.AssignToGroup("g1", (BINH,)),
        gc.UnassignFromGroup((ANH,)),
        gc.SetGroupOfficers("g1", chair=ANH),
        gc.SyncGroup("g1", "Tổ 1", "Phòng họp A", (), None, None, ()),
        gc.ReportGroupStatus("g1", SessionStatus.IN_SESSION),
        oc.RecordOpinion("draft", 1, "p1-aaaa", OpinionKind.AGREE, on_behalf_of=DUNG),
        oc.WithdrawOpinion("opinion-1"),
        oc.ShowOpinionAuthors(shown=True),
    )
}
"""One command of each kind that the presidium, secretariat or a delegate could send now."""


UNCHANGED_IN_BUSY: dict[str, tuple[()] | Rejection] = {
    "open_session": Rejection(
        "invalid_state", "open_session does not apply while the session is open", "session_open"
    ),
    "reopen_list": (),
    "withdraw_request": Rejection("not_found", "you have no request on this item", "no_request"),
    # The busy room's vote-1 is a question, open, with DUNG its only voter.
    "withdraw_vote": Rejection(
        "invalid_state", "vote-1 was opened: it stays in the record", "vote_already_open"
    ),
    "start_presence_check": Rejection(
        "invalid_state", "vote-1 is past its preparation", "vote_already_open"
    ),
    "confirm_presence": Rejection(
        "invalid_state", "vote-1 has no presence check running", "no_presence_check"
    ),
    "open_vote": (),
    "publish_result": Rejection("invalid_state", "vote-1 has no result yet", "vote_not_counted"),
    # The busy room is a plenary: only a group's room takes the plenary's copy.
    "sync_group": Rejection(
        "invalid_state", "sync_group is for the group's own room", "group_room_only"
    ),
    **{
        name: Rejection("invalid_state", "vote-1 is not of the kind election", "vote_kind_mismatch")
        for name in (
            "set_committee",
            "join_committee",
            "deliver_shares",
            "confirm_shares",
            "cast_ballot",
            "record_ballot",
            "submit_decryption",
        )
    },
}
"""The samples that change nothing in the busy room; every other one records events."""


def busy() -> Room:
    """A room where every sample command has something to act on."""
    room = seated()
    room.do(c.RegisterDocument("budget", "Budget", Access.PUBLIC, 3))
    room.do(c.ShowPage("budget", 2))
    room.do(c.PostAnnouncement("Coffee is served"))
    ask(room, (ANH, SPEECH), (BINH, SPEECH), (DUNG, REPLY))
    room.do(c.RemoveRequest(DUNG))
    room.do(c.CheckIn(ANH))
    room.do(c.GrantFloor(CHI))
    room.do(vc.PrepareVote(VoteKind.QUESTION, "Thông qua Chương trình"))
    room.do(vc.StartPresenceCheck("vote-1"))
    room.do(vc.ConfirmPresence("vote-1"), delegate(DUNG))
    room.do(vc.OpenVote("vote-1"))
    with_contributions(room)
    room.do(gc.DefineGroup("Tổ 1", "Phòng họp A"))
    room.do(gc.DefineGroup("Tổ 2", "Phòng họp B"))
    room.do(gc.AssignToGroup("g1", (ANH,)))
    # A draft with one paragraph, and DUNG's opinion on it handed in to the secretariat.
    room.do(
        c.RegisterDocument(
            "draft",
            "Draft",
            Access.DELEGATES,
            1,
            sha256="a" * 64,
            page_sizes=(PageSize(595, 842),),
            paragraphs=(("p1-aaaa",),),
        ),
        SECRETARIAT,
    )
    room.do(
        oc.RecordOpinion("draft", 1, "p1-aaaa", OpinionKind.AGREE, on_behalf_of=DUNG), SECRETARIAT
    )
    return room


def actors_of(role: Role) -> Actor:
    return delegate(DUNG) if role is Role.DELEGATE else Actor(role)


def test_every_command_has_a_sample_and_a_documented_role_set() -> None:
    assert set(SAMPLES) == set(c.COMMAND_TYPES) == set(DOCUMENTED_ROLES)
    for name, roles in DOCUMENTED_ROLES.items():
        assert c.COMMAND_TYPES[name].roles == roles, name


@pytest.mark.parametrize("name", sorted(DOCUMENTED_ROLES))
@pytest.mark.parametrize("role", list(Role))
def test_a_role_outside_the_command_roles_is_forbidden_and_others_are_not(
    name: str, role: Role
) -> None:
    room = busy()
    outcome = room.decide(SAMPLES[name], actors_of(role))
    if role in DOCUMENTED_ROLES[name]:
        if name in UNCHANGED_IN_BUSY:
            assert outcome == UNCHANGED_IN_BUSY[name]
        else:
            assert isinstance(outcome, tuple), outcome
            assert outcome, f"{name} by {role.value} should change the busy room"
    else:
        assert outcome == Rejection("forbidden", f"{role.value} may not {name}", "role_not_allowed")


@pytest.mark.parametrize("name", sorted(DOCUMENTED_ROLES))
def test_a_board_may_send_no_command(name: str) -> None:
    assert busy().code(SAMPLES[name], BOARD) == "forbidden"


def test_a_room_not_created_refuses_everything_after_checking_the_role() -> None:
    empty = RoomState(room="r")
    assert decide(empty, c.OpenSession(), PRESIDIUM, T0) == Rejection(
        "not_found", "this room has not been created", "room_not_found"
    )
    outcome = decide(empty, c.OpenSession(), SECRETARIAT, T0)
    assert isinstance(outcome, Rejection)
    assert outcome.code == "forbidden"


def test_a_command_without_a_rule_is_an_unknown_command() -> None:
    @dataclass(frozen=True, slots=True)
    class Dance(c.Command):
        name: ClassVar[str] = "dance"
        roles: ClassVar[frozenset[Role]] = frozenset({Role.PRESIDIUM})

    outcome = decide(seated().state, Dance(), PRESIDIUM, T0)
    assert isinstance(outcome, Rejection)
    assert outcome.code == "unknown_command"
    assert "dance" in outcome.message


# --- Error codes -----------------------------------------------------------------------


def test_a_rule_refuses_only_with_a_code_of_the_registry_that_is_not_temporary() -> None:
    for code in RULE_CODES:
        assert not ERRORS[code].temporary, code


# --- Creating a room -------------------------------------------------------------------


def test_create_room_records_the_trimmed_title() -> None:
    assert create_room("r", "  Congress  ") == (e.RoomCreated(title="Congress"),)
    assert create_room("x" * 64, "T" * 300) == (e.RoomCreated(title="T" * 300),)


@pytest.mark.parametrize(
    ("room", "title"),
    [("", "Congress"), ("x" * 65, "Congress"), ("r", ""), ("r", "   "), ("r", "T" * 301)],
)
def test_create_room_refuses_bad_ids_and_titles(room: str, title: str) -> None:
    outcome = create_room(room, title)
    assert isinstance(outcome, Rejection)
    assert outcome.code == "invalid_args"


# --- Announcements ---------------------------------------------------------------------


def test_announcements_get_ids_a_1_a_2() -> None:
    room = seated()
    first = room.do(c.PostAnnouncement("  Lunch at noon  ", minutes=10), SECRETARIAT)
    assert first == (e.AnnouncementPosted("a-1", "Lunch at noon", room.now, room.now + 600_000),)
    (second,) = room.do(c.PostAnnouncement("Buses at five"))
    assert isinstance(second, e.AnnouncementPosted)
    assert second.announcement_id == "a-2"
    assert second.expires_at == room.now + 30 * 60_000
    assert [a.id for a in room.state.announcements] == ["a-1", "a-2"]


def test_expired_announcements_are_withdrawn_when_a_new_one_is_posted() -> None:
    room = seated()
    room.do(c.PostAnnouncement("short", minutes=1))
    expires = room.now + 60_000
    room.do(c.PostAnnouncement("long", minutes=10))
    room.now = expires - STEP - 1
    (only,) = room.do(c.PostAnnouncement("still fresh"))
    assert isinstance(only, e.AnnouncementPosted)
    assert only.announcement_id == "a-3"
    room.now = expires - STEP
    events = room.do(c.PostAnnouncement("now expired"))
    assert events == (
        e.AnnouncementWithdrawn("a-1"),
        e.AnnouncementPosted("a-4", "now expired", expires, expires + 30 * 60_000),
    )
    assert [a.id for a in room.state.announcements] == ["a-2", "a-3", "a-4"]
    assert room.code(c.WithdrawAnnouncement("a-1")) == "not_found"


def test_expired_announcements_stay_until_a_new_one_comes() -> None:
    room = seated()
    room.do(c.PostAnnouncement("short", minutes=1))
    room.now += 10 * 60_000
    room.do(c.AddAgendaItem(title="Later"))
    assert [a.id for a in room.state.announcements] == ["a-1"]


@pytest.mark.parametrize(
    "command",
    [
        c.PostAnnouncement(""),
        c.PostAnnouncement("   "),
        c.PostAnnouncement("x" * 281),
        c.PostAnnouncement("x", minutes=0),
        c.PostAnnouncement("x", minutes=1441),
    ],
)
def test_post_announcement_refuses_out_of_range_arguments(command: c.Command) -> None:
    assert seated().code(command) == "invalid_args"


def test_post_announcement_measures_the_trimmed_text() -> None:
    room = seated()
    room.do(c.PostAnnouncement("  " + "x" * 280 + "  ", minutes=1440))
    assert room.state.announcements[0].text == "x" * 280


def test_withdraw_announcement() -> None:
    room = seated()
    assert room.code(c.WithdrawAnnouncement("a-1")) == "not_found"
    room.do(c.PostAnnouncement("one"))
    room.do(c.PostAnnouncement("two"))
    assert room.do(c.WithdrawAnnouncement("a-1")) == (e.AnnouncementWithdrawn("a-1"),)
    assert [a.id for a in room.state.announcements] == ["a-2"]
    assert room.code(c.WithdrawAnnouncement("a-1")) == "not_found"
    (third,) = room.do(c.PostAnnouncement("three"))
    assert isinstance(third, e.AnnouncementPosted)
    assert third.announcement_id == "a-3"


# --- The roll and attendance -----------------------------------------------------------


def test_register_delegate_trims_and_corrects() -> None:
    room = Room()
    assert room.do(c.RegisterDelegate("d1", " Anh Nguyen ", " Hanoi ", " A1 "), SECRETARIAT) == (
        e.DelegateRegistered("d1", "Anh Nguyen", "Hanoi", "A1"),
    )
    assert room.do(c.RegisterDelegate("d1", "Anh Nguyen", "Hanoi", "A1"), SECRETARIAT) == ()
    room.do(c.RegisterDelegate("d1", "Anh Nguyen", "Hanoi", "B2"), SECRETARIAT)
    assert room.state.delegates["d1"].seat == "B2"
    assert len(room.state.delegates) == 1


@pytest.mark.parametrize(
    "command",
    [
        c.RegisterDelegate("", "Name"),
        c.RegisterDelegate("d" * 65, "Name"),
        c.RegisterDelegate(" d1", "Name"),
        c.RegisterDelegate("d1 ", "Name"),
        c.RegisterDelegate("d1", ""),
        c.RegisterDelegate("d1", "   "),
        c.RegisterDelegate("d1", "N" * 201),
        c.RegisterDelegate("d1", "Name", unit="U" * 301),
        c.RegisterDelegate("d1", "Name", seat="S" * 65),
    ],
)
def test_register_delegate_refuses_out_of_range_arguments(command: c.Command) -> None:
    assert Room().code(command, SECRETARIAT) == "invalid_args"


def test_register_delegate_accepts_the_boundaries() -> None:
    room = Room()
    room.do(c.RegisterDelegate("d" * 64, "N" * 200, "U" * 300, "S" * 64), SECRETARIAT)
    assert "d" * 64 in room.state.delegates


def test_a_delegate_checks_in_only_themselves() -> None:
    room = seated()
    assert room.do(c.CheckIn(), delegate(ANH)) == (e.DelegateCheckedIn(ANH, room.now),)
    assert room.do(c.CheckIn(), delegate(ANH)) == ()
    assert room.do(c.CheckIn(BINH), delegate(BINH)) == (e.DelegateCheckedIn(BINH, room.now),)
    assert room.refuse(c.CheckIn(CHI), delegate(ANH)) == Rejection(
        "forbidden", "a delegate checks in only themselves", "own_check_in_only"
    )
    assert room.state.present == {ANH, BINH}


def test_check_in_refusals() -> None:
    room = seated()
    assert room.code(c.CheckIn(), delegate(GHOST)) == "not_found"
    assert room.code(c.CheckIn(), delegate(None)) == "invalid_args"
    assert room.code(c.CheckIn()) == "invalid_args"
    assert room.code(c.CheckIn(), SECRETARIAT) == "invalid_args"
    assert room.code(c.CheckIn(GHOST)) == "not_found"
    assert room.code(c.CheckIn(GHOST), SECRETARIAT) == "not_found"


def test_presidium_and_secretariat_check_in_anyone_on_the_roll() -> None:
    room = seated()
    room.do(c.CheckIn(ANH))
    room.do(c.CheckIn(BINH), SECRETARIAT)
    assert room.do(c.CheckIn(BINH)) == ()
    assert room.state.present == {ANH, BINH}


# --- Decide is a function --------------------------------------------------------------


def test_decide_depends_only_on_its_arguments() -> None:
    room = busy()
    for command in SAMPLES.values():
        for actor in (PRESIDIUM, SECRETARIAT, delegate(DUNG)):
            first = decide(room.state, command, actor, T0)
            assert decide(room.state, command, actor, T0) == first


def test_evolve_has_one_rule_for_every_event_kind() -> None:
    assert set(evolve_module._RULES) == set(e.EVENT_TYPES.values())


def test_apply_sets_the_seq_even_for_a_record_of_one_event() -> None:
    room = seated()
    state = apply(room.state, 99, (e.ItemOpened("item-2"),))
    assert state.seq == 99
    assert state.current_item == "item-2"
    assert room.state.seq != 99


def test_a_revoked_token_is_recorded_once() -> None:
    room = seated()
    (event,) = room.do(c.RevokeToken("tk-1234abcd"), Actor(Role.SECRETARIAT))
    assert event == e.TokenRevoked(token_id="tk-1234abcd")
    assert room.state.revoked_tokens == frozenset({"tk-1234abcd"})
    assert room.do(c.RevokeToken("tk-1234abcd"), Actor(Role.SECRETARIAT)) == ()
    assert room.code(c.RevokeToken(""), Actor(Role.SECRETARIAT)) == "invalid_args"
