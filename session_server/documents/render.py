"""The render pool: PDFium in worker processes under limits; a hung or dead worker is replaced."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import multiprocessing
import os
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext, ForkServerProcess
from pathlib import Path
from typing import Any

from ..metrics import UNCOUNTED, Metrics
from ..protocol.codes import RenderErrorCode
from . import worker

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RenderLimits:
    max_pages: int = 2000
    """A PDF with more pages is refused at inspect."""
    max_page_points: float = 14_400
    """A page wider or taller than this many PDF points (200 inches) is refused."""
    max_pixels: int = 40_000_000
    """A page image with more pixels than this is not rendered."""
    render_seconds: float = 20.0
    """One render or text job; past it the worker is killed and replaced."""
    inspect_seconds: float = 30.0
    """One inspect job, likewise."""
    worker_memory: int = 1 << 30
    """Address space of a worker process, bytes (RLIMIT_AS)."""
    workers: int = 2
    failing_replacements: int = 3
    """Workers replaced within `failing_seconds` that make /healthz say degraded ..."""
    failing_seconds: float = 60.0
    """... a node whose workers keep dying serves no new page images."""


class RenderError(Exception):
    """A job refused or failed, with a code from docs/protocol.md §14 and a clear message."""

    def __init__(self, code: RenderErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: RenderErrorCode = code
        self.message = message


@dataclass(frozen=True)
class PdfInfo:
    page_sizes: tuple[tuple[float, float], ...]
    """(width, height) in PDF points per page, rotation applied."""

    @property
    def pages(self) -> int:
        return len(self.page_sizes)


_START_SECONDS = 60.0
"""How long a new worker may take to answer at all: a new interpreter loading PDFium."""
_RETRY_SECONDS = (0.5, 30.0)
"""First and longest pause before starting a replacement again after one failed to start."""


def _stopped() -> RenderError:
    return RenderError("render_failed", "the render pool is stopped")


class _Worker:
    """One worker process and the hub's end of its pipe."""

    def __init__(self, context: ForkServerContext, memory: int) -> None:
        parent, child = context.Pipe()
        self.connection: Connection = parent
        self.process: ForkServerProcess = context.Process(
            target=worker.main, args=(child, memory), name="congress-render", daemon=True
        )
        self.process.start()
        child.close()
        self.answered: asyncio.Future[None] | None = None
        """Set while a message waits for its answer, so that closing the pool can end the wait."""
        self._killing = threading.Lock()

    def kill(self) -> None:
        # Closing the pool and replacing a worker that failed mid-job may both kill it, each
        # in a thread: the pipe's descriptor must be closed once (twice raised EBADF).
        with self._killing:
            with contextlib.suppress(Exception):
                self.process.kill()
            self.process.join(timeout=5)
            self.connection.close()


