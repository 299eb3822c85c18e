"""A normal start, a bad client frame and Ctrl-C leave no traceback for the technician to read."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
import urllib.request
from pathlib import Path

from websockets.asyncio.client import connect

from tests.conftest import UNIT, free_port


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


async def test_a_fresh_demo_start_a_bad_frame_and_ctrl_c_print_no_traceback(
    tmp_path: Path,
) -> None:
    port = free_port()
    output = tmp_path / "out.log"
    with output.open("wb") as log:
        # A session of its own, as a terminal's foreground job: Ctrl-C reaches every
        # process of the hub at once, render workers included.
        hub = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "session_server.cli", "--data", str(tmp_path / "data"),
            "serve", "--port", str(port),
            stdout=log, stderr=asyncio.subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60 * UNIT
        while not await asyncio.to_thread(healthy, port):
            assert hub.returncode is None, output.read_text()
            assert time.monotonic() < deadline, output.read_text()
            await asyncio.sleep(0.1)
        # A text frame that is not UTF-8, written raw: the client library would refuse to.
        async with connect(f"ws://127.0.0.1:{port}/ws", ping_interval=None) as ws:
            ws.transport.write(bytes((0x81, 0x82, 0, 0, 0, 0)) + b"\xff\xfe")
            await ws.wait_closed()
            assert ws.close_code == 1007
        # Stopped while the render workers are busy pre-rendering the demo's pages.
        await asyncio.sleep(0.5)
    finally:
        os.killpg(hub.pid, signal.SIGINT)
        await asyncio.wait_for(hub.wait(), 30 * UNIT)
    printed = output.read_text()
    assert "Loaded the demo congress" in printed
    assert "Traceback" not in printed, printed
    assert "Task exception was never retrieved" not in printed, printed
