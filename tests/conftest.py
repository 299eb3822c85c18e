"""Shared fixtures: a real hub process on 127.0.0.1, its demo tokens, and connected clients."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgpack
import psutil
import pytest
from websockets.asyncio.client import ClientConnection, connect

from presidium_console.client import CongressClient, View
from session_server.auth import issue_token
from session_server.backends.sqlite import SQLiteBackend
from session_server.core.state import Role
from session_server.demo import DEMO_ROOM

if TYPE_CHECKING:
    # tests.redis_server takes UNIT from here: imported where the fixture runs.
    from tests.redis_server import RedisServer

UNIT = float(os.environ.get("CONGRESS_TEST_TIME_UNIT", "1"))
"""Every timeout in the tests is a multiple of this; raise it on a slow machine."""


# Tests sharing a module-scoped resource run in one worker under pytest-xdist (`-n`), which
# then starts it once. Any module whose tests use a module-scoped fixture is grouped so
# (`shares_a_module_fixture`); these are named too, for the record.
SHARED_BY_MODULE = {
    "tests/documents/test_http.py",
    "tests/documents/test_paragraphs.py",
    "tests/e2e/test_opinions.py",
    "tests/security/test_document_versions.py",
    "tests/security/test_forgery.py",
    "tests/security/test_hall.py",
    "tests/security/test_page_policy.py",
    "tests/security/test_requests.py",
}


CHEAP_PER_MODULE = {"browser"}
"""Module-scoped, but started in a second: a long browser module split over both workers
balances them better than it costs. (Not session-scoped: Playwright's sync API runs one
instance at a time in a thread, and bench/ballots.py starts its own in the test's worker.)"""


def shares_a_module_fixture(item: pytest.Item) -> bool:
    """Split over two workers, such a module would build its fixture twice (the offline
    bundle, a hub, a redis-server, a played session): the same work done again."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    return any(
        definitions[-1].scope in ("module", "package")
        for name, definitions in info.name2fixturedefs.items()
        if definitions and name not in CHEAP_PER_MODULE
    )


def pytest_configure(config: pytest.Config) -> None:
    """Ctrl-C reaches the hubs the tests start, however the test command was started.

    A command started in the background of a script (`.ci/run &`) inherits SIGINT ignored
    (POSIX), and so does every process it starts. A serving hub stops on Ctrl-C all the same
    (uvicorn takes the signal), but one waiting for its Redis would not: asyncio's handler is
    only installed where SIGINT is not ignored. The tests stop hubs as an operator at a
    terminal does, so they run as from one: a handled signal is default again in a child.
    """
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    root = Path(__file__).resolve().parent.parent
    for item in items:
        module = item.path.relative_to(root).as_posix()
        if item.get_closest_marker("xdist_group") is not None:
            continue
        if module in SHARED_BY_MODULE or shares_a_module_fixture(item):
            item.add_marker(pytest.mark.xdist_group(module))


# Before xdist's own, which sends the ids to the scheduler.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """Under `--dist loadgroup`, a grouped test's id ends in `@group`, which is how xdist's
    scheduler keeps a group on one worker. xdist (3.8) writes it to `item._nodeid`, which
    pytest 9 no longer reads: every group was silently split. Done here where it is missing."""
    if not getattr(session.config.option, "loadgroup", False):
        return
    for item in session.items:
        names = sorted({str(mark.args[0]) for mark in item.iter_markers("xdist_group")})
        if names and "@" not in item.nodeid:
            set_nodeid(item, f"{item.nodeid}@{'_'.join(names)}")


def set_nodeid(item: pytest.Item, nodeid: str) -> None:
    if hasattr(item, "_id"):
        from _pytest.nodeid import coerce_node_id

        item._id = coerce_node_id(nodeid)
    else:  # pytest 8 keeps it as a string
        setattr(item, "_nodeid", nodeid)  # noqa: B010


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PortTaken(RuntimeError):
    """The hub could not listen on its port: another process holds it."""


@dataclass
class DemoTokens:
    presidium: str
    secretariat: str
    boards: list[str]
    delegates: list[tuple[str, str]]
    """(secret, delegate id) for each demo delegate."""
    hall: str = ""


class HubProcess:
    """`congress serve` in a child process, exactly as an operator starts it."""

    def __init__(self, data_dir: Path, port: int | None = None, *, prerender: bool = False) -> None:
        self.data_dir = data_dir
        # Off unless a test is about documents: background renders would take the CPU
        # that timing-sensitive tests share with the hub.
        self.prerender = prerender
        self.port = port or free_port()
        self._port_chosen_here = port is None
        """A port picked by `free_port` may be taken by another worker's hub before this one
        binds it: `start` then tries another."""
        self._log_offset = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._interrupted = False
        self.log_path = data_dir / "hub.log"
        self.tls: ssl.SSLContext | None = None
        self.start_within = 30.0
        """Seconds (times UNIT) `wait_ready` waits for /healthz."""
        """Set by a test that starts the hub with --certfile: a context trusting it."""

    @property
    def url(self) -> str:
        return f"{'wss' if self.tls else 'ws'}://127.0.0.1:{self.port}/ws"

    @property
    def http(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, *extra: str) -> None:
        for attempt in range(3):
            self.launch(*extra)
            try:
                self.wait_ready()
                return
            except PortTaken:
                if not self._port_chosen_here or attempt == 2:
                    raise
                self.port = free_port()

    def launch(self, *extra: str) -> None:
        """Start the process without waiting for it to answer (see `wait_ready`)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self._log_offset = log.tell()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "session_server.cli",
                "--data",
                str(self.data_dir),
                "serve",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                *([] if self.prerender else ["--no-prerender"]),
                *extra,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self._interrupted = False

    def wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.start_within * UNIT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                with self.log_path.open("rb") as log:
                    log.seek(self._log_offset)
                    said = log.read().decode(errors="replace")
                if "address already in use" in said:
                    self.process = None
                    raise PortTaken(f"port {self.port} taken:\n{said}")
                raise RuntimeError(f"hub exited early:\n{self.log_path.read_text()}")
            try:
                with urllib.request.urlopen(
                    f"{self.http}/healthz", timeout=1, context=self.tls
                ) as answer:
                    # Another worker's hub on the same free port answers too: only this
                    # process's own listening socket counts.
                    if answer.status == 200 and self._listens():
                        return
            except OSError:
                pass
            time.sleep(0.05)
        # Not left running: no fixture stops a hub whose start failed, and an orphan's CPU
        # slows every test after it into the same time-out.
        self.stop()
        raise RuntimeError(f"hub did not answer /healthz:\n{self.log_path.read_text()}")

    def _listens(self) -> bool:
        """Whether this hub's process itself listens on its port."""
        assert self.process is not None
        try:
            sockets = psutil.Process(self.process.pid).net_connections(kind="tcp")
        except psutil.Error:
            return False
        return any(s.status == psutil.CONN_LISTEN and s.laddr.port == self.port for s in sockets)

    def stop(self) -> None:
        self.interrupt()
        if self.process is not None:
            try:
                self.process.wait(10 * UNIT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def interrupt(self) -> None:
        """Ctrl-C, once: a second one would cut uvicorn's graceful shutdown short."""
        if self.process is not None and self.process.poll() is None and not self._interrupted:
            self.process.send_signal(signal.SIGINT)
            self._interrupted = True

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when the machine loses the process."""
        assert self.process is not None
        self.process.kill()
        self.process.wait()
        self.process = None

    def tokens(self) -> DemoTokens:
        presidium = secretariat = hall = ""
        boards: list[str] = []
        delegates: list[tuple[str, str]] = []
        for line in (self.data_dir / "demo-tokens.txt").read_text().splitlines():
            if line.startswith("#"):
                continue
            fields = line.split("\t")
            if fields[0] == "presidium":
                presidium = fields[1]
            elif fields[0] == "secretariat":
                secretariat = fields[1]
            elif fields[0] == "board":
                boards.append(fields[1])
            elif fields[0] == "hall":
                hall = fields[1]
            elif fields[0] == "delegate":
                delegates.append((fields[1], fields[2]))
        return DemoTokens(presidium, secretariat, boards, delegates, hall)

    async def issue(self, role: Role, delegate_id: str | None = None) -> str:
        """A new token, written into the hub's own SQLite file from this process."""
        backend = await SQLiteBackend.open(self.data_dir / "congress.db")
        try:
            issued = await issue_token(
                backend,
                room=DEMO_ROOM,
                role=role,
                now=int(time.time() * 1000),
                delegate_id=delegate_id,
            )
        finally:
            await backend.close()
        return issued.secret

    def client(self, token: str, **options: Any) -> CongressClient:
        return CongressClient(self.url, token, DEMO_ROOM, **options)


def stop_all(hubs: list[HubProcess]) -> None:
    """Stop several hubs at once: each shuts down while the others do."""
    for each in hubs:
        each.interrupt()
    for each in hubs:
        each.stop()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with the demo congress, loaded once by `congress serve` on an empty one.

    Loading it (PDFs drawn and imported, 40 delegates registered, 43 tokens issued) was much
    of a hub's start-up; a test that wants a fresh hub starts it on a copy (`demo_data`).
    """
    loader = HubProcess(tmp_path_factory.mktemp("demo-template") / "data")
    # Longer than a plain start: the demo is loaded now, and a failure here fails every test
    # of the worker that starts a hub.
    loader.start_within = 120
    loader.start()
    loader.stop()
    loader.log_path.unlink()
    return loader.data_dir


@pytest.fixture
def demo_data(demo_template: Path, tmp_path: Path) -> Path:
    """This test's own copy of the demo data directory, as a first `congress serve` leaves it."""
    return copy_demo(demo_template, tmp_path / "data")


def copy_demo(template: Path, data_dir: Path) -> Path:
    return Path(shutil.copytree(template, data_dir))


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A real redis-server of the test's own, on a free port: tests kill, freeze and
    reconfigure it. (The backends' contract suite shares one per module instead.)"""
    from tests.redis_server import RedisServer

    server = RedisServer(tmp_path / "redis")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def hub(demo_data: Path) -> Iterator[HubProcess]:
    process = HubProcess(demo_data)
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def tokens(hub: HubProcess) -> DemoTokens:
    return hub.tokens()


class Clients:
    """Connects clients and closes them all at the end of a test."""

    def __init__(self, hub: HubProcess) -> None:
        self.hub = hub
        self.open: list[CongressClient] = []

    async def connect(self, token: str, **options: Any) -> CongressClient:
        client = self.hub.client(token, **options)
        await client.connect(timeout=10 * UNIT)
        self.open.append(client)
        await client.wait_for(lambda view: view.seq > 0, timeout=10 * UNIT)
        return client

    async def close(self) -> None:
        await asyncio.gather(*(c.close() for c in self.open), return_exceptions=True)


@pytest.fixture
async def clients(hub: HubProcess) -> AsyncIterator[Clients]:
    pool = Clients(hub)
    try:
        yield pool
    finally:
        with contextlib.suppress(Exception):
            await pool.close()


def reached(seq: int) -> Callable[[View], bool]:
    """A `wait_for` predicate: the view has applied `seq`."""
    return lambda view: view.seq >= seq


async def cli(hub: HubProcess, *args: str) -> tuple[int, str, str]:
    """Run `congress --data <hub's data> ARGS` as an operator would: exit code, out, err."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "session_server.cli",
        "--data",
        str(hub.data_dir),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def run_cli(hub: HubProcess, *args: str) -> str:
    """The same, for a command that must succeed: its stdout."""
    code, out, err = await cli(hub, *args)
    if code != 0:
        raise RuntimeError(f"congress {' '.join(args)} exited {code}: {err!r}")
    return out


async def health(hub: HubProcess) -> dict[str, Any]:
    """What /healthz says now (503 with its body too, when the hub is degraded)."""

    def get() -> bytes:
        # urllib in a thread, not an async client: its socket is closed when this returns,
        # where httpx under anyio was seen leaving one for the collector to find later.
        try:
            with urllib.request.urlopen(f"{hub.http}/healthz", timeout=5 * UNIT) as answer:
                return bytes(answer.read())
        except urllib.error.HTTPError as error:
            with error:
                return bytes(error.read())

    result: dict[str, Any] = json.loads(await asyncio.to_thread(get))
    return result


async def stuck_screen(hub: HubProcess, token: str) -> ClientConnection:
    """A screen that said hello and then reads nothing: a tiny receive buffer, never read."""
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.connect(("127.0.0.1", hub.port))
    raw.setblocking(False)
    stuck = await connect(hub.url, sock=raw, max_queue=1, ping_interval=None, compression=None)
    hello = {"type": "hello", "v": 2, "token": token, "room": DEMO_ROOM}
    await stuck.send(msgpack.packb(hello))
    return stuck
