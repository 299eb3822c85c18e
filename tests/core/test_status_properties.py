"""Random sessions through every status: the status matrix holds for every command, a
refused command changes nothing, and boards show no speaker during a break or after."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from session_server.core import commands as c
from session_server.core import group_commands as gc
from session_server.core import opinion_commands as oc
from session_server.core import vote_commands as vc
from session_server.core.decide import Actor, Rejection, decide
from session_server.core.opinion_state import OpinionKind
from session_server.core.projection import project
from session_server.core.replay import state_bytes
from session_server.core.state import Access, RequestKind, Role, SessionStatus
from session_server.core.status_rules import ALLOWED, REFUSED_BECAUSE, refusal
from session_server.core.vote_state import Choice, VoteKind

from .test_contributions import CONTRIBUTION_SAMPLES
from .test_properties import DELEGATES, CongressSession

ANH, BINH = DELEGATES[0], DELEGATES[1]

ONE_OF_EACH: dict[str, tuple[Actor, c.Command]] = {
    command.name: (actor, command)
    for actor, command in (
        (Actor(Role.PRESIDIUM), c.OpenSession()),
        (Actor(Role.PRESIDIUM), c.SuspendSession()),
        (Actor(Role.PRESIDIUM), c.AdjournSession()),
        (Actor(Role.PRESIDIUM), c.SetCurrentItem("item-2")),
        (Actor(Role.PRESIDIUM), c.AddAgendaItem(title="Any other business")),
        (Actor(Role.PRESIDIUM), c.EditAgendaItem("item-1", title="Opening words")),
        (Actor(Role.PRESIDIUM), c.MoveAgendaItem("item-1", 1)),
        (Actor(Role.PRESIDIUM), c.RemoveAgendaItem("item-3")),
        (Actor(Role.SECRETARIAT), c.RegisterDocument("zulu", "Paper zulu", Access.PUBLIC, 2)),
        (Actor(Role.PRESIDIUM), c.ShowPage("alpha", 1)),
        (Actor(Role.PRESIDIUM), c.HideDocument()),
        (Actor(Role.DELEGATE, BINH), c.RequestFloor(RequestKind.POINT_OF_ORDER)),
        (Actor(Role.DELEGATE, ANH), c.WithdrawRequest()),
        (Actor(Role.PRESIDIUM), c.AcceptRequest(ANH)),
        (Actor(Role.PRESIDIUM), c.MoveRequest(ANH, 0)),
        (Actor(Role.PRESIDIUM), c.RemoveRequest(ANH)),
        (Actor(Role.PRESIDIUM), c.RestoreRequest(ANH)),
        (Actor(Role.PRESIDIUM), c.GrantFloor(BINH, interrupt=True)),
        (Actor(Role.PRESIDIUM), c.EndSpeech()),
        (Actor(Role.PRESIDIUM), c.ExtendTime()),
        (Actor(Role.PRESIDIUM), c.CloseList()),
        (Actor(Role.PRESIDIUM), c.ReopenList()),
        (Actor(Role.PRESIDIUM), c.SetSpeakingTimes(300, 60, 90)),
        (Actor(Role.SECRETARIAT), c.PostAnnouncement("Buses at five")),
        (Actor(Role.PRESIDIUM), c.WithdrawAnnouncement("a-1")),
        (Actor(Role.SECRETARIAT), c.RegisterDelegate("dlg-new", "New Delegate")),
        (Actor(Role.SECRETARIAT), c.CheckIn(BINH)),
        (Actor(Role.SECRETARIAT), c.CancelCheckIn(ANH)),
        (Actor(Role.SECRETARIAT), c.RevokeToken("tk-1234abcd")),
        (Actor(Role.PRESIDIUM), c.RecordCheckpoint()),
        (Actor(Role.PRESIDIUM), vc.PrepareVote(VoteKind.QUESTION, "Thông qua")),
        (Actor(Role.PRESIDIUM), vc.WithdrawVote("vote-1")),
        (Actor(Role.PRESIDIUM), vc.SetCommittee("vote-1", (ANH,), 1)),
        (Actor(Role.DELEGATE, ANH), vc.JoinCommittee("vote-1", b"k" * 32, (), ())),
        (Actor(Role.DELEGATE, ANH), vc.DeliverShares("vote-1", (b"",))),
        (Actor(Role.DELEGATE, ANH), vc.ConfirmShares("vote-1")),
        (Actor(Role.PRESIDIUM), vc.StartPresenceCheck("vote-1")),
        (Actor(Role.DELEGATE, BINH), vc.ConfirmPresence("vote-1")),
        (Actor(Role.PRESIDIUM), vc.OpenVote("vote-1")),
        (Actor(Role.DELEGATE, BINH), vc.CastVote("vote-1", Choice.FOR)),
        (Actor(Role.DELEGATE, BINH), vc.CastBallot("vote-1", {})),
        (Actor(Role.DELEGATE, BINH), vc.RecordBallot("vote-1", (), (), b"")),
        (Actor(Role.PRESIDIUM), vc.CloseVote("vote-1")),
        (Actor(Role.DELEGATE, ANH), vc.SubmitDecryption("vote-1", (), ())),
        (Actor(Role.PRESIDIUM), vc.PublishResult("vote-1")),
        *((Actor(Role.DELEGATE, ANH), CONTRIBUTION_SAMPLES[0]),),
        *((Actor(Role.SECRETARIAT), command) for command in CONTRIBUTION_SAMPLES[1:]),
        (Actor(Role.SECRETARIAT), gc.DefineGroup("Tổ 1", "Phòng họp A")),
        (Actor(Role.SECRETARIAT), gc.EditGroup("g1", place="Phòng họp B")),
        (Actor(Role.PRESIDIUM), gc.RemoveGroup("g1")),
        (Actor(Role.SECRETARIAT), gc.AssignToGroup("g1", (ANH,))),
        (Actor(Role.SECRETARIAT), gc.UnassignFromGroup((ANH,))),
        (Actor(Role.SECRETARIAT), gc.SetGroupOfficers("g1", chair=ANH)),
        (Actor(Role.SECRETARIAT), gc.SyncGroup("g1", "Tổ 1", "", (), None, None, ())),
        (Actor(Role.SECRETARIAT), gc.ReportGroupStatus("g1", SessionStatus.IN_SESSION)),
        (
            Actor(Role.DELEGATE, ANH),
            oc.RecordOpinion("alpha", 1, "p1-00000000", OpinionKind.OTHER, "Ý kiến"),
        ),
        (Actor(Role.DELEGATE, ANH), oc.WithdrawOpinion("opinion-1")),
        (Actor(Role.PRESIDIUM), oc.ShowOpinionAuthors(shown=True)),
    )
}
"""One command of each kind, from a role that may send it."""


FLOOR_QUEUE_ITEMS_PAGES = frozenset(
    {
        "set_current_item",
        "add_agenda_item",
        "edit_agenda_item",
        "move_agenda_item",
        "remove_agenda_item",
        "show_page",
        "hide_document",
        "request_floor",
        "withdraw_request",
        "accept_request",
        "move_request",
        "remove_request",
        "restore_request",
        "grant_floor",
        "end_speech",
        "extend_time",
        "close_list",
        "reopen_list",
        "set_speaking_times",
    }
)
"""What the brief says nothing is accepted about after the adjournment, stated apart from
the core's table so that a wrong table fails here."""
PREPARATION = frozenset(
    {
        "add_agenda_item",
        "edit_agenda_item",
        "move_agenda_item",
        "remove_agenda_item",
        "register_document",
        "show_page",
        "hide_document",
        "post_announcement",
        "withdraw_announcement",
        "register_delegate",
        "check_in",
        "cancel_check_in",
        "set_speaking_times",
    }
)
"""Allowed before the opening and during a break."""
TAKING_THE_FLOOR = frozenset({"request_floor", "grant_floor"})
"""Refused during a break; the floor is given only once the session has opened."""


