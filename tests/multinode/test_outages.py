"""Redis away at the wrong moment: a node started before it waits; every command is not_durable."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from presidium_console.client import CommandRefused
from session_server.backends.redis import RedisBackend
from session_server.cli.startup import shown_url
from session_server.demo import DEMO_ROOM
from session_server.hub.node import Limits
from tests.conftest import UNIT, HubProcess, health
from tests.redis_server import RedisServer

WAITING = "Waiting for Redis at"


async def logged(hub: HubProcess, text: str, seconds: float) -> str:
    """The hub's output once it holds `text` (or the time is up)."""
    deadline = time.monotonic() + seconds
    while True:
        printed = hub.log_path.read_text()
        if text in printed or time.monotonic() > deadline:
            return printed
        await asyncio.sleep(0.1)


def test_the_waiting_line_shows_the_url_without_its_password() -> None:
    assert shown_url("redis://hub:s3cret@10.0.0.5:6379/0") == "redis://hub:***@10.0.0.5:6379/0"
    assert shown_url("redis://:s3cret@10.0.0.5:6379/0?durability=none") == (
        "redis://:***@10.0.0.5:6379/0?durability=none"
    )
    assert shown_url("redis://10.0.0.5:6379/0") == "redis://10.0.0.5:6379/0"
    assert shown_url(None) == "the SQLite file in the data directory"


