"""A secret election ballot: one ciphertext per candidate, each 0 or 1, at most `seats` kept."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from . import elgamal, group, proofs
from .elgamal import Ciphertext


class BallotError(ValueError):
    """A ballot the hub refuses: malformed, or a proof that does not hold."""


@dataclass(frozen=True, slots=True)
class Ballot:
    """What a tablet sends: the encrypted choices and the proofs that they are allowed."""

    choices: tuple[Ciphertext, ...]
    choice_proofs: tuple[bytes, ...]
    """Per candidate: the ciphertext is 0 (struck) or 1 (kept)."""
    kept_proof: bytes
    """The sum of the ciphertexts is one of 0..seats."""

    def to_plain(self) -> dict[str, object]:
        return {
            "choices": [c.to_bytes() for c in self.choices],
            "choice_proofs": list(self.choice_proofs),
            "kept_proof": self.kept_proof,
        }

    @classmethod
    def from_plain(cls, data: object, candidates: int) -> Ballot:
        """A ballot from the wire, shape checked (proofs are checked by `check`)."""
        if not isinstance(data, dict):
            raise BallotError("a ballot is a map")
        choices, proofs_, kept = (
            data.get("choices"),
            data.get("choice_proofs"),
            data.get("kept_proof"),
        )
        if not isinstance(choices, list) or len(choices) != candidates:
            raise BallotError(f"a ballot has one ciphertext for each of {candidates} candidates")
        if not isinstance(proofs_, list) or len(proofs_) != candidates:
            raise BallotError("a ballot has one proof per candidate")
        if not all(isinstance(p, bytes) for p in proofs_) or not isinstance(kept, bytes):
            raise BallotError("proofs are bytes")
        try:
            parsed = tuple(Ciphertext.from_bytes(c) for c in choices)
        except group.GroupError as bad:
            raise BallotError(str(bad)) from None
        return cls(parsed, tuple(proofs_), kept)


def choice_context(context: bytes, index: int) -> bytes:
    return context + proofs.context_of("candidate", index)


def kept_context(context: bytes) -> bytes:
    return context + proofs.context_of("kept")


def make(kept: Sequence[bool], key: bytes, seats: int, context: bytes) -> Ballot:
    """A tablet's work: encrypt each choice and prove the ballot valid.

    `context` names the vote and the voter (proofs.context_of(vote_id, voter)): a ballot
    made for one delegate does not check for another.
    """
    if sum(kept) > seats:
        raise ValueError("a ballot keeps at most as many names as seats")
    choices: list[Ciphertext] = []
    choice_proofs: list[bytes] = []
    nonces: list[bytes] = []
    for index, keep in enumerate(kept):
        c, r = elgamal.encrypt(int(keep), key)
        choices.append(c)
        nonces.append(r)
        choice_proofs.append(
            proofs.prove_range(c, int(keep), r, key, 1, choice_context(context, index))
        )
    kept_proof = proofs.prove_range(
        elgamal.total(choices), sum(kept), group.s_sum(nonces), key, seats, kept_context(context)
    )
    return Ballot(tuple(choices), tuple(choice_proofs), kept_proof)


def check(ballot: Ballot, key: bytes, seats: int, context: bytes) -> None:
    """The hub's check before it accepts a ballot; raises BallotError naming what failed."""
    for index, (c, proof) in enumerate(zip(ballot.choices, ballot.choice_proofs, strict=True)):
        try:
            proofs.check_range(c, key, 1, choice_context(context, index), proof)
        except proofs.ProofError:
            raise BallotError(f"the choice for candidate {index + 1} is not 0 or 1") from None
    try:
        proofs.check_range(
            elgamal.total(ballot.choices), key, seats, kept_context(context), ballot.kept_proof
        )
    except proofs.ProofError:
        raise BallotError(f"the ballot keeps more than {seats} names") from None


def fingerprint(ballot: Ballot) -> str:
    """A short, readable name of a cast ballot: the delegate's receipt."""
    digest = hashlib.sha256(b"".join(c.to_bytes() for c in ballot.choices)).hexdigest()
    return "-".join(digest[i : i + 4] for i in range(0, 16, 4)).upper()
