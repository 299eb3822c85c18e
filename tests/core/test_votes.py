"""Votes in the core: questions and secret elections, from preparation to the published result."""

from __future__ import annotations

import random
from collections.abc import Sequence

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from session_server.ballots import ballot as ballots
from session_server.ballots import committee as keys
from session_server.ballots import transport
from session_server.core import commands as c
from session_server.core import vote_commands as vc
from session_server.core.decide import Actor
from session_server.core.projection import personal, project
from session_server.core.replay import state_bytes, state_from_bytes
from session_server.core.state import Role
from session_server.core.vote_rules import ballot_context, ceremony
from session_server.core.vote_state import Candidate, Choice, VoteKind, VoteStatus
from session_server.core.voting import Base, Threshold, elect, reaches
from tests.core.rooms import PRESIDIUM, SECRETARIAT, Room, delegate


def congress(delegates: int) -> Room:
    """A session in progress with `delegates` on the roll, all checked in."""
    room = Room()
    for n in range(delegates):
        room.do(c.RegisterDelegate(f"d{n:03}", f"Đại biểu {n}", f"Đơn vị {n % 7}"), SECRETARIAT)
        room.do(c.CheckIn(f"d{n:03}"), SECRETARIAT)
    room.do(c.AddAgendaItem(title="Bầu cử"))
    room.do(c.OpenSession())
    room.do(c.SetCurrentItem("item-1"))
    return room


def voter(n: int) -> Actor:
    return delegate(f"d{n:03}")


def question(room: Room, **settings_: object) -> str:
    room.do(vc.PrepareVote(kind=VoteKind.QUESTION, title="Thông qua chương trình", **settings_))  # type: ignore[arg-type]
    return f"vote-{room.state.votes_created}"


# Questions ---------------------------------------------------------------------------------


def test_a_question_is_put_checked_cast_counted_and_published() -> None:
    room = congress(6)
    vote = question(room)
    room.do(vc.StartPresenceCheck(vote))
    for n in range(5):  # d005 does not confirm: outside the electorate
        room.do(vc.ConfirmPresence(vote), voter(n))
    room.do(vc.OpenVote(vote))
    assert room.state.votes[vote].electorate == frozenset(f"d{n:03}" for n in range(5))
    for n, choice in enumerate((Choice.FOR, Choice.FOR, Choice.FOR, Choice.AGAINST)):
        room.do(vc.CastVote(vote, choice), voter(n))
    assert room.refuse(vc.CastVote(vote, Choice.FOR), voter(5)).reason == "not_in_electorate"
    assert room.refuse(vc.CastVote(vote, Choice.AGAINST), voter(0)).reason == "already_voted"
    assert room.decide(vc.CastVote(vote, Choice.FOR), voter(0)) == ()  # a retry changes nothing
    assert room.refuse(vc.CastVote(vote, Choice.ABSTAIN), voter(4)).reason == "abstain_not_allowed"
    board = project(room.state, Role.BOARD)
    assert board["turnout"][vote] == {"confirmed": 5, "issued": 5, "cast": 4}
    assert "result" not in board["votes"][0]
    room.do(vc.CloseVote(vote))
    result = room.state.votes[vote].result
    assert result is not None
    # The base: the six convened, none absent throughout; 3 of 6 is not more than half.
    assert (result.base, result.counts, result.passed) == (6, (3, 1, 0), False)
    assert "result" not in project(room.state, Role.DELEGATE)["votes"][0]
    room.do(vc.PublishResult(vote))
    shown = project(room.state, Role.BOARD)["votes"][0]["result"]
    assert shown["counts"] == [3, 1, 0]
    assert not shown["passed"]


def test_the_presence_base_and_two_thirds_follow_the_settings() -> None:
    room = congress(6)
    vote = question(room, threshold=Threshold.TWO_THIRDS, base=Base.PRESENT, allow_abstain=True)
    room.do(vc.OpenVote(vote))  # no presence check: the delegates checked in
    for n, choice in enumerate([Choice.FOR] * 4 + [Choice.ABSTAIN, Choice.AGAINST]):
        room.do(vc.CastVote(vote, choice), voter(n))
    room.do(vc.CloseVote(vote))
    result = room.state.votes[vote].result
    assert result is not None
    assert (result.base, result.counts, result.passed) == (6, (4, 1, 1), True)


