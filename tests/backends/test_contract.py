"""The guarantees of session_server/backends/base.py, checked against every backend."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import msgpack
import pytest
import redis.asyncio as redis

from session_server.backends.base import (
    Backend,
    Bell,
    DuplicateOrigin,
    LogRecord,
    SeqConflict,
    StoredRecord,
    TokenRecord,
    decode_record,
    decode_snapshot,
    encode_record,
    encode_snapshot,
)
from session_server.backends.redis import RedisBackend
from session_server.backends.sqlite import SQLiteBackend
from session_server.core import events as e
from session_server.core import replay
from session_server.core.state import Role
from tests.conftest import UNIT
from tests.redis_server import RedisServer

BackendFactory = Callable[[], Awaitable[Backend]]


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "redis"])
async def open_backend(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[BackendFactory]:
    """Opens backends on one shared store, as several processes or nodes would."""
    opened: list[Backend] = []
    if request.param == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        client = redis.Redis.from_url(server.url)
        await client.flushall()
        await client.aclose()

    async def factory() -> Backend:
        backend: Backend
        if request.param == "redis":
            backend = await RedisBackend.open(server.url)
        else:
            backend = await SQLiteBackend.open(tmp_path / "log.db", poll_interval=0.05)
        opened.append(backend)
        return backend

    yield factory
    for backend in opened:
        await backend.close()


async def next_record(log: Backend, room: str, after: int) -> LogRecord:
    async for r in log.tail(room, after):
        return r
    raise AssertionError("a tail never ends")


def title_of(written: LogRecord) -> str:
    """The title of the item a `record` adds."""
    (added,) = written.events
    assert isinstance(added, e.AgendaItemAdded)
    return added.title


def record(seq: int, title: str = "", origin: str | None = None) -> LogRecord:
    return LogRecord(
        seq=seq,
        at=1_000 + seq,
        events=(
            e.AgendaItemAdded(
                item_id=f"item-{seq}",
                title=title or f"t{seq}",
                presenter="",
                planned_minutes=0,
                position=0,
            ),
        ),
        actor="presidium:tk-test",
        origin=origin,
    )


async def test_conditional_append_refuses_a_wrong_expected_seq(
    open_backend: BackendFactory,
) -> None:
    log = await open_backend()
    assert await log.head("r") == 0
    await log.append("r", 1, record(1))
    with pytest.raises(SeqConflict) as conflict:
        await log.append("r", 1, record(1, "again"))
    assert conflict.value.head == 1
    with pytest.raises(SeqConflict):
        await log.append("r", 3, record(3))
    await log.append("r", 2, record(2))
    assert await log.head("r") == 2
    assert [r.events[0] for r in await log.read("r", 0)] == [
        record(1).events[0],
        record(2).events[0],
    ]
    assert await log.head("other") == 0, "rooms are independent"
    assert await log.rooms() == ["r"]


async def test_read_returns_records_as_written(open_backend: BackendFactory) -> None:
    log = await open_backend()
    for seq in range(1, 11):
        await log.append("r", seq, record(seq, origin=f"tk:{seq}"))
    records = await log.read("r", 4, limit=3)
    assert [r.seq for r in records] == [5, 6, 7]
    assert records[0] == record(5, origin="tk:5")


async def test_a_duplicate_origin_is_refused_with_its_first_seq(
    open_backend: BackendFactory,
) -> None:
    log = await open_backend()
    await log.append("r", 1, record(1, origin="tk-1:cmd-9"))
    with pytest.raises(DuplicateOrigin) as duplicate:
        await log.append("r", 2, record(2, origin="tk-1:cmd-9"))
    assert duplicate.value.seq == 1
    assert await log.head("r") == 1
    assert await log.find_origin("r", "tk-1:cmd-9") == 1
    assert await log.find_origin("r", "tk-1:cmd-10") is None


async def test_tail_yields_every_record_after_a_seq_including_other_writers(
    open_backend: BackendFactory,
) -> None:
    reader, writer = await open_backend(), await open_backend()
    for seq in range(1, 4):
        await writer.append("r", seq, record(seq))
    seen: list[int] = []

    async def follow() -> None:
        async for r in reader.tail("r", 1):
            seen.append(r.seq)
            if r.seq == 8:
                return

    following = asyncio.create_task(follow())
    for seq in range(4, 9):
        await writer.append("r", seq, record(seq))
    async with asyncio.timeout(5 * UNIT):
        await following
    assert seen == [2, 3, 4, 5, 6, 7, 8]


async def test_tail_pages_through_a_long_log_without_skipping_or_repeating(
    open_backend: BackendFactory,
) -> None:
    reader, writer = await open_backend(), await open_backend()
    # More than one batch of the tail (500) before it starts, and more while it runs.
    for seq in range(1, 1201):
        await writer.append("r", seq, record(seq))
    seen: list[int] = []

    async def follow() -> None:
        async for r in reader.tail("r", 0):
            seen.append(r.seq)
            if r.seq == 1300:
                return

    following = asyncio.create_task(follow())
    for seq in range(1201, 1301):
        await writer.append("r", seq, record(seq))
    async with asyncio.timeout(10 * UNIT):
        await following
    assert seen == list(range(1, 1301))


async def test_a_tail_on_the_appending_backend_yields_what_a_read_returns(
    open_backend: BackendFactory,
) -> None:
    # One backend appends and follows, as a hub does: what its tail yields (for SQLite,
    # taken from the append itself) is what a read of the log returns, chain included.
    log = await open_backend()
    await log.append("r", 1, record(1, origin="tk:1"))
    seen: list[LogRecord] = []

    async def follow() -> None:
        async for r in log.tail("r", 0):
            seen.append(r)
            if r.seq == 40:
                return

    following = asyncio.create_task(follow())
    for seq in range(2, 41):
        await log.append("r", seq, record(seq, origin=f"tk:{seq}"))
        if seq % 10 == 0:
            await asyncio.sleep(0.01)  # the tail both keeps up and falls behind
    async with asyncio.timeout(5 * UNIT):
        await following
    read = await log.read("r", 0)
    assert [r.seq for r in seen] == list(range(1, 41))
    assert seen == read
    assert [(r.prev_hash, r.hash, r.stored) for r in seen] == [
        (r.prev_hash, r.hash, r.stored) for r in read
    ]


async def test_an_up_to_date_sqlite_tail_takes_its_own_appends_without_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = await SQLiteBackend.open(tmp_path / "log.db", poll_interval=0.05)
    try:
        for seq in range(1, 4):
            await log.append("r", seq, record(seq))
        reads: list[int] = []
        real_read = log._read

        def counted(room: str, after: int, limit: int) -> list[StoredRecord]:
            reads.append(after)
            return real_read(room, after, limit)

        monkeypatch.setattr(log, "_read", counted)
        seen: list[int] = []

        async def follow() -> None:
            async for r in log.tail("r", 3):
                seen.append(r.seq)
                if r.seq == 13:
                    return

        following = asyncio.create_task(follow())
        await asyncio.sleep(0.02)  # the tail has read once and waits
        for seq in range(4, 14):
            await log.append("r", seq, record(seq))
            await asyncio.sleep(0)  # it runs after each append
        async with asyncio.timeout(5 * UNIT):
            await following
        assert seen == list(range(4, 14))
        assert reads == [3], "only the first read, before any append was heard"
        # A tail further behind than the appends kept reads the log, and misses nothing.
        last = 13 + Bell.KEPT
        for seq in range(14, last + 1):
            await log.append("r", seq, record(seq))
        reads.clear()
        behind = [r.seq async for r in _first(log.tail("r", 0), last)]
        assert behind == list(range(1, last + 1))
        assert reads == [0]
    finally:
        await log.close()


async def _first(records: AsyncIterator[LogRecord], count: int) -> AsyncIterator[LogRecord]:
    async for r in records:
        yield r
        count -= 1
        if not count:
            return


async def test_a_tail_waits_for_a_room_that_does_not_exist_yet(
    open_backend: BackendFactory,
) -> None:
    reader, writer = await open_backend(), await open_backend()
    first = asyncio.create_task(next_record(reader, "new-room", 0))
    await asyncio.sleep(0)
    assert not first.done()
    await writer.append("new-room", 1, record(1))
    async with asyncio.timeout(5 * UNIT):
        assert (await first).seq == 1


async def test_a_cancelled_tail_leaves_the_backend_usable_and_closes_promptly(
    open_backend: BackendFactory,
) -> None:
    log = await open_backend()
    await log.append("r", 1, record(1))
    for _ in range(3):
        # Cancelled while it waits for news, as a closing room cancels it.
        waiting = asyncio.create_task(next_record(log, "r", 1))
        await asyncio.sleep(0.05)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
    async with asyncio.timeout(2 * UNIT):
        await log.append("r", 2, record(2))
        assert [r.seq for r in await log.read("r", 0)] == [1, 2]
    started = asyncio.get_running_loop().time()
    await log.close()
    assert asyncio.get_running_loop().time() - started < 3 * UNIT


async def test_concurrent_appenders_never_fork_a_room(open_backend: BackendFactory) -> None:
    nodes = [await open_backend() for _ in range(3)]
    written: dict[int, str] = {}
    conflicts: list[tuple[int, int]] = []
    followed: list[list[tuple[int, str]]] = [[] for _ in nodes]

    async def follow(log: Backend, into: list[tuple[int, str]]) -> None:
        async for r in log.tail("r", 0):
            into.append((r.seq, title_of(r)))
            if r.seq == 90:
                return

    async def appender(name: str, log: Backend) -> None:
        for n in range(30):
            while True:
                head = await log.head("r")
                try:
                    await log.append("r", head + 1, record(head + 1, f"{name}-{n}"))
                except SeqConflict as conflict:
                    conflicts.append((head, conflict.head))
                    continue
                assert head + 1 not in written, "two appends won the same seq"
                written[head + 1] = f"{name}-{n}"
                break

    tails = [
        asyncio.create_task(follow(log, into)) for log, into in zip(nodes, followed, strict=True)
    ]
    await asyncio.gather(*(appender(f"node{i}", log) for i, log in enumerate(nodes)))
    records = await nodes[0].read("r", 0, 1000)
    assert [r.seq for r in records] == list(range(1, 91))
    titles = [title_of(r) for r in records]
    assert titles == [written[seq] for seq in range(1, 91)]
    assert len(set(titles)) == 90
    assert all(real > seen for seen, real in conflicts), "a conflict carries the real, newer head"
    async with asyncio.timeout(5 * UNIT):
        await asyncio.gather(*tails)
    for into in followed:
        assert into == [(seq, written[seq]) for seq in range(1, 91)], "every tail, one order"


async def test_snapshots_keep_the_newest(open_backend: BackendFactory) -> None:
    log = await open_backend()
    assert await log.load_snapshot("r") is None
    await log.save_snapshot("r", 500, b"state-500")
    await log.save_snapshot("r", 1000, b"state-1000")
    await log.save_snapshot("r", 700, b"late-writer")
    assert await log.load_snapshot("r") == (1000, b"state-1000")


async def test_a_snapshot_of_another_state_format_is_not_loaded(
    open_backend: BackendFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A release changing the state's shape raises STATE_FORMAT; older snapshots go unused."""
    log = await open_backend()
    await log.save_snapshot("r", 500, b"state-500")
    monkeypatch.setattr(replay, "STATE_FORMAT", 2)
    assert await log.load_snapshot("r") is None
    await log.save_snapshot("r", 1000, b"state-1000")
    assert await log.load_snapshot("r") == (1000, b"state-1000")
    monkeypatch.setattr(replay, "STATE_FORMAT", 1)
    assert await log.load_snapshot("r") is None, "nor one of a later format"


