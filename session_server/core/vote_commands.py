"""The votes' commands: preparing, the committee's key ceremony, the presence check, casting."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .commands import STEERING, Command
from .state import Role
from .vote_state import Candidate, Choice, VoteKind
from .voting import Base, Threshold

VOTING = frozenset({Role.DELEGATE})
"""A committee member acts with their delegate token: they are delegates elected to it."""


@dataclass(frozen=True, slots=True)
class PrepareVote(Command):
    """A question (biểu quyết) or an election (bầu cử), tied to the open agenda item if any."""

    name: ClassVar[str] = "prepare_vote"
    roles: ClassVar[frozenset[Role]] = STEERING
    kind: VoteKind
    title: str
    threshold: Threshold = Threshold.HALF
    base: Base = Base.CONVENED
    absent_throughout: int = 0
    allow_abstain: bool = False
    allow_change: bool = False
    show_live_totals: bool = False
    seats: int = 0
    surplus_percent: int = 0
    candidates: tuple[Candidate, ...] = ()


@dataclass(frozen=True, slots=True)
class WithdrawVote(Command):
    """Drop a vote not opened yet."""

    name: ClassVar[str] = "withdraw_vote"
    roles: ClassVar[frozenset[Role]] = STEERING
    vote_id: str


@dataclass(frozen=True, slots=True)
class SetCommittee(Command):
    """The Ban kiểm phiếu of an election: its members (delegates) and how many open a total."""

    name: ClassVar[str] = "set_committee"
    roles: ClassVar[frozenset[Role]] = STEERING
    vote_id: str
    members: tuple[str, ...]
    threshold: int


@dataclass(frozen=True, slots=True)
class JoinCommittee(Command):
    """A member's device's first step: its sealing key and its polynomial's commitments."""

    name: ClassVar[str] = "join_committee"
    roles: ClassVar[frozenset[Role]] = VOTING
    vote_id: str
    seal_key: bytes
    commitments: tuple[bytes, ...]
    proofs: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class DeliverShares(Command):
    """A member's shares for the others, each sealed to its recipient (members 1..n, own empty)."""

    name: ClassVar[str] = "deliver_shares"
    roles: ClassVar[frozenset[Role]] = VOTING
    vote_id: str
    sealed: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class ConfirmShares(Command):
    """The member opened and checked every share dealt to it."""

    name: ClassVar[str] = "confirm_shares"
    roles: ClassVar[frozenset[Role]] = VOTING
    vote_id: str


@dataclass(frozen=True, slots=True)
class StartPresenceCheck(Command):
    name: ClassVar[str] = "start_presence_check"
    roles: ClassVar[frozenset[Role]] = STEERING
    vote_id: str


@dataclass(frozen=True, slots=True)
class ConfirmPresence(Command):
    """A delegate confirms on their tablet that they are in the hall for the vote."""

    name: ClassVar[str] = "confirm_presence"
    roles: ClassVar[frozenset[Role]] = VOTING
    vote_id: str


@dataclass(frozen=True, slots=True)
class OpenVote(Command):
    """Fix the electorate (those who confirmed, or those present) and open the ballot box."""

    name: ClassVar[str] = "open_vote"
    roles: ClassVar[frozenset[Role]] = STEERING
    vote_id: str


@dataclass(frozen=True, slots=True)
class CastVote(Command):
    """A delegate's choice on an open question."""

    name: ClassVar[str] = "cast_vote"
    roles: ClassVar[frozenset[Role]] = VOTING
    vote_id: str
    choice: Choice


@dataclass(frozen=True, slots=True)
class CastBallot(Command):
    """A delegate's encrypted election ballot (docs/voting.md): checked, then counted."""

    name: ClassVar[str] = "cast_ballot"
    roles: ClassVar[frozenset[Role]] = VOTING
    vote_id: str
    ballot: Any
    """`choices`, `choice_proofs`, `kept_proof`: the shape session_server.ballots reads."""


@dataclass(frozen=True, slots=True)
class RecordBallot(Command):
    """A ballot whose proofs the hub already checked off its event loop, for one delegate."""

    name: ClassVar[str] = "record_ballot"
    roles: ClassVar[frozenset[Role]] = VOTING
    from_wire: ClassVar[bool] = False
    vote_id: str
    choices: tuple[bytes, ...]
    choice_proofs: tuple[bytes, ...]
    kept_proof: bytes


@dataclass(frozen=True, slots=True)
class CloseVote(Command):
    name: ClassVar[str] = "close_vote"
    roles: ClassVar[frozenset[Role]] = STEERING
    vote_id: str


@dataclass(frozen=True, slots=True)
class SubmitDecryption(Command):
    """A member's decryption share of each candidate's total, each with its proof."""

    name: ClassVar[str] = "submit_decryption"
    roles: ClassVar[frozenset[Role]] = VOTING
    vote_id: str
    shares: tuple[bytes, ...]
    proofs: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class PublishResult(Command):
    """Announce a counted result: every screen shows it."""

    name: ClassVar[str] = "publish_result"
    roles: ClassVar[frozenset[Role]] = STEERING
    vote_id: str
