"""Opinions over HTTP: the roll-up (JSON, and PDF and CSV for the staff), a delegate's own."""

from __future__ import annotations

import asyncio
import multiprocessing
import re
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..auth import authenticate
from ..backends.base import TokenRecord
from ..core.group_state import group_of
from ..core.opinion_state import OpinionKind
from ..core.state import DocumentVersion, Role, RoomState
from ..documents.http import Documents, error, secret_of
from ..documents.render import RenderError
from ..minutes.text import DEFAULT_TZ, zone
from .exports import LANGS, to_csv
from .rollup import STAFF, Filter, own_opinions, readable_version, rollup

_SAFE_NAME = re.compile(r"[^A-Za-z0-9_-]+")


def _pdf(rolled: dict[str, Any], tz: ZoneInfo, made_at: int, lang: str) -> bytes:
    # In the child process: fpdf2 is loaded there, never into the hub for a CSV or a page.
    from .pdf import to_pdf

    return to_pdf(rolled, tz, made_at, lang)


class _PdfMaker:
    """Lays out each roll-up's PDF in a fresh child process, one at a time, as the minutes
    are made: fpdf2 holds the interpreter for seconds on a long roll-up, which in a thread
    would stall every screen of the node."""

    def __init__(self) -> None:
        self._turn = asyncio.Lock()

    async def make(self, rolled: dict[str, Any], tz: ZoneInfo, made_at: int, lang: str) -> bytes:
        async with self._turn:
            pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn")
            )
            try:
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(pool, _pdf, rolled, tz, made_at, lang)
            finally:
                pool.shutdown(wait=False)


_pdf_maker = _PdfMaker()
MAX_QUERY = 200
"""Characters of a roll-up's search words kept."""


async def _caller(request: Request) -> tuple[TokenRecord, RoomState] | Response:
    documents: Documents = request.app.state.documents
    token = await authenticate(
        documents.rooms.backend, secret_of(request), request.path_params["room"]
    )
    if token is None:
        return error(401, "unauthorized", "sign in with a valid token")
    writer = await documents.rooms.writer(request.path_params["room"])
    if writer is None:
        return error(404, "not_found", "no such room")
    return token, writer.state


async def _texts(request: Request, version: DocumentVersion) -> dict[str, str] | Response:
    """The paragraphs' text of a version, by id (from the document store's cache)."""
    if not version.paragraphs:
        return {}
    documents: Documents = request.app.state.documents
    try:
        found = await documents.store.paragraphs(version.sha256, version.pages)
    except RenderError as failure:
        return error(422, failure.code, failure.message)
    except FileNotFoundError:
        return error(503, "unavailable", "the document's file cannot be read now; try again")
    return {p.id: p.text for page in found for p in page}


def _filter(request: Request) -> Filter | Response:
    params = request.query_params
    kind = params.get("kind") or None
    if kind is not None and kind not in {k.value for k in OpinionKind}:
        return error(400, "bad_request", "kind is agree, amend, add, remove or other")
    group = params.get("group")
    return Filter(
        kind=None if kind is None else OpinionKind(kind),
        group_id=None if group is None else group[:64],
        query=params.get("q", "")[:MAX_QUERY],
    )


async def _rolled(request: Request, staff_only: bool) -> tuple[dict[str, Any], str] | Response:
    caller = await _caller(request)
    if isinstance(caller, Response):
        return caller
    token, state = caller
    if staff_only and token.role not in STAFF:
        return error(403, "forbidden", "only the presidium and the secretariat take the exports")
    number_text = request.query_params.get("version")
    number = None
    if number_text is not None:
        if not (number_text.isascii() and number_text.isdigit()) or len(number_text) > 7:
            return error(400, "bad_request", "version is a number in ASCII digits")
        number = int(number_text)
    found = readable_version(state, token.role, request.path_params["document"], number)
    if found is None:
        # A board, or a document or version the caller may not read: as if it did not exist.
        return error(404, "not_found", "no such document or version")
    wanted = _filter(request)
    if isinstance(wanted, Response):
        return wanted
    doc, version = found
    texts = await _texts(request, version)
    if isinstance(texts, Response):
        return texts
    return rollup(state, doc, version, token.role, texts, wanted), doc.id


