"""Marked copies made on demand: one job a copy, the live page first, never a pile-up.

The hub's own ASGI app, in this process with its real render pool (two PDFium workers), so
the test can hold the first jobs at their start (the scheduler's start hook) while hundreds
of requests arrive, and see in which order the jobs are then given their workers.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import hashlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from session_server.app import Settings, create_app
from session_server.auth import issue_token
from session_server.core.commands import ShowPage
from session_server.core.decide import Actor
from session_server.core.state import Role
from session_server.demo import DEMO_ROOM
from session_server.documents.http import Documents
from session_server.documents.render import RenderLimits
from session_server.documents.scheduler import Lane, MarkingScheduler, MarkKey
from session_server.documents.store import DocumentLimits, DocumentStore
from session_server.writer import Accepted, RoomWriter
from tests.conftest import UNIT

DOCUMENT = "bao-cao-chinh-tri"
"""The demo's delegates-level draft: every delegate's copy of a page carries their name."""
WIDTH = 320
"""The smallest width: the cheapest copies, so hundreds are made in seconds."""


@dataclass
class Hub:
    """The app running in this process, what the test reaches inside it, and its tokens."""

    client: httpx.AsyncClient
    store: DocumentStore
    writer: RoomWriter
    delegates: list[tuple[str, str]] = field(default_factory=list)
    """(secret, mark) of each delegate issued for the test."""
    started: list[tuple[MarkKey, Lane]] = field(default_factory=list)
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    """Closed: jobs are given their worker (and recorded) but do not start their work."""

    @property
    def marking(self) -> MarkingScheduler:
        return self.store.marking

    def record(self, key: MarkKey, lane: Lane) -> Awaitable[object] | None:
        self.started.append((key, lane))
        return None if self.gate.is_set() else self.gate.wait()

    async def page(self, secret: str, page: int) -> httpx.Response:
        return await self.client.get(
            f"/api/rooms/{DEMO_ROOM}/documents/{DOCUMENT}/versions/1/pages/{page}.webp",
            params={"width": WIDTH},
            headers={"Authorization": f"Bearer {secret}"},
        )

    async def show(self, page: int) -> None:
        outcome = await self.writer.submit(
            ShowPage(document_id=DOCUMENT, page=page),
            Actor(Role.PRESIDIUM),
            command_id=uuid.uuid4().hex,
            token_id="test",
        )
        assert isinstance(outcome, Accepted), outcome
        await until(lambda: (s := self.writer.state.showing) is not None and s.page == page)

    def copy(self, mark: str, page: int) -> Path:
        digest = hashlib.sha256(mark.encode()).hexdigest()[:16]
        sha256 = self.writer.state.document(DOCUMENT).current.sha256  # type: ignore[union-attr]
        return self.store.root / "pages" / sha256 / str(WIDTH) / f"{page}-{digest}.webp"

    def key(self, mark: str, page: int) -> MarkKey:
        sha256 = self.writer.state.document(DOCUMENT).current.sha256  # type: ignore[union-attr]
        return MarkKey(sha256, page, WIDTH, mark)


async def until(condition: Callable[[], bool], seconds: float = 120.0) -> None:
    """Look every 10 ms: what is awaited happens inside the app, which signals nothing."""
    for _ in range(int(seconds * UNIT * 100)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


@contextlib.asynccontextmanager
async def running_hub(data_dir: Path, limits: DocumentLimits) -> AsyncIterator[Hub]:
    """The app's start and stop (ASGI lifespan) driven by hand, as uvicorn drives them."""
    app = create_app(Settings(data_dir=data_dir, documents=limits, prerender=False))
    scope: dict[str, Any] = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[MutableMapping[str, Any]] = asyncio.Queue()
    lifespan: asyncio.Future[None] = asyncio.ensure_future(app(scope, inbox.get, outbox.put))
    await inbox.put({"type": "lifespan.startup"})
    answer = await outbox.get()
    assert answer["type"] == "lifespan.startup.complete", answer
    try:
        # Starlette puts itself in the scope it is called with: its state holds the hub.
        documents: Documents = scope["app"].state.documents
        writer = await documents.rooms.writer(DEMO_ROOM)
        assert writer is not None
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            hub = Hub(client, documents.store, writer)
            hub.store.marking.on_start = hub.record
            yield hub
            hub.gate.set()
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        await outbox.get()
        await lifespan


