"""The log's hash chain: each record's SHA-256 over its seq, the previous hash and its stored body.

docs/record.md defines it byte by byte, so that anyone can check a copy of the log without
this code. A record's body is hashed exactly as stored (the msgpack bytes a backend keeps),
never re-encoded: an older event read through an upcaster still hashes as written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

HASH_BYTES = 32
RECORD_DOMAIN = b"paperless-congress/record/v1\x00"
GENESIS_DOMAIN = b"paperless-congress/genesis/v1\x00"


def genesis(room: str) -> bytes:
    """The previous hash of a room's first record: tied to the room, so logs cannot swap."""
    return hashlib.sha256(GENESIS_DOMAIN + room.encode("utf-8")).digest()


def link(prev: bytes, seq: int, body: bytes) -> bytes:
    """The hash of record `seq` whose stored body is `body`, following a record hashed `prev`."""
    if len(prev) != HASH_BYTES or seq < 1:
        raise ValueError("a record follows a 32-byte hash and has a seq of 1 or more")
    return hashlib.sha256(RECORD_DOMAIN + seq.to_bytes(8, "big") + prev + body).digest()


def head_of(room: str, bodies: Iterable[tuple[int, bytes]]) -> bytes:
    """The hash of the last of `bodies` (seq, stored body), from the room's first record on."""
    prev = genesis(room)
    for seq, body in bodies:
        prev = link(prev, seq, body)
    return prev


def fingerprint(head_hash: bytes) -> str:
    """What people read aloud and compare on paper: the hash's first 8 bytes, 4 hex groups."""
    text = head_hash[:8].hex().upper()
    return " ".join(text[i : i + 4] for i in range(0, 16, 4))
