"""The minutes and the secretariat's tables over HTTP, for the staff's console."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..auth import authenticate
from ..backends.base import Backend, BackendUnavailable
from ..documents.http import UPLOADERS, error, secret_of
from .entries import COPIES
from .exports import FORMATS, MEDIA_TYPES, TABLES
from .jobs import Producer, Wanted, read_log
from .text import DEFAULT_TZ, LANGS, zone

_SAFE_NAME = re.compile(r"[^A-Za-z0-9_-]+")


def routes() -> list[BaseRoute]:
    producer = Producer()

    async def make(request: Request, wanted: Wanted, name: str, media_type: str) -> Response:
        room = request.path_params["room"]
        backend: Backend = request.app.state.hub.backend
        token = await authenticate(backend, secret_of(request), room)
        if token is None:
            return error(401, "unauthorized", "sign in with a valid token")
        if token.role not in UPLOADERS:
            return error(403, "forbidden", "only the presidium and the secretariat take these")
        try:
            records = await read_log(backend, room)
        except BackendUnavailable:
            return error(503, "unavailable", "the log cannot be read now")
        if not records:
            return error(404, "not_found", "no such room")
        data = await producer.produce(room, records, wanted)
        filename = f"{_SAFE_NAME.sub('-', room)}-{name}"
        return Response(
            data,
            media_type=media_type,
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                # The full copy names confidential papers and the roll: no cache keeps it.
                "Cache-Control": "no-store",
            },
        )

    async def minutes(request: Request) -> Response:
        """`GET /api/rooms/{room}/minutes.pdf?copy=full|public&lang=vi|en&tz=ZONE`."""
        params = request.query_params
        copy = params.get("copy", "full")
        lang = params.get("lang", "vi")
        tz = params.get("tz", DEFAULT_TZ)
        if copy not in COPIES:
            return error(400, "bad_request", "copy is full or public")
        if lang not in LANGS:
            return error(400, "bad_request", "lang is vi or en")
        if (problem := _bad_zone(tz)) is not None:
            return problem
        wanted = Wanted(copy=copy, lang=lang, tz=tz)
        return await make(request, wanted, f"bien-ban-{copy}-{lang}.pdf", "application/pdf")

    async def table(request: Request) -> Response:
        """`GET /api/rooms/{room}/exports/{table}.{csv|json}?tz=`, a table of `TABLES`."""
        what, _, fmt = request.path_params["name"].partition(".")
        tz = request.query_params.get("tz", DEFAULT_TZ)
        table = next((t for t in TABLES if t == what), None)
        form = next((f for f in FORMATS if f == fmt), None)
        if table is None or form is None:
            return error(
                404,
                "not_found",
                "the tables are attendance, speeches, votes, timeline and contributions,"
                " .csv or .json",
            )
        if (problem := _bad_zone(tz)) is not None:
            return problem
        wanted = Wanted(table=table, fmt=form, tz=tz)
        return await make(request, wanted, f"{table}.{form}", MEDIA_TYPES[form])

    return [
        Route("/api/rooms/{room}/minutes.pdf", minutes, methods=["GET"]),
        Route("/api/rooms/{room}/exports/{name}", table, methods=["GET"]),
    ]


def _bad_zone(tz: str) -> Response | None:
    try:
        zone(tz)
    except ValueError as refused:
        return error(400, "bad_request", str(refused))
    return None
