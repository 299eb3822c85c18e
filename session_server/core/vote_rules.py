"""decide for the votes: who may prepare, key, open, cast, close and count, and when.

The proofs a ballot and a decryption share carry are checked here with the hub's ballot
code (session_server.ballots): deterministic computation, no I/O. The hub checks a
ballot's proofs off its event loop first and sends `record_ballot`, so that the costly
part never runs inside the room's writer (docs/voting.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..ballots import ballot as ballots
from ..ballots import committee as keys
from ..ballots import elgamal, group, proofs
from . import vote_commands as vc
from . import vote_events as ve
from .decide import MAX_ID, MAX_NAME, MAX_TITLE, Actor, Decision, Rejection, rule
from .errors import RuleReason
from .events import Event
from .state import RoomState
from .vote_state import Choice, Committee, CommitteeMember, Result, Vote, VoteKind, VoteStatus
from .voting import MAX_SURPLUS_PERCENT, base_size, elect, list_problem, reaches

MAX_CANDIDATES = 150
"""Candidates on one ballot: with 64 bytes and a 128-byte proof each, and the sum proof,
the largest ballot still fits one client frame (docs/limits.md)."""
MAX_SEATS = proofs.MAX_RANGE
MAX_COMMITTEE = 15
"""Members of one counting committee."""
MAX_UNIT = 200
SEAL_BYTES = (48, 256)
"""A sealed share's size: 32 bytes of key, the 32-byte share, a 16-byte tag, with room."""


def _bad(reason: RuleReason, message: str) -> Rejection:
    return Rejection("invalid_args", message, reason)


def _invalid(reason: RuleReason, message: str) -> Rejection:
    return Rejection("invalid_state", message, reason)


def _vote(state: RoomState, vote_id: str, kind: VoteKind | None = None) -> Vote | Rejection:
    vote = state.votes.get(vote_id)
    if vote is None:
        return Rejection("not_found", f"no vote {vote_id!r}", "vote_not_found")
    if kind is not None and vote.kind is not kind:
        return _invalid("vote_kind_mismatch", f"{vote_id} is not of the kind {kind.value}")
    return vote


def ceremony(state: RoomState, vote_id: str) -> bytes:
    """The key ceremony's context: this room and this vote (docs/voting.md)."""
    return proofs.context_of(state.room, vote_id, "committee")


def ballot_context(state: RoomState, vote_id: str, delegate_id: str) -> bytes:
    """A ballot's context: it checks for this room, this vote and this delegate only."""
    return proofs.context_of(state.room, vote_id, delegate_id)


def candidate_label(index: int) -> bytes:
    return proofs.context_of("candidate", index)


def _busy(state: RoomState, vote_id: str) -> Rejection | None:
    for other in state.votes.values():
        if other.id != vote_id and other.status in (VoteStatus.CHECKING, VoteStatus.OPEN):
            return _invalid("another_vote_open", f"{other.id} is still open: close it first")
    return None


@rule
def _(command: vc.PrepareVote, state: RoomState, actor: Actor, now: int) -> Decision:
    title = command.title.strip()
    if not title or len(title) > MAX_TITLE:
        return _bad("title_length", f"a title has 1 to {MAX_TITLE} characters")
    if not 0 <= command.absent_throughout <= len(state.delegates):
        return _bad("vote_settings_invalid", "absent_throughout is 0 to the delegates on the roll")
    if command.kind is VoteKind.QUESTION:
        if command.seats or command.candidates or command.surplus_percent:
            return _bad("vote_settings_invalid", "a question has no seats and no candidates")
    else:
        problem = _election_settings(command)
        if problem is not None:
            return problem
    return (
        ve.VotePrepared(
            vote_id=f"vote-{state.votes_created + 1}",
            vote_kind=command.kind,
            title=title,
            threshold=command.threshold,
            base=command.base,
            absent_throughout=command.absent_throughout,
            allow_abstain=command.allow_abstain,
            allow_change=command.allow_change,
            show_live_totals=command.show_live_totals,
            seats=command.seats,
            surplus_percent=command.surplus_percent,
            candidates=tuple(command.candidates),
            item_id=state.current_item,
        ),
    )


