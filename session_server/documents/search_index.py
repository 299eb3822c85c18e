"""Search in document text: an SQLite FTS5 index per file version, built once, read off the loop."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import math
import os
import re
import sqlite3
import sys
import threading
import time
import unicodedata
from collections.abc import Awaitable, Callable
from pathlib import Path

FORMAT = 1
"""The index files' layout and folding (`PRAGMA user_version`); a file of another is rebuilt."""

PAGES_PER_JOB = 25
"""Pages whose text one render-worker job extracts while an index is built."""

PageTexts = Callable[[str, int, int], Awaitable[list[str]]]
"""The text of pages `first` to `last` of the file with this SHA-256 (from the render pool)."""


@functools.cache
def _combining() -> dict[int, None]:
    """Every combining mark, to delete with `str.translate` (made at the first search)."""
    return dict.fromkeys(
        code for code in range(sys.maxunicode + 1) if unicodedata.combining(chr(code))
    )


def _fold(text: str) -> str:
    """Lower case without diacritics, so "bao cao" finds "Báo cáo" (đ folds to d)."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return decomposed.translate(_combining()).casefold()


def fold_phrase(text: str) -> str:
    """`text` folded, its runs of spacing made one space: what a search and an index compare."""
    return " ".join(_fold(text).split())


_fold_character = functools.lru_cache(maxsize=4096)(_fold)


def _folded_with_origin(text: str) -> tuple[str, list[int]]:
    """`text` folded with runs of spacing made one space, and where each character came from."""
    folded: list[str] = []
    origin: list[int] = []
    for index, character in enumerate(text):
        if character.isspace():
            if folded and folded[-1] == " ":
                continue
            pieces = " "
        else:
            pieces = _fold_character(character)
        for piece in pieces:
            folded.append(piece)
            origin.append(index)
    return "".join(folded), origin


def _span(text: str, folded: str, aligned: bool, phrase: str) -> tuple[int, int] | None:
    """Where `phrase` first occurs in `text`, in `text`'s characters. `folded` is the text as
    the index folded it; `aligned`, whether it has as many words as `text`. Then only the
    words at the match's ends are folded again: a search makes up to 50 snippets, and
    folding whole pages in Python held the GIL long enough to slow the hall's screens."""
    at = folded.find(phrase)
    if at < 0:
        return None
    if aligned:
        ends = []
        words = _WORD.finditer(text)
        taken = -1
        for position in (at, at + len(phrase) - 1):
            number = folded.count(" ", 0, position)
            if number > taken:
                word = next(itertools.islice(words, number - taken - 1, None))
                taken = number
            left = folded.rfind(" ", 0, position) + 1
            right = folded.find(" ", position)
            again, origin = _folded_with_origin(word.group())
            if again != folded[left : right if right >= 0 else len(folded)]:
                break
            ends.append(word.start() + origin[position - left])
        else:
            return ends[0], ends[1] + 1
    # A word that folds to nothing (a lone accent) shifts the words apart: fold it all.
    folded, origin = _folded_with_origin(text)
    at = folded.find(phrase)
    return None if at < 0 else (origin[at], origin[at + len(phrase) - 1] + 1)


_WORD = re.compile(r"\S+")


def _snippet(text: str, start: int, end: int, around: int = 60) -> str:
    left, right = max(0, start - around), min(len(text), end + around)
    snippet = " ".join(text[left:right].split())
    return ("…" if left else "") + snippet + ("…" if right < len(text) else "")


def _row(page: int, text: str) -> tuple[int, str, str, bool]:
    folded = fold_phrase(text)
    return page, folded, text, folded.count(" ") + 1 == len(text.split())


