"""The Redis backend through Sentinel: a failover loses no acknowledged record, tails go on."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from session_server.backends import open_backend
from session_server.backends.base import BackendUnavailable, DuplicateOrigin
from session_server.backends.redis import RedisBackend
from tests.backends.test_contract import record
from tests.conftest import UNIT
from tests.redis_server import RedisSentinel, RedisServer

pytestmark = pytest.mark.slow


Cluster = tuple[RedisServer, list[RedisServer], RedisSentinel]


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """A primary, two replicas and a Sentinel watching them, as docs/operations.md sets up."""
    primary = RedisServer(tmp_path / "primary")
    replicas = [RedisServer(tmp_path / f"replica-{n}", replica_of=primary) for n in (1, 2)]
    sentinel = RedisSentinel(tmp_path / "sentinel", primary)
    try:
        primary.start()
        for replica in replicas:
            replica.start()
            replica.wait_replicating()
        sentinel.start()
        for replica in replicas:
            sentinel.wait_knows_replica(replica)
        yield primary, replicas, sentinel
    finally:
        sentinel.stop()
        for replica in replicas:
            replica.stop()
        primary.stop()


async def test_a_failover_loses_no_acknowledged_record_and_tails_go_on(
    cluster: Cluster, tmp_path: Path
) -> None:
    primary, replicas, sentinel = cluster
    url = sentinel.url(f"?durability=replicas:1&socket_timeout={2 * UNIT}")
    backend = await open_backend(url, tmp_path)
    assert isinstance(backend, RedisBackend)
    seen: list[int] = []
    fourth_seen = asyncio.Event()

    async def follow() -> None:
        after = 0
        while True:
            try:
                async for got in backend.tail("r", after):
                    seen.append(got.seq)
                    after = got.seq
                    if got.seq == 4:
                        fourth_seen.set()
            except BackendUnavailable:
                await asyncio.sleep(0.05)

    async def append_until_durable(seq: int) -> tuple[int, int]:
        """As a client retrying with the same command id: the attempts, and the seq."""
        attempts = 1
        while True:
            try:
                await backend.append("r", seq, record(seq, origin=f"tk:{seq}"))
                return attempts, seq
            except DuplicateOrigin as duplicate:
                # An earlier attempt was written, and a replica has it now.
                return attempts, duplicate.seq
            except BackendUnavailable:
                attempts += 1
                await asyncio.sleep(0.05)

    following = asyncio.create_task(follow())
    try:
        for seq in (1, 2, 3):
            await backend.append("r", seq, record(seq, origin=f"tk:{seq}"))
        primary.kill()
        async with asyncio.timeout(30 * UNIT):
            attempts, at = await append_until_durable(4)
            await fourth_seen.wait()
        promoted = sentinel.primary_port()
        assert promoted in {r.port for r in replicas}, "Sentinel promoted a replica"
        assert at == 4
        assert attempts > 1, "refused while no primary could take it, never acknowledged"
        assert seen == [1, 2, 3, 4], "the tail went on from where it was: no gap, no repeat"
        assert [r.origin for r in await backend.read("r", 0)] == [f"tk:{n}" for n in (1, 2, 3, 4)]
    finally:
        following.cancel()
        await backend.close()
