"""What only the Redis backend has: its durability check, and Redis going away and coming back."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from session_server.backends.base import BackendUnavailable
from session_server.backends.redis import RedisBackend
from tests.backends.test_contract import record
from tests.conftest import UNIT
from tests.redis_server import RedisServer


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
    tmp_path: Path,
) -> None:
    server = RedisServer(tmp_path / "redis")
    server.start()
    backend = await RedisBackend.open(server.url)
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
        server.kill()
        with pytest.raises(BackendUnavailable):
            await backend.append("r", 2, record(2))
        server.start()
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
        server.stop()