class _Writer:
    """An index file being written, page by page as the texts come, under a temporary name
    until it is complete; created readable by this user only, whatever the umask."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.path = path
        self.temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        # Created 0600 before SQLite opens it: SQLite keeps an existing file's mode.
        os.close(os.open(self.temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        # Used from one thread after another; the lock keeps a build cancelled mid-write
        # from closing the file under the thread still writing it.
        self.lock = threading.Lock()
        self.db = sqlite3.connect(self.temporary, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode = OFF")
        # Trigrams match any substring, as the phrase search always has; the text is
        # folded before, case included, so the tokenizer compares it as it is.
        self.db.execute(
            "CREATE VIRTUAL TABLE pages USING fts5("
            "folded, text UNINDEXED, aligned UNINDEXED, "
            "tokenize = 'trigram case_sensitive 1')"
        )

    def add(self, first: int, texts: list[str]) -> None:
        with self.lock:
            self.db.executemany(
                "INSERT INTO pages (rowid, folded, text, aligned) VALUES (?, ?, ?, ?)",
                (_row(page, text) for page, text in enumerate(texts, first)),
            )

    def finish(self) -> None:
        with self.lock:
            self.db.execute("INSERT INTO pages (pages) VALUES ('optimize')")
            self.db.execute(f"PRAGMA user_version = {FORMAT}")
            self.db.commit()
            self.db.close()
            os.replace(self.temporary, self.path)

    def abandon(self) -> None:
        with self.lock:
            self.db.close()
            self.temporary.unlink(missing_ok=True)


def _current(path: Path) -> bool:
    """Whether an index file is there and of this format."""
    if not path.exists():
        return False
    try:
        with contextlib.closing(_read_only(path)) as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error:
        return False
    return bool(version == FORMAT)


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _query(path: Path, query: str, limit: int) -> list[tuple[int, str]]:
    phrase = fold_phrase(query)
    if not phrase:
        return []
    with contextlib.closing(_read_only(path)) as db:
        if len(phrase) >= 3:
            rows = db.execute(
                "SELECT rowid, text, folded, aligned FROM pages WHERE pages MATCH ? "
                "ORDER BY rowid LIMIT ?",
                ('"' + phrase.replace('"', '""') + '"', limit),
            ).fetchall()
        else:
            # Under three characters there is no trigram to look up: every page is read,
            # in SQLite, still off the loop.
            rows = db.execute(
                "SELECT rowid, text, folded, aligned FROM pages WHERE instr(folded, ?) > 0 "
                "ORDER BY rowid LIMIT ?",
                (phrase, limit),
            ).fetchall()
    found: list[tuple[int, str]] = []
    for page, text, folded, aligned in rows:
        span = _span(text, folded, bool(aligned), phrase)
        if span is not None:
            found.append((page, _snippet(text, *span)))
    return found


class SearchIndex:
    """One index file per version of a document, `DATA/documents/index/<sha256>.sqlite`.

    Per node, not in the backend: every node has the PDF (the backend holds its bytes) and
    render workers of its own, so each builds the same index from the same file, and the
    backend (Redis keeps everything in memory) does not carry a second copy of every text.
    A version's file never changes, so its index is built once and never updated.

    Building (the pages' text from the render workers, then folding and writing in a
    thread) and every query run off the event loop; at most `concurrent` of those threads
    at once, so searches cannot take every thread the hub has.
    """

    def __init__(self, root: Path, page_texts: PageTexts, concurrent: int) -> None:
        self.root = root
        self.page_texts = page_texts
        self._threads = asyncio.Semaphore(concurrent)
        self._building: dict[str, asyncio.Future[Path]] = {}
        self._ready: set[str] = set()
        self.built = 0

    def _path(self, sha256: str) -> Path:
        return self.root / f"{sha256}.sqlite"

    async def ensure(self, sha256: str, pages: int) -> Path:
        """The version's index, built now if it is not yet; many callers make one build."""
        path = self._path(sha256)
        if sha256 in self._ready:
            return path
        pending = self._building.get(sha256)
        if pending is None:
            pending = asyncio.ensure_future(self._build(sha256, pages, path))
            self._building[sha256] = pending
            pending.add_done_callback(lambda _: self._building.pop(sha256, None))
        # Shielded: a searcher who hangs up does not stop the build the others wait for.
        return await asyncio.shield(pending)

    async def _build(self, sha256: str, pages: int, path: Path) -> Path:
        async with self._threads:
            current = await asyncio.to_thread(_current, path)
        if not current:
            async with self._threads:
                writer = await asyncio.to_thread(_Writer, path)
            try:
                for first in range(1, pages + 1, PAGES_PER_JOB):
                    texts = await self.page_texts(
                        sha256, first, min(pages, first + PAGES_PER_JOB - 1)
                    )
                    async with self._threads:
                        await asyncio.to_thread(writer.add, first, texts)
                async with self._threads:
                    await asyncio.to_thread(writer.finish)
            except BaseException:
                # Off the loop too; shielded, so a cancelled build still removes its file.
                await asyncio.shield(asyncio.to_thread(writer.abandon))
                raise
            self.built += 1
        self._ready.add(sha256)
        return path

    async def close(self) -> None:
        """Stop the builds under way (their files are never half written)."""
        building = list(self._building.values())
        for pending in building:
            pending.cancel()
        await asyncio.gather(*building, return_exceptions=True)

    async def search(
        self, sha256: str, pages: int, query: str, *, limit: int = 50
    ) -> list[tuple[int, str]]:
        """Pages holding `query` as a phrase, case, accents and spacing ignored, with a snippet."""
        if not query or query.isspace():
            return []
        path = await self.ensure(sha256, pages)
        try:
            async with self._threads:
                return await asyncio.to_thread(_query, path, query, limit)
        except sqlite3.Error:
            # The file was removed or damaged since it was built: built again, once.
            self._ready.discard(sha256)
            await asyncio.to_thread(path.unlink, missing_ok=True)
            path = await self.ensure(sha256, pages)
            async with self._threads:
                return await asyncio.to_thread(_query, path, query, limit)


_KEPT_BUCKETS = 4096
"""Past this many tokens' buckets, the full ones are dropped (a hall has fewer screens)."""


class SearchRate:
    """A token bucket per sign-in token: `burst` searches at once, then `rate` a second."""

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def admit(self, token_id: str) -> float:
        """0 when this token may search now (and it is counted), else seconds to wait."""
        now = self.clock()
        if len(self._buckets) > _KEPT_BUCKETS:
            self._forget_full(now)
        left, at = self._buckets.get(token_id, (float(self.burst), now))
        left = min(float(self.burst), left + (now - at) * self.rate)
        if left < 1:
            self._buckets[token_id] = (left, now)
            return (1 - left) / self.rate
        self._buckets[token_id] = (left - 1, now)
        return 0.0

    def _forget_full(self, now: float) -> None:
        """Drop the buckets that have filled up again: they are as good as new ones."""
        for token_id, (left, at) in list(self._buckets.items()):
            if left + (now - at) * self.rate >= self.burst:
                del self._buckets[token_id]


def retry_after(seconds: float) -> str:
    """A `Retry-After` value: whole seconds, rounded up, at least 1."""
    return str(max(1, math.ceil(seconds)))
