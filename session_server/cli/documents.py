"""`congress documents add`: store, check and pre-render a PDF, then register it in the room."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

from ..backends.base import Backend
from ..core.decide import Actor
from ..core.state import Access, Role
from ..documents.importing import import_document
from ..documents.render import RenderPool
from ..documents.store import WIDTHS, DocumentLimits, DocumentStore, UploadError
from ..hub.node import wall_clock_ms
from ..writer import RoomWriter
from .common import room_exists


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    documents = commands.add_parser("documents", help="add documents (PDF) to the room")
    actions = documents.add_subparsers(dest="documents_command", metavar="ACTION", required=True)
    adding = actions.add_parser(
        "add", help="store, check and pre-render a PDF; a new file for an id is a new version"
    )
    adding.add_argument("file", type=Path)
    adding.add_argument("--title", required=True)
    adding.add_argument("--access", required=True, choices=[a.value for a in Access])
    adding.add_argument("--id", help="document id (default: from the file's hash)")


@contextlib.asynccontextmanager
async def document_store(
    args: argparse.Namespace, backend: Backend
) -> AsyncIterator[DocumentStore]:
    """The data directory's document store, with one render worker for a few files in a row."""
    limits = DocumentLimits()
    pool = RenderPool(dataclasses.replace(limits.render, workers=1))
    store = DocumentStore(backend, args.data, pool, limits)
    try:
        yield store
    finally:
        await store.close()
        await pool.close()


async def run(args: argparse.Namespace, backend: Backend) -> int:
    if not await room_exists(args, backend):
        return 2
    try:
        data = args.file.read_bytes()
    except OSError as error:
        print(f"congress: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    writer = await RoomWriter.open(args.room, backend, clock=wall_clock_ms)
    async with document_store(args, backend) as store:
        started = time.perf_counter()
        try:
            doc = await import_document(
                store,
                writer,
                data,
                document_id=args.id or "",
                title=args.title,
                access=Access(args.access),
                actor=Actor(Role.SECRETARIAT),
                token_id="cli",
            )
        except UploadError as refused:
            print(
                f"congress: {args.file}: refused: {refused.code}: {refused.message}",
                file=sys.stderr,
            )
            return 1
        imported = time.perf_counter()
        await store.settle()
        rendered = time.perf_counter()
    current = doc.current
    assert current is not None
    print(
        f"{doc.id}\tversion {current.version}\t{doc.pages} pages\t{doc.access.value}\t{doc.title}"
    )
    print(
        f"imported in {imported - started:.2f} s; {doc.pages} pages pre-rendered at "
        f"{len(WIDTHS)} widths in {rendered - imported:.2f} s",
        file=sys.stderr,
    )
    return 0
