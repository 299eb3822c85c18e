"""Documents' files and page images: stored by content hash, rendered once, read from disk after."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ..backends.base import Backend
from ..core.errors import ErrorCode
from ..core.state import PageSize
from ..protocol.codes import RenderErrorCode
from .paragraphs import Block, Paragraph, paragraphs_of
from .render import PdfInfo, RenderError, RenderLimits, RenderPool
from .scheduler import MarkingScheduler, MarkKey
from .search_index import PAGES_PER_JOB, SearchIndex, SearchRate

if TYPE_CHECKING:
    from .preparation import Progress

log = logging.getLogger(__name__)

WIDTHS = (320, 1280, 2048)
"""Widths a page image is served at: a thumbnail, a welcome-gate board, a tablet."""


@dataclass(frozen=True)
class DocumentLimits:
    max_file_bytes: int = 50 * 2**20
    """An upload larger than this is refused before anything is parsed."""
    render: RenderLimits = field(default_factory=RenderLimits)
    search_rate: float = 0.5
    """Searches a second one sign-in token may make on average, past its burst."""
    search_burst: int = 10
    """Searches one sign-in token may make at once."""
    concurrent_searches: int = 1
    """Searches (and index builds) computed at once by a node; more wait their turn. One:
    a search's Python holds the GIL, and a second thread took it from the event loop more
    often for about the same number of searches a second."""
    marking_queue: int = 8
    """Marked copies asked for by tablets that may wait for a render worker, per worker:
    at about 0.15 s a copy, what the workers finish in about a second."""
    marking_wait: float = 3.0
    """Seconds a request for a marked copy waits for it (the render workers' first start not
    counted); then `503 preparing`, and the copy is still made for the tablet's retry."""


UploadErrorCode = Literal["file_too_large"] | RenderErrorCode | ErrorCode
"""Why a file was not added: too large, refused by the render pool, or by the room."""