def _election_settings(command: vc.PrepareVote) -> Rejection | None:
    if command.allow_abstain or command.allow_change or command.show_live_totals:
        return _bad(
            "vote_settings_invalid",
            "an election's ballot is secret: no abstain option, no change, no live totals",
        )
    if not 1 <= command.seats <= MAX_SEATS:
        return _bad("seats_range", f"an election has 1 to {MAX_SEATS} seats")
    if not 0 <= command.surplus_percent <= MAX_SURPLUS_PERCENT:
        return _bad("candidate_list_invalid", f"the surplus is 0 to {MAX_SURPLUS_PERCENT} %")
    if not 1 <= len(command.candidates) <= MAX_CANDIDATES:
        return _bad("candidate_list_invalid", f"a ballot lists 1 to {MAX_CANDIDATES} candidates")
    ids = [c.id for c in command.candidates]
    if len(set(ids)) != len(ids) or not all(0 < len(i) <= MAX_ID for i in ids):
        return _bad(
            "candidate_list_invalid", f"candidate ids are distinct, 1 to {MAX_ID} characters"
        )
    for candidate in command.candidates:
        if not candidate.name.strip() or len(candidate.name) > MAX_NAME:
            return _bad("name_length", f"a candidate's name has 1 to {MAX_NAME} characters")
        if len(candidate.unit) > MAX_UNIT:
            return _bad("unit_or_seat_length", f"a unit has at most {MAX_UNIT} characters")
    problem = list_problem(command.seats, len(command.candidates), command.surplus_percent)
    if problem is not None:
        return _bad("candidate_list_invalid", problem)
    return None


@rule
def _(command: vc.WithdrawVote, state: RoomState, actor: Actor, now: int) -> Decision:
    vote = _vote(state, command.vote_id)
    if isinstance(vote, Rejection):
        return vote
    if vote.status not in (VoteStatus.DRAFT, VoteStatus.CHECKING):
        return _invalid("vote_already_open", f"{vote.id} was opened: it stays in the record")
    return (ve.VoteWithdrawn(vote_id=vote.id),)


@rule
def _(command: vc.SetCommittee, state: RoomState, actor: Actor, now: int) -> Decision:
    vote = _vote(state, command.vote_id, VoteKind.ELECTION)
    if isinstance(vote, Rejection):
        return vote
    if vote.status is not VoteStatus.DRAFT:
        return _invalid("vote_already_open", f"{vote.id} is past its preparation")
    if vote.committee is not None and any(m.seal_key for m in vote.committee.members):
        return _invalid("committee_started", "the committee's key ceremony has begun")
    members = command.members
    if not 1 <= len(members) <= MAX_COMMITTEE or len(set(members)) != len(members):
        return _bad("committee_invalid", f"a committee has 1 to {MAX_COMMITTEE} distinct members")
    missing = [m for m in members if m not in state.delegates]
    if missing:
        return Rejection(
            "not_found", f"no delegate {missing[0]!r} on the roll", "delegate_not_found"
        )
    if not 1 <= command.threshold <= len(members):
        return _bad("committee_invalid", "the threshold is 1 to the number of members")
    return (ve.CommitteeSet(vote_id=vote.id, members=members, threshold=command.threshold),)


def _member_vote(
    state: RoomState, vote_id: str, actor: Actor
) -> tuple[Vote, Committee, CommitteeMember] | Rejection:
    """The election, its committee and the actor as a member of it, or why not."""
    vote = _vote(state, vote_id, VoteKind.ELECTION)
    if isinstance(vote, Rejection):
        return vote
    member = None if vote.committee is None else vote.committee.member(actor.delegate_id or "")
    if vote.committee is None or member is None:
        return Rejection(
            "forbidden", f"not a member of {vote_id}'s committee", "not_committee_member"
        )
    return vote, vote.committee, member


@rule
def _(command: vc.JoinCommittee, state: RoomState, actor: Actor, now: int) -> Decision:
    found = _member_vote(state, command.vote_id, actor)
    if isinstance(found, Rejection):
        return found
    vote, committee, joined = found
    if joined.seal_key:
        if joined.seal_key == command.seal_key and joined.commitments == command.commitments:
            return ()
        return _invalid("committee_step_done", "this member has joined already")
    if len(command.seal_key) != 32:
        return _bad("dealing_invalid", "a sealing key is 32 bytes")
    dealing = keys.Dealing(joined.number, command.commitments, command.proofs)
    try:
        keys.check_dealing(dealing, committee.threshold, ceremony(state, vote.id))
    except keys.CommitteeError as bad:
        return _bad("dealing_invalid", str(bad))
    return (
        ve.CommitteeMemberJoined(
            vote_id=vote.id,
            delegate_id=joined.delegate_id,
            seal_key=command.seal_key,
            commitments=command.commitments,
            proofs=command.proofs,
        ),
    )


