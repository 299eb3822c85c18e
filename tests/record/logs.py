"""A signed day in miniature, written through the real writer, and the stores tests tamper with."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import msgpack
import redis.asyncio as redis

from session_server.backends.base import Backend, StoredRecord
from session_server.core import commands as c
from session_server.core.decide import Actor
from session_server.core.state import Role
from session_server.record import chain
from session_server.record.keys import Signer, key_id
from session_server.writer import Accepted, RoomWriter

ROOM = "dai-hoi-thu"
PRESIDIUM = Actor(Role.PRESIDIUM)


class Clock:
    def __init__(self) -> None:
        self.now = 1_764_576_000_000

    def __call__(self) -> int:
        self.now += 1_500
        return self.now


async def signed_day(backend: Backend, signer: Signer | None, announcements: int = 6) -> RoomWriter:
    """Items opened and closed, announcements, an on-demand checkpoint and the adjournment."""
    writer = await RoomWriter.open(ROOM, backend, clock=Clock())
    writer.signer = signer
    await writer.create("Đại hội thử")
    sent = 0

    async def submit(command: c.Command) -> None:
        nonlocal sent
        sent += 1
        outcome = await writer.submit(command, PRESIDIUM, command_id=f"c{sent}", token_id="tk")
        assert isinstance(outcome, Accepted), outcome

    for n in range(3):
        await submit(c.AddAgendaItem(title=f"Mục {n + 1}", planned_minutes=10))
    items = [item.id for item in writer.state.agenda]
    await submit(c.OpenSession())
    await submit(c.SetCurrentItem(item_id=items[0]))
    for n in range(announcements):
        await submit(c.PostAnnouncement(text=f"Thông báo số {n}", minutes=5))
    await submit(c.SetCurrentItem(item_id=items[1]))  # item 1 closes: a checkpoint
    for n in range(announcements):
        await submit(c.PostAnnouncement(text=f"Thông báo chiều {n}", minutes=5))
    if signer is not None:
        await submit(c.RecordCheckpoint())
    await submit(c.SetCurrentItem(item_id=items[2]))  # item 2 closes
    await submit(c.PostAnnouncement(text="Bế mạc", minutes=5))
    await submit(c.AdjournSession())  # adjourned: a checkpoint
    return writer


def events_of(record: StoredRecord) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = msgpack.unpackb(record.body, raw=False)["events"]
    return events


def kinds(records: list[StoredRecord]) -> list[str]:
    return [event["kind"] for r in records for event in events_of(r)]


def checkpoint_seqs(records: list[StoredRecord]) -> list[int]:
    return [r.seq for r in records if "checkpoint_recorded" in kinds([r])]


def forge(
    room: str,
    records: list[StoredRecord],
    start: int,
    forger: Signer,
    *,
    own_key: bool,
    fork: int = 0,
) -> list[StoredRecord]:
    """Records `start` on rewritten (an announcement changed) and chained again, valid-looking,
    their checkpoints signed by `forger`: naming the congress's key id (`own_key` False) or
    registering the forger's own (`own_key` True). The checkpoint in record `fork`, if any,
    signs a hash of another log (a fork) instead of its head's."""
    out = [r for r in records if r.seq < start]
    prev = out[-1].hash if out else chain.genesis(room)
    assert prev is not None
    genuine_id = next(
        ev["key_id"] for r in records for ev in events_of(r) if ev["kind"] == "checkpoint_recorded"
    )
    hashes: dict[int, bytes] = {r.seq: r.hash for r in out if r.hash is not None}
    registered = False
    for stored in records[len(out) :]:
        data = msgpack.unpackb(stored.body, raw=False)
        events = []
        for event in data["events"]:
            if event["kind"] == "announcement_posted":
                event = {**event, "text": "Một thông báo đã bị sửa"}
            if event["kind"] == "checkpoint_recorded":
                head = hashes[event["head_seq"]]
                if stored.seq == fork:
                    head = chain.link(head, event["head_seq"], b"another log")
                if own_key and not registered:
                    events.append(
                        {
                            "kind": "signing_key_registered",
                            "key_id": forger.key_id,
                            "public_key": forger.public_hex,
                        }
                    )
                    registered = True
                event = {
                    **event,
                    "head_hash": head.hex(),
                    "fingerprint": chain.fingerprint(head),
                    "key_id": forger.key_id if own_key else genuine_id,
                    "signature": forger.sign(room, event["head_seq"], head),
                }
            events.append(event)
        body = msgpack.packb({**data, "events": events}, use_bin_type=True)
        own = chain.link(prev, stored.seq, body)
        out.append(replace(stored, body=body, prev=prev, hash=own))
        hashes[stored.seq] = own
        prev = own
    assert key_id(forger.public) == forger.key_id
    return out


@dataclass
class SQLiteStore:
    """The log table of an SQLite file, rewritten row by row as someone with the file could."""

    path: Path

    def load(self, room: str = ROOM) -> list[StoredRecord]:
        with sqlite3.connect(self.path) as db:
            rows = db.execute(
                "SELECT seq, body, prev, hash, at, origin FROM log WHERE room = ? ORDER BY seq",
                (room,),
            ).fetchall()
        return [StoredRecord(*row) for row in rows]

    def save(self, records: list[StoredRecord], room: str = ROOM) -> None:
        with sqlite3.connect(self.path) as db:
            db.execute("DELETE FROM log WHERE room = ?", (room,))
            db.executemany(
                "INSERT INTO log (room, seq, at, origin, body, prev, hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(room, r.seq, r.at, r.origin, r.body, r.prev, r.hash) for r in records],
            )

    def execute(self, sql: str, *args: object) -> None:
        with sqlite3.connect(self.path) as db:
            db.execute(sql, args)


@dataclass
class RedisStore:
    """A room's stream, rewritten entry by entry (streams only grow: deleted and re-added)."""

    url: str

    async def load(self, room: str = ROOM) -> list[StoredRecord]:
        client = redis.Redis.from_url(self.url)
        try:
            entries: Any = await client.xrange(f"congress:{{{room}}}:log")
        finally:
            await client.aclose()
        return [
            StoredRecord(
                seq=int(entry_id.split(b"-")[0]),
                body=fields[b"body"],
                prev=fields.get(b"prev"),
                hash=fields.get(b"hash"),
            )
            for entry_id, fields in entries
        ]

    async def save(self, records: list[StoredRecord], room: str = ROOM) -> None:
        key = f"congress:{{{room}}}:log"
        client = redis.Redis.from_url(self.url)
        try:
            await client.delete(key)
            for number, r in enumerate(records, start=1):
                fields: dict[Any, Any] = {"body": r.body}
                if r.prev is not None and r.hash is not None:
                    fields |= {"prev": r.prev, "hash": r.hash}
                # Ids must grow: a stream cannot hold a smaller one after a larger.
                await client.xadd(key, fields, id=f"{r.seq}-{number}")
        finally:
            await client.aclose()


def flipped(data: bytes, offset: int) -> bytes:
    """`data` with the byte at `offset` (from the end if negative) inverted."""
    index = offset % len(data)
    return data[:index] + bytes([data[index] ^ 0xFF]) + data[index + 1 :]
