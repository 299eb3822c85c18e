"""The voting benchmark's delegates: client processes holding the tablets' sockets, each
confirming its presence and casting a ballot made beforehand, at the instant it is given."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import msgpack
from websockets.asyncio.client import ClientConnection, connect

from bench.baseline import loop_factory, raise_open_files_limit
from bench.controllers import hello

OPEN_BATCH = 50
"""Sockets a client process opens at once."""
ACK_TIMEOUT = 180.0
"""How long a command may wait for its ack before it counts as not acknowledged."""


@dataclass(frozen=True, slots=True)
class Cast:
    """One command a tablet sends at `offset` seconds after the start, already packed."""

    tablet: int
    """Index into the tokens the process was given."""
    offset: float
    frame: bytes
    command_id: str


@dataclass(frozen=True, slots=True)
class Answer:
    """When a tablet sent its command and got the answer (monotonic ns), and what it was."""

    tablet: int
    due_ns: int
    sent_ns: int
    answered_ns: int
    error: str
    """Empty for an ack; else the error frame's code and reason, or `timeout`/`closed`."""


class Tablet:
    """One delegate's socket: reads every frame, resolves the answers to its own commands."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.socket: ClientConnection | None = None
        self.pending: dict[str, asyncio.Future[tuple[int, str]]] = {}
        self.reader: asyncio.Task[None] | None = None

    async def open(self, url: str) -> None:
        socket = await connect(url, compression=None, max_size=None, open_timeout=60)
        await socket.send(hello(self.token))
        while msgpack.unpackb(await socket.recv(decode=False))["type"] != "snapshot":
            pass
        self.socket = socket
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.socket is not None
        with contextlib.suppress(Exception):
            async for raw in self.socket:
                at = time.monotonic_ns()
                if isinstance(raw, str):
                    continue
                frame = msgpack.unpackb(raw)
                kind = frame.get("type")
                if kind in ("ack", "error"):
                    future = self.pending.pop(frame.get("id"), None)
                    if future is not None and not future.done():
                        code = "" if kind == "ack" else f"{frame['code']}/{frame.get('reason')}"
                        future.set_result((at, code))
        for future in self.pending.values():
            if not future.done():
                future.set_result((time.monotonic_ns(), "closed"))

    async def send(self, frame: bytes, command_id: str) -> tuple[int, int, str]:
        """Send a packed command; (sent, answered, error) in monotonic ns."""
        assert self.socket is not None
        future: asyncio.Future[tuple[int, str]] = asyncio.get_running_loop().create_future()
        self.pending[command_id] = future
        sent = time.monotonic_ns()
        try:
            await self.socket.send(frame)
            async with asyncio.timeout(ACK_TIMEOUT):
                answered, error = await future
        except TimeoutError:
            return sent, time.monotonic_ns(), "timeout"
        except Exception as failed:
            return sent, time.monotonic_ns(), f"closed: {type(failed).__name__}"
        return sent, answered, error

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.reader


async def _serve(pipe: Connection) -> None:
    tablets: list[Tablet] = []
    while True:
        message: tuple[Any, ...] = await asyncio.to_thread(pipe.recv)
        kind = message[0]
        if kind == "open":
            _, url, tokens = message
            tablets = [Tablet(token) for token in tokens]
            failures: list[str] = []
            for start in range(0, len(tablets), OPEN_BATCH):
                opened = await asyncio.gather(
                    *(t.open(url) for t in tablets[start : start + OPEN_BATCH]),
                    return_exceptions=True,
                )
                failures += [repr(e) for e in opened if isinstance(e, BaseException)]
            pipe.send(("opened", failures))
        elif kind == "send":
            _, start_ns, casts = message
            pipe.send(("answers", await _send_all(tablets, start_ns, casts)))
        elif kind == "close":
            await asyncio.gather(*(t.close() for t in tablets), return_exceptions=True)
            pipe.send(("closed",))
            return


async def _send_all(tablets: list[Tablet], start_ns: int, casts: list[Cast]) -> list[Answer]:
    async def one(cast: Cast) -> Answer:
        due = start_ns + int(cast.offset * 1e9)
        await asyncio.sleep(max(0.0, (due - time.monotonic_ns()) / 1e9))
        sent, answered, error = await tablets[cast.tablet].send(cast.frame, cast.command_id)
        return Answer(cast.tablet, due, sent, answered, error)

    return list(await asyncio.gather(*(one(c) for c in casts)))


def _worker(pipe: Connection) -> None:
    raise_open_files_limit()
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        runner.run(_serve(pipe))


class Voters:
    """The client processes, seen from the benchmark: tablet i lives in process i % P."""

    def __init__(self, processes: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipes: list[Connection] = []
        self.processes: list[multiprocessing.process.BaseProcess] = []
        for _ in range(processes):
            ours, theirs = context.Pipe()
            process = context.Process(target=_worker, args=(theirs,), daemon=True)
            process.start()
            self.pipes.append(ours)
            self.processes.append(process)
        self.count = 0
        self.closed = False

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes if p.pid is not None]

    async def _ask_all(self, messages: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        for pipe, message in zip(self.pipes, messages, strict=True):
            await asyncio.to_thread(pipe.send, message)
        return [await asyncio.to_thread(pipe.recv) for pipe in self.pipes]

    async def open(self, url: str, tokens: Sequence[str]) -> list[str]:
        """Every tablet connected with its snapshot; returns the failures."""
        self.count = len(tokens)
        share = len(self.pipes)
        replies = await self._ask_all([("open", url, list(tokens[p::share])) for p in range(share)])
        return [failure for reply in replies for failure in reply[1]]

    async def send(self, start_ns: int, casts: Sequence[Cast]) -> list[Answer]:
        """Each cast sent by its tablet at its offset after `start_ns` (monotonic ns)."""
        share = len(self.pipes)
        split: list[list[Cast]] = [[] for _ in range(share)]
        for cast in casts:
            split[cast.tablet % share].append(
                Cast(cast.tablet // share, cast.offset, cast.frame, cast.command_id)
            )
        replies = await self._ask_all([("send", start_ns, part) for part in split])
        answers = [
            Answer(a.tablet * share + p, a.due_ns, a.sent_ns, a.answered_ns, a.error)
            for p, reply in enumerate(replies)
            for a in reply[1]
        ]
        return sorted(answers, key=lambda a: a.tablet)

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(OSError, EOFError):
            await self._ask_all([("close",)] * len(self.pipes))
        for process in self.processes:
            await asyncio.to_thread(process.join, 10)
            if process.is_alive():
                process.kill()