def test_an_open_vote_is_seen_by_name_only_by_the_presidium_and_the_secretariat() -> None:
    room = congress(3)
    vote = question(room, allow_change=True)
    room.do(vc.OpenVote(vote))
    room.do(vc.CastVote(vote, Choice.AGAINST), voter(1))
    room.do(vc.CastVote(vote, Choice.FOR), voter(1))  # changed, as the vote allows
    for audience in (Role.PRESIDIUM, Role.SECRETARIAT):
        assert project(room.state, audience)["voters"] == [
            {"vote": vote, "delegate": "d001", "choice": "for"}
        ]
        assert project(room.state, audience)["turnout"][vote]["totals"] == [1, 0, 0]
    for audience in (Role.DELEGATE, Role.BOARD, Role.HALL):
        view = project(room.state, audience)
        assert view["voters"] is None
        assert "totals" not in view["turnout"][vote]  # live totals were not chosen
    own = personal(room.state, "d001")
    assert own is not None
    assert own["votes"][vote] == {
        "confirmed": False,
        "in_electorate": True,
        "voted": True,
        "choice": "for",
        "receipt": None,
    }


def test_a_draft_reaches_the_presidium_alone_and_a_withdrawn_vote_no_one() -> None:
    room = congress(2)
    room.do(
        vc.PrepareVote(
            kind=VoteKind.ELECTION,
            title="Bầu Ban Chấp hành",
            seats=2,
            surplus_percent=30,
            candidates=(Candidate("c1", "Nguyễn Văn A"), Candidate("c2", "Trần Thị B")),
        )
    )
    assert project(room.state, Role.PRESIDIUM)["votes"][0]["candidates"][1]["name"] == "Trần Thị B"
    for audience in (Role.BOARD, Role.HALL):
        assert project(room.state, audience)["votes"] == []
    seen_by_delegates = project(room.state, Role.DELEGATE)["votes"][0]
    assert set(seen_by_delegates) == {"id", "kind", "status", "committee"}
    room.do(vc.WithdrawVote("vote-1"))
    assert all(project(room.state, a)["votes"] == [] for a in Role)


def test_voting_follows_the_session_status_and_one_vote_at_a_time() -> None:
    room = congress(3)
    first, second = question(room), question(room)
    room.do(vc.OpenVote(first))
    assert room.refuse(vc.OpenVote(second)).reason == "another_vote_open"
    room.do(c.SuspendSession())
    assert room.refuse(vc.CastVote(first, Choice.FOR), voter(0)).reason == "session_suspended"
    room.do(vc.CloseVote(first))  # a vote open when the break began can still be closed
    room.do(c.AdjournSession())
    assert room.refuse(vc.OpenVote(second)).reason == "session_adjourned"
    room.do(vc.PublishResult(first))  # counting and publishing finish after the adjournment


def test_who_may_do_what() -> None:
    room = congress(2)
    vote = question(room)
    assert room.refuse(vc.OpenVote(vote), voter(0)).code == "forbidden"
    assert room.refuse(vc.PrepareVote(VoteKind.QUESTION, "x"), SECRETARIAT).code == "forbidden"
    room.do(vc.OpenVote(vote))
    assert room.refuse(vc.CastVote(vote, Choice.FOR), PRESIDIUM).code == "forbidden"
    assert room.refuse(vc.CastVote("vote-9", Choice.FOR), voter(0)).reason == "vote_not_found"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    choices=st.lists(st.sampled_from(list(Choice)), min_size=1, max_size=25),
    absent=st.integers(0, 5),
    threshold=st.sampled_from(list(Threshold)),
    base=st.sampled_from(list(Base)),
)
def test_a_questions_count_equals_a_plain_model(
    choices: list[Choice], absent: int, threshold: Threshold, base: Base
) -> None:
    room = congress(len(choices) + 5)
    absent = min(absent, len(choices) + 5)
    vote = question(
        room, allow_abstain=True, threshold=threshold, base=base, absent_throughout=absent
    )
    room.do(vc.OpenVote(vote))
    for n, choice in enumerate(choices):
        room.do(vc.CastVote(vote, choice), voter(n))
    room.do(vc.CloseVote(vote))
    result = room.state.votes[vote].result
    assert result is not None
    model_base = (len(choices) + 5 - absent) if base is Base.CONVENED else len(choices) + 5
    model = tuple(choices.count(option) for option in Choice)
    assert result.counts == model
    assert result.base == model_base
    assert result.passed == reaches(model[0], model_base, threshold)


