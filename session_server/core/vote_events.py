"""The votes' events: what the log records of each vote, from its preparation to its result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .events import Event
from .vote_state import Candidate, Choice, Result, VoteKind
from .voting import Base, Threshold


@dataclass(frozen=True, slots=True)
class VotePrepared(Event):
    kind: ClassVar[str] = "vote_prepared"
    vote_id: str
    vote_kind: VoteKind
    title: str
    threshold: Threshold
    base: Base
    absent_throughout: int
    allow_abstain: bool
    allow_change: bool
    show_live_totals: bool
    seats: int
    surplus_percent: int
    candidates: tuple[Candidate, ...]
    item_id: str | None


@dataclass(frozen=True, slots=True)
class VoteWithdrawn(Event):
    kind: ClassVar[str] = "vote_withdrawn"
    vote_id: str


@dataclass(frozen=True, slots=True)
class CommitteeSet(Event):
    kind: ClassVar[str] = "committee_set"
    vote_id: str
    members: tuple[str, ...]
    threshold: int


@dataclass(frozen=True, slots=True)
class CommitteeMemberJoined(Event):
    kind: ClassVar[str] = "committee_member_joined"
    vote_id: str
    delegate_id: str
    seal_key: bytes
    commitments: tuple[bytes, ...]
    proofs: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class SharesDelivered(Event):
    kind: ClassVar[str] = "shares_delivered"
    vote_id: str
    delegate_id: str
    sealed: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class SharesConfirmed(Event):
    kind: ClassVar[str] = "shares_confirmed"
    vote_id: str
    delegate_id: str


@dataclass(frozen=True, slots=True)
class BallotBoxKeyed(Event):
    """Every member confirmed its shares: the ballot box's public key is fixed."""

    kind: ClassVar[str] = "ballot_box_keyed"
    vote_id: str
    key: bytes


@dataclass(frozen=True, slots=True)
class PresenceCheckStarted(Event):
    kind: ClassVar[str] = "presence_check_started"
    vote_id: str


@dataclass(frozen=True, slots=True)
class PresenceConfirmed(Event):
    kind: ClassVar[str] = "presence_confirmed"
    vote_id: str
    delegate_id: str


@dataclass(frozen=True, slots=True)
class VoteOpened(Event):
    kind: ClassVar[str] = "vote_opened"
    vote_id: str
    electorate: frozenset[str]
    convened: int
    at: int


@dataclass(frozen=True, slots=True)
class OpenVoteCast(Event):
    kind: ClassVar[str] = "open_vote_cast"
    vote_id: str
    delegate_id: str
    choice: Choice


@dataclass(frozen=True, slots=True)
class BallotCast(Event):
    """An election ballot accepted: ciphertexts and proofs, never what they hold."""

    kind: ClassVar[str] = "ballot_cast"
    vote_id: str
    delegate_id: str
    choices: tuple[bytes, ...]
    choice_proofs: tuple[bytes, ...]
    kept_proof: bytes
    receipt: str


@dataclass(frozen=True, slots=True)
class VoteClosed(Event):
    kind: ClassVar[str] = "vote_closed"
    vote_id: str
    at: int


@dataclass(frozen=True, slots=True)
class DecryptionSubmitted(Event):
    kind: ClassVar[str] = "decryption_submitted"
    vote_id: str
    delegate_id: str
    shares: tuple[bytes, ...]
    proofs: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class VoteCounted(Event):
    kind: ClassVar[str] = "vote_counted"
    vote_id: str
    result: Result


@dataclass(frozen=True, slots=True)
class ResultPublished(Event):
    kind: ClassVar[str] = "result_published"
    vote_id: str
    at: int
