"""evolve for the votes: how each of their events changes the room's state."""

from __future__ import annotations

from dataclasses import replace

from ..ballots import elgamal
from . import vote_events as ve
from .evolve import rule
from .state import RoomState
from .vote_state import Committee, CommitteeMember, Vote, VoteStatus


def _with(state: RoomState, vote: Vote) -> RoomState:
    return replace(state, votes={**state.votes, vote.id: vote})


def _member(vote: Vote, delegate_id: str, **changes: object) -> Vote:
    assert vote.committee is not None
    members = tuple(
        replace(m, **changes) if m.delegate_id == delegate_id else m  # type: ignore[arg-type]
        for m in vote.committee.members
    )
    return replace(vote, committee=replace(vote.committee, members=members))


@rule(ve.VotePrepared)
def _(state: RoomState, event: ve.VotePrepared) -> RoomState:
    vote = Vote(
        id=event.vote_id,
        number=state.votes_created + 1,
        kind=event.vote_kind,
        title=event.title,
        threshold=event.threshold,
        base=event.base,
        absent_throughout=event.absent_throughout,
        allow_abstain=event.allow_abstain,
        allow_change=event.allow_change,
        show_live_totals=event.show_live_totals,
        seats=event.seats,
        surplus_percent=event.surplus_percent,
        candidates=event.candidates,
        item_id=event.item_id,
    )
    return replace(_with(state, vote), votes_created=state.votes_created + 1)


@rule(ve.VoteWithdrawn)
def _(state: RoomState, event: ve.VoteWithdrawn) -> RoomState:
    return replace(state, votes={k: v for k, v in state.votes.items() if k != event.vote_id})


@rule(ve.CommitteeSet)
def _(state: RoomState, event: ve.CommitteeSet) -> RoomState:
    members = tuple(
        CommitteeMember(delegate_id=d, number=n) for n, d in enumerate(event.members, start=1)
    )
    committee = Committee(threshold=event.threshold, members=members)
    return _with(state, replace(state.votes[event.vote_id], committee=committee))


@rule(ve.CommitteeMemberJoined)
def _(state: RoomState, event: ve.CommitteeMemberJoined) -> RoomState:
    vote = _member(
        state.votes[event.vote_id],
        event.delegate_id,
        seal_key=event.seal_key,
        commitments=event.commitments,
        proofs=event.proofs,
    )
    return _with(state, vote)


@rule(ve.SharesDelivered)
def _(state: RoomState, event: ve.SharesDelivered) -> RoomState:
    return _with(state, _member(state.votes[event.vote_id], event.delegate_id, sealed=event.sealed))


@rule(ve.SharesConfirmed)
def _(state: RoomState, event: ve.SharesConfirmed) -> RoomState:
    return _with(state, _member(state.votes[event.vote_id], event.delegate_id, confirmed=True))


@rule(ve.BallotBoxKeyed)
def _(state: RoomState, event: ve.BallotBoxKeyed) -> RoomState:
    vote = state.votes[event.vote_id]
    assert vote.committee is not None
    return _with(state, replace(vote, committee=replace(vote.committee, key=event.key)))


@rule(ve.PresenceCheckStarted)
def _(state: RoomState, event: ve.PresenceCheckStarted) -> RoomState:
    return _with(state, replace(state.votes[event.vote_id], status=VoteStatus.CHECKING))


@rule(ve.PresenceConfirmed)
def _(state: RoomState, event: ve.PresenceConfirmed) -> RoomState:
    vote = state.votes[event.vote_id]
    confirmed = vote.confirmed_present | {event.delegate_id}
    return _with(state, replace(vote, confirmed_present=confirmed))


@rule(ve.VoteOpened)
def _(state: RoomState, event: ve.VoteOpened) -> RoomState:
    vote = state.votes[event.vote_id]
    tally = tuple(elgamal.ZERO.to_bytes() for _ in vote.candidates)
    opened = replace(
        vote,
        status=VoteStatus.OPEN,
        electorate=event.electorate,
        convened=event.convened,
        opened_at=event.at,
        tally=tally,
    )
    return _with(state, opened)


@rule(ve.OpenVoteCast)
def _(state: RoomState, event: ve.OpenVoteCast) -> RoomState:
    vote = state.votes[event.vote_id]
    return _with(state, replace(vote, choices={**vote.choices, event.delegate_id: event.choice}))


@rule(ve.BallotCast)
def _(state: RoomState, event: ve.BallotCast) -> RoomState:
    vote = state.votes[event.vote_id]
    # The box adds every ballot as it comes: the totals are ready the moment it closes.
    tally = tuple(
        elgamal.add(elgamal.Ciphertext.from_bytes(t), elgamal.Ciphertext.from_bytes(c)).to_bytes()
        for t, c in zip(vote.tally, event.choices, strict=True)
    )
    receipts = {**vote.receipts, event.delegate_id: event.receipt}
    return _with(state, replace(vote, receipts=receipts, tally=tally))


@rule(ve.VoteClosed)
def _(state: RoomState, event: ve.VoteClosed) -> RoomState:
    vote = state.votes[event.vote_id]
    return _with(state, replace(vote, status=VoteStatus.CLOSED, closed_at=event.at))


@rule(ve.DecryptionSubmitted)
def _(state: RoomState, event: ve.DecryptionSubmitted) -> RoomState:
    vote = _member(
        state.votes[event.vote_id],
        event.delegate_id,
        decryption=event.shares,
        decryption_proofs=event.proofs,
    )
    return _with(state, vote)


@rule(ve.VoteCounted)
def _(state: RoomState, event: ve.VoteCounted) -> RoomState:
    vote = state.votes[event.vote_id]
    return _with(state, replace(vote, status=VoteStatus.COUNTED, result=event.result))


@rule(ve.ResultPublished)
def _(state: RoomState, event: ve.ResultPublished) -> RoomState:
    vote = state.votes[event.vote_id]
    return _with(state, replace(vote, status=VoteStatus.PUBLISHED))
