"""Marked copies made in order: the live page first, then what tablets asked for, then ahead."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Literal

MIN_RETRY_SECONDS = 1
MAX_RETRY_SECONDS = 30
"""A `Retry-After` is whole seconds within these: never an immediate retry storm, never a
tablet told to wait for minutes for a page the queue will have made in seconds."""

FIRST_GUESS_SECONDS = 0.25
"""What one marked copy is guessed to take until one has been timed on this node."""

RefusalReason = Literal["full", "replaced", "busy", "slow"]
REFUSAL_REASONS: tuple[RefusalReason, ...] = ("full", "replaced", "busy", "slow")
"""Why a request for a marked copy was answered `preparing`: the queue was at its cap; its
job gave its place to a newer request of the same reader or to the live page; the reader
already waits for the live page; or the job did not finish within the request's wait."""


class Lane(Enum):
    """The order jobs start in: every waiting job of a lane before any of the next."""

    LIVE = "live"
    """Asked for by a tablet, and the page the room shows now."""
    ASKED = "asked"
    """Asked for by a tablet; in the order asked."""
    AHEAD = "ahead"
    """Prepared before anyone asks (the preparer)."""


@dataclass(frozen=True, slots=True)
class MarkKey:
    """One marked copy: the same key is the same bytes, so one job serves every request."""

    sha256: str
    page: int
    width: int
    watermark: str


class Preparing(Exception):
    """The copy is not there yet and will not be within this request's wait; ask again."""

    def __init__(self, reason: RefusalReason, retry_after: int) -> None:
        super().__init__(
            f"this page is being prepared for you; ask again in {retry_after} s ({reason})"
        )
        self.reason: RefusalReason = reason
        self.retry_after = retry_after


def _never() -> bool:
    return False


@dataclass(eq=False, slots=True)
class _Job:
    key: MarkKey
    done: asyncio.Future[None]
    asked: bool
    """A tablet waits for it (else only the preparer does)."""
    ahead: bool
    """The preparer waits for it: it is made whatever happens to the tablets' requests."""
    live: Callable[[], bool] = _never
    running: bool = False
    arrival: int = 0
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


Make = Callable[[MarkKey], Awaitable[None]]


