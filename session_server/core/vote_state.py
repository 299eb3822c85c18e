"""A vote's state: a question (biểu quyết) or an election (bầu cử), its electorate and count."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from .voting import Base, Threshold


class VoteKind(StrEnum):
    QUESTION = "question"
    """Biểu quyết: an open vote on a question, recorded by name."""
    ELECTION = "election"
    """Bầu cử: a secret ballot keeping at most `seats` of the candidates."""


class VoteStatus(StrEnum):
    DRAFT = "draft"
    """Prepared; the presidium may still change it or withdraw it."""
    CHECKING = "checking"
    """The presence check runs: delegates confirm on their tablets."""
    OPEN = "open"
    """The electorate is fixed; ballots are cast."""
    CLOSED = "closed"
    """No more ballots; an election waits for the committee to open its totals."""
    COUNTED = "counted"
    """The result is known to the presidium, the secretariat and the committee."""
    PUBLISHED = "published"
    """The result is announced: every screen shows it."""


class Choice(StrEnum):
    """An open vote's options."""

    FOR = "for"
    """Tán thành."""
    AGAINST = "against"
    """Không tán thành."""
    ABSTAIN = "abstain"
    """Không biểu quyết, where the presidium allows it."""


@dataclass(frozen=True, slots=True)
class Candidate:
    id: str
    name: str
    unit: str = ""


@dataclass(frozen=True, slots=True)
class CommitteeMember:
    """One member of the Ban kiểm phiếu, as far as the key ceremony has gone."""

    delegate_id: str
    number: int
    """1..n: the member's point on the polynomials."""
    seal_key: bytes = b""
    """The X25519 key the other members seal this member's shares to."""
    commitments: tuple[bytes, ...] = ()
    proofs: tuple[bytes, ...] = ()
    sealed: tuple[bytes, ...] = ()
    """The shares this member dealt, sealed, for members 1..n in order (its own slot empty)."""
    confirmed: bool = False
    """This member opened and checked every share dealt to it."""
    decryption: tuple[bytes, ...] = ()
    """This member's decryption share of each candidate's total (after the close)."""
    decryption_proofs: tuple[bytes, ...] = ()


@dataclass(frozen=True, slots=True)
class Committee:
    threshold: int
    members: tuple[CommitteeMember, ...]
    key: bytes = b""
    """The ballot box's public key, once every member confirmed its shares."""

    def member(self, delegate_id: str) -> CommitteeMember | None:
        for m in self.members:
            if m.delegate_id == delegate_id:
                return m
        return None


@dataclass(frozen=True, slots=True)
class Result:
    """What was counted: for a question the three totals, for an election one per candidate."""

    base: int
    """The number the threshold was taken of."""
    counts: tuple[int, ...]
    """Question: for, against, abstain. Election: per candidate, in the list's order."""
    passed: bool = False
    """Question: whether it passed."""
    elected: tuple[str, ...] = ()
    tied: tuple[str, ...] = ()
    unfilled: int = 0


@dataclass(frozen=True, slots=True)
class Vote:
    id: str
    number: int
    """1, 2, ...: the order the votes were prepared in."""
    kind: VoteKind
    title: str
    threshold: Threshold
    base: Base
    absent_throughout: int = 0
    """Official delegates absent for the whole congress (the `convened` base leaves them out)."""
    allow_abstain: bool = False
    allow_change: bool = False
    """Question: a delegate may change their choice until the close."""
    show_live_totals: bool = False
    """Question: the boards and the hall show the totals while the vote is open."""
    seats: int = 0
    surplus_percent: int = 0
    candidates: tuple[Candidate, ...] = ()
    item_id: str | None = None
    status: VoteStatus = VoteStatus.DRAFT
    committee: Committee | None = None
    confirmed_present: frozenset[str] = frozenset()
    electorate: frozenset[str] = frozenset()
    convened: int = 0
    """Delegates on the roll when the vote opened."""
    opened_at: int | None = None
    closed_at: int | None = None
    choices: Mapping[str, Choice] = field(default_factory=dict)
    """Question: each voter's choice, by delegate (an open vote is recorded by name)."""
    receipts: Mapping[str, str] = field(default_factory=dict)
    """Election: each voter's ballot fingerprint, by delegate (never what it holds)."""
    tally: tuple[bytes, ...] = ()
    """Election: per candidate, the sum of every ballot's ciphertext (64 bytes each)."""
    result: Result | None = None

    @property
    def cast(self) -> int:
        return len(self.choices) + len(self.receipts)
