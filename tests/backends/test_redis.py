"""What only the Redis backend has: its durability settings, and Redis away, frozen or refusing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as redis

from session_server.backends import open_backend
from session_server.backends.base import BackendUnavailable, DuplicateOrigin
from session_server.backends.redis import RedisBackend, parse_durability
from tests.backends.test_contract import record
from tests.conftest import UNIT
from tests.redis_server import RedisServer


@pytest.fixture
async def primary_and_replica(
    redis_server: RedisServer, tmp_path: Path
) -> AsyncIterator[tuple[RedisServer, RedisServer]]:
    replica = RedisServer(tmp_path / "replica", replica_of=redis_server)
    replica.start()
    try:
        replica.wait_replicating()
        yield redis_server, replica
    finally:
        replica.stop()


async def test_open_backend_chooses_redis_by_url(redis_server: RedisServer, tmp_path: Path) -> None:
    backend = await open_backend(redis_server.url, tmp_path)
    try:
        assert isinstance(backend, RedisBackend)
        assert backend.durability == "aof"
    finally:
        await backend.close()
    with pytest.raises(ValueError, match="replicas:N"):
        await open_backend(redis_server.url + "?durability=replicas:none", tmp_path)


async def test_a_redis_that_does_not_sync_every_write_is_refused_unless_asked(
    tmp_path: Path,
) -> None:
    server = RedisServer(tmp_path, sync_every_write=False)
    server.start()
    try:
        with pytest.raises(ValueError, match="appendfsync always"):
            await RedisBackend.open(server.url)
        loose = await RedisBackend.open(server.url + "?durability=none")
        await loose.append("r", 1, record(1))
        assert await loose.head("r") == 1
        await loose.close()
    finally:
        server.stop()


async def test_redis_away_is_unavailable_and_the_tail_resumes_without_a_gap(
    redis_server: RedisServer,
) -> None:
    backend = await RedisBackend.open(redis_server.url)
    try:
        await backend.append("r", 1, record(1))
        seen: asyncio.Queue[int] = asyncio.Queue()

        async def follow() -> None:
            after = 0
            while True:
                try:
                    async for got in backend.tail("r", after):
                        seen.put_nowait(got.seq)
                        after = got.seq
                except BackendUnavailable:
                    # As the hub's room does: wait, then tail again from the last seq seen.
                    await asyncio.sleep(0.1)

        following = asyncio.create_task(follow())
        async with asyncio.timeout(5 * UNIT):
            assert await seen.get() == 1
        redis_server.kill()
        with pytest.raises(BackendUnavailable):
            await backend.append("r", 2, record(2))
        with pytest.raises(BackendUnavailable):
            await backend.head("r")
        redis_server.start()
        async with asyncio.timeout(10 * UNIT):
            while True:
                try:
                    await backend.append("r", 2, record(2))
                    break
                except BackendUnavailable:
                    await asyncio.sleep(0.1)
            await backend.append("r", 3, record(3))
            assert [await seen.get(), await seen.get()] == [2, 3], "no gap, no repeat"
        assert seen.empty()
        assert await backend.head("r") == 3, "record 1 survived the SIGKILL (AOF always)"
        following.cancel()
    finally:
        await backend.close()


async def test_a_frozen_redis_is_unavailable_in_bounded_time_and_a_retry_settles_it(
    redis_server: RedisServer,
) -> None:
    backend = await RedisBackend.open(redis_server.url + "?socket_timeout=0.5")
    try:
        await backend.append("r", 1, record(1, origin="tk:1"))
        redis_server.freeze()
        started = asyncio.get_running_loop().time()
        with pytest.raises(BackendUnavailable):
            await backend.append("r", 2, record(2, origin="tk:2"))
        assert asyncio.get_running_loop().time() - started < 2 * UNIT
        redis_server.thaw()
        # The frozen server read the append and ran it once it woke: the answer was lost,
        # the record was not. The client's retry, with the same origin, is told so.
        outcome: int | str = "no answer"
        async with asyncio.timeout(5 * UNIT):
            while outcome == "no answer":
                try:
                    await backend.append("r", 2, record(2, origin="tk:2"))
                    outcome = "appended again"
                except BackendUnavailable:
                    await asyncio.sleep(0.05)
                except DuplicateOrigin as duplicate:
                    outcome = duplicate.seq
        assert outcome == 2
        assert [r.origin for r in await backend.read("r", 0)] == ["tk:1", "tk:2"]
    finally:
        await backend.close()


async def test_writes_refused_for_now_are_unavailable_with_nothing_written(
    primary_and_replica: tuple[RedisServer, RedisServer],
) -> None:
    primary, replica = primary_and_replica
    # A replica (the old primary after a Sentinel failover) answers READONLY.
    on_replica = await RedisBackend.open(replica.url)
    backend = await RedisBackend.open(primary.url)
    admin = redis.Redis.from_url(primary.url)
    try:
        with pytest.raises(BackendUnavailable, match="read only"):
            await on_replica.append("r", 1, record(1))
        # min-replicas-to-write not met (the partitioned primary of docs/operations.md).
        await admin.config_set("min-replicas-to-write", 2)
        with pytest.raises(BackendUnavailable, match="NOREPLICAS"):
            await backend.append("r", 1, record(1, origin="tk:1"))
        await admin.config_set("min-replicas-to-write", 0)
        assert await backend.head("r") == 0
        assert await backend.find_origin("r", "tk:1") is None
        await backend.append("r", 1, record(1, origin="tk:1"))
    finally:
        await admin.aclose()
        await on_replica.close()
        await backend.close()


async def test_with_replicas_an_append_counts_only_once_a_replica_has_it(
    primary_and_replica: tuple[RedisServer, RedisServer],
) -> None:
    primary, replica = primary_and_replica
    # A short socket timeout makes WAIT give up sooner (at half of it).
    url = primary.url + "?durability=replicas:1&socket_timeout=1"
    backend, other_node = await RedisBackend.open(url), await RedisBackend.open(url)
    on_replica = await RedisBackend.open(replica.url + "?durability=none")
    try:
        await backend.append("r", 1, record(1, origin="tk:1"))
        assert await on_replica.head("r") == 1, "acknowledged means the replica has it"
        # Frozen, the replica stays connected but takes nothing in: a lagging replica.
        replica.freeze()
        with pytest.raises(BackendUnavailable, match="0 of 1 replicas"):
            await backend.append("r", 2, record(2, origin="tk:2"))
        # Written on the primary all the same. The client retries on another node, whose
        # connection never wrote: it is still not told "duplicate" (which the hub would
        # acknowledge) while no replica has the record.
        with pytest.raises(BackendUnavailable, match="0 of 1 replicas"):
            await other_node.append("r", 2, record(2, origin="tk:2"))
        replica.thaw()
        with pytest.raises(DuplicateOrigin) as duplicate:
            await other_node.append("r", 2, record(2, origin="tk:2"))
        assert duplicate.value.seq == 2
        assert await on_replica.head("r") == 2
    finally:
        await on_replica.close()
        await other_node.close()
        await backend.close()


def test_every_durability_setting_and_url_form_is_documented() -> None:
    operations = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text()
    for setting, replicas in (("aof", None), ("none", None), ("replicas:2", 2)):
        assert parse_durability(setting) == replicas
    for setting in ("aof", "replicas:N", "none"):
        assert f"| `{setting}`" in operations, f"durability {setting} is not in the table"
    for form in ("`redis://", "`redis+sentinel://", "?socket_timeout="):
        assert form in operations
    with pytest.raises(ValueError, match="replicas:N"):
        parse_durability("replicas:0")


async def test_the_write_probe_fails_while_redis_refuses_writes_and_passes_after(
    redis_server: RedisServer,
) -> None:
    backend = await RedisBackend.open(redis_server.url)
    try:
        await backend.check_writable("node-a")
        assert await backend.head("r") == 0
        # No replica can acknowledge: Redis answers NOREPLICAS to every write, reads go on.
        redis_server.command(b"CONFIG SET min-replicas-to-write 1")
        with pytest.raises(BackendUnavailable, match="refuses writes"):
            await backend.check_writable("node-a")
        assert await backend.head("r") == 0
        redis_server.command(b"CONFIG SET min-replicas-to-write 0")
        await backend.check_writable("node-a")
    finally:
        await backend.close()
