"""A real redis-server on 127.0.0.1 for the tests: its own port and data directory, AOF always."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from tests.conftest import UNIT, free_port

REDIS_SERVER = shutil.which("redis-server")


class RedisServer:
    """`redis-server` as a child process; `kill` is SIGKILL, `start` again keeps port and data.

    With `replica_of`, it replicates that server (as a Sentinel setup's replicas do).
    """

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        *,
        sync_every_write: bool = True,
        replica_of: RedisServer | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.sync_every_write = sync_every_write
        self.replica_of = replica_of
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "redis.log"

    def start(self) -> None:
        if REDIS_SERVER is None:
            raise RuntimeError("redis-server is not installed: run scripts/system-packages")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        replication = (
            ["--replicaof", "127.0.0.1", str(self.replica_of.port)] if self.replica_of else []
        )
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    REDIS_SERVER,
                    "--bind",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--dir",
                    str(self.data_dir),
                    "--appendonly",
                    "yes" if self.sync_every_write else "no",
                    "--appendfsync",
                    "always" if self.sync_every_write else "everysec",
                    "--save",
                    "",
                    # A replica's first sync starts at once, and a primary stopping does not
                    # wait for its replicas to catch up: tests do not wait on either.
                    "--repl-diskless-sync-delay",
                    "0",
                    "--shutdown-timeout",
                    "0",
                    *replication,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 20 * UNIT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited:\n{self.log_path.read_text()}")
            # PONG, not LOADING: after a restart Redis answers only once the AOF is read.
            if self.command(b"PING").startswith(b"+PONG"):
                return
            time.sleep(0.02)
        raise RuntimeError(f"redis-server did not answer PING:\n{self.log_path.read_text()}")

    def command(self, inline: bytes) -> bytes:
        """One inline command's raw answer, or b"" when the server cannot be reached."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=UNIT) as s:
                s.sendall(inline + b"\r\n")
                return s.recv(65536)
        except OSError:
            return b""

    def wait_replicating(self) -> None:
        """Until its primary has this replica's acknowledgement, and its first AOF is written.

        The replica's link is up before the primary has its first acknowledgement (sent
        once a second): until then a WAIT on the primary does not count it.
        """
        assert self.replica_of is not None
        deadline = time.monotonic() + 20 * UNIT
        while time.monotonic() < deadline:
            if self._acknowledged() and self._aof_written():
                return
            time.sleep(0.02)
        raise RuntimeError(f"replica did not sync:\n{self.log_path.read_text()}")

    def _acknowledged(self) -> bool:
        assert self.replica_of is not None
        online = [
            line
            for line in self.replica_of.command(b"INFO replication").decode().splitlines()
            if line.startswith("slave") and "state=online" in line
        ]
        if not any(f"port={self.port}," in line for line in online):
            return False
        # A write, then WAIT on the same connection for every online replica: the primary
        # counts this one only once it has its acknowledgement.
        try:
            with socket.create_connection(("127.0.0.1", self.replica_of.port), UNIT) as s:
                s.sendall(f"INCR test:replication\r\nWAIT {len(online)} 100\r\n".encode())
                answer = b""
                while answer.count(b"\r\n") < 2 and (part := s.recv(1024)):
                    answer += part
        except OSError:
            return False
        return answer.split(b"\r\n")[1] == f":{len(online)}".encode()

    def _aof_written(self) -> bool:
        persistence = self.command(b"INFO persistence")
        return b"aof_rewrite_in_progress:0" in persistence and (
            b"aof_rewrite_scheduled:0" in persistence
        )

    def kill(self) -> None:
        """SIGKILL: what survives is what was synced to the AOF."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def freeze(self) -> None:
        """SIGSTOP: the process is there, its socket accepts, and it answers nothing."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.thaw()
            deadline = time.monotonic() + 10 * UNIT
            # Redis refuses a SIGTERM while it writes its first AOF (a replica just after
            # its sync): it goes on running, so ask again until it goes.
            while self.process.poll() is None and time.monotonic() < deadline:
                self.process.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.process.wait(0.2)
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
        self.process = None


class RedisSentinel:
    """One Sentinel watching `primary` as service "congress": quorum 1, quick to fail over."""

    service = "congress"

    def __init__(self, data_dir: Path, primary: RedisServer) -> None:
        self.data_dir = data_dir
        self.primary = primary
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, query: str = "") -> str:
        return f"redis+sentinel://127.0.0.1:{self.port}/{self.service}/0{query}"

    def start(self) -> None:
        if REDIS_SERVER is None:
            raise RuntimeError("redis-server is not installed: run scripts/system-packages")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        config = self.data_dir / "sentinel.conf"
        # Sentinel rewrites its file as it learns the replicas and the failovers.
        config.write_text(
            f"port {self.port}\n"
            "bind 127.0.0.1\n"
            f"dir {self.data_dir}\n"
            f"sentinel monitor {self.service} 127.0.0.1 {self.primary.port} 1\n"
            f"sentinel down-after-milliseconds {self.service} 1000\n"
            f"sentinel failover-timeout {self.service} 3000\n"
        )
        with (self.data_dir / "sentinel.log").open("ab") as log:
            self.process = subprocess.Popen(
                [REDIS_SERVER, str(config), "--sentinel"], stdout=log, stderr=subprocess.STDOUT
            )
        self._until(lambda: self.command(b"PING").startswith(b"+PONG"), "answer PING")

    def command(self, inline: bytes) -> bytes:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=UNIT) as s:
                s.sendall(inline + b"\r\n")
                return s.recv(65536)
        except OSError:
            return b""

    def primary_port(self) -> int | None:
        """The port of the primary Sentinel names now."""
        answer = self.command(f"SENTINEL get-master-addr-by-name {self.service}".encode())
        lines = answer.split(b"\r\n")
        return int(lines[4]) if len(lines) > 4 and lines[4].isdigit() else None

    def wait_knows_replica(self, replica: RedisServer) -> None:
        self._until(
            lambda: (
                str(replica.port).encode()
                in self.command(f"SENTINEL replicas {self.service}".encode())
            ),
            f"find replica {replica.port}",
        )

    def wait_primary(self, server: RedisServer) -> None:
        self._until(lambda: self.primary_port() == server.port, f"promote {server.port}")

    def _until(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + 20 * UNIT
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                break
            if condition():
                return
            time.sleep(0.05)
        raise RuntimeError(
            f"Sentinel did not {what}:\n{(self.data_dir / 'sentinel.log').read_text()}"
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10 * UNIT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
