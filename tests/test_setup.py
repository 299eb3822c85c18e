"""Set-up at the venue: once installed, the hub starts with no registry reachable, options pass."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import UNIT, free_port

ROOT = Path(__file__).resolve().parent.parent
NOWHERE = "http://127.0.0.1:9/"
"""A registry address on which nothing answers, as on a closed venue network."""


def test_a_second_setup_needs_no_registry() -> None:
    # The test command ran `scripts/setup --test` before the tests: nothing changed since.
    env = {
        **os.environ,
        "PIP_INDEX_URL": NOWHERE,
        "PIP_NO_INDEX": "1",
        "npm_config_registry": NOWHERE,
    }
    started = time.monotonic()
    done = subprocess.run(
        ["scripts/setup", "--test"], cwd=ROOT, env=env, capture_output=True, timeout=60 * UNIT
    )
    assert done.returncode == 0, done.stderr.decode()
    assert time.monotonic() - started < 10 * UNIT


def test_options_without_a_command_go_to_serve(demo_data: Path) -> None:
    port = free_port()
    log = (demo_data / "hub.log").open("wb")
    # `scripts/run --port 9000` runs `congress --port 9000`: serve's options, no command.
    hub = subprocess.Popen(
        [sys.executable, "-m", "session_server.cli", "--data", str(demo_data),
         "--port", str(port), "--no-prerender", "--log-level", "warning"],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    log.close()
    try:
        deadline = time.monotonic() + 30 * UNIT
        while True:
            assert hub.poll() is None, (demo_data / "hub.log").read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as ok:
                    assert ok.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, (demo_data / "hub.log").read_text()
                time.sleep(0.05)
    finally:
        hub.terminate()
        hub.wait(10 * UNIT)
