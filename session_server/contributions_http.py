"""HTTP for written contributions: a delegate's submission, and its reading by those allowed.

A contribution is read by its author, the secretariat and the presidium, and by no one
else by any address: to anyone else (another delegate, a board, the hall) it is answered
exactly as one that does not exist. Its pages are rendered by the document workers, as
every PDF the hub takes; the raw file is never sent to a browser.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from .auth import actor_of, authenticate
from .backends.base import BackendUnavailable, TokenRecord
from .contribution_pdf import MAX_CONTRIBUTION_TEXT, lay_out_apart
from .core.contribution_commands import SubmitContribution
from .core.contribution_projection import own_contributions
from .core.contribution_state import Contribution, ContributionKind
from .core.decide import MAX_TITLE
from .core.state import Role
from .documents.http import Documents, error, secret_of
from .documents.render import RenderError
from .documents.scheduler import Preparing
from .documents.store import WIDTHS, UploadError
from .writer import Refused, RoomWriter

READERS = frozenset({Role.PRESIDIUM, Role.SECRETARIAT})
"""Who reads every contribution; a delegate reads their own."""
MAX_CONTRIBUTION_BYTES = 20 * 2**20
"""A contribution's file, at most (and never more than a document's, `max_file_bytes`)."""
PDF = "application/pdf"
TEXT = "text/plain"
CONTENT_TYPES = (PDF, TEXT)

_NO_TOKEN = error(401, "unauthorized", "sign in with a valid token")
_NOT_FOUND = error(404, "not_found", "no such contribution")
_layout_turn = asyncio.Lock()
"""One text laid out at a time on a node, each in its own child process."""


def _documents(request: Request) -> Documents:
    documents: Documents = request.app.state.documents
    return documents


async def _caller(request: Request) -> tuple[TokenRecord, RoomWriter] | Response:
    documents = _documents(request)
    token = await authenticate(
        documents.rooms.backend, secret_of(request), request.path_params["room"]
    )
    if token is None:
        return _NO_TOKEN
    writer = await documents.rooms.writer(request.path_params["room"])
    if writer is None:
        return error(404, "not_found", "no such room")
    return token, writer


def may_read(token: TokenRecord, contribution: Contribution) -> bool:
    """The author, the secretariat and the presidium; nobody else."""
    if token.role in READERS:
        return True
    return token.role is Role.DELEGATE and token.delegate_id == contribution.delegate_id


@dataclass(frozen=True)
class _Readable:
    token: TokenRecord
    writer: RoomWriter
    contribution: Contribution


async def _readable(request: Request) -> _Readable | Response:
    caller = await _caller(request)
    if isinstance(caller, Response):
        return caller
    token, writer = caller
    contribution = writer.state.contributions.get(request.path_params["contribution"])
    if contribution is None or not may_read(token, contribution):
        return _NOT_FOUND
    return _Readable(token, writer, contribution)


def _describe(readable: _Readable) -> dict[str, Any]:
    state = readable.writer.state
    contribution = readable.contribution
    entry = next(
        e for e in own_contributions(state, contribution.delegate_id) if e["id"] == contribution.id
    )
    author = state.delegates.get(contribution.delegate_id)
    return {
        **entry,
        "delegate_id": contribution.delegate_id,
        "name": contribution.delegate_id if author is None else author.name,
        "unit": "" if author is None else author.unit,
        "size": contribution.size,
    }


async def describe(request: Request) -> Response:
    """`GET .../contributions/{id}`: the contribution as its readers know it."""
    readable = await _readable(request)
    if isinstance(readable, Response):
        return readable
    return JSONResponse(_describe(readable), headers={"Cache-Control": "no-store"})


async def text(request: Request) -> Response:
    """`GET .../contributions/{id}/text`: a text contribution's words, as sent."""
    readable = await _readable(request)
    if isinstance(readable, Response):
        return readable
    contribution = readable.contribution
    if contribution.kind is not ContributionKind.TEXT:
        return error(404, "not_found", "this contribution is a PDF: read its pages")
    try:
        data = await _documents(request).rooms.backend.get_blob(contribution.sha256)
    except BackendUnavailable:
        data = None
    if data is None:
        return error(503, "unavailable", "the contribution cannot be read now; try again")
    return JSONResponse(
        {"title": contribution.title, "text": data.decode("utf-8")},
        headers={"Cache-Control": "no-store"},
    )


