"""Set-up at the venue: once installed, the hub starts with no registry reachable, options pass."""

from __future__ import annotations

import importlib.util
import os
import signal
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
        # Without it npm knocks on the dead registry for over a minute before it gives up.
        "npm_config_fetch_retries": "0",
    }
    started = time.monotonic()
    done = subprocess.run(
        ["scripts/setup", "--test"], cwd=ROOT, env=env, capture_output=True, timeout=60 * UNIT
    )
    # Run alone after an edit to what setup installs from (pyproject.toml, package.json...),
    # setup rightly installs again, which this test's dead registry refuses.
    assert done.returncode == 0, (
        "setup failed with no registry: did it install again? Has `scripts/setup --test` run"
        " since its inputs changed?\n" + done.stderr.decode()
    )
    assert time.monotonic() - started < 10 * UNIT
    # Each module compiled, from its present source, where Python looks for it, even where
    # PYTHONDONTWRITEBYTECODE keeps Python from writing it: each process the hub or the
    # tests start reads it.
    modules = list((ROOT / "session_server").rglob("*.py"))
    assert modules
    assert [m for m in modules if not compiled_from(m)] == []


def compiled_from(source: Path) -> bool:
    """Whether `source` has a compiled file that Python takes for it: the header's source
    time and size (a timestamp-checked .pyc, PEP 552) are the file's own."""
    cached = Path(importlib.util.cache_from_source(str(source)))
    if not cached.exists():
        return False
    header = cached.read_bytes()[:16]
    stat = source.stat()
    return (
        header[:4] == importlib.util.MAGIC_NUMBER
        and int.from_bytes(header[4:8], "little") == 0
        and int.from_bytes(header[8:12], "little") == int(stat.st_mtime) & 0xFFFFFFFF
        and int.from_bytes(header[12:16], "little") == stat.st_size & 0xFFFFFFFF
    )


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


def _run_until_healthy(data: Path, env: dict[str, str]) -> str:
    """`scripts/run` as the technician starts it; stopped with Ctrl-C once /healthz is ok."""
    port = free_port()
    log_path = data.parent / f"run-{port}.log"
    with log_path.open("wb") as log:
        run = subprocess.Popen(
            ["scripts/run", "--data", str(data), "--port", str(port), "--no-prerender",
             "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60 * UNIT
        while True:
            assert run.poll() is None, log_path.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as ok:
                    assert ok.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.05)
    finally:
        os.killpg(run.pid, signal.SIGINT)
        run.wait(30 * UNIT)
    return log_path.read_text()


def test_scripts_run_twice_the_second_time_with_no_registry(demo_data: Path) -> None:
    # The first run at the office, registries reachable; the second at the venue, none.
    _run_until_healthy(demo_data, dict(os.environ))
    offline = {
        **os.environ,
        "PIP_INDEX_URL": NOWHERE,
        "PIP_EXTRA_INDEX_URL": "",
        "PIP_FIND_LINKS": "",
        "PIP_NO_INDEX": "1",
        "npm_config_registry": NOWHERE,
    }
    printed = _run_until_healthy(demo_data, offline)
    assert "continues" in printed, printed
    assert "Traceback" not in printed, printed


def test_a_failed_install_of_the_screens_assets_leaves_the_working_ones() -> None:
    # A venue with no registry, and something made the install run again: the lint and the
    # screens' libraries already there must survive the failed download.
    lint = ROOT / "delegate_display" / "node_modules" / ".bin" / "eslint"
    assert lint.exists()
    env = {
        **os.environ,
        "npm_config_registry": NOWHERE,
        "npm_config_prefer_online": "true",
        # Told at once that there is no registry, rather than after npm's minute of retries.
        "npm_config_fetch_retries": "0",
        "npm_config_fetch_timeout": "3000",
    }
    done = subprocess.run(
        ["scripts/web-assets"], cwd=ROOT, env=env, capture_output=True, timeout=120 * UNIT
    )
    assert done.returncode != 0, "no registry: the install cannot have succeeded"
    assert lint.exists()
    assert not list((ROOT / "delegate_display").glob(".staging-*"))
