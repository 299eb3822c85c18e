"""HTTP for documents: sign-in cookie, upload, list, page images and text, each by access level."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..auth import MAX_TOKEN, actor_of, authenticate
from ..backends.base import Backend, BackendUnavailable, TokenRecord
from ..core.state import Access, DocumentInfo, DocumentVersion, Role, audience_may_see
from ..protocol.codes import HttpErrorCode
from ..writer import RoomWriter
from .importing import import_document
from .marks import watermark_for
from .render import RenderError
from .scheduler import Preparing
from .search_index import retry_after
from .store import WIDTHS, DocumentStore, UploadError

COOKIE = "congress_token"
"""Holds the sign-in token for page images, which a browser fetches without our headers."""

UPLOADERS = frozenset({Role.PRESIDIUM, Role.SECRETARIAT})
INLINE_IMAGE_BYTES = 1 << 20
"""A page image up to this size is sent from memory; a larger one (a very tall page) is
streamed from its file."""
_IMMUTABLE = "private, max-age=31536000, immutable"


def error(status: int, code: HttpErrorCode, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status)


_NO_TOKEN = error(401, "unauthorized", "sign in with a valid token")
# A document, or a version of one, that the caller may not see is answered exactly as one
# that does not exist: a board cannot confirm that a confidential id is there.
_NO_DOCUMENT = error(404, "not_found", "no such document")
_NO_VERSION = error(404, "not_found", "no such version of this document")


class Rooms(Protocol):
    """The rooms this node serves (the hub): their log and tokens, and each room's writer."""

    @property
    def backend(self) -> Backend: ...

    async def writer(self, name: str) -> RoomWriter | None: ...


@dataclass(frozen=True)
class Documents:
    """What the endpoints need; the app makes one at start-up."""

    rooms: Rooms
    store: DocumentStore


def _documents(request: Request) -> Documents:
    documents: Documents = request.app.state.documents
    return documents


def secret_of(request: Request) -> str:
    """The secret from `Authorization: Bearer` or the sign-in cookie; never the URL."""
    header = request.headers.get("authorization", "")
    secret = header[7:].strip() if header[:7].lower() == "bearer " else ""
    return secret or request.cookies.get(COOKIE, "")


async def _token(request: Request) -> TokenRecord | None:
    """The caller's live token for the room in the path."""
    backend = _documents(request).rooms.backend
    return await authenticate(backend, secret_of(request), request.path_params["room"])


# --- sign-in ---------------------------------------------------------------------------


async def sign_in(request: Request) -> Response:
    try:
        body = json.loads(await request.body())
        secret = body["token"] if isinstance(body, dict) else None
    except (ValueError, KeyError, RecursionError):
        # RecursionError: a body nested thousands deep, which the JSON parser gives up on.
        secret = None
    if not isinstance(secret, str) or not 0 < len(secret) <= MAX_TOKEN:
        return error(400, "bad_request", 'send {"token": "..."} as JSON')
    record = await authenticate(_documents(request).rooms.backend, secret, None)
    if record is None:
        return _NO_TOKEN
    response = JSONResponse(
        {
            "role": record.role.value,
            "room": record.room,
            "delegate_id": record.delegate_id,
            "label": record.label,
        }
    )
    response.set_cookie(
        COOKIE,
        secret,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/api/",
    )
    return response


async def sign_out(request: Request) -> Response:
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path="/api/")
    return response


# --- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Access:
    token: TokenRecord
    doc: DocumentInfo
    writer: RoomWriter


async def _allowed(request: Request) -> _Access | Response:
    """The caller's token and the document, or the response refusing them.

    A document the caller may not see is the same 404 as a document that does not exist.
    """
    token = await _token(request)
    if token is None:
        return _NO_TOKEN
    room_name = request.path_params["room"]
    writer = await _documents(request).rooms.writer(room_name)
    if writer is None:
        return error(404, "not_found", "no such room")
    doc = writer.state.document(request.path_params["document"])
    if doc is None or not audience_may_see(token.role, doc.access):
        return _NO_DOCUMENT
    return _Access(token, doc, writer)


