"""The backend interface: a room's durable log, its snapshots, and tokens.

Guarantees every backend keeps (the contract tests check each one):

1. Conditional append. ``append(room, expected_seq, record)`` writes the record with
   ``seq == expected_seq`` only if the room's head is ``expected_seq - 1``; otherwise it
   raises `SeqConflict` carrying the real head and writes nothing. Two writers (hub nodes,
   the CLI) can therefore never give two records the same seq or fork a room.
2. Durability. When ``append`` returns, the record survives a crash of the process (and,
   where the backend says so, of the machine). A hub acknowledges a command only then.
3. Idempotency. A record carries an ``origin`` (token id and the client's command id). An
   append whose origin is already in the room's log raises `DuplicateOrigin` with the seq
   it was first written at, so a retried command is applied once.
4. Order. ``read`` and ``tail`` return a room's records in strictly increasing seq with no
   gap; ``tail(room, after)`` yields every record with ``seq > after``, including those
   appended by other processes, then waits for more. It never skips and never repeats.
5. Snapshots are an optimisation, never the truth: a snapshot at seq S equals the replay of
   records 1..S. Losing one costs time, not data. A snapshot is stored with the state
   format it was written in (`STATE_FORMAT`); ``load_snapshot`` returns None for one of
   another format, so the room is rebuilt from its log.
6. `BackendUnavailable` means the store cannot be reached now; nothing was written.
7. The hash chain (docs/record.md). ``append`` stores each record with the hash of the
   record before it and its own, ``chain.link(prev, seq, body)`` over the body exactly as
   stored, under the same condition as the seq: the previous hash is the one the head
   record carries. A record written before the chain has none; its hash is computed by
   the same rule from the room's first record on. ``read`` returns records with their
   stored body, previous hash and hash; ``read_raw`` the stored values undecoded.
8. Blobs (the documents' files) are stored by the SHA-256 of their bytes, hex: ``put_blob``
   is idempotent and durable when it returns, ``get_blob`` returns the same bytes or None.
   A blob is never changed or deleted, so a node may keep a copy of it for good.
"""

from __future__ import annotations

import abc
import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgpack

from ..core import replay
from ..core.events import Event, event_from_plain, event_to_plain
from ..core.state import Role
from ..record import chain


class BackendError(Exception):
    """Base of backend failures.

    BackendError
    ├── SeqConflict        another writer appended first
    ├── DuplicateOrigin    this command was already appended
    └── BackendUnavailable the store cannot be reached now
    """


class SeqConflict(BackendError):
    def __init__(self, room: str, head: int) -> None:
        super().__init__(f"room {room!r} is at seq {head}")
        self.head = head


class DuplicateOrigin(BackendError):
    def __init__(self, origin: str, seq: int) -> None:
        super().__init__(f"{origin!r} was appended at seq {seq}")
        self.seq = seq


class BackendUnavailable(BackendError):
    pass


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One accepted command: its events, the server instant, who sent it.

    A record read from a backend also carries its chain: `prev_hash`, `hash`, and
    `stored`, the body's bytes as stored, which `encode_record` returns unchanged so an
    export or a restore keeps every hash.
    """

    seq: int
    at: int
    events: tuple[Event, ...]
    actor: str
    origin: str | None = None
    prev_hash: bytes | None = field(default=None, compare=False)
    hash: bytes | None = field(default=None, compare=False)
    stored: bytes | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A record as a backend keeps it, undecoded: what `congress verify` checks.

    `at` and `origin` are the columns SQLite keeps beside the body (None in Redis).
    """

    seq: int
    body: bytes
    prev: bytes | None
    hash: bytes | None
    at: int | None = None
    origin: str | None = None


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """A token as stored: never the secret itself, only its hash."""

    token_id: str
    secret_hash: str
    room: str
    role: Role
    delegate_id: str | None
    label: str
    created_at: int
    revoked_at: int | None = None

    def to_plain(self) -> dict[str, Any]:
        """The record as plain data (msgpack, an export)."""
        return {
            "token_id": self.token_id,
            "secret_hash": self.secret_hash,
            "room": self.room,
            "role": self.role.value,
            "delegate_id": self.delegate_id,
            "label": self.label,
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
        }

    @classmethod
    def from_plain(cls, data: dict[str, Any]) -> TokenRecord:
        return cls(
            token_id=str(data["token_id"]),
            secret_hash=str(data["secret_hash"]),
            room=str(data["room"]),
            role=Role(data["role"]),
            delegate_id=None if data["delegate_id"] is None else str(data["delegate_id"]),
            label=str(data["label"]),
            created_at=int(data["created_at"]),
            revoked_at=None if data.get("revoked_at") is None else int(data["revoked_at"]),
        )


