"""The chain through both backends: logs older than it, several writers, exports and restores."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import msgpack
import pytest
import redis.asyncio as redis

from session_server.archive import pack, unpack
from session_server.backends.base import Backend
from session_server.backends.redis import RedisBackend
from session_server.backends.sqlite import SQLiteBackend
from session_server.core import commands as c
from session_server.record import chain
from session_server.record.keys import Signer, generate
from session_server.record.sources import read_archive, read_backend, read_sqlite
from session_server.record.verify import verify_room
from session_server.transfer import read_congress, write_congress
from session_server.writer import Accepted, Refused, RoomWriter
from tests.golden.test_golden import GOLDEN_STATES, golden, state_hash
from tests.record.logs import PRESIDIUM, ROOM, Clock, checkpoint_seqs, kinds, signed_day
from tests.redis_server import RedisServer

GOLDEN = "congress-2026-12-01.msgpack"

_OLD_SCHEMA = """
CREATE TABLE log (
    room TEXT NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL, origin TEXT,
    body BLOB NOT NULL, PRIMARY KEY (room, seq)
) WITHOUT ROWID;
"""


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Where a backend opens: an SQLite file or a flushed Redis (as a URL either way)."""
    if request.param == "sqlite":
        yield f"sqlite://{tmp_path / 'congress.db'}"
        return
    server: RedisServer = request.getfixturevalue("redis_server")
    client = redis.Redis.from_url(server.url)
    await client.flushall()
    await client.aclose()
    yield server.url


async def open_store(url: str) -> Backend:
    if url.startswith("sqlite://"):
        return await SQLiteBackend.open(Path(url.removeprefix("sqlite://")))
    return await RedisBackend.open(url)


async def write_old_log(url: str, room: str, bodies: list[tuple[int, bytes]]) -> None:
    """A log as a release before the chain wrote it: bodies, no hashes."""
    if url.startswith("sqlite://"):
        with sqlite3.connect(url.removeprefix("sqlite://")) as db:
            db.executescript(_OLD_SCHEMA)
            for seq, body in bodies:
                data = msgpack.unpackb(body, raw=False)
                db.execute(
                    "INSERT INTO log VALUES (?, ?, ?, ?, ?)",
                    (room, seq, data["at"], data["origin"], body),
                )
        return
    client = redis.Redis.from_url(url)
    try:
        for seq, body in bodies:
            await client.xadd(f"congress:{{{room}}}:log", {"body": body}, id=f"{seq}-1")
        await client.sadd("congress:rooms", room)
    finally:
        await client.aclose()


async def test_an_old_log_replays_unchanged_and_the_chain_follows_it(store: str) -> None:
    room, bodies = golden(GOLDEN)
    await write_old_log(store, room, bodies)
    backend = await open_store(store)
    try:
        writer = await RoomWriter.open(room, backend, clock=Clock())
        assert state_hash(writer.state) == GOLDEN_STATES[GOLDEN], "the old log replays the same"
        # Its records' hashes are computed by the same rule from the first record on.
        assert await backend.record_hash(room, len(bodies)) == chain.head_of(room, bodies)
        writer.signer = (
            generate(Path(store.removeprefix("sqlite://")).parent / "k.pem")
            if (store.startswith("sqlite://"))
            else None
        )
        outcome = await writer.submit(
            c.PostAnnouncement(text="Sau nâng cấp"), PRESIDIUM, command_id="x", token_id="t"
        )
        assert outcome == Accepted(len(bodies) + 1)
        logs = await read_backend(backend)
    finally:
        await backend.close()
    stored = logs[room]
    assert [r.hash is None for r in stored] == [True] * len(bodies) + [False]
    assert stored[-1].prev == chain.head_of(room, bodies), "the anchor is the old log's head"
    report = verify_room(room, stored)
    assert report.problem is None
    assert (report.records, report.unhashed) == (len(bodies) + 1, len(bodies))


async def test_two_writers_on_one_log_keep_one_chain(store: str, tmp_path: Path) -> None:
    """The hub and the command line (or two nodes) append in turn: each follows the other's."""
    first, second = await open_store(store), await open_store(store)
    try:
        signer = generate(tmp_path / "k.pem")
        hub = await RoomWriter.open(ROOM, first, clock=Clock())
        hub.signer = signer
        await hub.create("Đại hội thử")
        cli = await RoomWriter.open(ROOM, second, clock=Clock())
        for n in range(6):
            writer = hub if n % 2 else cli
            outcome = await writer.submit(
                c.PostAnnouncement(text=f"Thông báo {n}"),
                PRESIDIUM,
                command_id=f"a{n}",
                token_id="t",
            )
            assert isinstance(outcome, Accepted), outcome
        await hub.read_log(hub.apply)
        assert await hub.submit(
            c.RecordCheckpoint(), PRESIDIUM, command_id="cp", token_id="t"
        ) == Accepted(8)
        logs = await read_backend(first)
    finally:
        await first.close()
        await second.close()
    report = verify_room(ROOM, logs[ROOM], {signer.key_id: signer.public})
    assert report.problem is None, report.problem
    assert (report.records, report.checkpoints, report.last_checkpoint_head) == (8, 1, 7)