def _describe(doc: DocumentInfo, role: Role) -> dict[str, Any]:
    """The document as `role` may know it: the versions it may read, and only those."""
    return {
        "id": doc.id,
        "title": doc.title,
        "access": doc.access.value,
        "pages": doc.pages,
        "version": doc.current.version if doc.current else 0,
        "versions": [
            {
                "version": v.version,
                "sha256": v.sha256,
                "pages": v.pages,
                "page_sizes": [[s.width, s.height] for s in v.page_sizes],
                "registered_at": v.registered_at,
            }
            for v in doc.versions
            if audience_may_see(role, v.access)
        ],
    }


async def list_documents(request: Request) -> Response:
    token = await _token(request)
    if token is None:
        return _NO_TOKEN
    room_name = request.path_params["room"]
    writer = await _documents(request).rooms.writer(room_name)
    if writer is None:
        return error(404, "not_found", "no such room")
    visible = [d for d in writer.state.documents if audience_may_see(token.role, d.access)]
    return JSONResponse({"documents": [_describe(d, token.role) for d in visible]})


async def describe_document(request: Request) -> Response:
    allowed = await _allowed(request)
    if isinstance(allowed, Response):
        return allowed
    return JSONResponse(_describe(allowed.doc, allowed.token.role))


def _page_address(request: Request, access: _Access) -> tuple[DocumentVersion, int] | Response:
    """The version and page the path names, if the caller may read that version."""
    number = _number(request.path_params["version"])
    page = _number(request.path_params["page"])
    if number is None or page is None:
        return error(400, "bad_request", "a version and a page are numbers in ASCII digits")
    version = access.doc.version(number)
    # Each version is read by the audience it was registered for, whatever came after it.
    if version is None or not audience_may_see(access.token.role, version.access):
        return _NO_VERSION
    if not 1 <= page <= version.pages:
        return error(404, "not_found", f"this version has pages 1 to {version.pages}")
    return version, page


def _number(text: str) -> int | None:
    """A positive number written in ASCII digits; str.isdigit() also takes "²" and "٣"."""
    if not (text.isascii() and text.isdigit()) or len(text) > 7:
        return None
    return int(text)


async def page_image(request: Request) -> Response:
    allowed = await _allowed(request)
    if isinstance(allowed, Response):
        return allowed
    address = _page_address(request, allowed)
    if isinstance(address, Response):
        return address
    version, page = address
    sha256 = version.sha256
    width = _number(request.query_params.get("width", str(WIDTHS[1])))
    if width not in WIDTHS:
        return error(400, "bad_request", f"width is one of {', '.join(map(str, WIDTHS))}")
    watermark = watermark_for(allowed.token, version)
    # The same version, page, width and mark are the same bytes for good: a strong tag.
    mark = "-m" + hashlib.sha256(watermark.encode()).hexdigest()[:12] if watermark else ""
    tag = f'"{sha256[:32]}-{page}-{width}{mark}"'
    headers = {"ETag": tag, "Cache-Control": _IMMUTABLE, "Vary": "Cookie, Authorization"}
    if tag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    live = _is_live(allowed.writer, allowed.doc.id, version.version, page)
    try:
        path = await _documents(request).store.page_image(sha256, page, width, watermark, live)
    except Preparing as later:
        # Not made yet, and a worker was not free soon enough: the tablet shows "preparing"
        # and asks again, rather than every tablet's request piling up in the hub.
        refused = error(503, "preparing", str(later))
        refused.headers["Retry-After"] = str(later.retry_after)
        refused.headers["Cache-Control"] = "no-store"
        return refused
    except RenderError as failure:
        return error(422, failure.code, failure.message)
    except FileNotFoundError:
        return error(503, "unavailable", "the document's file cannot be read now; try again")
    if path.stat().st_size <= INLINE_IMAGE_BYTES:
        # Read whole, on the loop, from the page cache (tens of microseconds): the file
        # response's thread hops (stat, open, each 64 KB chunk) halved how many images a
        # page turn to 500 tablets got out in a second.
        return Response(path.read_bytes(), media_type="image/webp", headers=headers)
    return FileResponse(path, media_type="image/webp", headers=headers)


def _is_live(writer: RoomWriter, document_id: str, version: int, page: int) -> Callable[[], bool]:
    """Whether this page is on the room's screen, asked when a render worker frees."""

    def live() -> bool:
        state = writer.state
        shown = state.showing
        if shown is None or shown.document_id != document_id or shown.page != page:
            return False
        doc = state.document(document_id)
        return doc is not None and doc.current is not None and doc.current.version == version

    return live