class MarkingScheduler:
    """Every marked copy made on this node goes through here, one job per copy.

    At most `workers` jobs run at once (the render pool's workers); the preparer's jobs take
    at most `ahead_slots` of them, so a tablet's request never waits behind more than one
    of them. Jobs tablets ask for wait in a queue of at most `capacity`: what the workers
    finish in a few seconds. A request that would go past it, or whose job is not done
    within `wait` seconds, raises `Preparing` (an answer, never a pile-up): the job itself
    goes on, and the tablet's retry finds the copy made or joins the same job. Which page
    is live is asked when a worker frees, so a page turn reorders what waits.
    """

    def __init__(
        self,
        make: Make,
        *,
        workers: int,
        queue_per_worker: int,
        wait: float,
        ahead_slots: int = 1,
    ) -> None:
        self._make = make
        self.workers = max(1, workers)
        self.capacity = max(1, queue_per_worker * self.workers)
        self.wait = wait
        self.ahead_slots = max(1, ahead_slots)
        self._jobs: dict[MarkKey, _Job] = {}
        self._asked: list[_Job] = []
        """Jobs tablets asked for, not started, oldest first (at most `capacity`)."""
        self._ahead: deque[_Job] = deque()
        self._owners: dict[str, _Job] = {}
        """Each reader's (watermark's) one asked job not started yet."""
        self._running: set[_Job] = set()
        self._arrivals = itertools.count()
        self.seconds_per_job = FIRST_GUESS_SECONDS
        self.started = 0
        self.refused: dict[RefusalReason, int] = dict.fromkeys(REFUSAL_REASONS, 0)
        self.on_start: Callable[[MarkKey, Lane], Awaitable[object] | None] | None = None
        """Called as each job is given its worker, in that order (tests record it); what it
        returns, if anything, is awaited before the job's work."""
        self._closed = False

    # --- what the metrics read -----------------------------------------------------------

    @property
    def queued(self) -> int:
        """Jobs tablets asked for that wait for a worker."""
        return len(self._asked)

    @property
    def queued_ahead(self) -> int:
        return len(self._ahead)

    @property
    def running(self) -> int:
        return len(self._running)

    # --- asking --------------------------------------------------------------------------

    async def ask(self, key: MarkKey, live: Callable[[], bool] = _never) -> None:
        """Wait (at most `wait` seconds) for `key` to be made for a tablet; raises `Preparing`
        or the job's `RenderError`. `live`: whether it is the page the room shows now."""
        try:
            job = self._jobs.get(key)
            if job is None:
                job = self._admit(key, live)
            elif not job.running and not job.asked:
                self._promote(job, live)
            try:
                async with asyncio.timeout(self.wait):
                    await asyncio.shield(job.done)
            except TimeoutError:
                raise Preparing("slow", self._estimate(job)) from None
        except Preparing as refused:
            self.refused[refused.reason] += 1
            raise

    async def ahead(self, key: MarkKey) -> None:
        """Make `key` before anyone asks, after what tablets wait for."""
        job = self._jobs.get(key)
        if job is None:
            job = self._new(key, asked=False, live=_never)
            job.ahead = True
            self._ahead.append(job)
            self._pump()
        else:
            job.ahead = True
        await asyncio.shield(job.done)

    def _new(self, key: MarkKey, *, asked: bool, live: Callable[[], bool]) -> _Job:
        if self._closed:
            raise RuntimeError("the marking scheduler is closed")
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.add_done_callback(_consume)
        job = _Job(key, done, asked=asked, ahead=False, live=live, arrival=next(self._arrivals))
        self._jobs[key] = job
        return job

    def _admit(self, key: MarkKey, live: Callable[[], bool]) -> _Job:
        self._make_room(key.watermark, live())
        job = self._new(key, asked=True, live=live)
        self._asked.append(job)
        self._owners[key.watermark] = job
        self._pump()
        return job

    def _promote(self, job: _Job, live: Callable[[], bool]) -> None:
        """A copy the preparer has not reached yet, now waited for by a tablet."""
        self._make_room(job.key.watermark, live())
        self._ahead.remove(job)
        job.asked, job.live, job.arrival = True, live, next(self._arrivals)
        self._asked.append(job)
        self._owners[job.key.watermark] = job
        self._pump()

    def _make_room(self, owner: str, live: bool) -> None:
        """Room in the queue for a reader's new request, or `Preparing` and nothing changed."""
        queued = self._owners.get(owner)
        if queued is not None and queued.live():
            # The reader's copy of the page on screen stays first; this one can wait.
            raise Preparing("busy", self._estimate(queued))
        full = len(self._asked) - (queued is not None) >= self.capacity
        victim = None
        if full:
            if not live:
                raise Preparing("full", self._estimate_full())
            # The live page goes before what was asked earlier: the newest other request
            # gives up its place (its reader is told to ask again).
            victim = next(
                (j for j in reversed(self._asked) if j is not queued and not j.live()), None
            )
            if victim is None:
                raise Preparing("full", self._estimate_full())
        if queued is not None:
            self._withdraw(queued)
        if victim is not None:
            self._withdraw(victim)

    def _withdraw(self, job: _Job) -> None:
        """Take an asked job out of the queue: back to the preparer's lane if it waits for
        it (its tablets' requests may still get it within their wait), else dropped."""
        self._asked.remove(job)
        if self._owners.get(job.key.watermark) is job:
            del self._owners[job.key.watermark]
        job.asked, job.live = False, _never
        if job.ahead:
            self._ahead.appendleft(job)
            return
        del self._jobs[job.key]
        job.done.set_exception(Preparing("replaced", self._estimate_full()))

    # --- running -------------------------------------------------------------------------

    def _next(self) -> tuple[_Job, Lane] | None:
        # Asked for now, when a worker frees: a page turn reorders what waits.
        for index, job in enumerate(self._asked):
            if job.live():
                return self._asked.pop(index), Lane.LIVE
        if self._asked:
            return self._asked.pop(0), Lane.ASKED
        ahead_running = sum(1 for job in self._running if not job.asked)
        if self._ahead and ahead_running < self.ahead_slots:
            return self._ahead.popleft(), Lane.AHEAD
        return None

    def _pump(self) -> None:
        while not self._closed and len(self._running) < self.workers:
            chosen = self._next()
            if chosen is None:
                return
            job, lane = chosen
            if self._owners.get(job.key.watermark) is job:
                del self._owners[job.key.watermark]
            job.running = True
            self._running.add(job)
            self.started += 1
            first = self.on_start(job.key, lane) if self.on_start is not None else None
            task = asyncio.create_task(self._run(job, first), name=f"mark:{job.key.sha256[:12]}")
            job.tasks.append(task)

    async def _run(self, job: _Job, first: Awaitable[object] | None) -> None:
        started = time.monotonic()
        try:
            if first is not None:
                await first
            await self._make(job.key)
        except asyncio.CancelledError:
            job.done.cancel()
            raise
        except BaseException as error:
            job.done.set_exception(error)
        else:
            job.done.set_result(None)
            # A moving average: enough to tell a tablet roughly when to ask again.
            took = time.monotonic() - started
            self.seconds_per_job = 0.8 * self.seconds_per_job + 0.2 * took
        finally:
            self._running.discard(job)
            self._jobs.pop(job.key, None)
            self._pump()

    # --- when to ask again ---------------------------------------------------------------

    def _estimate(self, job: _Job) -> int:
        """Seconds until `job` is likely made: the jobs before it, over the workers."""
        if job.running or job not in self._asked:
            before = 0
        else:
            live = [j for j in self._asked if j.live()]
            order = live + [j for j in self._asked if j not in live]
            before = order.index(job)
        return _whole(self.seconds_per_job * (before // self.workers + 1))

    def _estimate_full(self) -> int:
        """Seconds until the queue has room again: most of it made."""
        return _whole(self.seconds_per_job * math.ceil(len(self._asked) / self.workers))

    async def close(self) -> None:
        self._closed = True
        for job in list(self._jobs.values()):
            if not job.running and not job.done.done():
                job.done.cancel()
        tasks = [task for job in self._running for task in job.tasks]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
        self._jobs.clear()
        self._asked.clear()
        self._ahead.clear()
        self._owners.clear()


def _whole(seconds: float) -> int:
    return min(MAX_RETRY_SECONDS, max(MIN_RETRY_SECONDS, math.ceil(seconds)))


def _consume(done: asyncio.Future[None]) -> None:
    """A job's failure is each waiter's to see; with none left it is not a logged traceback."""
    if not done.cancelled():
        done.exception()
