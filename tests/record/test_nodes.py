"""Two hub nodes over one Redis, one signing key: each node's checkpoints land in one chain,
and `congress verify --redis` checks it with no hub's help."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from session_server.record.keys import generate
from tests.conftest import UNIT, HubProcess, stop_all
from tests.redis_server import RedisServer

pytestmark = pytest.mark.slow


@pytest.fixture
def signed_nodes(
    tmp_path: Path, redis_server: RedisServer
) -> Iterator[tuple[list[HubProcess], Path]]:
    key = tmp_path / "signing-key.pem"
    generate(key)
    started: list[HubProcess] = []
    try:
        for n in range(2):
            node = HubProcess(tmp_path / f"node-{n}")
            extra = ["--backend", redis_server.url, "--signing-key", str(key)]
            node.launch(*extra, *([] if n == 0 else ["--no-demo"]))
            started.append(node)
        for node in started:
            node.wait_ready()
        yield started, key
    finally:
        stop_all(started)


async def test_checkpoints_from_two_nodes_make_one_verified_chain(
    signed_nodes: tuple[list[HubProcess], Path], redis_server: RedisServer
) -> None:
    (first, second), key = signed_nodes
    presidium_token = first.tokens().presidium
    one, two = first.client(presidium_token), second.client(presidium_token)
    await one.connect(timeout=10 * UNIT)
    await two.connect(timeout=10 * UNIT)
    try:
        await one.command("set_current_item", item_id="item-1")
        await two.command("set_current_item", item_id="item-2")  # item 1 ends: node 2 signs
        await one.command("set_current_item", item_id="item-3")  # item 2 ends: node 1 signs
        await two.command("post_announcement", text="Nghỉ giải lao", minutes=10)
        asked = await one.command("checkpoint")
        adjourned = await two.command("adjourn_session")
        # The adjournment's checkpoint is a record of its own, after the adjournment's.
        view = await one.wait_for(
            lambda v: v["session"]["status"] == "adjourned" and v.seq > adjourned.seq, 10 * UNIT
        )
        fingerprint = view["session"]["checkpoint"]
        assert asked.seq > 0
    finally:
        await one.close()
        await two.close()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "session_server.cli",
        "verify",
        "--redis",
        redis_server.url,
        "--public-key",
        str(key),
        "--expect",
        fingerprint,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, out.decode() + err.decode()
    # Two items' ends, one asked for, the adjournment; the key registered once.
    assert ", 4 checkpoints, last checkpoint " + fingerprint in out.decode()
