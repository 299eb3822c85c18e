"""Marked copies of confidential pages, made for every reader before their tablets ask."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..auth import authenticate
from ..backends.base import Backend, BackendUnavailable, TokenRecord
from ..core.state import DocumentInfo, RoomState, audience_may_see
from .http import UPLOADERS, error, secret_of
from .marks import watermark_for
from .render import RenderError
from .store import WIDTHS, DocumentStore

log = logging.getLogger(__name__)

PREPARED_WIDTH = WIDTHS[-1]
"""The width the delegate display asks for: a tablet's."""

TOKEN_CHECK_SECONDS = 30.0
"""Tokens are issued outside the log (the CLI): with nothing else happening, the readers are
looked up again this often."""

SETTLE_SECONDS = 1.0
"""After a change in the room, the plan is made again at most this often."""


@dataclass(frozen=True, slots=True)
class Job:
    sha256: str
    page: int
    watermark: str


@dataclass(slots=True)
class Progress:
    prepared: int = 0
    total: int = 0


def plan(state: RoomState, tokens: Iterable[TokenRecord]) -> list[Job]:
    """Every marked page the room's readers may be shown, the likeliest first.

    The document on screen comes first, from the page shown on, then the other documents in
    their order; within a document, every reader's copy of a page before the next page, so
    that a page the presidium turns to is on every tablet together. Only each document's
    current version: older ones are rarely shown, and are marked when asked for.
    """
    readers = [t for t in tokens if t.revoked_at is None and t.token_id not in state.revoked_tokens]
    shown = state.showing
    documents = sorted(state.documents, key=lambda d: shown is None or d.id != shown.document_id)
    jobs: list[Job] = []
    for doc in documents:
        version = doc.current
        if version is None:
            continue
        marks = sorted(
            {
                mark
                for token in readers
                if audience_may_see(token.role, version.access)
                and (mark := watermark_for(token, version)) is not None
            }
        )
        if not marks:
            continue
        for page in _pages(doc, version.pages, state):
            jobs.extend(Job(version.sha256, page, mark) for mark in marks)
    return jobs


def _pages(doc: DocumentInfo, pages: int, state: RoomState) -> list[int]:
    shown = state.showing
    if shown is None or shown.document_id != doc.id or not 1 <= shown.page <= pages:
        return list(range(1, pages + 1))
    # Readers go forward from the page shown; the pages before it come last.
    return [*range(shown.page, pages + 1), *range(1, shown.page)]


class Preparer:
    """Makes, in the background, one marked page at a time, through the store's marking
    scheduler: after the copies tablets wait for, and on one worker at most, so the render
    pool's other workers stay free for what screens ask for now. Each node prepares into
    its own page cache (the cache is files on the node's disk, kept across restarts); with
    several nodes, each makes the copies its own tablets will ask it for."""

    def __init__(self, store: DocumentStore, backend: Backend) -> None:
        self.store = store
        self.backend = backend
        self.progress: dict[str, Progress] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._changed: dict[str, asyncio.Event] = {}

    def follow(self, room: str, state: Callable[[], RoomState]) -> Callable[[], None]:
        """Prepare `room`'s pages from now on; returns what to call when the room changes."""
        changed = self._changed[room] = asyncio.Event()
        self.progress[room] = Progress()
        self._tasks[room] = asyncio.create_task(
            self._run(room, state, changed), name=f"prepare:{room}"
        )
        return changed.set

    async def _run(self, room: str, state: Callable[[], RoomState], changed: asyncio.Event) -> None:
        progress = self.progress[room]
        while True:
            changed.clear()
            try:
                tokens = await self.backend.list_tokens(room)
            except BackendUnavailable as error:
                log.warning("preparing %s: tokens unreadable (%s); trying later", room, error)
                await asyncio.sleep(TOKEN_CHECK_SECONDS)
                continue
            jobs = plan(state(), tokens)
            missing = await asyncio.to_thread(self._missing, jobs)
            progress.total = len(jobs)
            progress.prepared = len(jobs) - len(missing)
            for job in missing:
                if changed.is_set():
                    break  # the page shown may have moved: plan again
                try:
                    await self.store.prepare(job.sha256, job.page, PREPARED_WIDTH, job.watermark)
                except RenderError as error:
                    # Left for the reader's own request, which says why to its screen.
                    log.warning("preparing %s p%d: %s", job.sha256[:12], job.page, error.message)
                except FileNotFoundError:
                    log.warning("preparing %s: its file cannot be read now", job.sha256[:12])
                else:
                    progress.prepared += 1
            else:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(TOKEN_CHECK_SECONDS):
                        await changed.wait()
            await asyncio.sleep(SETTLE_SECONDS)

    def _missing(self, jobs: list[Job]) -> list[Job]:
        return [
            j
            for j in jobs
            if not self.store.has_image(j.sha256, j.page, PREPARED_WIDTH, j.watermark)
        ]

    async def close(self) -> None:
        for task in self._tasks.values():
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
        self._tasks.clear()


async def progress(request: Request) -> Response:
    """`GET /api/rooms/{room}/preparation`: marked pages prepared so far, for the consoles."""
    room = request.path_params["room"]
    preparer: Preparer = request.app.state.preparer
    token = await authenticate(preparer.backend, secret_of(request), room)
    if token is None:
        return error(401, "unauthorized", "sign in with a valid token")
    if token.role not in UPLOADERS:
        return error(403, "forbidden", "only the presidium and the secretariat follow this")
    done = preparer.progress.get(room)
    following = done is not None
    done = done or Progress()
    return JSONResponse(
        {"following": following, "prepared": done.prepared, "total": done.total},
        headers={"Cache-Control": "no-store"},
    )


def routes() -> list[BaseRoute]:
    return [Route("/api/rooms/{room}/preparation", progress, methods=["GET"])]
