"""The ristretto255 group through libsodium (the rbcl package): points, scalars, hashes.

Points and scalars are the 32-byte encodings libsodium uses (a scalar little-endian,
reduced modulo the group order L). Nothing here does field or curve arithmetic itself:
every operation is one libsodium call, and this module only types and checks them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any, cast

POINT_BYTES = 32
SCALAR_BYTES = 32
ORDER = 2**252 + 27742317777372353535851937790883648493
"""L, the order of the group: the scalars are the integers modulo L."""
IDENTITY = bytes(POINT_BYTES)
"""The neutral element's canonical encoding."""


def _sodium() -> Any:
    """libsodium, loaded when first used: some 9 MB the hub needs only once ballots come."""
    import rbcl

    return rbcl


class GroupError(ValueError):
    """A point or scalar that is not a canonical encoding of the group's elements."""


def is_point(data: object) -> bool:
    return (
        isinstance(data, bytes)
        and len(data) == POINT_BYTES
        and bool(_sodium().crypto_core_ristretto255_is_valid_point(data))
    )


def point(data: object) -> bytes:
    """`data` if it is a canonical point encoding; a message from outside goes through here."""
    if not is_point(data):
        raise GroupError("not a ristretto255 point")
    return cast(bytes, data)


def scalar(data: object) -> bytes:
    """`data` if it is a canonical (reduced) scalar encoding."""
    if not isinstance(data, bytes) or len(data) != SCALAR_BYTES:
        raise GroupError("not a 32-byte scalar")
    if int.from_bytes(data, "little") >= ORDER:
        raise GroupError("scalar not reduced modulo the group order")
    return data


def from_int(value: int) -> bytes:
    """The scalar `value mod L` (small counts, indices and their negatives)."""
    return (value % ORDER).to_bytes(SCALAR_BYTES, "little")


def random_scalar() -> bytes:
    return cast(bytes, _sodium().crypto_core_ristretto255_scalar_random())


def add(p: bytes, q: bytes) -> bytes:
    return cast(bytes, _sodium().crypto_core_ristretto255_add(p, q))


def sub(p: bytes, q: bytes) -> bytes:
    return cast(bytes, _sodium().crypto_core_ristretto255_sub(p, q))


def total(points: Iterable[bytes]) -> bytes:
    result = IDENTITY
    for p in points:
        result = add(result, p)
    return result


def base_times(s: bytes) -> bytes:
    """s·G, G the standard generator; the identity for s = 0."""
    return cast(bytes, _sodium().crypto_scalarmult_ristretto255_base_allow_scalar_zero(s))


def times(s: bytes, p: bytes) -> bytes:
    """s·P; the identity for s = 0 or P the identity."""
    return cast(bytes, _sodium().crypto_scalarmult_ristretto255_allow_scalar_zero(s, p))


def s_add(s: bytes, t: bytes) -> bytes:
    return cast(bytes, _sodium().crypto_core_ristretto255_scalar_add(s, t))


def s_sub(s: bytes, t: bytes) -> bytes:
    return cast(bytes, _sodium().crypto_core_ristretto255_scalar_sub(s, t))


def s_mul(s: bytes, t: bytes) -> bytes:
    return cast(bytes, _sodium().crypto_core_ristretto255_scalar_mul(s, t))


def s_invert(s: bytes) -> bytes:
    return cast(bytes, _sodium().crypto_core_ristretto255_scalar_invert(s))


def s_sum(scalars: Iterable[bytes]) -> bytes:
    result = from_int(0)
    for s in scalars:
        result = s_add(result, s)
    return result


def hash_to_scalar(domain: bytes, *parts: bytes) -> bytes:
    """SHA-512 of the domain and the parts, each length-prefixed, reduced modulo L.

    The encoding (docs/voting.md): for the domain and then each part, its length as
    8 bytes little-endian followed by its bytes; so no two different lists of parts hash
    the same input, and a proof for one purpose is never valid for another.
    """
    digest = hashlib.sha512()
    for part in (domain, *parts):
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return cast(bytes, _sodium().crypto_core_ristretto255_scalar_reduce(digest.digest()))