# Elections ---------------------------------------------------------------------------------


class Devices:
    """The committee members' devices, driving the key ceremony through the room."""

    def __init__(self, room: Room, vote: str, members: Sequence[int], threshold: int) -> None:
        self.room, self.vote = room, vote
        self.members = list(members)
        room.do(vc.SetCommittee(vote, tuple(f"d{m:03}" for m in members), threshold))
        context = ceremony(room.state, vote)
        self.seals = [transport.new_key() for _ in members]
        self.secrets = []
        for number, member in enumerate(members, start=1):
            dealing, secret = keys.deal(number, threshold, context)
            self.secrets.append(secret)
            room.do(
                vc.JoinCommittee(
                    vote, self.seals[number - 1][1], dealing.commitments, dealing.proofs
                ),
                voter(member),
            )
        n = len(members)
        for number, member in enumerate(members, start=1):
            sealed = tuple(
                b""
                if recipient == number
                else transport.seal(
                    self.secrets[number - 1].share_for(recipient),
                    self.seals[recipient - 1][1],
                    context,
                    number,
                    recipient,
                )
                for recipient in range(1, n + 1)
            )
            room.do(vc.DeliverShares(vote, sealed), voter(member))
        self.shares = {}
        committee = room.state.votes[vote].committee
        assert committee is not None
        for number, member in enumerate(members, start=1):
            received = {number: self.secrets[number - 1].share_for(number)}
            for dealer in committee.members:
                if dealer.number == number:
                    continue
                share = transport.open_sealed(
                    dealer.sealed[number - 1],
                    self.seals[number - 1][0],
                    context,
                    dealer.number,
                    number,
                )
                keys.check_share(
                    number, share, keys.Dealing(dealer.number, dealer.commitments, dealer.proofs)
                )
                received[dealer.number] = share
            self.shares[number] = keys.secret_share(received)
            room.do(vc.ConfirmShares(vote), voter(member))

    @property
    def key(self) -> bytes:
        committee = self.room.state.votes[self.vote].committee
        assert committee is not None
        assert committee.key
        return committee.key

    def decrypt(self, number: int) -> vc.SubmitDecryption:
        vote = self.room.state.votes[self.vote]
        context = ceremony(self.room.state, self.vote)
        made = keys.decrypt_tally(number, self.shares[number], vote.tally, context)
        return vc.SubmitDecryption(
            self.vote, tuple(s.value for s in made), tuple(s.proof for s in made)
        )


def election(room: Room, seats: int, candidates: int, surplus: int = 30) -> str:
    room.do(
        vc.PrepareVote(
            kind=VoteKind.ELECTION,
            title="Bầu Ban Chấp hành khóa mới",
            seats=seats,
            surplus_percent=surplus,
            candidates=tuple(Candidate(f"c{i}", f"Ứng cử viên {i}") for i in range(candidates)),
        )
    )
    return f"vote-{room.state.votes_created}"


def cast(room: Room, vote: str, n: int, kept: Sequence[bool], key: bytes, seats: int) -> None:
    made = ballots.make(kept, key, seats, ballot_context(room.state, vote, f"d{n:03}"))
    room.do(vc.CastBallot(vote, made.to_plain()), voter(n))


