"""Zero-knowledge proofs (Fiat-Shamir, domain-separated SHA-512): counts in a range, equal logs.

Every proof binds a `context` (which vote, which voter, which candidate: the caller says),
so a proof copied from another ballot, another candidate or another vote does not check.
The exact inputs of each hash are written in docs/voting.md.
"""

from __future__ import annotations

from functools import cache

from . import group
from .elgamal import Ciphertext

RANGE = b"paperless-congress/v1/range"
EQUAL_LOGS = b"paperless-congress/v1/equal-logs"
KNOWLEDGE = b"paperless-congress/v1/knowledge"
MAX_RANGE = 200
"""The largest upper bound of a range proof: the seats of one body (a provincial executive
committee has about 50). Its proof is 64·(bound+1) bytes, and a ballot must fit a frame."""


class ProofError(ValueError):
    """A proof that does not hold, or is not even well formed."""


@cache
def _multiple(count: int) -> bytes:
    """count·G, for the few small counts the proofs use."""
    return group.base_times(group.from_int(count))


def _scalars(raw: object, count: int) -> list[bytes]:
    if not isinstance(raw, bytes) or len(raw) != count * group.SCALAR_BYTES:
        raise ProofError(f"expected {count} scalars")
    try:
        return [group.scalar(raw[i : i + 32]) for i in range(0, len(raw), 32)]
    except group.GroupError as bad:
        raise ProofError(str(bad)) from None


def _bound_bytes(upper: int) -> bytes:
    return upper.to_bytes(4, "little")


def prove_range(
    c: Ciphertext, count: int, nonce: bytes, key: bytes, upper: int, context: bytes
) -> bytes:
    """That `c` encrypts one of 0..upper under `key`, without saying which.

    A disjunctive Chaum-Pedersen proof: for the true count a real one, for every other
    value a simulated one; the challenges must add up to the hash of every commitment,
    so at most one branch can have been made without knowing its challenge first.
    Returns the challenges c_0..c_upper then the responses z_0..z_upper.
    """
    if not 0 <= count <= upper <= MAX_RANGE:
        raise ValueError("count outside 0..upper")
    challenges: list[bytes] = []
    responses: list[bytes] = []
    commitments: list[bytes] = []
    w = group.random_scalar()
    for value in range(upper + 1):
        if value == count:
            challenges.append(b"")
            responses.append(b"")
            commitments += [group.base_times(w), group.times(w, key)]
            continue
        ch, z = group.random_scalar(), group.random_scalar()
        challenges.append(ch)
        responses.append(z)
        shifted = group.sub(c.data, _multiple(value))
        commitments += [
            group.sub(group.base_times(z), group.times(ch, c.pad)),
            group.sub(group.times(z, key), group.times(ch, shifted)),
        ]
    whole = group.hash_to_scalar(
        RANGE, context, key, c.pad, c.data, _bound_bytes(upper), *commitments
    )
    real = group.s_sub(whole, group.s_sum(ch for ch in challenges if ch))
    challenges[count] = real
    responses[count] = group.s_add(w, group.s_mul(real, nonce))
    return b"".join(challenges) + b"".join(responses)


def check_range(c: Ciphertext, key: bytes, upper: int, context: bytes, proof: object) -> None:
    """Raises ProofError unless `proof` shows `c` encrypts one of 0..upper under `key`."""
    if not 0 <= upper <= MAX_RANGE:
        raise ProofError("range bound out of limits")
    scalars = _scalars(proof, 2 * (upper + 1))
    challenges, responses = scalars[: upper + 1], scalars[upper + 1 :]
    commitments: list[bytes] = []
    for value, (ch, z) in enumerate(zip(challenges, responses, strict=True)):
        shifted = group.sub(c.data, _multiple(value))
        commitments += [
            group.sub(group.base_times(z), group.times(ch, c.pad)),
            group.sub(group.times(z, key), group.times(ch, shifted)),
        ]
    whole = group.hash_to_scalar(
        RANGE, context, key, c.pad, c.data, _bound_bytes(upper), *commitments
    )
    if group.s_sum(challenges) != whole:
        raise ProofError("range proof does not hold")


def prove_equal_logs(
    secret: bytes, base: bytes, public: bytes, result: bytes, context: bytes
) -> bytes:
    """That log_G(public) == log_base(result) (= `secret`): a decryption share is honest."""
    w = group.random_scalar()
    t1, t2 = group.base_times(w), group.times(w, base)
    ch = group.hash_to_scalar(EQUAL_LOGS, context, public, base, result, t1, t2)
    return ch + group.s_add(w, group.s_mul(ch, secret))


def check_equal_logs(
    base: bytes, public: bytes, result: bytes, context: bytes, proof: object
) -> None:
    ch, z = _scalars(proof, 2)
    t1 = group.sub(group.base_times(z), group.times(ch, public))
    t2 = group.sub(group.times(z, base), group.times(ch, result))
    if group.hash_to_scalar(EQUAL_LOGS, context, public, base, result, t1, t2) != ch:
        raise ProofError("decryption share proof does not hold")


def prove_knowledge(secret: bytes, public: bytes, context: bytes) -> bytes:
    """Schnorr: the prover knows log_G(public). A committee member's coefficients."""
    w = group.random_scalar()
    t = group.base_times(w)
    ch = group.hash_to_scalar(KNOWLEDGE, context, public, t)
    return ch + group.s_add(w, group.s_mul(ch, secret))


def check_knowledge(public: bytes, context: bytes, proof: object) -> None:
    ch, z = _scalars(proof, 2)
    t = group.sub(group.base_times(z), group.times(ch, public))
    if group.hash_to_scalar(KNOWLEDGE, context, public, t) != ch:
        raise ProofError("proof of knowledge does not hold")


def context_of(*parts: str | int) -> bytes:
    """A proof context from readable parts (vote id, voter, candidate index), unambiguous."""
    out = bytearray()
    for part in parts:
        raw = str(part).encode()
        out += len(raw).to_bytes(4, "little") + raw
    return bytes(out)