@rule
def _(command: vc.DeliverShares, state: RoomState, actor: Actor, now: int) -> Decision:
    found = _member_vote(state, command.vote_id, actor)
    if isinstance(found, Rejection):
        return found
    vote, committee, me = found
    members = committee.members
    if not all(m.seal_key for m in members):
        return _invalid("committee_not_ready", "every member joins before shares are sent")
    if me.sealed:
        return (
            ()
            if me.sealed == command.sealed
            else _invalid("committee_step_done", "this member has sent its shares already")
        )
    if len(command.sealed) != len(members):
        return _bad("shares_invalid", f"one sealed share for each of the {len(members)} members")
    for index, sealed in enumerate(command.sealed):
        own = index + 1 == me.number
        if own != (sealed == b"") or (
            not own and not SEAL_BYTES[0] <= len(sealed) <= SEAL_BYTES[1]
        ):
            return _bad("shares_invalid", f"the share for member {index + 1} is malformed")
    return (ve.SharesDelivered(vote_id=vote.id, delegate_id=me.delegate_id, sealed=command.sealed),)


@rule
def _(command: vc.ConfirmShares, state: RoomState, actor: Actor, now: int) -> Decision:
    found = _member_vote(state, command.vote_id, actor)
    if isinstance(found, Rejection):
        return found
    vote, committee, me = found
    members = committee.members
    if not all(m.sealed for m in members):
        return _invalid("committee_not_ready", "every member sends its shares first")
    if me.confirmed:
        return ()
    out: list[Event] = [ve.SharesConfirmed(vote_id=vote.id, delegate_id=me.delegate_id)]
    if all(m.confirmed or m.number == me.number for m in members):
        dealings = [keys.Dealing(m.number, m.commitments, m.proofs) for m in members]
        out.append(ve.BallotBoxKeyed(vote_id=vote.id, key=keys.joint_key(dealings)))
    return tuple(out)


def _ready(vote: Vote) -> Rejection | None:
    if vote.kind is VoteKind.ELECTION and (vote.committee is None or not vote.committee.key):
        return _invalid("committee_not_ready", "the committee's key is not made yet")
    return None


@rule
def _(command: vc.StartPresenceCheck, state: RoomState, actor: Actor, now: int) -> Decision:
    vote = _vote(state, command.vote_id)
    if isinstance(vote, Rejection):
        return vote
    if vote.status is VoteStatus.CHECKING:
        return ()
    if vote.status is not VoteStatus.DRAFT:
        return _invalid("vote_already_open", f"{vote.id} is past its preparation")
    return _ready(vote) or _busy(state, vote.id) or (ve.PresenceCheckStarted(vote_id=vote.id),)


@rule
def _(command: vc.ConfirmPresence, state: RoomState, actor: Actor, now: int) -> Decision:
    vote = _vote(state, command.vote_id)
    if isinstance(vote, Rejection):
        return vote
    if vote.status is not VoteStatus.CHECKING:
        return _invalid("no_presence_check", f"{vote.id} has no presence check running")
    delegate = actor.delegate_id
    if delegate is None or delegate not in state.delegates:
        return Rejection("forbidden", "only a delegate on the roll confirms", "not_on_roll")
    if delegate in vote.confirmed_present:
        return ()
    return (ve.PresenceConfirmed(vote_id=vote.id, delegate_id=delegate),)


@rule
def _(command: vc.OpenVote, state: RoomState, actor: Actor, now: int) -> Decision:
    vote = _vote(state, command.vote_id)
    if isinstance(vote, Rejection):
        return vote
    if vote.status is VoteStatus.OPEN:
        return ()
    if vote.status not in (VoteStatus.DRAFT, VoteStatus.CHECKING):
        return _invalid("vote_already_open", f"{vote.id} was opened already")
    refused = _ready(vote) or _busy(state, vote.id)
    if refused is not None:
        return refused
    checked = vote.status is VoteStatus.CHECKING
    electorate = vote.confirmed_present if checked else state.present
    electorate = frozenset(d for d in electorate if d in state.delegates)
    if not electorate:
        return _invalid(
            "electorate_empty",
            "no delegate confirmed their presence" if checked else "no delegate is checked in",
        )
    return (
        ve.VoteOpened(
            vote_id=vote.id, electorate=electorate, convened=len(state.delegates), at=now
        ),
    )