class UploadError(Exception):
    """A file refused at import, with a code from docs/protocol.md §14 and a clear message."""

    def __init__(self, code: UploadErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: UploadErrorCode = code
        self.message = message


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    page_sizes: tuple[PageSize, ...]

    @property
    def pages(self) -> int:
        return len(self.page_sizes)


def sizes_of(info: PdfInfo) -> tuple[PageSize, ...]:
    return tuple(PageSize(round(w), round(h)) for w, h in info.page_sizes)


class DocumentStore:
    """PDFs by SHA-256 (in the backend, so every node has them, and on local disk), their
    page images and text cached under ``DATA/documents/``; PDFium runs only in the pool."""

    def __init__(
        self, backend: Backend, data_dir: Path, pool: RenderPool, limits: DocumentLimits
    ) -> None:
        self.backend = backend
        self.root = data_dir / "documents"
        self.pool = pool
        self.limits = limits
        self._rendering: dict[Path, asyncio.Future[None]] = {}
        self._finding: dict[str, asyncio.Future[list[list[Paragraph]]]] = {}
        self._background: set[asyncio.Task[None]] = set()
        self.served_from_cache = 0
        self.served_rendered = 0
        self.preparation: Mapping[str, Progress] = {}
        """Marked pages prepared ahead, by room (set by the preparer)."""
        """Page images asked for (over HTTP) and rendered for it, or for a request beside it."""
        self.search_index = SearchIndex(
            self.root / "index", self._page_texts, limits.concurrent_searches
        )
        self.search_rate = SearchRate(limits.search_rate, limits.search_burst)
        self.marking = MarkingScheduler(
            self._make_marked,
            workers=pool.limits.workers,
            queue_per_worker=limits.marking_queue,
            wait=limits.marking_wait,
        )
        """Every marked copy goes through it: asked for by a tablet, or prepared ahead."""

    # --- files ---------------------------------------------------------------------------

    def _file(self, sha256: str) -> Path:
        return self.root / "files" / f"{sha256}.pdf"

    async def add(self, data: bytes) -> StoredFile:
        """Check, inspect and keep a PDF; raises `UploadError`, leaving nothing behind."""
        if len(data) > self.limits.max_file_bytes:
            raise UploadError(
                "file_too_large",
                f"the file has {len(data)} bytes; at most {self.limits.max_file_bytes} are taken",
            )
        if not data.startswith(b"%PDF-"):
            # Checked here too, so a file that is plainly not a PDF never reaches PDFium.
            raise UploadError("not_a_pdf", "the file is not a PDF")
        sha256 = hashlib.sha256(data).hexdigest()
        path = self._file(sha256)
        fresh = not path.exists()
        if fresh:
            _write_atomically(path, data)
        try:
            info = await self.pool.inspect(path)
        except RenderError as error:
            if fresh:
                path.unlink(missing_ok=True)
            raise UploadError(error.code, error.message) from None
        await self.backend.put_blob(sha256, data)
        return StoredFile(sha256, sizes_of(info))

    async def pdf(self, sha256: str) -> Path:
        """The local copy of a stored PDF, fetched from the backend the first time."""
        path = self._file(sha256)
        if not path.exists():
            data = await self.backend.get_blob(sha256)
            if data is None:
                raise FileNotFoundError(sha256)
            _write_atomically(path, data)
        return path

    # --- page images ---------------------------------------------------------------------

    def _image(self, sha256: str, page: int, width: int, watermark: str | None) -> Path:
        name = f"{page}.webp"
        if watermark is not None:
            # The mark's text is personal data: the file name carries a digest, not the name.
            digest = hashlib.sha256(watermark.encode()).hexdigest()[:16]
            name = f"{page}-{digest}.webp"
        return self.root / "pages" / sha256 / str(width) / name

    async def page_image(
        self,
        sha256: str,
        page: int,
        width: int,
        watermark: str | None = None,
        live: Callable[[], bool] | None = None,
    ) -> Path:
        """The page rendered at `width`, from the cache when it was rendered before.

        A marked copy not made yet is asked of the marking scheduler (`live`: whether the
        page is on the room's screen now), which may raise `Preparing` rather than wait long.
        """
        if width not in WIDTHS:
            raise ValueError(f"width is one of {', '.join(map(str, WIDTHS))}")
        path = self._image(sha256, page, width, watermark)
        if path.exists():
            self.served_from_cache += 1
            return path
        if watermark is None:
            await self._rendered(sha256, page, width, None, path)
        else:
            # The workers start with the first job (a node's first page): that wait is the
            # node's, once, not the queue's, and is not counted in the request's.
            await self.pool.start()
            key = MarkKey(sha256, page, width, watermark)
            await self.marking.ask(key, live or _not_live)
        self.served_rendered += 1
        return path

    def has_image(self, sha256: str, page: int, width: int, watermark: str | None) -> bool:
        return self._image(sha256, page, width, watermark).exists()

    async def prepare(self, sha256: str, page: int, width: int, watermark: str) -> None:
        """Make a marked copy ahead of its reader, after what tablets wait for; not counted
        as one served."""
        if not self._image(sha256, page, width, watermark).exists():
            await self.marking.ahead(MarkKey(sha256, page, width, watermark))

    async def _make_marked(self, key: MarkKey) -> None:
        path = self._image(key.sha256, key.page, key.width, key.watermark)
        if not path.exists():
            await self._rendered(key.sha256, key.page, key.width, key.watermark, path)

    async def _rendered(
        self, sha256: str, page: int, width: int, watermark: str | None, path: Path
    ) -> None:
        """Render the page into `path`: one render, however many ask for it at once."""
        # Five hundred tablets asking for a new page at once make one render, not 500.
        pending = self._rendering.get(path)
        if pending is None:
            pending = asyncio.ensure_future(self._render(sha256, page, width, watermark, path))
            self._rendering[path] = pending
            pending.add_done_callback(lambda _: self._rendering.pop(path, None))
            pending.add_done_callback(_consume)
        await asyncio.shield(pending)

    async def _render(
        self, sha256: str, page: int, width: int, watermark: str | None, path: Path
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if watermark is not None:
            # Marked copies start from the unmarked page (rendered once, usually at import).
            base = self._image(sha256, page, width, None)
            if not base.exists():
                await self._rendered(sha256, page, width, None, base)
            await self.pool.mark(base, path, watermark)
            return
        await self.pool.render(await self.pdf(sha256), page, width, path)

    def prerender(self, stored: StoredFile) -> None:
        """Render every page at every width in the background (the unmarked images), and
        build the version's search index beside it."""

        async def index() -> None:
            try:
                await self.search_index.ensure(stored.sha256, stored.pages)
            except RenderError as error:
                log.warning("search index %s: %s", stored.sha256[:12], error.message)
            except Exception:
                log.exception("search index %s failed", stored.sha256[:12])

        async def run() -> None:
            for page in range(1, stored.pages + 1):
                for width in WIDTHS:
                    path = self._image(stored.sha256, page, width, None)
                    if path.exists():
                        continue
                    try:
                        # Not a page served: counted neither from the cache nor rendered.
                        await self._rendered(stored.sha256, page, width, None, path)
                    except RenderError as error:
                        log.warning(
                            "pre-render %s p%d w%d: %s",
                            stored.sha256[:12],
                            page,
                            width,
                            error.message,
                        )
                    except Exception:
                        log.exception(
                            "pre-render %s p%d w%d failed", stored.sha256[:12], page, width
                        )

        for job, name in ((index(), "index"), (run(), "prerender")):
            task = asyncio.create_task(job, name=f"{name}:{stored.sha256[:12]}")
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    # --- text ----------------------------------------------------------------------------

    async def page_text(self, sha256: str, page: int) -> str:
        path = self.root / "text" / sha256 / f"{page}.txt"
        if path.exists():
            return path.read_text(encoding="utf-8")
        text = await self.pool.text(await self.pdf(sha256), page)
        _write_atomically(path, text.encode("utf-8"))
        return text

    async def paragraphs(self, sha256: str, pages: int) -> list[list[Paragraph]]:
        """Every page's paragraphs (documents/paragraphs.py): found once per file and kept
        beside its text; a node without the file's copy finds the same from the same bytes."""
        path = self.root / "paragraphs" / f"{sha256}.json"
        if path.exists():
            return _paragraphs_from(json.loads(path.read_text(encoding="utf-8")))
        pending = self._finding.get(sha256)
        if pending is None:
            pending = asyncio.ensure_future(self._find_paragraphs(sha256, pages, path))
            self._finding[sha256] = pending
            pending.add_done_callback(lambda _: self._finding.pop(sha256, None))
        return await asyncio.shield(pending)

    async def _find_paragraphs(self, sha256: str, pages: int, path: Path) -> list[list[Paragraph]]:
        pdf = await self.pdf(sha256)
        blocks: list[list[Block]] = []
        for first in range(1, pages + 1, PAGES_PER_JOB):
            last = min(pages, first + PAGES_PER_JOB - 1)
            found = await self.pool.paragraphs(pdf, first, last)
            blocks.extend([Block(text, box) for text, box in page] for page in found)
        found_all = paragraphs_of(blocks)
        plain = [
            [{"id": p.id, "text": p.text, "box": list(p.box)} for p in page] for page in found_all
        ]
        _write_atomically(path, json.dumps(plain, ensure_ascii=False).encode("utf-8"))
        return found_all

    async def _page_texts(self, sha256: str, first: int, last: int) -> list[str]:
        return await self.pool.texts(await self.pdf(sha256), first, last)

    async def search(
        self, sha256: str, pages: int, query: str, *, limit: int = 50
    ) -> list[tuple[int, str]]:
        """Pages holding `query` as a phrase, case, accents and spacing ignored, with a snippet."""
        return await self.search_index.search(sha256, pages, query, limit=limit)

    async def settle(self) -> None:
        """Wait for the pre-renders started so far (the CLI does, before it exits)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

    async def close(self) -> None:
        await self.marking.close()
        # Renders still running too: their callers are gone, and the pool closes next.
        running = [*self._background, *self._rendering.values()]
        for task in running:
            task.cancel()
        for task in running:
            with contextlib.suppress(BaseException):
                await task
        await self.search_index.close()


def _paragraphs_from(plain: list[list[dict[str, object]]]) -> list[list[Paragraph]]:
    return [
        [Paragraph(str(p["id"]), number, str(p["text"]), _box(p["box"])) for p in page]
        for number, page in enumerate(plain, start=1)
    ]


def _box(value: object) -> tuple[float, float, float, float]:
    if not isinstance(value, list) or len(value) != 4:
        raise ValueError("a paragraph's box has four numbers")
    return float(value[0]), float(value[1]), float(value[2]), float(value[3])


def _not_live() -> bool:
    return False


def _consume(render: asyncio.Future[None]) -> None:
    """Mark a shared render's failure as seen: its callers each get it through the shield,
    and when none is left (a stop, a cancelled request) it must not be logged as a
    traceback ("Task exception was never retrieved") for a normal event."""
    if not render.cancelled():
        render.exception()


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
