"""The render pool: PDFium in worker processes under limits; a hung or dead worker is replaced."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

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


class RenderError(Exception):
    """A job refused or failed, with a code from docs/protocol.md §14 and a clear message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class PdfInfo:
    page_sizes: tuple[tuple[float, float], ...]
    """(width, height) in PDF points per page, rotation applied."""

    @property
    def pages(self) -> int:
        return len(self.page_sizes)


_START_SECONDS = 60.0


class _Worker:
    def __init__(self, context: Any, memory: int) -> None:
        parent, child = multiprocessing.Pipe()
        self.connection: Connection = parent
        self.process: BaseProcess = context.Process(
            target=worker.main, args=(child, memory), name="congress-render", daemon=True
        )
        self.process.start()
        child.close()
        # Ready only once it answers: start-up (a new interpreter importing PDFium) must
        # not count against the first job's time limit.
        self.connection.send(("ping", {}))
        if not self.connection.poll(_START_SECONDS) or self.connection.recv() != ("ok", "pong"):
            self.kill()
            raise RuntimeError("a render worker did not start")

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()


class RenderPool:
    """Jobs go to an idle worker; callers wait without blocking the event loop."""

    def __init__(self, limits: RenderLimits | None = None) -> None:
        self.limits = limits or RenderLimits()
        # spawn, not fork: a forked child would inherit the hub's event loop and sockets.
        self._context = multiprocessing.get_context("spawn")
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._workers: set[_Worker] = set()
        self.renders = 0
        self.replaced = 0
        self._closed = False
        self._starting: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start the workers now; otherwise the first job starts them (the hub starts sooner)."""
        if self._starting is None:
            self._starting = asyncio.ensure_future(self._start())
        await asyncio.shield(self._starting)

    async def _start(self) -> None:
        started = await asyncio.gather(*(self._spawn() for _ in range(self.limits.workers)))
        for each in started:
            self._idle.put_nowait(each)

    async def _spawn(self) -> _Worker:
        started = await asyncio.to_thread(_Worker, self._context, self.limits.worker_memory)
        self._workers.add(started)
        return started

    def worker_pids(self) -> list[int]:
        return [w.process.pid for w in self._workers if w.process.pid is not None]

    async def _replace(self, broken: _Worker) -> None:
        self._workers.discard(broken)
        await asyncio.to_thread(broken.kill)
        self.replaced += 1
        if not self._closed:
            self._idle.put_nowait(await self._spawn())

    async def _call(self, operation: str, seconds: float, **arguments: Any) -> Any:
        if self._closed:
            raise RenderError("render_failed", "the render pool is stopped")
        await self.start()
        chosen = await self._idle.get()
        loop = asyncio.get_running_loop()
        answered: asyncio.Future[None] = loop.create_future()
        descriptor = chosen.connection.fileno()

        def readable() -> None:
            if not answered.done():
                answered.set_result(None)

        try:
            chosen.connection.send((operation, arguments))
            loop.add_reader(descriptor, readable)
            try:
                async with asyncio.timeout(seconds):
                    await answered
            finally:
                loop.remove_reader(descriptor)
            reply = chosen.connection.recv()
        except TimeoutError:
            await self._replace(chosen)
            raise RenderError(
                "render_timeout", f"the file took longer than {seconds:g} s; it was stopped"
            ) from None
        except (EOFError, OSError, BrokenPipeError):
            await self._replace(chosen)
            raise RenderError("render_failed", "the render worker stopped on this file") from None
        except BaseException:
            # Cancelled mid-job: the worker may still be busy, so it cannot be reused.
            await asyncio.shield(self._replace(chosen))
            raise
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

    async def close(self) -> None:
        self._closed = True
        workers = list(self._workers)
        self._workers.clear()
        for each in workers:
            with contextlib.suppress(Exception):
                each.connection.close()
        await asyncio.gather(*(asyncio.to_thread(w.kill) for w in workers))