def test_snapshots_and_records_are_stored_one_way_for_every_backend() -> None:
    stored = encode_snapshot(b"state")
    assert msgpack.unpackb(stored) == [replay.STATE_FORMAT, b"state"]
    assert decode_snapshot(stored) == b"state"
    # Snapshots written before they carried a format hold the state's own map: format 1,
    # read as it is while the state's format is 1, ignored since.
    before = msgpack.packb({"room": "r", "seq": 3})
    assert decode_snapshot(before) == (before if replay.STATE_FORMAT == 1 else None)
    with pytest.raises(ValueError, match="format, state"):
        decode_snapshot(msgpack.packb([1, "not bytes"]))
    body = encode_record(record(7, origin="tk:7"))
    assert decode_record(7, body) == record(7, origin="tk:7")
    events = msgpack.unpackb(body)["events"]
    assert events == [
        {
            "kind": "agenda_item_added",
            "item_id": "item-7",
            "title": "t7",
            "presenter": "",
            "planned_minutes": 0,
            "position": 0,
        }
    ], "an event of version 1 is stored as before events had versions"


async def test_tokens_are_found_by_hash_listed_and_revoked(open_backend: BackendFactory) -> None:
    log = await open_backend()
    token = TokenRecord(
        token_id="tk-1",
        secret_hash="h1",
        room="r",
        role=Role.DELEGATE,
        delegate_id="DB001",
        label="Nguyễn Văn An",
        created_at=5,
    )
    await log.add_token(token)
    await log.add_token(
        TokenRecord(
            token_id="tk-2",
            secret_hash="h2",
            room="r",
            role=Role.BOARD,
            delegate_id=None,
            label="Cổng",
            created_at=6,
        )
    )
    assert await log.find_token("h1") == token
    assert await log.find_token("nope") is None
    assert [t.token_id for t in await log.list_tokens("r")] == ["tk-1", "tk-2"]
    assert await log.revoke_token("r", "tk-1", at=9)
    assert not await log.revoke_token("r", "tk-1", at=10), "revoking twice changes nothing"
    assert not await log.revoke_token("other-room", "tk-2", at=10)
    assert not await log.revoke_token("r", "tk-none", at=10)
    revoked = await log.find_token("h1")
    assert revoked is not None
    assert revoked.revoked_at == 9
    assert [t.revoked_at for t in await log.list_tokens("r")] == [9, None]


