"""The counting committee's key: made jointly, k of n members needed to open the totals.

A Pedersen-style distributed key generation with Feldman commitments. Each member i picks
a secret polynomial f_i of degree k-1, publishes commitments to its coefficients (with a
proof it knows each), and gives member j the share f_i(j) (sealed to j: transport.py).
Member j checks every share against the commitments, and holds x_j = sum_i f_i(j). The
ballot box's key is K = sum_i f_i(0)·G; no one ever holds its secret, and any k members'
decryption shares, weighted by Lagrange coefficients, open a total: fewer open nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from . import group, proofs
from .elgamal import Ciphertext


class CommitteeError(ValueError):
    """A dealing, share or decryption share that does not check."""


@dataclass(frozen=True, slots=True)
class Dealing:
    """What member `member` publishes: commitments to its polynomial's coefficients."""

    member: int
    commitments: tuple[bytes, ...]
    proofs: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class Secret:
    """What a member's device keeps to itself while dealing: its polynomial."""

    member: int
    coefficients: tuple[bytes, ...]

    def share_for(self, recipient: int) -> bytes:
        """f(recipient), by Horner's rule over the group's scalars."""
        x = group.from_int(recipient)
        value = group.from_int(0)
        for coefficient in reversed(self.coefficients):
            value = group.s_add(group.s_mul(value, x), coefficient)
        return value


def _context(ceremony: bytes, member: int, index: int) -> bytes:
    return ceremony + proofs.context_of("coefficient", member, index)


def deal(member: int, threshold: int, ceremony: bytes) -> tuple[Dealing, Secret]:
    """A member's first step: a fresh polynomial of degree threshold-1, committed to."""
    if member < 1 or threshold < 1:
        raise ValueError("members count from 1; the threshold is at least 1")
    coefficients = tuple(group.random_scalar() for _ in range(threshold))
    commitments = tuple(group.base_times(a) for a in coefficients)
    knowledge = tuple(
        proofs.prove_knowledge(a, c, _context(ceremony, member, i))
        for i, (a, c) in enumerate(zip(coefficients, commitments, strict=True))
    )
    return Dealing(member, commitments, knowledge), Secret(member, coefficients)


def check_dealing(dealing: Dealing, threshold: int, ceremony: bytes) -> None:
    if len(dealing.commitments) != threshold or len(dealing.proofs) != threshold:
        raise CommitteeError(f"member {dealing.member}: {threshold} commitments expected")
    for i, (c, proof) in enumerate(zip(dealing.commitments, dealing.proofs, strict=True)):
        if not group.is_point(c) or c == group.IDENTITY:
            raise CommitteeError(f"member {dealing.member}: commitment {i} is not a point")
        try:
            proofs.check_knowledge(c, _context(ceremony, dealing.member, i), proof)
        except proofs.ProofError:
            raise CommitteeError(f"member {dealing.member}: coefficient {i} unproven") from None


def _evaluate(commitments: Sequence[bytes], at: int) -> bytes:
    """sum_l at^l · C_l: f(at)·G, from the commitments alone."""
    x = group.from_int(at)
    power = group.from_int(1)
    result = group.IDENTITY
    for c in commitments:
        result = group.add(result, group.times(power, c))
        power = group.s_mul(power, x)
    return result


def check_share(recipient: int, share: bytes, dealing: Dealing) -> None:
    """The recipient's check that the dealer gave it a point on the committed polynomial."""
    if group.base_times(group.scalar(share)) != _evaluate(dealing.commitments, recipient):
        raise CommitteeError(f"the share from member {dealing.member} does not match")


def joint_key(dealings: Sequence[Dealing]) -> bytes:
    """The ballot box's public key: every member's constant term, added."""
    return group.total(d.commitments[0] for d in dealings)


def public_share(member: int, dealings: Sequence[Dealing]) -> bytes:
    """x_member·G, which anyone computes from the commitments to check decryption shares."""
    return group.total(_evaluate(d.commitments, member) for d in dealings)


def secret_share(received: Mapping[int, bytes]) -> bytes:
    """A member's part of the key: the sum of the shares every dealer gave it (its own too)."""
    return group.s_sum(received.values())


@dataclass(frozen=True, slots=True)
class DecryptionShare:
    member: int
    value: bytes
    """x_member · A, for the total's pad A."""
    proof: bytes


def _decryption_context(ceremony: bytes, member: int, label: bytes) -> bytes:
    return ceremony + proofs.context_of("decrypt", member) + label


def decrypt_share(
    member: int, secret: bytes, total: Ciphertext, ceremony: bytes, label: bytes
) -> DecryptionShare:
    """A member's device's last step: its part of opening one total, with its proof."""
    value = group.times(secret, total.pad)
    proof = proofs.prove_equal_logs(
        secret,
        total.pad,
        group.base_times(secret),
        value,
        _decryption_context(ceremony, member, label),
    )
    return DecryptionShare(member, value, proof)


def decrypt_tally(
    member: int, secret: bytes, tally: Sequence[bytes], ceremony: bytes
) -> list[DecryptionShare]:
    """A member's part of opening an election's tally: one share per candidate's total,
    each labelled as that candidate's (the label the hub checks it under)."""
    return [
        decrypt_share(
            member,
            secret,
            Ciphertext.from_bytes(total),
            ceremony,
            proofs.context_of("candidate", index),
        )
        for index, total in enumerate(tally)
    ]


def check_decryption_share(
    share: DecryptionShare, public: bytes, total: Ciphertext, ceremony: bytes, label: bytes
) -> None:
    if not group.is_point(share.value):
        raise CommitteeError(f"member {share.member}: the decryption share is not a point")
    try:
        proofs.check_equal_logs(
            total.pad,
            public,
            share.value,
            _decryption_context(ceremony, share.member, label),
            share.proof,
        )
    except proofs.ProofError:
        raise CommitteeError(f"member {share.member}: the decryption share is wrong") from None


def lagrange_at_zero(members: Sequence[int]) -> dict[int, bytes]:
    """The weights that recombine f(0) from f at `members`: prod l / (l - j), l != j."""
    if len(set(members)) != len(members) or any(m < 1 for m in members):
        raise ValueError("distinct members, counting from 1")
    weights: dict[int, bytes] = {}
    for j in members:
        numerator, denominator = group.from_int(1), group.from_int(1)
        for other in members:
            if other != j:
                numerator = group.s_mul(numerator, group.from_int(other))
                denominator = group.s_mul(denominator, group.from_int(other - j))
        weights[j] = group.s_mul(numerator, group.s_invert(denominator))
    return weights


def open_total(total: Ciphertext, shares: Sequence[DecryptionShare], threshold: int) -> bytes:
    """count·G from `threshold` checked shares (any of them: Lagrange picks the weights)."""
    chosen = shares[:threshold]
    if len(chosen) < threshold:
        raise CommitteeError(f"{threshold} decryption shares are needed, {len(chosen)} given")
    weights = lagrange_at_zero([s.member for s in chosen])
    blinding = group.total(group.times(weights[s.member], s.value) for s in chosen)
    return group.sub(total.data, blinding)
