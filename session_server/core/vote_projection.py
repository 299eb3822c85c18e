"""What each audience sees of the votes: descriptions, turnout, who voted, and one's own vote.

The gate for votes, as `projection` is for the rest: a prepared vote (a personnel plan's
candidates) reaches the presidium and the secretariat only; boards and the hall see a vote
once it is put to the congress, its turnout, and a result only once published; a choice
by name reaches the presidium and the secretariat only; an election's choices reach no one.
"""

from __future__ import annotations

from typing import Any

from .state import Role, RoomState
from .vote_state import Choice, Result, Vote, VoteKind, VoteStatus

PRIVILEGED = frozenset({Role.PRESIDIUM, Role.SECRETARIAT})
IN_PUBLIC = frozenset({Role.BOARD, Role.HALL})
RESULT_KNOWN = frozenset({VoteStatus.COUNTED, VoteStatus.PUBLISHED})
PUT_TO_THE_CONGRESS = frozenset(
    {
        VoteStatus.CHECKING,
        VoteStatus.OPEN,
        VoteStatus.CLOSED,
        VoteStatus.COUNTED,
        VoteStatus.PUBLISHED,
    }
)


def _ordered(state: RoomState) -> list[Vote]:
    return sorted(state.votes.values(), key=lambda v: v.number)


def _result(result: Result | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {
        "base": result.base,
        "counts": list(result.counts),
        "passed": result.passed,
        "elected": list(result.elected),
        "tied": list(result.tied),
        "unfilled": result.unfilled,
    }


def _committee(vote: Vote, state: RoomState) -> dict[str, Any] | None:
    """The key ceremony's public material: members' devices need one another's."""
    committee = vote.committee
    if committee is None:
        return None
    return {
        "threshold": committee.threshold,
        "key": committee.key or None,
        "members": [
            {
                "delegate_id": m.delegate_id,
                "name": state.delegates[m.delegate_id].name
                if m.delegate_id in state.delegates
                else "",
                "number": m.number,
                "seal_key": m.seal_key or None,
                "commitments": list(m.commitments),
                "proofs": list(m.proofs),
                "sealed": list(m.sealed),
                "confirmed": m.confirmed,
                "decrypted": bool(m.decryption),
            }
            for m in committee.members
        ],
    }


def votes_view(state: RoomState, audience: Role) -> list[dict[str, Any]]:
    """The `votes` section: each vote this audience may know of, in the order prepared."""
    shown: list[dict[str, Any]] = []
    for vote in _ordered(state):
        visible = audience in PRIVILEGED or vote.status in PUT_TO_THE_CONGRESS
        if not visible and audience in IN_PUBLIC:
            continue
        entry: dict[str, Any] = {
            "id": vote.id,
            "kind": vote.kind.value,
            "status": vote.status.value,
        }
        if visible:
            entry |= {
                "title": vote.title,
                "item": vote.item_id,
                "threshold": vote.threshold.value,
                "base": vote.base.value,
                "seats": vote.seats,
                "allow_abstain": vote.allow_abstain,
                "allow_change": vote.allow_change,
                "candidates": [
                    {"id": c.id, "name": c.name, "unit": c.unit} for c in vote.candidates
                ],
                "opened_at": vote.opened_at,
                "closed_at": vote.closed_at,
            }
        if audience in PRIVILEGED or vote.status is VoteStatus.PUBLISHED:
            entry["result"] = _result(vote.result)
        if audience not in IN_PUBLIC and vote.kind is VoteKind.ELECTION:
            # A delegate's view is every delegate's: it carries what the committee's devices
            # need (public keys, commitments, sealed shares, the totals to open), never a
            # draft's title or candidates.
            entry["committee"] = _committee(vote, state)
            if vote.status is VoteStatus.CLOSED:
                entry["tally"] = list(vote.tally)
        shown.append(entry)
    return shown


def turnout_view(state: RoomState, audience: Role) -> dict[str, Any]:
    """The `turnout` section: small, replaced whole at each ballot, for every screen."""
    turnout: dict[str, Any] = {}
    for vote in _ordered(state):
        if vote.status not in PUT_TO_THE_CONGRESS:
            continue
        entry: dict[str, Any] = {
            "confirmed": len(vote.confirmed_present),
            "issued": len(vote.electorate) if vote.opened_at is not None else None,
            "cast": vote.cast,
        }
        live = audience in PRIVILEGED or vote.show_live_totals
        if vote.kind is VoteKind.QUESTION and live and vote.status is VoteStatus.OPEN:
            choices = list(vote.choices.values())
            entry["totals"] = [sum(1 for c in choices if c is option) for option in Choice]
        turnout[vote.id] = entry
    return turnout


def voters_view(state: RoomState, audience: Role) -> list[dict[str, Any]] | None:
    """The `voters` section, presidium and secretariat only: who voted, and on a question
    how (an open vote is recorded by name); on an election only the ballot's receipt."""
    if audience not in PRIVILEGED:
        return None
    voters: list[dict[str, Any]] = []
    for vote in _ordered(state):
        for delegate_id in sorted(vote.choices):
            voters.append(
                {
                    "vote": vote.id,
                    "delegate": delegate_id,
                    "choice": vote.choices[delegate_id].value,
                }
            )
        for delegate_id in sorted(vote.receipts):
            voters.append(
                {"vote": vote.id, "delegate": delegate_id, "receipt": vote.receipts[delegate_id]}
            )
    return voters


def own_votes(state: RoomState, delegate_id: str) -> dict[str, Any]:
    """For the `you` frame: where this delegate stands in each vote put to the congress."""
    own: dict[str, Any] = {}
    for vote in _ordered(state):
        if vote.status not in PUT_TO_THE_CONGRESS:
            continue
        choice = vote.choices.get(delegate_id)
        own[vote.id] = {
            "confirmed": delegate_id in vote.confirmed_present,
            "in_electorate": delegate_id in vote.electorate,
            "voted": choice is not None or delegate_id in vote.receipts,
            "choice": None if choice is None else choice.value,
            "receipt": vote.receipts.get(delegate_id),
        }
    return own