async def issue_delegates(hub: Hub, count: int) -> None:
    backend = hub.store.backend
    for n in range(count):
        delegate_id = f"T{n:03d}"
        issued = await issue_token(
            backend,
            room=DEMO_ROOM,
            role=Role.DELEGATE,
            now=int(time.time() * 1000),
            delegate_id=delegate_id,
            label=f"Đại biểu {n}",
        )
        hub.delegates.append((issued.secret, f"Đại biểu {n} · {delegate_id}"))


def limits(queue_per_worker: int, wait: float) -> DocumentLimits:
    return DocumentLimits(
        render=RenderLimits(workers=2), marking_queue=queue_per_worker, marking_wait=wait
    )


def assert_preparing(answer: httpx.Response) -> None:
    assert answer.status_code == 503
    assert answer.json()["error"] == "preparing"
    assert answer.json()["message"]
    assert answer.headers["Retry-After"].isdigit()
    assert int(answer.headers["Retry-After"]) >= 1
    assert answer.headers["Cache-Control"] == "no-store"


async def test_five_hundred_delegates_on_a_new_page_make_one_job_each_the_live_page_first(
    demo_data: Path,
) -> None:
    # The default queue (eight a worker); requests wait as long as the test holds the jobs.
    async with running_hub(demo_data, limits(queue_per_worker=8, wait=600.0)) as hub:
        capacity = hub.marking.capacity
        assert capacity == 16
        await issue_delegates(hub, 500 + 40)
        delegates, others = hub.delegates[:500], hub.delegates[500:]
        await hub.show(2)

        # Forty other delegates are reading page 5 when the page turns: two jobs take the
        # workers (held at their start), the queue fills, and the rest are told to wait.
        browsing = [asyncio.create_task(hub.page(secret, 5)) for secret, _ in others]
        await until(lambda: sum(t.done() for t in browsing) == len(others) - 2 - capacity)
        assert hub.marking.running == 2
        assert hub.marking.queued == capacity
        running_before = [key for key, _ in hub.started]
        assert all(key.page == 5 for key in running_before)

        # Page 2 is live: all 500 tablets ask for it at once, one in five twice (a retry).
        asked = [
            [asyncio.create_task(hub.page(secret, 2)) for _ in range(1 + (n % 5 == 0))]
            for n, (secret, _) in enumerate(delegates)
        ]
        flat = [task for tasks in asked for task in tasks]
        # Every request is decided while the workers are held: queued, or answered now.
        await until(
            lambda: (
                sum(t.done() for t in browsing) == len(others) - 2
                and sum(t.done() for t in flat)
                == len(flat) - sum(len(tasks) for tasks in asked if not tasks[0].done())
                and sum(not tasks[0].done() for tasks in asked) == capacity
            )
        )
        assert hub.marking.queued == capacity, "the queue never grows past its cap"
        for task in browsing:
            if task.done():
                assert_preparing(task.result())

        hub.gate.set()
        answers = [[await task for task in tasks] for tasks in asked]
        browsed = [await task for task in browsing]

        lanes = [lane for _, lane in hub.started[len(running_before) :]]
        assert lanes == [Lane.LIVE] * capacity, (
            "once the page turned, only live-page jobs ran: the page-5 requests still queued "
            "gave their places to it"
        )
        keys = [key for key, _ in hub.started]
        assert len(keys) == len(set(keys)), "no copy was made twice"
        assert len([key for key in keys if key.page == 2]) == capacity
        served = 0
        for (_, mark), (first, *again) in zip(delegates, answers, strict=True):
            for other in again:
                assert other.status_code == first.status_code, "the same request, same answer"
                assert other.content == first.content, "identical requests share one job"
            if first.status_code == 200:
                served += 1
                assert first.content[:4] == b"RIFF"
                assert hub.copy(mark, 2).exists()
            else:
                assert_preparing(first)
                # Refused, and nothing changed: no job, no copy.
                assert hub.key(mark, 2) not in keys
                assert not hub.copy(mark, 2).exists()
        assert served == capacity
        assert sum(a.status_code == 200 for a in browsed) == 2
        refused = hub.marking.refused
        assert refused["replaced"] == capacity
        assert refused["full"] == len(others) - 2 - capacity + len(flat) - sum(
            len(tasks)
            for tasks, answer in zip(asked, answers, strict=True)
            if answer[0].status_code == 200
        )

        # The refused tablets ask again: the queue takes the next ones, still one job each.
        again = await asyncio.gather(
            *(
                hub.page(secret, 2)
                for (secret, _), answer in zip(delegates, answers, strict=True)
                if answer[0].status_code != 200
            )
        )
        assert sum(a.status_code == 200 for a in again) >= capacity
        jobs = collections.Counter(key.watermark for key, _ in hub.started if key.page == 2)
        assert set(jobs.values()) == {1}, "at most one marking job per delegate"

        metrics = (await hub.client.get("/metrics")).text
        assert f'congress_marking_refused_total{{reason="replaced"}} {capacity}.0' in metrics
        assert 'congress_marking_jobs{state="running"}' in metrics