async def rollup_json(request: Request) -> Response:
    """`GET /api/rooms/{room}/opinions/{document}?version=&kind=&group=&q=`."""
    rolled = await _rolled(request, staff_only=False)
    if isinstance(rolled, Response):
        return rolled
    return JSONResponse(rolled[0], headers={"Cache-Control": "no-store"})


def _attachment(data: bytes, media_type: str, room: str, document: str, suffix: str) -> Response:
    filename = f"{_SAFE_NAME.sub('-', room)}-{_SAFE_NAME.sub('-', document)}-{suffix}"
    return Response(
        data,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            # The staff's copy names the authors: no cache keeps it.
            "Cache-Control": "no-store",
        },
    )


def _lang_tz(request: Request) -> tuple[str, ZoneInfo] | Response:
    lang = request.query_params.get("lang", "vi")
    if lang not in LANGS:
        return error(400, "bad_request", "lang is vi or en")
    try:
        tz = zone(request.query_params.get("tz", DEFAULT_TZ)[:64])
    except ValueError as bad:
        return error(400, "bad_request", str(bad))
    return lang, tz


async def rollup_pdf(request: Request) -> Response:
    """`GET /api/rooms/{room}/opinions/{document}/rollup.pdf?version=&lang=&tz=` (staff)."""
    rolled = await _rolled(request, staff_only=True)
    if isinstance(rolled, Response):
        return rolled
    chosen = _lang_tz(request)
    if isinstance(chosen, Response):
        return chosen
    lang, tz = chosen
    made_at = int(time.time() * 1000)
    data = await _pdf_maker.make(rolled[0], tz, made_at, lang)
    name = f"v{rolled[0]['version']}-opinions.pdf"
    return _attachment(data, "application/pdf", request.path_params["room"], rolled[1], name)


async def rollup_csv(request: Request) -> Response:
    """`GET /api/rooms/{room}/opinions/{document}/rollup.csv?version=&lang=&tz=` (staff)."""
    rolled = await _rolled(request, staff_only=True)
    if isinstance(rolled, Response):
        return rolled
    chosen = _lang_tz(request)
    if isinstance(chosen, Response):
        return chosen
    lang, tz = chosen
    data = to_csv(rolled[0], tz, lang)
    name = f"v{rolled[0]['version']}-opinions.csv"
    return _attachment(
        data, "text/csv; charset=utf-8", request.path_params["room"], rolled[1], name
    )


async def mine(request: Request) -> Response:
    """`GET /api/rooms/{room}/my-opinions`: a delegate's own opinions, and for a group's
    secretary the members they may record for."""
    caller = await _caller(request)
    if isinstance(caller, Response):
        return caller
    token, state = caller
    if token.role is not Role.DELEGATE or token.delegate_id is None:
        return error(403, "forbidden", "only a delegate has opinions of their own")
    me = token.delegate_id
    group = group_of(state.groups, me)
    members = []
    if group is not None and group.secretary == me:
        members = [
            {"id": d, "name": state.delegates[d].name if d in state.delegates else d}
            for d in group.members
        ]
    return JSONResponse(
        {
            "opinions": own_opinions(state, me),
            "group": None if group is None else {"id": group.id, "name": group.name},
            "members": members,
        },
        headers={"Cache-Control": "no-store"},
    )


def routes() -> list[BaseRoute]:
    base = "/api/rooms/{room}/opinions/{document}"
    return [
        Route("/api/rooms/{room}/my-opinions", mine, methods=["GET"]),
        Route(base, rollup_json, methods=["GET"]),
        Route(base + "/rollup.pdf", rollup_pdf, methods=["GET"]),
        Route(base + "/rollup.csv", rollup_csv, methods=["GET"]),
    ]