class Bell:
    """Wakes every tail of a room after an append by this process; others are found by polling.

    It holds the latest records this process appended, as a read would return them, so a
    tail that is up to date takes the next one from here instead of reading the log again:
    the page turn reaches the screens one thread hop and one query sooner.
    """

    KEPT = 16
    """Records held; a tail further behind reads the log."""

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self._appended: dict[int, LogRecord] = {}

    def ring(self, appended: LogRecord | None = None) -> None:
        if appended is not None:
            self._appended[appended.seq] = appended
            self._appended.pop(appended.seq - self.KEPT, None)
        self._event.set()
        self._event = asyncio.Event()

    def appended(self, seq: int) -> LogRecord | None:
        """Record `seq`, if this process appended it lately."""
        return self._appended.get(seq)

    def listen(self) -> asyncio.Event:
        return self._event


class Backend(abc.ABC):
    """A room log with snapshots and a token store; see the module docstring."""

    @abc.abstractmethod
    async def append(self, room: str, expected_seq: int, record: LogRecord) -> None: ...

    @abc.abstractmethod
    async def read(self, room: str, after: int, limit: int = 1000) -> list[LogRecord]: ...

    @abc.abstractmethod
    def tail(self, room: str, after: int) -> AsyncIterator[LogRecord]: ...

    @abc.abstractmethod
    async def head(self, room: str) -> int: ...

    @abc.abstractmethod
    async def read_raw(self, room: str, after: int, limit: int = 1000) -> list[StoredRecord]:
        """The stored records after `after`, undecoded and unchecked (for `congress verify`)."""

    async def record_hash(self, room: str, seq: int) -> bytes:
        """The chain hash of record `seq` (stored, or computed for a record older than the
        chain); the room's genesis hash for seq 0. `ValueError` past the head."""
        if seq == 0:
            return chain.genesis(room)
        found = await self.read(room, seq - 1, 1)
        if not found or found[0].seq != seq:
            raise ValueError(f"room {room!r} has no record {seq}")
        if found[0].hash is not None:
            return found[0].hash
        prev = chain.genesis(room)
        after = 0
        while after < seq:
            batch = await self.read_raw(room, after, 1000)
            for stored in batch:
                if stored.seq > seq:
                    break
                prev = stored.hash or chain.link(prev, stored.seq, stored.body)
            if not batch:
                break
            after = batch[-1].seq
        return prev

    async def backup(self, target: Path) -> None:
        """Copy the whole store, consistent at one instant, to `target`, while others write.

        Only the embedded SQLite log can be copied this way; any backend is exported with
        `congress export` (docs/operations.md, "Backup and restore").
        """
        raise ValueError(
            "only the SQLite log is copied by `congress backup`; use `congress export FILE`, "
            "which works on every backend (see docs/operations.md)"
        )

    @abc.abstractmethod
    async def check_writable(self, node: str) -> None:
        """Write a small record outside every room, as durably as an append.

        `BackendUnavailable` when the store refuses writes now (a full disk, a read-only
        replica, replicas missing): reads may still work then, and `/healthz` must not say
        all is well while every command would be refused.
        """

    @abc.abstractmethod
    async def rooms(self) -> list[str]: ...

    @abc.abstractmethod
    async def find_origin(self, room: str, origin: str) -> int | None: ...

    @abc.abstractmethod
    async def save_snapshot(self, room: str, seq: int, state: bytes) -> None: ...

    @abc.abstractmethod
    async def load_snapshot(self, room: str) -> tuple[int, bytes] | None: ...

    @abc.abstractmethod
    async def add_token(self, token: TokenRecord) -> None: ...

    @abc.abstractmethod
    async def find_token(self, secret_hash: str) -> TokenRecord | None: ...

    @abc.abstractmethod
    async def list_tokens(self, room: str) -> list[TokenRecord]: ...

    @abc.abstractmethod
    async def revoke_token(self, room: str, token_id: str, at: int) -> bool: ...

    @abc.abstractmethod
    async def put_blob(self, sha256: str, data: bytes) -> None: ...

    @abc.abstractmethod
    async def get_blob(self, sha256: str) -> bytes | None: ...

    @abc.abstractmethod
    async def close(self) -> None: ...

    # ---- export and restore (`congress export`, `congress restore`)

    async def all_tokens(self) -> list[TokenRecord]:
        """Every token of every room with a log, as stored (hashes, never secrets)."""
        tokens = [t for room in await self.rooms() for t in await self.list_tokens(room)]
        return sorted(tokens, key=lambda t: (t.created_at, t.token_id))

    async def is_empty(self) -> bool:
        """No room and no token: a restore may write here without replacing anything."""
        return not await self.rooms() and not await self.all_tokens()

    async def erase(self) -> int:
        """Delete the whole congress (`congress restore --force`); the number of keys gone."""
        raise ValueError("this backend is replaced as a file, not emptied in place")

    async def append_many(self, room: str, records: list[LogRecord]) -> None:
        """Append `records` (consecutive seqs) to `room` with the checks of `append`.

        A restore writes a whole log at once; backends override this to write it in one
        transaction or one round trip instead of one synced write per record.
        """
        for record in records:
            await self.append(room, record.seq, record)


