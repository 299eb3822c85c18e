"""Adding a document to a room: keep its file, inspect it, register it; one path for all callers."""

from __future__ import annotations

import logging
import uuid

from ..core import commands as c
from ..core.decide import MAX_PARAGRAPHS, Actor
from ..core.state import Access, DocumentInfo
from ..writer import Refused, RoomWriter
from .render import RenderError
from .store import DocumentStore, UploadError

log = logging.getLogger(__name__)


async def import_document(
    store: DocumentStore,
    writer: RoomWriter,
    data: bytes,
    *,
    document_id: str,
    title: str,
    access: Access,
    actor: Actor,
    token_id: str,
) -> DocumentInfo:
    """Store and register `data` as `document_id` (a new version when the file is new).

    Raises `UploadError` for a file refused (too large, not a PDF, over a limit) or a
    registration the room refused (a bad id or title). The HTTP upload, the CLI and the
    demo all come through here, so a document is always registered from the file the hub
    inspected itself.
    """
    stored = await store.add(data)
    ids: tuple[tuple[str, ...], ...] = ()
    try:
        found = await store.paragraphs(stored.sha256, stored.pages)
    except RenderError as error:
        # A file whose text cannot be read in time is still a document to read and show:
        # it is registered without paragraphs, and takes no opinions.
        log.warning("paragraphs of %s not found: %s", stored.sha256[:12], error.message)
    else:
        ids = tuple(tuple(p.id for p in page) for page in found)
    if sum(map(len, ids)) > MAX_PARAGRAPHS:
        # Too many to register: the file is read as any other, without opinions on it.
        ids = ()
    command = c.RegisterDocument(
        document_id=document_id or stored.sha256[:12],
        title=title,
        access=access,
        pages=stored.pages,
        sha256=stored.sha256,
        page_sizes=stored.page_sizes,
        paragraphs=ids,
    )
    outcome = await writer.submit(command, actor, command_id=uuid.uuid4().hex, token_id=token_id)
    if isinstance(outcome, Refused):
        raise UploadError(outcome.code, outcome.message)
    store.prerender(stored)
    doc = writer.state.document(command.document_id)
    assert doc is not None, "registered and applied before submit returned"
    return doc