def _voter(vote: Vote, actor: Actor) -> str | Rejection:
    if vote.status is not VoteStatus.OPEN:
        return _invalid("vote_not_open", f"{vote.id} is not open")
    if actor.delegate_id is None or actor.delegate_id not in vote.electorate:
        return Rejection(
            "forbidden",
            f"not in {vote.id}'s electorate (fixed when it opened)",
            "not_in_electorate",
        )
    return actor.delegate_id


@rule
def _(command: vc.CastVote, state: RoomState, actor: Actor, now: int) -> Decision:
    vote = _vote(state, command.vote_id, VoteKind.QUESTION)
    if isinstance(vote, Rejection):
        return vote
    voter = _voter(vote, actor)
    if isinstance(voter, Rejection):
        return voter
    if command.choice is Choice.ABSTAIN and not vote.allow_abstain:
        return _bad("abstain_not_allowed", "this question has no 'không biểu quyết' option")
    earlier = vote.choices.get(voter)
    if earlier is command.choice:
        return ()
    if earlier is not None and not vote.allow_change:
        return _invalid("already_voted", "this delegate has voted; the choice is final")
    return (ve.OpenVoteCast(vote_id=vote.id, delegate_id=voter, choice=command.choice),)


def _ballot_cast(
    state: RoomState, vote_id: str, actor: Actor, made: ballots.Ballot, check: bool
) -> Decision:
    vote = _vote(state, vote_id, VoteKind.ELECTION)
    if isinstance(vote, Rejection):
        return vote
    voter = _voter(vote, actor)
    if isinstance(voter, Rejection):
        return voter
    if voter in vote.receipts:
        return _invalid("already_voted", "this delegate's ballot is in the box; it is final")
    assert vote.committee is not None
    if len(made.choices) != len(vote.candidates):
        return _bad("ballot_invalid", f"a ballot has one choice for each of {len(vote.candidates)}")
    if check:
        try:
            ballots.check(
                made, vote.committee.key, vote.seats, ballot_context(state, vote.id, voter)
            )
        except ballots.BallotError as bad:
            return _bad("ballot_invalid", str(bad))
    return (
        ve.BallotCast(
            vote_id=vote.id,
            delegate_id=voter,
            choices=tuple(c.to_bytes() for c in made.choices),
            choice_proofs=made.choice_proofs,
            kept_proof=made.kept_proof,
            receipt=ballots.fingerprint(made),
        ),
    )


def parse_ballot(state: RoomState, vote_id: str, plain: object) -> ballots.Ballot | Rejection:
    """The ballot a `cast_ballot` carries, shape checked, for the vote's candidates."""
    vote = _vote(state, vote_id, VoteKind.ELECTION)
    if isinstance(vote, Rejection):
        return vote
    try:
        return ballots.Ballot.from_plain(plain, len(vote.candidates))
    except ballots.BallotError as bad:
        return _bad("ballot_invalid", str(bad))


def ballot_to_check(
    state: RoomState, vote_id: str, plain: object, actor: Actor
) -> tuple[ballots.Ballot, bytes, int, bytes] | None:
    """What the hub must check before `record_ballot`: the ballot, the key, the seats and the
    context; None when the room would refuse the cast whatever its proofs say."""
    vote = _vote(state, vote_id, VoteKind.ELECTION)
    if isinstance(vote, Rejection) or vote.committee is None:
        return None
    voter = _voter(vote, actor)
    if isinstance(voter, Rejection) or voter in vote.receipts:
        return None
    made = parse_ballot(state, vote_id, plain)
    if isinstance(made, Rejection):
        return None
    return made, vote.committee.key, vote.seats, ballot_context(state, vote.id, voter)


@rule
def _(command: vc.CastBallot, state: RoomState, actor: Actor, now: int) -> Decision:
    made = parse_ballot(state, command.vote_id, command.ballot)
    if isinstance(made, Rejection):
        return made
    return _ballot_cast(state, command.vote_id, actor, made, check=True)


@rule
def _(command: vc.RecordBallot, state: RoomState, actor: Actor, now: int) -> Decision:
    try:
        made = ballots.Ballot(
            tuple(elgamal.Ciphertext.from_bytes(c) for c in command.choices),
            command.choice_proofs,
            command.kept_proof,
        )
    except group.GroupError as bad:
        return _bad("ballot_invalid", str(bad))
    return _ballot_cast(state, command.vote_id, actor, made, check=False)


def question_result(vote: Vote, choices: Sequence[Choice]) -> Result:
    counts = tuple(sum(1 for c in choices if c is option) for option in Choice)
    base = base_size(vote.base, vote.convened, vote.absent_throughout, len(vote.electorate))
    return Result(base=base, counts=counts, passed=reaches(counts[0], base, vote.threshold))


