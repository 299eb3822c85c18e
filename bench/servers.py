"""The servers a benchmark measures, each in its own process, watched from outside."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

import psutil

from bench.screens import process_cpu_ns

ROOT = Path(__file__).resolve().parent.parent

SERVER_START_TIMEOUT = 30.0
SERVER_STOP_TIMEOUT = 15.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A server process under test; its CPU time and memory are read from outside."""

    def __init__(self, command: list[str], log_path: Path, port: int) -> None:
        self.port = port
        self.log_path = log_path
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        self.ps = psutil.Process(self.process.pid)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def log_tail(self) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-20:])
        return ""

    async def wait_ready(self, ready: Callable[[], bool]) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log_tail()}")
            if await asyncio.to_thread(ready):
                return
            await asyncio.sleep(0.05)
        raise RuntimeError(f"server not ready in {SERVER_START_TIMEOUT:.0f} s:\n{self.log_tail()}")

    def cpu_ns(self) -> int:
        return process_cpu_ns(self.process.pid)

    def rss_mb(self) -> float:
        return float(self.ps.memory_info().rss) / 2**20

    async def stop(self) -> None:
        if self.process.poll() is None:
            # SIGINT: a graceful stop, so a profiled hub writes its profile.
            self.process.send_signal(signal.SIGINT)
            try:
                await asyncio.to_thread(self.process.wait, SERVER_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
        await asyncio.to_thread(self.process.wait)


async def start_hub(
    data_dir: Path, log_path: Path, profile: Path | None, extra: Sequence[str] = ()
) -> Server:
    port = free_port()
    python = [sys.executable]
    if profile is not None:
        python += ["-m", "cProfile", "-o", str(profile)]
    command = [
        *python,
        "-m",
        "session_server.cli",
        "--data",
        str(data_dir),
        "serve",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-prerender",
        # Thousands of simulated screens share the demo's 40 delegate tokens.
        "--sockets-per-token",
        "1000000",
        *extra,
    ]
    server = Server(command, log_path, port)

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
                return bool(answer.status == 200)
        except OSError:
            return False

    try:
        await server.wait_ready(healthy)
    except BaseException:
        await server.stop()
        raise
    return server


async def start_baseline(log_path: Path, kind: str = "websockets") -> Server:
    port = free_port()
    command = [sys.executable, "-m", "bench.baseline", "--port", str(port), "--kind", kind]
    server = Server(command, log_path, port)

    def listening() -> bool:
        return "ready" in log_path.read_text(errors="replace").split()

    try:
        await server.wait_ready(listening)
    except BaseException:
        await server.stop()
        raise
    return server


def demo_tokens(data_dir: Path) -> tuple[str, list[str], list[str]]:
    """The presidium's token, the boards' and the delegates' from the demo's token file."""
    presidium = ""
    boards: list[str] = []
    delegates: list[str] = []
    for line in (data_dir / "demo-tokens.txt").read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        if fields[0] == "presidium":
            presidium = fields[1]
        elif fields[0] == "board":
            boards.append(fields[1])
        elif fields[0] == "delegate":
            delegates.append(fields[1])
    if not (presidium and boards and delegates):
        raise RuntimeError(f"no presidium, board or delegate token in {data_dir}")
    return presidium, boards, delegates


class Nodes:
    """Several hub processes measured as one: CPU and memory summed, screens spread."""

    def __init__(self, servers: Sequence[Server]) -> None:
        self.servers = list(servers)

    @property
    def url(self) -> str:
        return self.servers[0].url

    @property
    def urls(self) -> list[str]:
        return [server.url for server in self.servers]

    def cpu_ns(self) -> int:
        return sum(server.cpu_ns() for server in self.servers)

    def rss_mb(self) -> float:
        return sum(server.rss_mb() for server in self.servers)

    async def stop(self) -> None:
        for server in self.servers:
            await server.stop()


async def start_redis(data_dir: Path, log_path: Path) -> Server:
    """A redis-server for the multi-node mode, syncing every write as the hub expects."""
    port = free_port()
    await asyncio.to_thread(data_dir.mkdir, parents=True, exist_ok=True)
    command = [
        shutil.which("redis-server") or "redis-server",
        "--bind", "127.0.0.1", "--port", str(port), "--dir", str(data_dir),
        "--appendonly", "yes", "--appendfsync", "always", "--save", "",
    ]  # fmt: skip
    server = Server(command, log_path, port)

    def answers() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    try:
        await server.wait_ready(answers)
    except BaseException:
        await server.stop()
        raise
    return server
