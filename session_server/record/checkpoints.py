"""When the hub signs the log's head, and how an unsealed checkpoint becomes a signed one."""

from __future__ import annotations

from collections.abc import Iterable

from ..core import events as e
from ..core import vote_events as ve
from ..core.state import RoomState, SessionStatus
from .chain import fingerprint
from .keys import Signer

ITEM_CLOSED = "item_closed"
ADJOURNED = "adjourned"
VOTE_CLOSED = "vote_closed"
VOTE_COUNTED = "vote_counted"
"""An election is counted after its close, once the committee opened the totals: its result
is signed too."""


def checkpoint_reason(events: Iterable[e.Event]) -> str | None:
    """Why a record of these events is followed by a checkpoint, or None.

    The hook for every automatic checkpoint: the end of an agenda item, the adjournment, a
    vote's close, and an election's count.
    """
    for event in events:
        if isinstance(event, e.ItemClosed):
            return ITEM_CLOSED
        if isinstance(event, ve.VoteClosed):
            return VOTE_CLOSED
        if isinstance(event, ve.VoteCounted):
            return VOTE_COUNTED
        if isinstance(event, e.SessionStatusChanged) and event.status is SessionStatus.ADJOURNED:
            return ADJOURNED
    return None


def unsealed(events: Iterable[e.Event]) -> bool:
    return any(isinstance(ev, e.CheckpointRecorded) and not ev.sealed for ev in events)


def seal(
    state: RoomState, events: Iterable[e.Event], head_hash: bytes, signer: Signer
) -> tuple[e.Event, ...]:
    """`events` with each unsealed checkpoint signed over the head (`state.seq`, `head_hash`),
    the key registered first if the log does not hold it yet."""
    out: list[e.Event] = []
    for event in events:
        if not isinstance(event, e.CheckpointRecorded) or event.sealed:
            out.append(event)
            continue
        if event.head_seq != state.seq:
            raise ValueError("a checkpoint signs the head it is appended after")
        if signer.key_id not in state.signing_keys and not any(
            isinstance(ev, e.SigningKeyRegistered) for ev in out
        ):
            out.append(e.SigningKeyRegistered(key_id=signer.key_id, public_key=signer.public_hex))
        out.append(
            e.CheckpointRecorded(
                reason=event.reason,
                head_seq=state.seq,
                head_hash=head_hash.hex(),
                fingerprint=fingerprint(head_hash),
                key_id=signer.key_id,
                signature=signer.sign(state.room, state.seq, head_hash),
            )
        )
    return tuple(out)