def test_an_election_from_the_key_ceremony_to_the_published_result() -> None:
    room = congress(8)
    vote = election(room, seats=4, candidates=5)  # 30 % of 4 seats: one name more at most
    assert room.refuse(vc.OpenVote(vote)).reason == "committee_not_ready"
    devices = Devices(room, vote, members=(5, 6, 7), threshold=2)
    room.do(vc.OpenVote(vote))
    kept_by = [
        [True, True, True, False, True],
        [True, True, False, True, False],
        [True, False, True, False, False],
        [True, True, False, False, True],
        [False, True, True, False, False],
        [True, True, False, False, False],
    ]
    for n, kept in enumerate(kept_by):
        cast(room, vote, n, kept, devices.key, 4)
    # Delegate 6 sends delegate 0's ballot as theirs: refused, as a malformed one is.
    stolen = ballots.make(kept_by[0], devices.key, 4, ballot_context(room.state, vote, "d000"))
    assert room.refuse(vc.CastBallot(vote, stolen.to_plain()), voter(6)).reason == "ballot_invalid"
    assert room.refuse(vc.CastBallot(vote, {"choices": []}), voter(6)).reason == "ballot_invalid"
    again = ballots.make(kept_by[1], devices.key, 4, ballot_context(room.state, vote, "d001"))
    assert room.refuse(vc.CastBallot(vote, again.to_plain()), voter(1)).reason == "already_voted"
    board = project(room.state, Role.BOARD)
    assert board["turnout"][vote] == {"confirmed": 0, "issued": 8, "cast": 6}
    receipts = project(room.state, Role.PRESIDIUM)["voters"]
    assert [v["delegate"] for v in receipts] == [f"d{n:03}" for n in range(6)]
    assert all("choice" not in v for v in receipts)
    own = personal(room.state, "d002")
    assert own is not None
    assert own["votes"][vote]["receipt"] == room.state.votes[vote].receipts["d002"]
    room.do(vc.CloseVote(vote))
    # A member's shares in the wrong order are refused; two good members count the box.
    good = devices.decrypt(1)
    swapped = vc.SubmitDecryption(vote, tuple(reversed(good.shares)), good.proofs)
    assert room.refuse(swapped, voter(5)).reason == "decryption_invalid"
    assert room.refuse(good, voter(0)).reason == "not_committee_member"
    room.do(good, voter(5))
    assert room.state.votes[vote].status is VoteStatus.CLOSED
    room.do(devices.decrypt(3), voter(7))
    result = room.state.votes[vote].result
    assert result is not None
    assert result.counts == (5, 5, 3, 1, 2)
    # Base: eight convened; more than half is 5 or more: c0 and c1 only.
    assert (result.elected, result.tied, result.unfilled) == (("c0", "c1"), (), 2)
    room.do(vc.PublishResult(vote))
    assert project(room.state, Role.BOARD)["votes"][0]["result"]["elected"] == ["c0", "c1"]
    # The whole story survives a snapshot: the state is the same after a round trip.
    assert state_from_bytes(state_bytes(room.state)) == room.state


def test_no_view_and_no_state_holds_a_voters_choice_in_an_election() -> None:
    room = congress(4)
    vote = election(room, seats=1, candidates=1, surplus=0)
    devices = Devices(room, vote, members=(0, 1), threshold=2)
    room.do(vc.OpenVote(vote))
    made = {}
    for n in (2, 3):
        made[n] = ballots.make([True], devices.key, 1, ballot_context(room.state, vote, f"d00{n}"))
        room.do(vc.CastBallot(vote, made[n].to_plain()), voter(n))
    for audience in Role:
        assert "'choice'" not in repr(project(room.state, audience))
    # The state keeps who voted and the box's running sum; a ballot itself is only in the
    # log, encrypted: no projection can hand it out.
    stored = state_bytes(room.state)
    assert b"d002" in stored
    assert all(m.choices[0].to_bytes() not in stored for m in made.values())


