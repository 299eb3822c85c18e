"""The embedded backend: one SQLite file in WAL mode, written by one thread, synced per append."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Self, TypeVar

from ..core.state import Role
from ..private_files import tighten
from ..record import chain
from .base import (
    Backend,
    BackendUnavailable,
    Bell,
    DuplicateOrigin,
    LogRecord,
    SeqConflict,
    StoredRecord,
    TokenRecord,
    chained,
    decode_record,
    decode_snapshot,
    encode_snapshot,
)

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS log (
    room TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    origin TEXT,
    body BLOB NOT NULL,
    prev BLOB,
    hash BLOB,
    PRIMARY KEY (room, seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS log_origin ON log (room, origin) WHERE origin IS NOT NULL;
CREATE TABLE IF NOT EXISTS snapshots (
    room TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    state BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    token_id TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL UNIQUE,
    room TEXT NOT NULL,
    role TEXT NOT NULL,
    delegate_id TEXT,
    label TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE TABLE IF NOT EXISTS health (
    node TEXT PRIMARY KEY,
    at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS blobs (
    sha256 TEXT PRIMARY KEY,
    data BLOB NOT NULL
) WITHOUT ROWID;
"""


class SQLiteBackend(Backend):
    """Durable against a crash of the process and, with `synchronous=FULL`, of the machine.

    Several processes may share the file (the hub and the `congress` CLI): appends take
    SQLite's write lock (BEGIN IMMEDIATE) around the seq check, and tails poll for records
    written elsewhere every `poll_interval` seconds.
    """

    def __init__(self, path: Path, *, poll_interval: float = 0.25) -> None:
        self.path = path
        self.poll_interval = poll_interval
        # One thread owns the connection: sqlite3 objects must not cross threads mid-use,
        # and one writer is what SQLite wants anyway.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-log")
        self._db: sqlite3.Connection | None = None
        self._bells: dict[str, Bell] = {}
        self._unhashed: dict[tuple[str, int], bytes] = {}
        """Computed hashes of records older than the chain, by (room, seq)."""

    @classmethod
    async def open(cls, path: Path, *, poll_interval: float = 0.25) -> Self:
        backend = cls(path, poll_interval=poll_interval)
        await backend._run(backend._connect)
        return backend

    def _connect(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA busy_timeout=5000")
        # 256 KiB of page cache instead of SQLite's 2 MiB: the log is read through once, at
        # the start, and otherwise appended to; the hub's own tail takes its appends from
        # memory. The 2 MiB filled with the day's pages and stayed resident (idle hub after
        # a day's records 57.5 -> 56.9 MB, in bench/fanout.py).
        db.execute("PRAGMA cache_size=-256")
        db.executescript(_SCHEMA)
        columns = {row[1] for row in db.execute("PRAGMA table_info(log)")}
        if "hash" not in columns:
            # A log from before the chain: its records stay as they are (their hashes are
            # computed when needed), the ones appended from now on carry theirs.
            db.execute("ALTER TABLE log ADD COLUMN prev BLOB")
            db.execute("ALTER TABLE log ADD COLUMN hash BLOB")
        # A log left readable by an older release or a wide umask holds the presidium's
        # documents and every token's hash: its owner's alone from now on.
        for suffix in ("", "-wal", "-shm"):
            tighten(self.path.with_name(self.path.name + suffix))
        self._db = db

    async def _run(self, function: Callable[..., T], *args: object) -> T:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, function, *args)
        except sqlite3.OperationalError as error:
            raise BackendUnavailable(str(error)) from error

    @property
    def db(self) -> sqlite3.Connection:
        assert self._db is not None, "SQLiteBackend used before open()"
        return self._db

    def _bell(self, room: str) -> Bell:
        bell = self._bells.get(room)
        if bell is None:
            bell = self._bells[room] = Bell()
        return bell

    async def append(self, room: str, expected_seq: int, record: LogRecord) -> None:
        stored = await self._run(self._append, room, expected_seq, record)
        self._bell(room).ring(stored)

    async def backup(self, target: Path) -> None:
        await self._run(self._backup, target)

    def _backup(self, target: Path) -> None:
        # SQLite's online backup: a copy as of one instant, taken while the hub appends.
        partial = target.with_name(f".{target.name}.partial")
        partial.unlink(missing_ok=True)
        copy = sqlite3.connect(partial)
        try:
            self.db.backup(copy)
        finally:
            copy.close()
        partial.chmod(0o600)
        os.replace(partial, target)

    async def check_writable(self, node: str) -> None:
        await self._run(self._check_writable, node)

    def _check_writable(self, node: str) -> None:
        # Through the same connection, its own transaction, synced as an append is.
        self.db.execute(
            "INSERT OR REPLACE INTO health (node, at) VALUES (?, ?)",
            (node, time.time_ns() // 1_000_000),
        )

    def _refuse_seen_origin(self, room: str, record: LogRecord) -> None:
        """`DuplicateOrigin` if the room's log already holds a record of this origin."""
        if record.origin is None:
            return
        row = self.db.execute(
            "SELECT seq FROM log WHERE room = ? AND origin = ?", (room, record.origin)
        ).fetchone()
        if row is not None:
            raise DuplicateOrigin(record.origin, row[0])

    def _append(self, room: str, expected_seq: int, record: LogRecord) -> LogRecord:
        """Append; the record as `read` will return it (decoded here, off the event loop)."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            self._refuse_seen_origin(room, record)
            head = self._head(room)
            if head != expected_seq - 1:
                raise SeqConflict(room, head)
            # Under the same write lock as the seq check: the head cannot change meanwhile.
            prev = self._hash_of(room, head)
            [(body, own)] = chained(room, prev, [record])
            self._insert(room, expected_seq, record, body, prev, own)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return decode_record(expected_seq, body, prev, own)

    def _insert(
        self, room: str, seq: int, record: LogRecord, body: bytes, prev: bytes, own: bytes
    ) -> None:
        self.db.execute(
            "INSERT INTO log (room, seq, at, origin, body, prev, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (room, seq, record.at, record.origin, body, prev, own),
        )

    def _hash_of(self, room: str, seq: int) -> bytes:
        """Record `seq`'s chain hash, stored or (older than the chain) computed once."""
        if seq == 0:
            return chain.genesis(room)
        row = self.db.execute(
            "SELECT hash FROM log WHERE room = ? AND seq = ?", (room, seq)
        ).fetchone()
        if row is not None and row[0] is not None:
            return bytes(row[0])
        known = self._unhashed.get((room, seq))
        if known is None:
            rows = self.db.execute(
                "SELECT seq, body FROM log WHERE room = ? AND seq <= ? ORDER BY seq", (room, seq)
            ).fetchall()
            known = chain.head_of(room, ((s, bytes(b)) for s, b in rows))
            self._unhashed[(room, seq)] = known
        return known

    def _head(self, room: str) -> int:
        row = self.db.execute("SELECT MAX(seq) FROM log WHERE room = ?", (room,)).fetchone()
        return int(row[0] or 0)

    async def head(self, room: str) -> int:
        return await self._run(self._head, room)

    async def read(self, room: str, after: int, limit: int = 1000) -> list[LogRecord]:
        rows = await self._run(self._read, room, after, limit)
        return [decode_record(r.seq, r.body, r.prev, r.hash) for r in rows]

    async def read_raw(self, room: str, after: int, limit: int = 1000) -> list[StoredRecord]:
        return await self._run(self._read, room, after, limit)

    def _read(self, room: str, after: int, limit: int) -> list[StoredRecord]:
        rows = self.db.execute(
            "SELECT seq, body, prev, hash, at, origin FROM log "
            "WHERE room = ? AND seq > ? ORDER BY seq LIMIT ?",
            (room, after, limit),
        ).fetchall()
        return [stored_row(row) for row in rows]

    async def tail(self, room: str, after: int) -> AsyncIterator[LogRecord]:
        bell = self._bell(room)
        read = True
        while True:
            # Listen before reading, so an append landing between the read and the wait
            # still wakes us.
            heard = bell.listen()
            appended = bell.appended(after + 1)
            if appended is not None:
                # Appended by this process: as a read would return it, without the read.
                yield appended
                after = appended.seq
                continue
            if read:
                records = await self.read(room, after, 500)
                for record in records:
                    yield record
                    after = record.seq
                if len(records) == 500:
                    continue
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation
            # that races with the event, leaving this loop running after close().
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_interval):
                    await heard.wait()
            # Woken by an append of its own that brought the next record, the log need
            # not be read; woken by the poll, or by appends it no longer holds, it is.
            read = bell.appended(after + 1) is None

    async def rooms(self) -> list[str]:
        rows = await self._run(
            lambda: self.db.execute("SELECT DISTINCT room FROM log ORDER BY room").fetchall()
        )
        return [r[0] for r in rows]

    async def find_origin(self, room: str, origin: str) -> int | None:
        row = await self._run(
            lambda: self.db.execute(
                "SELECT seq FROM log WHERE room = ? AND origin = ?", (room, origin)
            ).fetchone()
        )
        return None if row is None else int(row[0])

    async def save_snapshot(self, room: str, seq: int, state: bytes) -> None:
        await self._run(
            lambda: self.db.execute(
                "INSERT INTO snapshots (room, seq, state) VALUES (?, ?, ?) "
                "ON CONFLICT (room) DO UPDATE SET seq = excluded.seq, state = excluded.state "
                "WHERE excluded.seq > snapshots.seq",
                (room, seq, encode_snapshot(state)),
            )
        )

    async def load_snapshot(self, room: str) -> tuple[int, bytes] | None:
        row = await self._run(
            lambda: self.db.execute(
                "SELECT seq, state FROM snapshots WHERE room = ?", (room,)
            ).fetchone()
        )
        state = None if row is None else decode_snapshot(bytes(row[1]))
        return None if state is None else (int(row[0]), state)

    async def put_blob(self, sha256: str, data: bytes) -> None:
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ValueError("a blob is stored under the SHA-256 of its bytes")
        await self._run(
            lambda: self.db.execute(
                "INSERT INTO blobs (sha256, data) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (sha256, data),
            )
        )

    async def get_blob(self, sha256: str) -> bytes | None:
        row = await self._run(
            lambda: self.db.execute("SELECT data FROM blobs WHERE sha256 = ?", (sha256,)).fetchone()
        )
        return None if row is None else bytes(row[0])

    async def add_token(self, token: TokenRecord) -> None:
        await self._run(
            lambda: self.db.execute(
                "INSERT INTO tokens (token_id, secret_hash, room, role, delegate_id, label, "
                "created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    token.token_id,
                    token.secret_hash,
                    token.room,
                    token.role.value,
                    token.delegate_id,
                    token.label,
                    token.created_at,
                    token.revoked_at,
                ),
            )
        )

    _TOKEN_COLUMNS = "token_id, secret_hash, room, role, delegate_id, label, created_at, revoked_at"

    @staticmethod
    def _token(row: tuple[object, ...]) -> TokenRecord:
        token_id, secret_hash, room, role, delegate_id, label, created_at, revoked_at = row
        return TokenRecord(
            token_id=str(token_id),
            secret_hash=str(secret_hash),
            room=str(room),
            role=Role(str(role)),
            delegate_id=None if delegate_id is None else str(delegate_id),
            label=str(label),
            created_at=int(str(created_at)),
            revoked_at=None if revoked_at is None else int(str(revoked_at)),
        )

    async def find_token(self, secret_hash: str) -> TokenRecord | None:
        row = await self._run(
            lambda: self.db.execute(
                f"SELECT {self._TOKEN_COLUMNS} FROM tokens WHERE secret_hash = ?", (secret_hash,)
            ).fetchone()
        )
        return None if row is None else self._token(row)

    async def list_tokens(self, room: str) -> list[TokenRecord]:
        rows = await self._run(
            lambda: self.db.execute(
                f"SELECT {self._TOKEN_COLUMNS} FROM tokens WHERE room = ? "
                "ORDER BY created_at, token_id",
                (room,),
            ).fetchall()
        )
        return [self._token(r) for r in rows]

    async def revoke_token(self, room: str, token_id: str, at: int) -> bool:
        cursor = await self._run(
            lambda: self.db.execute(
                "UPDATE tokens SET revoked_at = ? "
                "WHERE room = ? AND token_id = ? AND revoked_at IS NULL",
                (at, room, token_id),
            )
        )
        return bool(cursor.rowcount)

    async def all_tokens(self) -> list[TokenRecord]:
        rows = await self._run(
            lambda: self.db.execute(
                f"SELECT {self._TOKEN_COLUMNS} FROM tokens ORDER BY created_at, token_id"
            ).fetchall()
        )
        return [self._token(r) for r in rows]

    async def append_many(self, room: str, records: list[LogRecord]) -> None:
        await self._run(self._append_many, room, records)
        self._bell(room).ring()

    def _append_many(self, room: str, records: list[LogRecord]) -> None:
        # One transaction, one sync: a restore of 20 000 records, not 20 000 syncs.
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            head = self._head(room)
            prev = self._hash_of(room, head)
            for record, (body, own) in zip(records, chained(room, prev, records), strict=True):
                if record.seq != head + 1:
                    raise SeqConflict(room, head)
                self._refuse_seen_origin(room, record)
                self._insert(room, record.seq, record, body, prev, own)
                head, prev = record.seq, own
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    async def close(self) -> None:
        if self._db is not None:
            await self._run(self.db.close)
            self._db = None
        self._executor.shutdown(wait=True)


def stored_row(row: tuple[object, ...]) -> StoredRecord:
    """A `log` row (seq, body, prev, hash, at, origin) as stored, whatever its columns hold."""
    seq, body, prev, own, at, origin = row

    def blob(value: object) -> bytes | None:
        if value is None:
            return None
        return value if isinstance(value, bytes) else str(value).encode()

    return StoredRecord(
        seq=int(str(seq)),
        body=blob(body) or b"",
        prev=blob(prev),
        hash=blob(own),
        # A column changed to something else than an integer is reported, not skipped.
        at=at if isinstance(at, int) else -1,
        origin=None if origin is None else str(origin),
    )
