"""HTTP for documents: sign-in cookie, upload, list, page images and text, each by access level."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..auth import MAX_TOKEN, actor_of, secret_hash
from ..backends.base import BackendUnavailable, TokenRecord
from ..core.state import Access, DocumentInfo, Role, audience_may_see
from ..hub.node import Hub
from .importing import import_document
from .render import RenderError
from .search_index import retry_after
from .store import WIDTHS, DocumentStore, UploadError

COOKIE = "congress_token"
"""Holds the sign-in token for page images, which a browser fetches without our headers."""

_UPLOADERS = frozenset({Role.PRESIDIUM, Role.SECRETARIAT})
_IMMUTABLE = "private, max-age=31536000, immutable"


def error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status)


_NO_TOKEN = error(401, "unauthorized", "sign in with a valid token")
_FORBIDDEN_MESSAGE = "this document is not available to you"


@dataclass(frozen=True)
class Documents:
    """What the endpoints need; the app makes one at start-up."""

    hub: Hub
    store: DocumentStore


def _documents(request: Request) -> Documents:
    documents: Documents = request.app.state.documents
    return documents


async def _token(request: Request) -> TokenRecord | None:
    """The live token from `Authorization: Bearer` or the sign-in cookie; never the URL."""
    header = request.headers.get("authorization", "")
    secret = header[7:].strip() if header[:7].lower() == "bearer " else ""
    secret = secret or request.cookies.get(COOKIE, "")
    if not 0 < len(secret) <= MAX_TOKEN:
        return None
    record = await _documents(request).hub.backend.find_token(secret_hash(secret))
    if record is None or record.revoked_at is not None:
        return None
    return record


# --- sign-in ---------------------------------------------------------------------------


async def sign_in(request: Request) -> Response:
    try:
        body = json.loads(await request.body())
        secret = body["token"] if isinstance(body, dict) else None
    except (ValueError, KeyError):
        secret = None
    if not isinstance(secret, str) or not 0 < len(secret) <= MAX_TOKEN:
        return error(400, "bad_request", 'send {"token": "..."} as JSON')
    record = await _documents(request).hub.backend.find_token(secret_hash(secret))
    if record is None or record.revoked_at is not None:
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


async def _allowed(request: Request) -> _Access | Response:
    """The caller's token and the document, or the response refusing them.

    A document the caller may not see is 403 with a body that names nothing of it.
    """
    token = await _token(request)
    room_name = request.path_params["room"]
    if token is None or token.room != room_name:
        return _NO_TOKEN
    room = await _documents(request).hub.room(room_name)
    if room is None:
        return error(404, "not_found", "no such room")
    doc = room.state.document(request.path_params["document"])
    if doc is None:
        return error(404, "not_found", "no such document")
    if not audience_may_see(token.role, doc.access):
        return error(403, "forbidden", _FORBIDDEN_MESSAGE)
    return _Access(token, doc)


def _describe(doc: DocumentInfo) -> dict[str, Any]:
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
        ],
    }


async def list_documents(request: Request) -> Response:
    token = await _token(request)
    room_name = request.path_params["room"]
    if token is None or token.room != room_name:
        return _NO_TOKEN
    room = await _documents(request).hub.room(room_name)
    if room is None:
        return error(404, "not_found", "no such room")
    visible = [d for d in room.state.documents if audience_may_see(token.role, d.access)]
    return JSONResponse({"documents": [_describe(d) for d in visible]})


async def describe_document(request: Request) -> Response:
    allowed = await _allowed(request)
    if isinstance(allowed, Response):
        return allowed
    return JSONResponse(_describe(allowed.doc))


def _watermark(access: _Access) -> str | None:
    """The name marked across a confidential page: the delegate's own, so a photo is traced."""
    if access.doc.access is Access.PUBLIC or access.token.role is not Role.DELEGATE:
        return None
    return f"{access.token.label} · {access.token.delegate_id}"


def _page_address(request: Request, doc: DocumentInfo) -> tuple[str, int] | Response:
    version = doc.version(_int(request.path_params["version"]))
    if version is None:
        return error(404, "not_found", "no such version of this document")
    page = _int(request.path_params["page"])
    if not 1 <= page <= version.pages:
        return error(404, "not_found", f"this version has pages 1 to {version.pages}")
    return version.sha256, page


def _int(text: str) -> int:
    return int(text) if text.isdigit() and len(text) < 8 else -1


async def page_image(request: Request) -> Response:
    allowed = await _allowed(request)
    if isinstance(allowed, Response):
        return allowed
    address = _page_address(request, allowed.doc)
    if isinstance(address, Response):
        return address
    sha256, page = address
    width = _int(request.query_params.get("width", str(WIDTHS[1])))
    if width not in WIDTHS:
        return error(400, "bad_request", f"width is one of {', '.join(map(str, WIDTHS))}")
    watermark = _watermark(allowed)
    # The same version, page, width and mark are the same bytes for good: a strong tag.
    mark = "-m" + hashlib.sha256(watermark.encode()).hexdigest()[:12] if watermark else ""
    tag = f'"{sha256[:32]}-{page}-{width}{mark}"'
    headers = {"ETag": tag, "Cache-Control": _IMMUTABLE, "Vary": "Cookie, Authorization"}
    if tag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    try:
        path = await _documents(request).store.page_image(sha256, page, width, watermark)
    except RenderError as failure:
        return error(422, failure.code, failure.message)
    except FileNotFoundError:
        return error(503, "unavailable", "the document's file cannot be read now; try again")
    return FileResponse(path, media_type="image/webp", headers=headers)


async def page_text(request: Request) -> Response:
    allowed = await _allowed(request)
    if isinstance(allowed, Response):
        return allowed
    address = _page_address(request, allowed.doc)
    if isinstance(address, Response):
        return address
    sha256, page = address
    try:
        text = await _documents(request).store.page_text(sha256, page)
    except RenderError as failure:
        return error(422, failure.code, failure.message)
    return JSONResponse({"page": page, "text": text}, headers={"Cache-Control": _IMMUTABLE})


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
    room_name = request.path_params["room"]
    if token is None or token.room != room_name:
        return _NO_TOKEN
    if token.role not in _UPLOADERS:
        return error(403, "forbidden", "only the presidium and the secretariat add documents")
    documents = _documents(request)
    room = await documents.hub.room(room_name)
    if room is None:
        return error(404, "not_found", "no such room")
    params = request.query_params
    try:
        access = Access(params.get("access", ""))
    except ValueError:
        return error(400, "bad_request", "access is public, delegates or presidium")
    limit = documents.store.limits.max_file_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return error(413, "file_too_large", f"at most {limit} bytes are taken")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return error(413, "file_too_large", f"at most {limit} bytes are taken")
    try:
        doc = await import_document(
            documents.store,
            room,
            bytes(body),
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
    return JSONResponse(_describe(doc), status_code=201)


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
    ]