def test_the_list_the_surplus_and_the_committee_are_checked() -> None:
    room = congress(4)
    too_long = vc.PrepareVote(
        kind=VoteKind.ELECTION,
        title="Bầu",
        seats=10,
        surplus_percent=20,
        candidates=tuple(Candidate(f"c{i}", f"Ứng cử viên {i}") for i in range(13)),
    )
    assert room.refuse(too_long).reason == "candidate_list_invalid"
    assert (
        room.refuse(vc.PrepareVote(VoteKind.QUESTION, "x", seats=3)).reason
        == "vote_settings_invalid"
    )
    vote = election(room, seats=2, candidates=2, surplus=0)
    assert room.refuse(vc.SetCommittee(vote, ("d000", "d000"), 1)).reason == "committee_invalid"
    assert room.refuse(vc.SetCommittee(vote, ("d000", "d001"), 3)).reason == "committee_invalid"
    room.do(vc.SetCommittee(vote, ("d000", "d001"), 2))
    bad_dealing, _ = keys.deal(1, 2, b"another ceremony")
    refused = room.refuse(
        vc.JoinCommittee(vote, b"k" * 32, bad_dealing.commitments, bad_dealing.proofs), voter(0)
    )
    assert refused.reason == "dealing_invalid"
    assert (
        room.refuse(vc.DeliverShares(vote, (b"", b"x" * 80)), voter(0)).reason
        == "committee_not_ready"
    )


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32), voters=st.integers(1, 7), seats=st.integers(1, 5))
def test_an_elections_count_equals_a_plain_model(seed: int, voters: int, seats: int) -> None:
    rng = random.Random(seed)
    candidates = seats + rng.randint(0, seats * 30 // 100)
    room = congress(voters + 2)
    vote = election(room, seats=seats, candidates=candidates)
    devices = Devices(room, vote, members=(voters, voters + 1), threshold=1)
    room.do(vc.OpenVote(vote))
    kept_by = []
    for n in range(voters):
        kept = [False] * candidates
        for i in rng.sample(range(candidates), rng.randint(0, seats)):
            kept[i] = True
        kept_by.append(kept)
        cast(room, vote, n, kept, devices.key, seats)
    room.do(vc.CloseVote(vote))
    room.do(devices.decrypt(2), voter(voters + 1))
    result = room.state.votes[vote].result
    assert result is not None
    model = [sum(k[i] for k in kept_by) for i in range(candidates)]
    assert list(result.counts) == model
    ids = [f"c{i}" for i in range(candidates)]
    outcome = elect(dict(zip(ids, model, strict=True)), ids, seats, voters + 2, Threshold.HALF)
    assert (result.elected, result.tied, result.unfilled) == (
        outcome.elected,
        outcome.tied,
        outcome.unfilled,
    )


def test_a_retried_ballot_is_applied_once_by_its_origin() -> None:
    """The backends refuse an origin already in the log (DuplicateOrigin): the room sees a
    retried `cast_ballot` once. Here: the same ballot sent again by the same delegate."""
    room = congress(3)
    vote = election(room, seats=1, candidates=1, surplus=0)
    devices = Devices(room, vote, members=(0, 1), threshold=1)
    room.do(vc.OpenVote(vote))
    made = ballots.make([True], devices.key, 1, ballot_context(room.state, vote, "d002"))
    room.do(vc.CastBallot(vote, made.to_plain()), voter(2))
    assert room.refuse(vc.CastBallot(vote, made.to_plain()), voter(2)).reason == "already_voted"
    assert room.state.votes[vote].cast == 1


def test_a_ballot_the_hub_checked_is_recorded_as_cast() -> None:
    """`record_ballot`: the hub checked the proofs off its loop; the room counts it the same."""
    assert not vc.RecordBallot.from_wire
    room = congress(3)
    vote = election(room, seats=2, candidates=2, surplus=0)
    devices = Devices(room, vote, members=(0, 1), threshold=1)
    room.do(vc.OpenVote(vote))
    made = ballots.make([False, True], devices.key, 2, ballot_context(room.state, vote, "d002"))
    recorded = vc.RecordBallot(
        vote, tuple(c.to_bytes() for c in made.choices), made.choice_proofs, made.kept_proof
    )
    room.do(recorded, voter(2))
    assert room.state.votes[vote].receipts == {"d002": ballots.fingerprint(made)}