async def test_nodes_started_before_redis_wait_then_all_serve_the_same_demo(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    redis_server.stop()
    nodes = [HubProcess(tmp_path / f"node{n}") for n in range(2)]
    for node in nodes:
        node.launch("--backend", redis_server.url)
    try:
        for node in nodes:
            printed = await logged(node, WAITING, 20 * UNIT)
            assert WAITING in printed, printed
        # Tried again every second meanwhile, and said once: no line per attempt.
        await asyncio.sleep(3 * UNIT)
        for node in nodes:
            assert node.process is not None
            assert node.process.poll() is None, "the node stays up"
            printed = node.log_path.read_text()
            assert printed.count(WAITING) == 1, printed
            assert "Still waiting" not in printed
            assert redis_server.url.removesuffix("/0") in printed
        redis_server.start()
        for node in nodes:
            node.wait_ready()
            assert (await health(node))["status"] == "ok"
            assert "Redis answers after" in node.log_path.read_text()
        # Both tried at once when Redis came back: one loaded the demo, the other follows it.
        loaded = [n for n in nodes if "Loaded the demo congress" in n.log_path.read_text()]
        assert len(loaded) == 1
        board_token = loaded[0].tokens().boards[0]
        for node in nodes:
            board = node.client(board_token)
            await board.connect(timeout=10 * UNIT)
            await board.wait_for(lambda view: view.seq > 0, timeout=10 * UNIT)
            assert any(frame["type"] == "snapshot" for frame in board.frames)
            assert board.view["session"]["room"] == DEMO_ROOM
            await board.close()
    finally:
        for node in nodes:
            node.stop()
    for node in nodes:
        printed = node.log_path.read_text()
        assert "Traceback" not in printed, printed


async def test_ctrl_c_while_waiting_for_redis_exits_quietly(tmp_path: Path) -> None:
    # A port bound and never listened on refuses every connection, and stays ours: a port
    # freed by stopping a Redis could be taken by another test's server meanwhile.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        hub = HubProcess(tmp_path / "data")
        hub.launch("--backend", f"redis://127.0.0.1:{closed.getsockname()[1]}/0", "--no-demo")
        assert WAITING in await logged(hub, WAITING, 20 * UNIT)
        assert hub.process is not None
        hub.process.send_signal(signal.SIGINT)
        try:
            # Generous: on a loaded machine the interpreter's own shutdown is slow.
            code = hub.process.wait(30 * UNIT)
        except subprocess.TimeoutExpired as timeout:
            state = signal_state(hub.process.pid)
            hub.process.kill()  # not left running to disturb the next test
            hub.process.wait()
            # What the kernel holds of SIGINT in the hub tells ignored (as when the tests were
            # started with it ignored, before conftest's pytest_configure), blocked, or
            # handled and lost.
            raise AssertionError(f"the hub did not stop on SIGINT:\n{state}") from timeout
        hub.process = None
    printed = hub.log_path.read_text()
    assert code == 128 + signal.SIGINT, printed
    assert "Stopped before the log answered." in printed
    assert "Traceback" not in printed, printed


def signal_state(pid: int) -> str:
    """Each thread of `pid`: its name, where it sleeps, and its signal lines from /proc."""
    lines = []
    for task in sorted(Path(f"/proc/{pid}/task").iterdir()):
        name = (task / "comm").read_text().strip()
        wchan = (task / "wchan").read_text().strip()
        said = [
            line
            for line in (task / "status").read_text().splitlines()
            if line.startswith(("SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt"))
        ]
        lines.append(f"{task.name} {name} in {wchan}: {'; '.join(said)}")
    return "\n".join(lines)


async def head_with_snapshot(redis_server: RedisServer) -> tuple[int, int]:
    """The room's head, and the seq of its stored snapshot (0 for none)."""
    log = await RedisBackend.open(redis_server.url)
    try:
        stored = await log.load_snapshot(DEMO_ROOM)
        return await log.head(DEMO_ROOM), 0 if stored is None else stored[0]
    finally:
        await log.close()


@pytest.mark.slow
async def test_with_redis_down_every_command_is_not_durable_even_on_a_node_loaded_from_a_snapshot(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    first = HubProcess(tmp_path / "first")
    second = HubProcess(tmp_path / "second")
    first.start("--backend", redis_server.url)
    second.start("--backend", redis_server.url, "--no-demo")
    hubs = [first, second]
    try:
        tokens = first.tokens()
        presidium = first.client(tokens.presidium)
        await presidium.connect(timeout=10 * UNIT)
        # Past the first stored room snapshot, so a node started now loads its room from it.
        head, _ = await head_with_snapshot(redis_server)
        for n in range(Limits().snapshot_every - head + 5):
            await presidium.command("post_announcement", text=f"Thông báo {n}", minutes=60)
        await presidium.close()
        deadline = time.monotonic() + 10 * UNIT
        while (await head_with_snapshot(redis_server))[1] < Limits().snapshot_every:
            assert time.monotonic() < deadline, "no snapshot was stored"
            await asyncio.sleep(0.1)
        second.stop()
        second.start("--backend", redis_server.url, "--no-demo")
        # Each node has the room loaded (the restarted one from the snapshot) and a console.
        consoles = []
        for hub in hubs:
            console = hub.client(tokens.presidium)
            await console.connect(timeout=10 * UNIT)
            await console.wait_for(lambda view: view.seq > Limits().snapshot_every, 10 * UNIT)
            consoles.append(console)
        delegate = second.client(tokens.delegates[0][0])
        await delegate.connect(timeout=10 * UNIT)
        redis_server.kill()
        agenda = consoles[0].view["agenda"]["items"]
        commands: list[tuple[str, dict[str, Any]]] = [
            ("open_session", {}),
            ("post_announcement", {"text": "Trong lúc mất kết nối", "minutes": 5}),
            ("show_page", {"document_id": "chuong-trinh", "page": 2}),
            ("set_current_item", {"item_id": agenda[0]["id"]}),
            ("check_in", {"delegate_id": tokens.delegates[1][1]}),
        ]
        for console in consoles:
            for name, args in commands:
                with pytest.raises(CommandRefused) as refused:
                    await console.command(name, timeout=10 * UNIT, **args)
                assert refused.value.code == "not_durable", (name, refused.value)
        with pytest.raises(CommandRefused) as refused:
            await delegate.command("check_in", timeout=10 * UNIT)
        assert refused.value.code == "not_durable"
        for client in (*consoles, delegate):
            await client.close()
    finally:
        for hub in hubs:
            hub.stop()
    for hub in hubs:
        printed = hub.log_path.read_text()
        assert "Traceback" not in printed, printed
