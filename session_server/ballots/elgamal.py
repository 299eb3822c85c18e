"""Exponential ElGamal over ristretto255: ciphertexts that add up to the sum of their counts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from . import group


@dataclass(frozen=True, slots=True)
class Ciphertext:
    """(A, B) = (r·G, m·G + r·K) for the count m under the public key K."""

    pad: bytes
    data: bytes

    def to_bytes(self) -> bytes:
        return self.pad + self.data

    @classmethod
    def from_bytes(cls, raw: object) -> Ciphertext:
        """A ciphertext from outside: both halves must be canonical points."""
        if not isinstance(raw, bytes) or len(raw) != 2 * group.POINT_BYTES:
            raise group.GroupError("a ciphertext is 64 bytes")
        return cls(group.point(raw[:32]), group.point(raw[32:]))


ZERO = Ciphertext(group.IDENTITY, group.IDENTITY)
"""The encryption of 0 with no randomness: the start of a running tally."""


def encrypt(count: int, key: bytes, nonce: bytes | None = None) -> tuple[Ciphertext, bytes]:
    """`count` under `key`, and the nonce r (the proofs need it; then it is forgotten)."""
    r = group.random_scalar() if nonce is None else nonce
    pad = group.base_times(r)
    data = group.add(group.base_times(group.from_int(count)), group.times(r, key))
    return Ciphertext(pad, data), r


def add(a: Ciphertext, b: Ciphertext) -> Ciphertext:
    return Ciphertext(group.add(a.pad, b.pad), group.add(a.data, b.data))


def total(ciphertexts: Iterable[Ciphertext]) -> Ciphertext:
    result = ZERO
    for c in ciphertexts:
        result = add(result, c)
    return result


class CountTable:
    """Counts from m·G, for m up to a bound (the electorate): the tally's last step.

    A count is never larger than the number of ballots, so a table of every possible
    m·G (built by repeated addition) finds it in one lookup.
    """

    def __init__(self, bound: int) -> None:
        self.bound = bound
        self._counts: dict[bytes, int] = {}
        current = group.IDENTITY
        generator = group.base_times(group.from_int(1))
        for m in range(bound + 1):
            self._counts[current] = m
            current = group.add(current, generator)

    def count(self, encoded: bytes) -> int | None:
        """m with m·G == `encoded`, or None beyond the bound (a wrong decryption)."""
        return self._counts.get(encoded)