async def page(request: Request) -> Response:
    """`GET .../contributions/{id}/pages/{n}.webp?width=W`: a page, rendered by a worker."""
    readable = await _readable(request)
    if isinstance(readable, Response):
        return readable
    contribution = readable.contribution
    number = request.path_params["page"]
    if not (number.isascii() and number.isdigit()) or len(number) > 4:
        return error(400, "bad_request", "a page is a number in ASCII digits")
    if not 1 <= int(number) <= len(contribution.page_sizes):
        return error(
            404, "not_found", f"this contribution has pages 1 to {len(contribution.page_sizes)}"
        )
    width = request.query_params.get("width", str(WIDTHS[1]))
    if width not in {str(w) for w in WIDTHS}:
        return error(400, "bad_request", f"width is one of {', '.join(map(str, WIDTHS))}")
    store = _documents(request).store
    try:
        path = await store.page_image(contribution.pdf_sha256, int(number), int(width))
    except Preparing as later:
        refused = error(503, "preparing", str(later))
        refused.headers["Retry-After"] = str(later.retry_after)
        return refused
    except RenderError as failure:
        return error(422, failure.code, failure.message)
    except FileNotFoundError:
        return error(503, "unavailable", "the contribution's file cannot be read now; try again")
    # Not cached by the browser: a returned contribution's reader may change.
    return Response(
        path.read_bytes(), media_type="image/webp", headers={"Cache-Control": "no-store"}
    )


async def submit(request: Request) -> Response:
    """`POST .../contributions?title=T[&replaces=ID]`: a delegate's PDF or text."""
    caller = await _caller(request)
    if isinstance(caller, Response):
        return caller
    token, writer = caller
    if token.role is not Role.DELEGATE or token.delegate_id is None:
        return error(403, "forbidden", "only a delegate submits a contribution")
    params = request.query_params
    title = params.get("title", "")
    replaces = params.get("replaces") or None
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if not title.strip() or len(title) > MAX_TITLE:
        return error(422, "invalid_args", f"a contribution's title has 1 to {MAX_TITLE} characters")
    store = _documents(request).store
    # The request guard has bounded the body (docs/limits.md) before this reads it.
    body = await request.body()
    try:
        if content_type == PDF:
            # The same checks as a document's file, PDFium in a worker: untrusted bytes.
            stored = await store.add(body)
            kind, sha256, pdf_sha256 = ContributionKind.PDF, stored.sha256, stored.sha256
        else:
            try:
                words = body.decode("utf-8").strip()
            except UnicodeDecodeError:
                return error(400, "bad_request", "a text contribution is sent as UTF-8")
            if not words or len(words) > MAX_CONTRIBUTION_TEXT:
                return error(
                    400,
                    "bad_request",
                    f"a text contribution has 1 to {MAX_CONTRIBUTION_TEXT} characters",
                )
            body = words.encode("utf-8")
            sha256 = hashlib.sha256(body).hexdigest()
            author = writer.state.delegates.get(token.delegate_id)
            byline = "" if author is None else f"{author.name} — {author.unit}".strip(" —")
            async with _layout_turn:
                laid_out = await lay_out_apart(title.strip(), byline, words)
            stored = await store.add(laid_out)
            await _documents(request).rooms.backend.put_blob(sha256, body)
            kind, pdf_sha256 = ContributionKind.TEXT, stored.sha256
    except UploadError as refused:
        status = 413 if refused.code == "file_too_large" else 422
        return error(status, refused.code, refused.message)
    except RenderError as failure:
        return error(422, failure.code, failure.message)
    except BackendUnavailable:
        return error(503, "not_durable", "the store cannot be reached; try again")
    command = SubmitContribution(
        title=title,
        kind=kind,
        sha256=sha256,
        size=len(body),
        pdf_sha256=pdf_sha256,
        page_sizes=stored.page_sizes,
        replaces=replaces,
    )
    try:
        outcome = await writer.submit(
            command, actor_of(token), command_id=uuid.uuid4().hex, token_id=token.token_id
        )
    except BackendUnavailable:
        return error(503, "not_durable", "the log cannot be reached; try again")
    if isinstance(outcome, Refused):
        status = {"not_found": 404, "invalid_state": 409, "forbidden": 403}.get(outcome.code, 422)
        refusal = error(status, outcome.code, outcome.message)
        if outcome.reason is not None:
            refusal = JSONResponse(
                {"error": outcome.code, "reason": outcome.reason, "message": outcome.message},
                status_code=status,
            )
        return refusal
    mine = own_contributions(writer.state, token.delegate_id)
    made = next((entry for entry in mine if entry["id"] == replaces), mine[-1])
    return JSONResponse(made, status_code=201)


def routes() -> list[BaseRoute]:
    base = "/api/rooms/{room}/contributions"
    one = base + "/{contribution}"
    return [
        Route(base, submit, methods=["POST"]),
        Route(one, describe, methods=["GET"]),
        Route(one + "/text", text, methods=["GET"]),
        Route(one + "/pages/{page}.webp", page, methods=["GET"]),
    ]
