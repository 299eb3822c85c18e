"""`congress verify`: recompute a log's every hash and signature, and name the first mismatch.

Pure over stored records (`StoredRecord`): the sources (an SQLite file, an export, Redis)
are read in `sources.py`. Nothing here needs a running hub or writes anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

import msgpack
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ..backends.base import StoredRecord
from .chain import HASH_BYTES, fingerprint, genesis, link
from .keys import checkpoint_message, key_id, public_from_hex, signature_valid

MISSING = "missing record"
ORDER = "order"
HASH_MISMATCH = "hash mismatch"
CHAIN_BROKEN = "chain broken"
HASH_REMOVED = "hash removed"
UNREADABLE = "unreadable record"
COLUMNS = "columns disagree"
BAD_SIGNATURE = "bad signature"
UNKNOWN_KEY = "unknown key"
OUTSIDE_CHAIN = "checkpoint over a head not in the chain"
SECOND_KEY = "another signing key"


@dataclass(frozen=True, slots=True)
class Problem:
    """The first record of a room that does not match: where, what, and in a sentence."""

    room: str
    seq: int
    what: str
    detail: str

    def __str__(self) -> str:
        return f"room {self.room!r}, seq {self.seq}: {self.what}: {self.detail}"


@dataclass(slots=True)
class RoomReport:
    room: str
    records: int = 0
    unhashed: int = 0
    """Records older than the chain (no stored hash): covered by the next checkpoint only."""
    checkpoints: int = 0
    last_fingerprint: str | None = None
    last_checkpoint_head: int = 0
    fingerprints: set[str] = field(default_factory=set)
    problem: Problem | None = None


def verify_room(
    room: str,
    records: Sequence[StoredRecord],
    given_keys: Mapping[str, Ed25519PublicKey] | None = None,
) -> RoomReport:
    """Walk a room's records from seq 1; stop at the first that does not match.

    `given_keys` (key id to key, from the operator's files) are the only keys trusted when
    given; without them the first key the log registers is, and another one is a problem.
    """
    report = RoomReport(room=room)
    walk = _Walk(room, records, given_keys, report)
    try:
        walk.run()
    except _Found as found:
        report.problem = found.problem
    return report


class _Found(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class _Walk:
    def __init__(
        self,
        room: str,
        records: Sequence[StoredRecord],
        given: Mapping[str, Ed25519PublicKey] | None,
        report: RoomReport,
    ) -> None:
        self.room = room
        self.records = records
        self.given = given
        self.report = report
        self.registered: dict[str, Ed25519PublicKey] = {}
        self.computed: dict[int, bytes] = {}
        # Where each stored hash sits: a record whose previous hash is a later record's
        # was moved, not changed.
        self.stored_at = {r.hash: r.seq for r in records if r.hash is not None}

    def fail(self, seq: int, what: str, detail: str) -> NoReturn:
        raise _Found(Problem(self.room, seq, what, detail))

    def run(self) -> None:
        prev = genesis(self.room)
        hashed = False
        for expected, stored in enumerate(self.records, start=1):
            seq = stored.seq
            if seq > expected:
                gone = f"{expected}" if seq == expected + 1 else f"{expected} to {seq - 1}"
                self.fail(expected, MISSING, f"record {gone} is not in the log (next is {seq})")
            if seq < expected:
                self.fail(seq, ORDER, f"record {seq} comes again after record {expected - 1}")
            own = link(prev, seq, stored.body)
            if stored.hash is None:
                if hashed:
                    self.fail(seq, HASH_REMOVED, "it has no hash, yet records before it have")
                self.report.unhashed += 1
            else:
                hashed = True
                self._check_link(stored, prev, own)
            data = self._decode(stored)
            self.computed[seq] = own
            for event in data["events"]:
                self._event(seq, event)
            self.report.records += 1
            prev = own

    def _check_link(self, stored: StoredRecord, prev: bytes, own: bytes) -> None:
        seq = stored.seq
        if stored.prev != prev:
            moved = self.stored_at.get(stored.prev) if stored.prev is not None else None
            if moved is not None and moved >= seq:
                self.fail(
                    seq,
                    ORDER,
                    f"it follows record {moved} in the chain: records were moved or swapped",
                )
            self.fail(
                seq,
                CHAIN_BROKEN,
                f"its previous hash is not record {seq - 1}'s: a record before it was "
                "removed, inserted or rewritten",
            )
        if stored.hash != own:
            self.fail(
                seq,
                HASH_MISMATCH,
                "its stored bytes are not the ones its hash was made over (changed after "
                "it was written)",
            )

    def _decode(self, stored: StoredRecord) -> dict[str, Any]:
        try:
            data = msgpack.unpackb(stored.body, raw=False)
        except (ValueError, msgpack.ExtraData, msgpack.FormatError, msgpack.StackError) as error:
            self.fail(stored.seq, UNREADABLE, f"its body is not msgpack ({error})")
        if not (
            isinstance(data, dict)
            and isinstance(data.get("events"), list)
            and all(isinstance(ev, dict) for ev in data["events"])
        ):
            self.fail(stored.seq, UNREADABLE, "its body is not a record")
        if stored.at is not None and stored.at != data.get("at"):
            self.fail(stored.seq, COLUMNS, f"its at column {stored.at} is not its body's")
        if stored.origin != data.get("origin") and (stored.at is not None):
            self.fail(stored.seq, COLUMNS, "its origin column is not its body's")
        return dict(data)

    def _event(self, seq: int, event: dict[str, Any]) -> None:
        kind = event.get("kind")
        if kind == "signing_key_registered":
            self._key(seq, event)
        elif kind == "checkpoint_recorded":
            self._checkpoint(seq, event)

    def _key(self, seq: int, event: dict[str, Any]) -> None:
        try:
            public = public_from_hex(str(event.get("public_key")))
        except ValueError:
            self.fail(seq, UNKNOWN_KEY, "it registers something that is not an Ed25519 key")
        named = str(event.get("key_id"))
        if key_id(public) != named:
            self.fail(seq, UNKNOWN_KEY, f"it registers key {named} with another key's bytes")
        if self.given is None and self.registered and named not in self.registered:
            self.fail(
                seq,
                SECOND_KEY,
                f"it registers key {named} after key {next(iter(self.registered))}: give the "
                "operator's public keys with --public-key if the key was replaced",
            )
        self.registered[named] = public

    def _checkpoint(self, seq: int, event: dict[str, Any]) -> None:
        head_seq = event.get("head_seq")
        named = str(event.get("key_id"))
        if not isinstance(head_seq, int) or not 0 < head_seq < seq:
            self.fail(seq, OUTSIDE_CHAIN, f"it signs seq {head_seq!r}, not a record before it")
        try:
            head_hash = bytes.fromhex(str(event.get("head_hash")))
        except ValueError:
            head_hash = b""
        if len(head_hash) != HASH_BYTES or self.computed.get(head_seq) != head_hash:
            self.fail(
                seq,
                OUTSIDE_CHAIN,
                f"the hash it signs is not record {head_seq}'s in this log",
            )
        if event.get("fingerprint") != fingerprint(head_hash):
            self.fail(seq, OUTSIDE_CHAIN, "its fingerprint is not its head hash's")
        trusted = self.given if self.given is not None else self.registered
        public = trusted.get(named)
        if public is None:
            where = "given" if self.given is not None else "the log registers"
            known = ", ".join(trusted) or "none"
            self.fail(seq, UNKNOWN_KEY, f"it is signed by key {named}, not one {where} ({known})")
        message = checkpoint_message(self.room, head_seq, head_hash)
        if not signature_valid(public, message, str(event.get("signature"))):
            self.fail(seq, BAD_SIGNATURE, f"its signature is not key {named}'s over its head")
        self.report.checkpoints += 1
        self.report.last_fingerprint = str(event["fingerprint"])
        self.report.last_checkpoint_head = head_seq
        self.report.fingerprints.add(self.report.last_fingerprint)