def election_result(vote: Vote, counts: Sequence[int]) -> Result:
    base = base_size(vote.base, vote.convened, vote.absent_throughout, len(vote.electorate))
    ids = [c.id for c in vote.candidates]
    outcome = elect(dict(zip(ids, counts, strict=True)), ids, vote.seats, base, vote.threshold)
    return Result(
        base=base,
        counts=tuple(counts),
        elected=outcome.elected,
        tied=outcome.tied,
        unfilled=outcome.unfilled,
    )


@rule
def _(command: vc.CloseVote, state: RoomState, actor: Actor, now: int) -> Decision:
    vote = _vote(state, command.vote_id)
    if isinstance(vote, Rejection):
        return vote
    if vote.status is not VoteStatus.OPEN:
        if vote.status in (VoteStatus.CLOSED, VoteStatus.COUNTED, VoteStatus.PUBLISHED):
            return ()
        return _invalid("vote_not_open", f"{vote.id} is not open")
    closed = ve.VoteClosed(vote_id=vote.id, at=now)
    if vote.kind is VoteKind.QUESTION:
        result = question_result(vote, list(vote.choices.values()))
        return (closed, ve.VoteCounted(vote_id=vote.id, result=result))
    return (closed,)


@rule
def _(command: vc.SubmitDecryption, state: RoomState, actor: Actor, now: int) -> Decision:
    found = _member_vote(state, command.vote_id, actor)
    if isinstance(found, Rejection):
        return found
    vote, committee, me = found
    number = me.number
    if vote.status is not VoteStatus.CLOSED:
        if vote.status in (VoteStatus.COUNTED, VoteStatus.PUBLISHED):
            return ()
        return _invalid("vote_not_closed", f"{vote.id} is not closed")
    if me.decryption:
        return ()
    if not len(command.shares) == len(command.proofs) == len(vote.candidates):
        return _bad("decryption_invalid", "one share and one proof for each candidate")
    dealings = [keys.Dealing(m.number, m.commitments, m.proofs) for m in committee.members]
    public = keys.public_share(number, dealings)
    context = ceremony(state, vote.id)
    submitted = []
    for index, (value, proof) in enumerate(zip(command.shares, command.proofs, strict=True)):
        share = keys.DecryptionShare(number, value, proof)
        total = elgamal.Ciphertext.from_bytes(vote.tally[index])
        try:
            keys.check_decryption_share(share, public, total, context, candidate_label(index))
        except keys.CommitteeError as bad:
            return _bad("decryption_invalid", f"candidate {index + 1}: {bad}")
        submitted.append(share)
    out: list[Event] = [
        ve.DecryptionSubmitted(
            vote_id=vote.id,
            delegate_id=me.delegate_id,
            shares=command.shares,
            proofs=command.proofs,
        )
    ]
    done = [m for m in committee.members if m.decryption]
    if len(done) + 1 >= committee.threshold:
        out.append(ve.VoteCounted(vote_id=vote.id, result=_count(vote, done, submitted)))
    return tuple(out)


def _count(vote: Vote, done: list[CommitteeMember], latest: list[keys.DecryptionShare]) -> Result:
    assert vote.committee is not None
    threshold = vote.committee.threshold
    table = elgamal.CountTable(len(vote.electorate))
    counts = []
    for index, raw in enumerate(vote.tally):
        shares = [latest[index]] + [
            keys.DecryptionShare(m.number, m.decryption[index], m.decryption_proofs[index])
            for m in done[: threshold - 1]
        ]
        opened = keys.open_total(elgamal.Ciphertext.from_bytes(raw), shares, threshold)
        count = table.count(opened)
        # Checked shares always open to a count within the electorate; anything else is a
        # flaw in this code, and the record must not hold a made-up number.
        assert count is not None, "an opened total is outside the electorate"
        counts.append(count)
    return election_result(vote, counts)


@rule
def _(command: vc.PublishResult, state: RoomState, actor: Actor, now: int) -> Decision:
    vote = _vote(state, command.vote_id)
    if isinstance(vote, Rejection):
        return vote
    if vote.status is VoteStatus.PUBLISHED:
        return ()
    if vote.status is not VoteStatus.COUNTED:
        return _invalid("vote_not_counted", f"{vote.id} has no result yet")
    return (ve.ResultPublished(vote_id=vote.id, at=now),)