async def test_a_page_turn_reorders_the_waiting_jobs_and_identical_requests_share_one(
    demo_data: Path,
) -> None:
    async with running_hub(demo_data, limits(queue_per_worker=8, wait=60.0)) as hub:
        await issue_delegates(hub, 8)
        (a, mark_a), (b, mark_b), *readers = hub.delegates
        await hub.show(1)
        # Two jobs hold the workers; behind them, page 5 asked before page 3.
        holding = [asyncio.create_task(hub.page(secret, 6)) for secret, _ in readers[:2]]
        await until(lambda: hub.marking.running == 2)
        same = [asyncio.create_task(hub.page(a, 5)) for _ in range(3)]
        fives = [asyncio.create_task(hub.page(secret, 5)) for secret, _ in readers[2:4]]
        await until(lambda: hub.marking.queued == 3)
        threes = [asyncio.create_task(hub.page(secret, 3)) for secret, _ in readers[4:]]
        await until(lambda: hub.marking.queued == 5)
        assert len(hub.started) == 2

        # A delegate has one copy waiting at a time: b's newer request takes its older one's
        # place, unless the older one is the live page.
        older = asyncio.create_task(hub.page(b, 4))
        await until(lambda: hub.marking.queued == 6)
        newer = asyncio.create_task(hub.page(b, 2))
        assert_preparing(await older)
        assert hub.marking.queued == 6

        # The presidium turns to page 3: its copies go first, though asked for later.
        await hub.show(3)
        hub.gate.set()
        same_answers = await asyncio.gather(*same)
        for task in [*holding, *fives, *threes, newer]:
            assert (await task).status_code == 200
        order = [(key.page, lane) for key, lane in hub.started]
        assert order[:2] == [(6, Lane.ASKED), (6, Lane.ASKED)]
        assert order[2:4] == [(3, Lane.LIVE), (3, Lane.LIVE)], "the live page first"
        assert order[4:] == [(5, Lane.ASKED), (5, Lane.ASKED), (5, Lane.ASKED), (2, Lane.ASKED)]
        assert [a.status_code for a in same_answers] == [200, 200, 200]
        assert len({a.content for a in same_answers}) == 1
        assert sum(key == hub.key(mark_a, 5) for key, _ in hub.started) == 1, (
            "three identical requests, one job"
        )
        assert hub.key(mark_b, 4) not in [key for key, _ in hub.started]
        assert not hub.copy(mark_b, 4).exists()

        # b waits for the live page now: a request for another page is refused, not queued.
        hub.gate.clear()
        await until(lambda: hub.marking.running == 0)
        blocking = [asyncio.create_task(hub.page(secret, 1)) for secret, _ in readers[:2]]
        await until(lambda: hub.marking.running == 2)
        live = asyncio.create_task(hub.page(b, 1))
        await until(lambda: hub.marking.queued == 1)
        await hub.show(1)
        assert_preparing(await hub.page(b, 6))
        assert hub.marking.refused["busy"] == 1
        hub.gate.set()
        assert (await live).status_code == 200
        for task in blocking:
            assert (await task).status_code == 200


async def test_a_copy_not_made_within_the_wait_is_503_and_the_retry_gets_the_same_job(
    demo_data: Path,
) -> None:
    async with running_hub(demo_data, limits(queue_per_worker=8, wait=0.3)) as hub:
        await issue_delegates(hub, 1)
        ((secret, mark),) = hub.delegates
        answer = await hub.page(secret, 4)
        assert_preparing(answer)
        assert hub.marking.refused["slow"] == 1
        assert len(hub.started) == 1, "the job goes on for the retry"
        hub.gate.set()
        await until(lambda: hub.copy(mark, 4).exists() and hub.marking.running == 0)
        retry = await hub.page(secret, 4)
        assert retry.status_code == 200
        assert retry.content[:4] == b"RIFF"
        assert len(hub.started) == 1, "the retry found the copy made by the first request's job"
        assert hub.store.served_from_cache == 1