async def test_of_two_revocations_at_once_exactly_one_revokes(
    open_backend: BackendFactory,
) -> None:
    first, second = await open_backend(), await open_backend()
    await first.add_token(
        TokenRecord(
            token_id="tk-1",
            secret_hash="h1",
            room="r",
            role=Role.BOARD,
            delegate_id=None,
            label="Cổng",
            created_at=5,
        )
    )
    outcomes = await asyncio.gather(
        first.revoke_token("r", "tk-1", at=10), second.revoke_token("r", "tk-1", at=11)
    )
    assert sorted(outcomes) == [False, True]
    revoked = await first.find_token("h1")
    assert revoked is not None
    assert revoked.revoked_at == (10 if outcomes[0] else 11)


async def test_blobs_are_kept_by_their_hash_and_seen_by_every_opener(
    open_backend: BackendFactory,
) -> None:
    first, second = await open_backend(), await open_backend()
    data = b"%PDF-1.7 " + bytes(range(256)) * 10
    sha = hashlib.sha256(data).hexdigest()
    assert await first.get_blob(sha) is None
    await first.put_blob(sha, data)
    await first.put_blob(sha, data)  # idempotent
    assert await second.get_blob(sha) == data
    with pytest.raises(ValueError, match="SHA-256"):
        await first.put_blob(sha, data + b"x")
    assert await second.get_blob(sha) == data, "a refused put changes nothing"