async def test_without_a_key_the_log_is_chained_and_nothing_signed(store: str) -> None:
    backend = await open_store(store)
    try:
        writer = await signed_day(backend, None)
        refused = await writer.submit(
            c.RecordCheckpoint(), PRESIDIUM, command_id="cp", token_id="t"
        )
        assert isinstance(refused, Refused)
        assert refused.code == "invalid_state"
        assert "--signing-key" in refused.message
        logs = await read_backend(backend)
    finally:
        await backend.close()
    assert checkpoint_seqs(logs[ROOM]) == []
    assert "signing_key_registered" not in kinds(logs[ROOM])
    report = verify_room(ROOM, logs[ROOM])
    assert report.problem is None
    assert (report.checkpoints, report.unhashed) == (0, 0)
    assert writer.state.checkpoint is None


async def test_a_repeated_checkpoint_command_signs_nothing_new(store: str, tmp_path: Path) -> None:
    backend = await open_store(store)
    try:
        writer = await signed_day(backend, generate(tmp_path / "k.pem"))
        head = writer.state.seq
        assert writer.state.checkpoint is not None
        assert writer.state.checkpoint.reason == "adjourned"
        again = await writer.submit(c.RecordCheckpoint(), PRESIDIUM, command_id="cp", token_id="t")
        assert again == Accepted(head), "the head is a checkpoint already"
    finally:
        await backend.close()


async def test_an_export_and_its_restore_keep_every_hash(store: str, tmp_path: Path) -> None:
    backend = await open_store(store)
    try:
        signer = generate(tmp_path / "k.pem")
        await signed_day(backend, signer)
        congress = await read_congress(backend, source_backend="test", kind="full")
        before = await read_backend(backend)
    finally:
        await backend.close()
    archive = pack(congress)
    logs, problems = read_archive(archive)
    assert problems == []
    assert [r.hash for r in logs[ROOM]] == [r.hash for r in before[ROOM]]
    assert verify_room(ROOM, logs[ROOM]).problem is None
    restored = await SQLiteBackend.open(tmp_path / "restored.db")
    try:
        await write_congress(unpack(archive), restored)
    finally:
        await restored.close()
    after = read_sqlite(tmp_path / "restored.db")
    assert [(r.body, r.prev, r.hash) for r in after[ROOM]] == [
        (r.body, r.prev, r.hash) for r in before[ROOM]
    ]


async def test_a_changed_export_names_the_record_and_its_restore_is_refused(
    tmp_path: Path,
) -> None:
    backend = await SQLiteBackend.open(tmp_path / "congress.db")
    try:
        await signed_day(backend, generate(tmp_path / "k.pem"))
        congress = await read_congress(backend, source_backend="sqlite", kind="full")
    finally:
        await backend.close()
    (room,) = congress.rooms
    seq, body = room.records[6]
    data = msgpack.unpackb(body, raw=False)
    data["events"][0]["text"] = "Một thông báo đã bị sửa"
    changed = msgpack.packb(data, use_bin_type=True)
    records = (*room.records[:6], (seq, changed), *room.records[7:])
    tampered = replace(congress, rooms=(replace(room, records=records),))
    logs, problems = read_archive(pack(tampered))
    assert problems == [], "the manifest was made again: only the chain tells"
    report = verify_room(ROOM, logs[ROOM])
    assert report.problem is not None
    assert (report.problem.seq, report.problem.what) == (seq, "hash mismatch")
    target = await SQLiteBackend.open(tmp_path / "restored.db")
    try:
        with pytest.raises(ValueError, match=f"record {seq} does not match its hash"):
            await write_congress(unpack(pack(tampered)), target)
        assert await target.head(ROOM) == 0, "nothing restored"
    finally:
        await target.close()


def test_the_signed_golden_log_verifies_with_the_golden_key_only() -> None:
    """Its bodies carry no stored hash (a golden log keeps bodies): the chain is computed,
    and the checkpoint written on its day still verifies against it."""
    from session_server.backends.base import StoredRecord
    from tests.golden.make_golden import golden_signer

    room, bodies = golden("congress-2026-12-01-signed.msgpack")
    stored = [StoredRecord(seq, body, None, None) for seq, body in bodies]
    signer = golden_signer()
    report = verify_room(room, stored, {signer.key_id: signer.public})
    assert report.problem is None, report.problem
    assert (report.records, report.checkpoints, report.last_checkpoint_head) == (72, 1, 71)
    assert report.last_fingerprint == chain.fingerprint(chain.head_of(room, bodies[:71]))
    other = generate_key_elsewhere()
    refused = verify_room(room, stored, {other.key_id: other.public})
    assert refused.problem is not None
    assert (refused.problem.seq, refused.problem.what) == (72, "unknown key")


def generate_key_elsewhere() -> Signer:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Signer(Ed25519PrivateKey.generate())
