"""Making a minutes file from a room's log: read it, fold it, write the PDF or a table.

The CLI makes it in its own process. The hub makes it in a child process, one at a time:
folding a day's log and laying out the PDF would otherwise hold its event loop (and the
fonts would stay in its memory all day).
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from ..backends.base import Backend, LogRecord
from ..transfer import read_room
from .entries import Copy
from .exports import Format, Table, export
from .model import build_minutes
from .text import Lang, zone


@dataclass(frozen=True, slots=True)
class Wanted:
    """The file asked for: the PDF of one copy, or one of the secretariat's tables."""

    copy: Copy = "full"
    lang: Lang = "vi"
    tz: str = "Asia/Ho_Chi_Minh"
    place: str = ""
    table: Table | None = None
    fmt: Format = "csv"


async def read_log(backend: Backend, room: str) -> list[LogRecord]:
    """The room's whole log as it stands now (empty for a room with none)."""
    head = await backend.head(room)
    return await read_room(backend, room, head) if head else []


def produce(room: str, records: list[LogRecord], wanted: Wanted) -> bytes:
    """The file's bytes. ValueError for an unknown time zone."""
    tz = zone(wanted.tz)
    if wanted.table is not None:
        return export(build_minutes(room, records, "full"), wanted.table, wanted.fmt, tz)
    # Imported here: fpdf2 is memory the hub's own process need not hold.
    from .pdf import render_pdf

    minutes = build_minutes(room, records, wanted.copy)
    return render_pdf(minutes, lang=wanted.lang, tz=tz, place=wanted.place)


class Producer:
    """Makes files in a fresh child process each, one at a time; others wait their turn."""

    def __init__(self) -> None:
        self._turn = asyncio.Lock()

    async def produce(self, room: str, records: list[LogRecord], wanted: Wanted) -> bytes:
        async with self._turn:
            context = multiprocessing.get_context("spawn")
            pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
            try:
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(pool, produce, room, records, wanted)
            finally:
                # Not waiting here: the child, its answer given, exits on its own.
                pool.shutdown(wait=False)
