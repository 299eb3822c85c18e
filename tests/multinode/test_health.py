"""/healthz tells the truth: degraded while the log refuses writes, though reads still work."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from presidium_console.client import CommandRefused, ConnectionRefused
from session_server.protocol.codes import Close
from tests.conftest import UNIT, HubProcess, health
from tests.redis_server import RedisServer


async def status_within(hub: HubProcess, wanted: str, seconds: float) -> dict[str, object]:
    deadline = time.monotonic() + seconds
    while True:
        said = await health(hub)
        if said["status"] == wanted or time.monotonic() > deadline:
            return said
        await asyncio.sleep(0.2)


async def test_health_is_degraded_while_redis_refuses_writes_and_ok_after(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    hub = HubProcess(tmp_path / "data")
    hub.start("--backend", redis_server.url)
    try:
        assert (await health(hub))["status"] == "ok"
        # No replica can acknowledge: every write is refused (NOREPLICAS), reads go on.
        redis_server.command(b"CONFIG SET min-replicas-to-write 1")
        said = await status_within(hub, "degraded", 5 * UNIT)
        assert said["status"] == "degraded"
        problems = said["problems"]
        assert isinstance(problems, list)
        assert any("refuses writes" in problem for problem in problems)
        redis_server.command(b"CONFIG SET min-replicas-to-write 0")
        assert (await status_within(hub, "ok", 5 * UNIT))["status"] == "ok"
    finally:
        hub.stop()


async def test_during_an_outage_hellos_and_commands_are_refused_without_a_traceback(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    hub = HubProcess(tmp_path / "data")
    hub.start("--backend", redis_server.url)
    try:
        tokens = hub.tokens()
        presidium = hub.client(tokens.presidium)
        await presidium.connect(timeout=10 * UNIT)
        redis_server.kill()
        with pytest.raises(CommandRefused) as refused:
            await presidium.command("open_session")
        assert refused.value.code == "not_durable"
        for _ in range(5):
            # Reconnecting screens: each hello is refused, and logged in one line.
            board = hub.client(tokens.boards[0])
            with pytest.raises(ConnectionRefused) as closed:
                await board.connect(timeout=10 * UNIT)
            assert closed.value.code == Close.INTERNAL
        await presidium.close()
        redis_server.start()
        again = hub.client(tokens.boards[0])
        await again.connect(timeout=10 * UNIT)
        await again.close()
    finally:
        hub.stop()
    printed = hub.log_path.read_text()
    assert "hello refused, the log is unreachable" in printed
    assert "Traceback" not in printed, printed


async def test_three_nodes_started_at_once_on_an_empty_redis_all_serve_the_demo(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    nodes = [HubProcess(tmp_path / f"node{n}") for n in range(3)]
    for node in nodes:
        node.launch("--backend", redis_server.url)
    try:
        for node in nodes:
            node.wait_ready()
        loaded = [n for n in nodes if "Loaded the demo congress" in n.log_path.read_text()]
        assert len(loaded) == 1, "exactly one node loads it; none exits"
        deadline = time.monotonic() + 30 * UNIT
        while True:
            seqs = [
                (await health(node))["rooms"].get("camau-2025", {}).get("seq") for node in nodes
            ]
            if len(set(seqs)) == 1 and seqs[0]:
                break
            assert time.monotonic() < deadline, seqs
            await asyncio.sleep(0.2)
        # Every node welcomes the tokens the loading node printed.
        tokens = loaded[0].tokens()
        for node in nodes:
            board = node.client(tokens.boards[0])
            await board.connect(timeout=10 * UNIT)
            await board.close()
    finally:
        for node in nodes:
            node.stop()