async def page_text(request: Request) -> Response:
    allowed = await _allowed(request)
    if isinstance(allowed, Response):
        return allowed
    address = _page_address(request, allowed)
    if isinstance(address, Response):
        return address
    version, page = address
    try:
        text = await _documents(request).store.page_text(version.sha256, page)
    except RenderError as failure:
        return error(422, failure.code, failure.message)
    return JSONResponse({"page": page, "text": text}, headers={"Cache-Control": _IMMUTABLE})


async def page_paragraphs(request: Request) -> Response:
    """The paragraphs of a page (id, text, box as fractions of the page), for whoever may
    read the page's text: a tablet picks one to give an opinion on."""
    allowed = await _allowed(request)
    if isinstance(allowed, Response):
        return allowed
    address = _page_address(request, allowed)
    if isinstance(address, Response):
        return address
    version, page = address
    try:
        found = await _documents(request).store.paragraphs(version.sha256, version.pages)
    except RenderError as failure:
        return error(422, failure.code, failure.message)
    except FileNotFoundError:
        return error(503, "unavailable", "the document's file cannot be read now; try again")
    registered = set(version.paragraphs[page - 1]) if version.paragraphs else set()
    return JSONResponse(
        {
            "page": page,
            "paragraphs": [
                {"id": p.id, "text": p.text, "box": list(p.box)}
                for p in found[page - 1]
                # Only what the room registered: an opinion can be given on each one listed.
                if p.id in registered
            ],
        },
        headers={"Cache-Control": _IMMUTABLE},
    )


async def search(request: Request) -> Response:
    allowed = await _allowed(request)
    if isinstance(allowed, Response):
        return allowed
    store = _documents(request).store
    wait = store.search_rate.admit(allowed.token.token_id)
    if wait:
        refused = error(429, "rate_limited", "too many searches from this sign-in; slow down")
        refused.headers["Retry-After"] = retry_after(wait)
        return refused
    current = allowed.doc.current
    query = request.query_params.get("q", "")[:200]
    if current is None:
        return JSONResponse({"results": []})
    try:
        found = await store.search(current.sha256, current.pages, query)
    except RenderError as failure:
        return error(422, failure.code, failure.message)
    except FileNotFoundError:
        return error(503, "unavailable", "the document's file cannot be read now; try again")
    return JSONResponse(
        {
            "version": current.version,
            "results": [{"page": page, "snippet": snippet} for page, snippet in found],
        }
    )


# --- upload ----------------------------------------------------------------------------


async def upload(request: Request) -> Response:
    token = await _token(request)
    if token is None:
        return _NO_TOKEN
    room_name = request.path_params["room"]
    if token.role not in UPLOADERS:
        return error(403, "forbidden", "only the presidium and the secretariat add documents")
    documents = _documents(request)
    writer = await documents.rooms.writer(room_name)
    if writer is None:
        return error(404, "not_found", "no such room")
    params = request.query_params
    try:
        access = Access(params.get("access", ""))
    except ValueError:
        return error(400, "bad_request", "access is public, delegates or presidium")
    # The request guard has bounded the body (docs/limits.md) before this reads it.
    body = await request.body()
    try:
        doc = await import_document(
            documents.store,
            writer,
            body,
            document_id=params.get("id", ""),
            title=params.get("title", ""),
            access=access,
            actor=actor_of(token),
            token_id=token.token_id,
        )
    except UploadError as refused:
        status = 413 if refused.code == "file_too_large" else 422
        return error(status, refused.code, refused.message)
    except BackendUnavailable:
        return error(503, "not_durable", "the document store cannot be reached; try again")
    return JSONResponse(_describe(doc, token.role), status_code=201)


def routes() -> list[BaseRoute]:
    base = "/api/rooms/{room}/documents"
    page = base + "/{document}/versions/{version}/pages/{page}"
    return [
        Route("/api/session", sign_in, methods=["POST"]),
        Route("/api/session", sign_out, methods=["DELETE"]),
        Route(base, list_documents, methods=["GET"]),
        Route(base, upload, methods=["POST"]),
        Route(base + "/{document}", describe_document, methods=["GET"]),
        Route(base + "/{document}/search", search, methods=["GET"]),
        Route(page + ".webp", page_image, methods=["GET"]),
        Route(page + "/text", page_text, methods=["GET"]),
        Route(page + "/paragraphs", page_paragraphs, methods=["GET"]),
    ]