def encode_record(record: LogRecord) -> bytes:
    """A record's body as every backend stores it; its seq is kept beside it.

    A record read from a backend gives back the bytes it was stored as: its hash is over
    those, and re-encoding events read through an upcaster would change them.
    """
    if record.stored is not None:
        return record.stored
    return msgpack.packb(
        {
            "at": record.at,
            "actor": record.actor,
            "origin": record.origin,
            "events": [event_to_plain(e) for e in record.events],
        },
        use_bin_type=True,
    )


def decode_record(
    seq: int, body: bytes, prev_hash: bytes | None = None, hash: bytes | None = None
) -> LogRecord:
    data = msgpack.unpackb(body, raw=False)
    return LogRecord(
        seq=seq,
        at=data["at"],
        actor=data["actor"],
        origin=data["origin"],
        events=tuple(event_from_plain(e) for e in data["events"]),
        prev_hash=prev_hash,
        hash=hash,
        stored=body,
    )


def chained(room: str, prev: bytes, records: list[LogRecord]) -> list[tuple[bytes, bytes]]:
    """Each record's (body, hash), following `prev`; `ValueError` at the first record whose
    own hash (carried from an export) is not the one its body and place give."""
    out = []
    for record in records:
        body = encode_record(record)
        own = chain.link(prev, record.seq, body)
        if record.hash is not None and record.hash != own:
            raise ValueError(
                f"room {room!r}: record {record.seq} does not match its hash "
                "(run `congress verify` on the file)"
            )
        out.append((body, own))
        prev = own
    return out


def encode_snapshot(state: bytes) -> bytes:
    """A room snapshot as every backend stores it: the state's format, then its bytes."""
    return msgpack.packb([replay.STATE_FORMAT, state], use_bin_type=True)


def decode_snapshot(stored: bytes) -> bytes | None:
    """The state bytes of a stored snapshot, or None when it has another state format."""
    data = msgpack.unpackb(stored, raw=False)
    if isinstance(data, dict):
        # Stored before snapshots carried their format: the state itself, of format 1.
        return stored if replay.STATE_FORMAT == 1 else None
    if not (
        isinstance(data, list)
        and len(data) == 2
        and isinstance(data[0], int)
        and isinstance(data[1], bytes)
    ):
        raise ValueError("a stored snapshot is [format, state]")
    return data[1] if data[0] == replay.STATE_FORMAT else None