class RenderPool:
    """Jobs go to an idle worker; callers wait without blocking the event loop."""

    def __init__(self, limits: RenderLimits | None = None, *, metrics: Metrics = UNCOUNTED) -> None:
        self.limits = limits or RenderLimits()
        self.metrics = metrics
        # Not fork: a forked child would inherit the hub's event loop and sockets. Workers
        # fork from a small server process that imports only the worker's module; spawned
        # ones each re-imported the hub's main module first (three times the memory).
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["session_server.documents.worker"])
        # None is the closed pool's answer to whoever waits for a worker; each passes it on.
        self._idle: asyncio.Queue[_Worker | None] = asyncio.Queue()
        self._workers: set[_Worker] = set()
        self._starting: asyncio.Task[None] | None = None
        self._replacing: set[asyncio.Task[None]] = set()
        self._closing = asyncio.Event()
        self.renders = 0
        self.replaced = 0
        self._replaced_at: collections.deque[float] = collections.deque(
            maxlen=self.limits.failing_replacements
        )
        self.waiting = 0
        """Jobs waiting for a worker (or for the workers to start): the render queue."""
        self.running = 0

    async def start(self) -> None:
        """Start the workers now; otherwise the first job starts them (the hub starts sooner)."""
        if self._closing.is_set():
            raise _stopped()
        if self._starting is None:
            self._starting = asyncio.ensure_future(self._start())
        # Shielded: one caller giving up must not stop the start that others wait for.
        await asyncio.shield(self._starting)

    async def _start(self) -> None:
        started = await asyncio.gather(*(self._ready_worker() for _ in range(self.limits.workers)))
        for each in started:
            self._idle.put_nowait(each)

    def worker_pids(self) -> list[int]:
        return [w.process.pid for w in self._workers if w.process.pid is not None]

    async def _ready_worker(self) -> _Worker:
        """A new worker, once it has answered: its start-up does not count against a job."""
        started = _Worker(self._context, self.limits.worker_memory)
        self._workers.add(started)
        try:
            answer = await self._exchange(started, ("ping", {}), _START_SECONDS)
            if answer != ("ok", "pong"):
                raise RuntimeError(f"a render worker answered {answer!r}")
        except BaseException as error:
            self._workers.discard(started)
            await asyncio.to_thread(started.kill)
            if isinstance(error, (TimeoutError, EOFError, OSError)):
                raise RuntimeError("a render worker did not start") from error
            raise
        return started

    async def _exchange(
        self, chosen: _Worker, message: tuple[str, dict[str, Any]], seconds: float
    ) -> Any:
        """Send one message and wait, without blocking the loop, at most `seconds` for the answer.

        Raises TimeoutError, EOFError or OSError (the worker died), or the pool's stopped error.
        """
        loop = asyncio.get_running_loop()
        answered: asyncio.Future[None] = loop.create_future()
        descriptor = chosen.connection.fileno()

        def readable() -> None:
            if not answered.done():
                answered.set_result(None)

        chosen.connection.send(message)
        loop.add_reader(descriptor, readable)
        chosen.answered = answered
        try:
            async with asyncio.timeout(seconds):
                await answered
        finally:
            chosen.answered = None
            # Once the pool is closing, close() has taken the reader off, and the descriptor
            # may be closed already and its number given to another file.
            if not self._closing.is_set():
                loop.remove_reader(descriptor)
        if self._closing.is_set():
            raise _stopped()
        # uvloop made the descriptor non-blocking for the reader: an answer larger than the
        # pipe holds (a 2,000-page file's sizes) would fail half read. The worker is writing
        # it now, so waiting for the rest is short.
        os.set_blocking(descriptor, True)
        return chosen.connection.recv()

    def failing(self, now: float | None = None) -> bool:
        """Whether `failing_replacements` workers were replaced within `failing_seconds`."""
        now = time.monotonic() if now is None else now
        recent = self._replaced_at
        return len(recent) == recent.maxlen and now - recent[0] <= self.limits.failing_seconds

    def _replace(self, broken: _Worker) -> None:
        """Kill a worker that overran, died or was abandoned mid-job; another takes its place."""
        self._workers.discard(broken)
        # Killed now, reaped later: a runaway page stops taking a core at once.
        with contextlib.suppress(Exception):
            broken.process.kill()
        self.replaced += 1
        self._replaced_at.append(time.monotonic())
        task = asyncio.create_task(self._restock(broken), name="render-worker-replace")
        self._replacing.add(task)
        task.add_done_callback(self._replacing.discard)

    async def _restock(self, broken: _Worker) -> None:
        await asyncio.to_thread(broken.kill)
        # A replacement that cannot start now (no memory, too many processes) is tried again
        # later: given up for good, the pool would shrink, and with no worker left every job
        # would wait forever.
        pause, longest = _RETRY_SECONDS
        while not self._closing.is_set():
            try:
                self._idle.put_nowait(await self._ready_worker())
                return
            except RenderError:
                return
            except Exception:
                log.exception("a render worker did not start; trying again in %g s", pause)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(pause):
                    await self._closing.wait()
            pause = min(2 * pause, longest)

    async def _call(self, operation: str, seconds: float, **arguments: Any) -> Any:
        self.waiting += 1
        try:
            await self.start()
            chosen = await self._idle.get()
        finally:
            self.waiting -= 1
        if chosen is None or self._closing.is_set():
            self._idle.put_nowait(None)
            raise _stopped()
        self.running += 1
        started = time.perf_counter()
        try:
            reply = await self._exchange(chosen, (operation, arguments), seconds)
        except TimeoutError:
            self._replace(chosen)
            raise RenderError(
                "render_timeout", f"the file took longer than {seconds:g} s; it was stopped"
            ) from None
        except (EOFError, OSError):
            self._replace(chosen)
            raise RenderError("render_failed", "the render worker stopped on this file") from None
        except RenderError:
            raise
        except BaseException:
            # Cancelled mid-job: the worker may still be busy, so it cannot be reused.
            self._replace(chosen)
            raise
        finally:
            self.running -= 1
            self.metrics.rendered(operation, time.perf_counter() - started)
        self._idle.put_nowait(chosen)
        if reply[0] == "error":
            raise RenderError(reply[1], reply[2])
        return reply[1]

    async def inspect(self, pdf: Path) -> PdfInfo:
        sizes = await self._call(
            "inspect",
            self.limits.inspect_seconds,
            path=str(pdf),
            max_pages=self.limits.max_pages,
            max_page_points=self.limits.max_page_points,
        )
        return PdfInfo(tuple((float(w), float(h)) for w, h in sizes))

    async def render(
        self, pdf: Path, page: int, width: int, out: Path, watermark: str | None = None
    ) -> None:
        await self._call(
            "render",
            self.limits.render_seconds,
            path=str(pdf),
            page=page,
            width=width,
            out=str(out),
            watermark=watermark,
            max_pixels=self.limits.max_pixels,
        )
        self.renders += 1

    async def mark(self, base: Path, out: Path, watermark: str) -> None:
        """Write `base` (a rendered page) to `out` with the watermark over it."""
        await self._call(
            "mark", self.limits.render_seconds, base=str(base), out=str(out), watermark=watermark
        )
        self.renders += 1

    async def text(self, pdf: Path, page: int) -> str:
        result = await self._call("text", self.limits.render_seconds, path=str(pdf), page=page)
        return str(result)

    async def texts(self, pdf: Path, first: int, last: int) -> list[str]:
        """Pages `first` to `last`'s text in one job, within one job's time limit."""
        result = await self._call(
            "texts", self.limits.render_seconds, path=str(pdf), first=first, last=last
        )
        return [str(each) for each in result]

    async def paragraphs(
        self, pdf: Path, first: int, last: int
    ) -> list[list[tuple[str, tuple[float, float, float, float]]]]:
        """Pages `first` to `last`'s paragraphs (documents/paragraphs.py), in one job."""
        result = await self._call(
            "paragraphs", self.limits.render_seconds, path=str(pdf), first=first, last=last
        )
        return [
            [(str(text), (float(b[0]), float(b[1]), float(b[2]), float(b[3]))) for text, b in page]
            for page in result
        ]

    async def close(self) -> None:
        """Stop every worker; a job under way or waiting for a worker fails at once."""
        self._closing.set()
        self._idle.put_nowait(None)
        loop = asyncio.get_running_loop()
        workers = list(self._workers)
        self._workers.clear()
        for each in workers:
            if each.answered is not None:
                loop.remove_reader(each.connection.fileno())
                if not each.answered.done():
                    each.answered.set_result(None)
        await asyncio.gather(*(asyncio.to_thread(w.kill) for w in workers))
        # Replacements and a start under way end now too, so no worker outlives close().
        starts = [*self._replacing, *([self._starting] if self._starting else [])]
        await asyncio.gather(*starts, return_exceptions=True)