def test_there_is_one_sample_of_every_command() -> None:
    assert set(ONE_OF_EACH) == set(c.COMMAND_TYPES) == set(ALLOWED)


def test_the_table_says_what_the_rules_say() -> None:
    adjourned, suspended = SessionStatus.ADJOURNED, SessionStatus.SUSPENDED
    for name in FLOOR_QUEUE_ITEMS_PAGES:
        assert refusal(adjourned, name) == "session_adjourned", name
    for name in PREPARATION:
        assert refusal(SessionStatus.NOT_STARTED, name) is None, name
        assert refusal(suspended, name) is None, name
    for name in TAKING_THE_FLOOR:
        assert refusal(suspended, name) == "session_suspended", name
    assert refusal(SessionStatus.NOT_STARTED, "grant_floor") == "session_not_started"
    assert refusal(adjourned, "post_announcement") is None
    assert all(
        refusal(SessionStatus.IN_SESSION, name) is None for name in set(ALLOWED) - {"open_session"}
    )


class RuledSession(CongressSession):
    """The same random sessions, looked at through the status rules after every step, with
    the status changed and the floor tried far more often."""

    @rule(
        command=st.sampled_from(
            (c.OpenSession(), c.SuspendSession(), c.AdjournSession(), c.SetCurrentItem("item-1"))
        )
    )
    def steer_the_session(self, command: c.Command) -> None:
        self.now += 1_000
        self.submit(Actor(Role.PRESIDIUM), command)

    @rule(
        speaker=st.sampled_from(DELEGATES),
        interrupt=st.booleans(),
        asks=st.booleans(),
    )
    def try_the_floor(self, speaker: str, interrupt: bool, asks: bool) -> None:
        self.now += 1_000
        if asks:
            self.submit(Actor(Role.DELEGATE, speaker), c.RequestFloor())
        else:
            self.submit(Actor(Role.PRESIDIUM), c.GrantFloor(speaker, interrupt=interrupt))

    @invariant()
    def the_status_matrix_holds_for_every_command(self) -> None:
        state = self.state
        if state.seq == 0:
            return
        before = state_bytes(state)
        for name, (actor, command) in ONE_OF_EACH.items():
            outcome = decide(state, command, actor, self.now)
            expected = refusal(state.status, name)
            if expected is not None:
                assert isinstance(outcome, Rejection), (state.status, name, outcome)
                assert (outcome.code, outcome.reason) == ("invalid_state", expected)
            elif isinstance(outcome, Rejection):
                # Another rule may refuse it, never the status.
                assert outcome.reason not in REFUSED_BECAUSE.values(), (state.status, outcome)
            # Refused or not, deciding changes nothing: only a recorded event would.
            assert state_bytes(state) == before
            again = decide(state, command, actor, self.now)
            assert again == outcome, "the same command on the same state decides the same"

    @invariant()
    def no_board_shows_a_speaker_in_a_break_or_after_the_adjournment(self) -> None:
        state = self.state
        if state.status not in (SessionStatus.SUSPENDED, SessionStatus.ADJOURNED):
            return
        for role in (Role.BOARD, Role.HALL):
            speakers = project(state, role)["speakers"]
            assert speakers is None or (speakers["floor"] is None and speakers["queue"] == [])
        if state.status is SessionStatus.ADJOURNED:
            # Nothing runs after the adjournment, whatever the audience.
            assert state.speaking() is None
            current = state.current_speakers()
            assert current is None or current.requests == ()
            assert state.showing is None

    @invariant()
    def a_break_alone_has_an_end(self) -> None:
        if self.state.status is not SessionStatus.SUSPENDED:
            assert self.state.resumes_at is None


RuledSession.TestCase.settings = settings(
    max_examples=20,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestRuledSession = RuledSession.TestCase
