"""`--log-format json`: every log line is one JSON object; in either form no line holds a secret."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from presidium_console.client import ConnectionRefused
from session_server.logs import FORMATS
from tests.conftest import UNIT, HubProcess

LEVEL_PREFIX = re.compile(r"(DEBUG|INFO|WARNING|ERROR|CRITICAL): ")
"""How a text log line starts (uvicorn's form)."""


class LoggingHub(HubProcess):
    """A fresh demo hub, its stderr (the log) kept apart from its stdout (the operator's)."""

    def __init__(self, data_dir: Path, form: str, level: str) -> None:
        super().__init__(data_dir)
        # No background renders: this is about the log, and Ctrl-C during them is
        # test_quiet's subject.
        self.options = ("--log-format", form, "--log-level", level, "--no-prerender")

    def launch(self, *extra: str) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.stderr_path = self.data_dir.parent / "stderr.log"
        self.stdout_path = self.data_dir.parent / "stdout.log"
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            # A session of its own, so that Ctrl-C reaches the render workers too.
            self.process = subprocess.Popen(
                [sys.executable, "-m", "session_server.cli", "--data", str(self.data_dir),
                 "serve", "--port", str(self.port), *self.options, *extra],
                stdout=out, stderr=err, start_new_session=True,
            )  # fmt: skip

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 60 * UNIT
        while not _answers(f"{self.http}/healthz"):
            assert self.process is not None
            assert self.process.poll() is None, self.printed()
            assert time.monotonic() < deadline, self.printed()
            time.sleep(0.1)

    def printed(self) -> str:
        return self.stdout_path.read_text() + self.stderr_path.read_text()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def _fetch(url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None) -> int:
    call = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(call, timeout=30 * UNIT) as answer:
            answer.read()
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        with refused:
            return refused.code


# At debug, the websockets library logs every handshake header and the start of every frame.
@pytest.mark.parametrize(
    ("form", "level"), [("json", "info"), ("json", "debug"), ("text", "debug")]
)
async def test_logs_parse_line_by_line_and_hold_no_token(
    tmp_path: Path, form: str, level: str
) -> None:
    hub = LoggingHub(tmp_path / "data", form, level)
    hub.start()
    try:
        tokens = hub.tokens()
        secrets = [tokens.presidium, tokens.secretariat, *tokens.boards]
        secrets += [secret for secret, _ in tokens.delegates]
        delegate = tokens.delegates[0][0]
        base = hub.http
        # Screens connecting and working, as at the session.
        presidium = hub.client(tokens.presidium)
        screen = hub.client(delegate)
        await presidium.connect(timeout=10 * UNIT)
        await screen.connect(timeout=10 * UNIT)
        await presidium.command("open_session")
        # Pages, sign-in by body and by header, documents.
        for path in ("/", "/console/", "/delegate/", "/board/", "/healthz"):
            assert await asyncio.to_thread(_fetch, base + path) == 200, path
        sign_in = json.dumps({"token": delegate, "room": "camau-2025"}).encode()
        proof = {"Content-Type": "application/json", "X-Congress-Request": "1"}
        assert (
            await asyncio.to_thread(_fetch, base + "/api/session", data=sign_in, headers=proof)
            == 200
        )
        bearer = {"Authorization": f"Bearer {delegate}"}
        documents = base + "/api/rooms/camau-2025/documents"
        assert await asyncio.to_thread(_fetch, documents, headers=bearer) == 200
        # A token where none of our screens ever puts one: query strings, paths, a bad one.
        for path in (
            f"/ws?token={delegate}",
            f"/healthz?token={tokens.presidium}",
            f"/delegate/{delegate}",
            f"/api/rooms/camau-2025/documents/{tokens.secretariat}",
        ):
            await asyncio.to_thread(_fetch, base + path, headers=bearer)
        wrong = delegate[::-1]
        secrets.append(wrong)
        with pytest.raises(ConnectionRefused):
            await hub.client(wrong).connect(timeout=10 * UNIT)
        # Bad frames: not msgpack, a text frame holding a token, not UTF-8.
        await screen.send_raw(b"\xc1 not a frame")
        await screen.send_raw(json.dumps({"type": "hello", "token": delegate}))
        # A client sending its token in the handshake's headers, as no screen of ours does.
        headers = {"Authorization": f"Bearer {delegate}", "Cookie": f"congress={delegate}"}
        async with connect(hub.url, additional_headers=headers, ping_interval=None) as ws:
            ws.transport.write(bytes((0x81, 0x82, 0, 0, 0, 0)) + b"\xff\xfe")
            await ws.wait_closed()
        await presidium.close()
        await screen.close()
    finally:
        assert hub.process is not None
        os.killpg(hub.process.pid, signal.SIGINT)
        await asyncio.to_thread(hub.process.wait, 30 * UNIT)
    log = hub.stderr_path.read_text()
    if form == "text":
        # uvicorn's text access lines go to stdout, among the operator's printout.
        printed = hub.stdout_path.read_text().splitlines(keepends=True)
        log += "".join(line for line in printed if LEVEL_PREFIX.match(line))
    assert all(secret not in log for secret in secrets), log
    assert "Traceback" not in log + hub.stdout_path.read_text(), log
    # The operator's own printout at start (stdout) is where the demo's tokens are shown.
    assert tokens.presidium in hub.stdout_path.read_text()
    assert "/ws?…" in log
    if form == "text":
        return
    entries = [json.loads(line) for line in log.splitlines()]
    for entry in entries:
        assert {"time", "level", "logger", "message"} <= entry.keys(), entry
    # The log is where these lines went, in its structured form.
    access = [e for e in entries if e["logger"] == "uvicorn.access"]
    assert {"method": "GET", "path": "/healthz", "status": 200}.items() <= access[0].items()
    assert any("not UTF-8" in e["message"] for e in entries), log
    assert any("Shutting down" in e["message"] for e in entries), log


FAILURE = """
import logging, logging.config, sys
from session_server.logs import log_config
logging.config.dictConfig(log_config(sys.argv[1], "info"))
try:
    raise ValueError("no such token " + sys.argv[2])
except ValueError:
    logging.getLogger("session_server.test").exception("hello from %s failed", sys.argv[2])
"""


@pytest.mark.parametrize("form", FORMATS)
def test_a_failure_logged_with_a_secret_in_it_has_the_secret_cut(form: str) -> None:
    secret = "Qx3_" + "k" * 28
    done = subprocess.run(
        [sys.executable, "-c", FAILURE, form, secret],
        capture_output=True, text=True, check=True, timeout=30 * UNIT,
    )  # fmt: skip
    assert secret not in done.stderr, done.stderr
    assert "hello from … failed" in done.stderr
    assert "ValueError: no such token …" in done.stderr
    if form == "json":
        entry = json.loads(done.stderr)
        assert entry["trace"][-1] == "ValueError: no such token …"