async def test_a_backend_that_takes_writes_passes_the_write_probe(
    open_backend: BackendFactory,
) -> None:
    log = await open_backend()
    await log.check_writable("node-a")
    await log.check_writable("node-a")
    await log.check_writable("node-b")
    # The probe writes outside every room: no room appears, no record is added.
    assert await log.rooms() == []


# ---- the hash chain (docs/record.md)


async def test_each_record_is_stored_with_its_place_in_the_chain(
    open_backend: BackendFactory,
) -> None:
    from session_server.backends.base import encode_record
    from session_server.record import chain

    log, other = await open_backend(), await open_backend()
    for seq in range(1, 7):
        # Two writers in turn, as the hub and the command line (or two nodes) append.
        await (log if seq % 2 else other).append("r", seq, record(seq, origin=f"tk:{seq}"))
    stored = await log.read_raw("r", 0)
    prev = chain.genesis("r")
    for written in stored:
        assert written.body == encode_record(record(written.seq, origin=f"tk:{written.seq}"))
        assert written.prev == prev
        assert written.hash == chain.link(prev, written.seq, written.body)
        prev = written.hash
    read = await other.read("r", 2, limit=2)
    assert [(r.prev_hash, r.hash) for r in read] == [(s.prev, s.hash) for s in stored[2:4]]
    assert encode_record(read[0]) == stored[2].body, "a read record gives back its stored bytes"
    assert await log.record_hash("r", 4) == stored[3].hash
    assert await log.record_hash("r", 0) == chain.genesis("r")
    with pytest.raises(ValueError, match="no record 9"):
        await log.record_hash("r", 9)


async def test_a_bulk_append_refuses_a_record_its_hash_does_not_give(
    open_backend: BackendFactory,
) -> None:
    from dataclasses import replace

    source = await open_backend()
    for seq in range(1, 5):
        await source.append("src", seq, record(seq))
    copied = await source.read("src", 0)
    # Into another room: each record's hash (room-bound) is computed again, except the
    # third's, carried from an export and wrong.
    moved = [replace(r, hash=None) for r in copied]
    moved[2] = replace(moved[2], hash=b"\x00" * 32)
    with pytest.raises(ValueError, match="record 3 does not match its hash"):
        await source.append_many("other", moved)
    assert await source.head("other") == 0, "nothing written"
    await source.append_many("other", [replace(r, hash=None) for r in copied])
    assert await source.record_hash("other", 4) != copied[3].hash, "a chain is its room's"
