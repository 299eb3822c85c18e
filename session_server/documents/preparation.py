"""Marked copies of confidential pages, made for every reader before their tablets ask."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..auth import authenticate
from ..backends.base import Backend, BackendUnavailable, TokenRecord
from ..core.state import DocumentInfo, RoomState, audience_may_see
from .http import UPLOADERS, error, secret_of
from .marks import HALL_MARK, watermark_for
from .render import RenderError
from .store import WIDTHS, DocumentStore

log = logging.getLogger(__name__)

PREPARED_WIDTH = WIDTHS[-1]
"""The width the delegate display asks for: a tablet's."""

HALL_WIDTHS = WIDTHS[1:]
"""The widths a hall screen chooses from (delegate_display/static/hall.js): the smallest
covering the page on its stage in device pixels. An A4 page upright is about 570 px wide on
a 1080p screen and 1,130 on a 4K one: 1280; a page turned sideways or a slide on a 4K screen
(or a larger screen): 2048. The hall's copy is one for every hall screen, so both are
prepared: two copies a page, against one a page for each of hundreds of delegates."""

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
    width: int = PREPARED_WIDTH


@dataclass(slots=True)
class Progress:
    prepared: int = 0
    total: int = 0


def plan(
    state: RoomState, tokens: Iterable[TokenRecord], shown_before: Sequence[str] = ()
) -> list[Job]:
    """Every marked page the room's readers may be shown, the likeliest first.

    The document on screen comes first, from the page shown on; then the documents shown
    earlier during the current agenda item (`shown_before`, the latest first: the room links
    no document to an item, and what the presidium showed during it is the best guess at
    what it goes back to); then the others, in their order. Within a document, every
    reader's copy of a page before the next page, the hall's first, so that a page the
    presidium turns to is on every screen together. Only each document's current version:
    older ones are rarely shown, and are marked when asked for.
    """
    readers = [t for t in tokens if t.revoked_at is None and t.token_id not in state.revoked_tokens]
    shown = state.showing
    live = shown.document_id if shown is not None else None
    earlier = {doc_id: rank for rank, doc_id in enumerate(shown_before, start=1)}
    documents = sorted(
        state.documents,
        key=lambda d: 0 if d.id == live else earlier.get(d.id, len(earlier) + 1),
    )
    jobs: list[Job] = []
    for doc in documents:
        version = doc.current
        if version is None:
            continue
        marks = {
            mark
            for token in readers
            if audience_may_see(token.role, version.access)
            and (mark := watermark_for(token, version)) is not None
        }
        if not marks:
            continue
        copies = [(mark, PREPARED_WIDTH) for mark in sorted(marks - {HALL_MARK})]
        if HALL_MARK in marks:
            copies[:0] = [(HALL_MARK, width) for width in HALL_WIDTHS]
        for page in _pages(doc, version.pages, state):
            jobs.extend(Job(version.sha256, page, mark, width) for mark, width in copies)
    return jobs


def _pages(doc: DocumentInfo, pages: int, state: RoomState) -> list[int]:
    shown = state.showing
    if shown is None or shown.document_id != doc.id or not 1 <= shown.page <= pages:
        return list(range(1, pages + 1))
    # Readers go forward from the page shown; the pages before it come last.
    return [*range(shown.page, pages + 1), *range(1, shown.page)]


@dataclass(slots=True)
class ShownDuringItem:
    """The documents shown since the current agenda item became current, the latest first,
    noted from the room's state after each record (kept in memory: after a restart the
    order starts again from the document on screen)."""

    item: str | None = None
    documents: list[str] = field(default_factory=list)

    def note(self, state: RoomState) -> None:
        if state.current_item != self.item:
            self.item = state.current_item
            self.documents.clear()
        shown = state.showing
        if shown is None or self.documents[:1] == [shown.document_id]:
            return
        if shown.document_id in self.documents:
            self.documents.remove(shown.document_id)
        self.documents.insert(0, shown.document_id)


class Preparer:
    """Makes, in the background, one marked page at a time, through the store's marking
    scheduler: after the copies tablets wait for, and on one worker at most, so the render
    pool's other workers stay free for what screens ask for now. Each node prepares into
    its own page cache (files on the node's disk, kept across restarts), and makes every
    reader's copy: behind the proxy any node may serve any tablet (no sticky sessions, and
    a tablet whose node stops moves to another), so no node knows which tablets it will
    serve; and a copy kept in the shared log instead would put hundreds of megabytes of
    images in Redis's memory."""

    def __init__(self, store: DocumentStore, backend: Backend) -> None:
        self.store = store
        self.backend = backend
        self.progress: dict[str, Progress] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._changed: dict[str, asyncio.Event] = {}

    def follow(self, room: str, state: Callable[[], RoomState]) -> Callable[[], None]:
        """Prepare `room`'s pages from now on; returns what to call after each record."""
        changed = self._changed[room] = asyncio.Event()
        shown = ShownDuringItem()
        shown.note(state())
        self.progress[room] = Progress()
        self._tasks[room] = asyncio.create_task(
            self._run(room, state, shown, changed), name=f"prepare:{room}"
        )

        def recorded() -> None:
            # Each record's state, as it is applied: a document shown and left between two
            # plans is still noted.
            shown.note(state())
            changed.set()

        return recorded

    async def _run(
        self,
        room: str,
        state: Callable[[], RoomState],
        shown: ShownDuringItem,
        changed: asyncio.Event,
    ) -> None:
        progress = self.progress[room]
        while True:
            changed.clear()
            try:
                tokens = await self.backend.list_tokens(room)
            except BackendUnavailable as error:
                log.warning("preparing %s: tokens unreadable (%s); trying later", room, error)
                await asyncio.sleep(TOKEN_CHECK_SECONDS)
                continue
            jobs = plan(state(), tokens, shown.documents)
            missing = await asyncio.to_thread(self._missing, jobs)
            progress.total = len(jobs)
            progress.prepared = len(jobs) - len(missing)
            for job in missing:
                if changed.is_set():
                    break  # the page shown may have moved: plan again
                try:
                    await self.store.prepare(job.sha256, job.page, job.width, job.watermark)
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
        return [j for j in jobs if not self.store.has_image(j.sha256, j.page, j.width, j.watermark)]

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
