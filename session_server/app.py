"""The Starlette application: the screens' websocket endpoint and the hub's health check."""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from . import contributions_http, history, metrics, pages
from .auth import authenticate
from .backends import open_backend
from .backends.base import BackendUnavailable
from .core.state import Role, RoomState
from .documents.http import UPLOADERS, Documents, secret_of
from .documents.http import routes as document_routes
from .documents.preparation import Preparer
from .documents.preparation import routes as preparation_routes
from .documents.render import RenderPool
from .documents.store import DocumentLimits, DocumentStore, StoredFile
from .http_guard import HttpLimits, RequestGuard
from .hub.connection import serve_screen
from .hub.node import Hub, Limits
from .hub.room import Room
from .hub.websocket_protocol import FRAMES_EXTENSION
from .minutes.http import routes as minutes_routes
from .opinions.http import routes as opinion_routes
from .protocol.codes import Close
from .record.keys import Signer, grouped

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class Settings:
    data_dir: Path
    backend_url: str | None = None
    limits: Limits = field(default_factory=Limits)
    allowed_origins: tuple[str, ...] = ()
    documents: DocumentLimits = field(default_factory=DocumentLimits)
    http: HttpLimits = field(default_factory=HttpLimits)
    prerender: bool = True
    signer: Signer | None = None
    """The congress's checkpoint key (`serve --signing-key`); None: hashes only, no signing."""


def _state_of(room: Room) -> Callable[[], RoomState]:
    return lambda: room.state


def create_app(settings: Settings) -> ASGIApp:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        backend = await open_backend(settings.backend_url, settings.data_dir)
        hub = Hub(backend, limits=settings.limits, allowed_origins=settings.allowed_origins)
        app.state.hub = hub
        signer = settings.signer
        if signer is None:
            log.warning("no signing key: the log is hash-chained, no checkpoint is signed")
        else:
            log.info("checkpoints signed with key %s", grouped(signer.key_id))
        hub.on_room_loaded.append(lambda room: setattr(room.writer, "signer", signer))
        # Its workers start with the first document job, not with the hub.
        pool = RenderPool(settings.documents.render, metrics=hub.metrics)
        store = DocumentStore(backend, settings.data_dir, pool, settings.documents)
        hub.metrics.documents = store
        app.state.documents = Documents(hub, store)
        hub.start()
        preparer = app.state.preparer = Preparer(store, backend)
        store.preparation = preparer.progress

        def prepare(room: Room) -> None:
            # Pages missing from this node's cache (a new node, a demo just loaded) are
            # rendered in the background; cached ones are skipped at once.
            for doc in room.state.documents:
                if doc.current is not None:
                    store.prerender(StoredFile(doc.current.sha256, doc.current.page_sizes))
            # Then every reader's marked copy of every confidential page.
            room.listeners.append(preparer.follow(room.name, _state_of(room)))

        if settings.prerender:
            # Rooms loaded later too (created after the start, asked for by a screen).
            hub.on_room_loaded.append(prepare)
        for name in await backend.rooms():
            await hub.room(name)
        # What is loaded now lives as long as the process: frozen, the collector stops
        # walking it. Young collections made rarer: a page turn to thousands of screens
        # allocates a coroutine per screen, and with the default threshold the collector
        # ran several times per turn; full collections were the hub's worst latencies.
        gc.freeze()
        gc.set_threshold(100_000, 50, 100)
        try:
            yield
        finally:
            await preparer.close()
            await hub.close()
            await store.close()
            await pool.close()
            await backend.close()

    async def healthz(request: Request) -> Response:
        hub: Hub = request.app.state.hub
        rooms = {
            name: {"seq": room.state.seq, "screens": room.screen_count(), "failure": room.failure}
            for name, room in hub.rooms.items()
        }
        problems = [f"{name}: {room['failure']}" for name, room in rooms.items() if room["failure"]]
        try:
            for name in rooms:
                await hub.backend.head(name)
        except BackendUnavailable as error:
            problems.append(f"log unreachable: {error}")
        else:
            try:
                # Reads alone said "ok" while Redis refused every write (replicas missing).
                await hub.backend.check_writable(hub.node_id)
            except BackendUnavailable as error:
                problems.append(f"log refuses writes: {error}")
        documents: Documents = request.app.state.documents
        pool = documents.store.pool
        if pool.failing():
            problems.append(
                f"render workers keep dying: {pool.limits.failing_replacements} replaced"
                f" within {pool.limits.failing_seconds:g} s"
            )
        body: dict[str, object] = {
            "status": "degraded" if problems else "ok",
            "node": hub.node_id,
            "rooms": rooms,
            "signing_key": None if settings.signer is None else settings.signer.key_id,
            "documents": {
                "renders": documents.store.pool.renders,
                "served_from_cache": documents.store.served_from_cache,
                "workers_replaced": documents.store.pool.replaced,
                "marked_pages_prepared": {
                    room: {"prepared": p.prepared, "total": p.total}
                    for room, p in documents.store.preparation.items()
                },
            },
        }
        if problems:
            body["problems"] = problems
        return JSONResponse(body, status_code=503 if problems else 200)

    starlette = Starlette(
        routes=[
            Route("/healthz", healthz),
            # Prometheus's GET carries no Origin and no custom header: the guard lets a
            # safe method through, and the endpoint checks who asks.
            Route("/metrics", metrics.endpoint, methods=["GET"]),
            *document_routes(),
            *preparation_routes(),
            *minutes_routes(),
            *contributions_http.routes(),
            *opinion_routes(),
            *history.routes(),
            *pages.routes(),
        ],
        lifespan=lifespan,
    )

    async def may_upload(scope: Scope) -> bool:
        request = Request(scope)
        room = scope["path"].split("/")[3]
        token = await authenticate(starlette.state.hub.backend, secret_of(request), room)
        if token is None:
            return False
        if scope["path"].endswith("/contributions"):
            # A written contribution is a delegate's own upload.
            return token.role is Role.DELEGATE
        return token.role in UPLOADERS

    def origin_allowed(origin: str | None, host: str | None) -> bool:
        hub: Hub = starlette.state.hub
        return hub.origin_allowed(origin, host)

    guarded = RequestGuard(
        starlette,
        limits=settings.http,
        upload_bytes=settings.documents.max_file_bytes,
        may_upload=may_upload,
        origin_allowed=origin_allowed,
        contribution_bytes=min(
            settings.documents.max_file_bytes, contributions_http.MAX_CONTRIBUTION_BYTES
        ),
    )

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        # The screens' socket bypasses Starlette's routing and middleware: they wrap every
        # send in more coroutines, and a page turn is one send per screen in the hall.
        if scope["type"] == "websocket" and scope["path"] == "/ws":
            websocket = WebSocket(scope, receive, send)
            sink = (scope.get("extensions") or {}).get(FRAMES_EXTENSION, {}).get("sink")
            if sink is None:
                # Another ASGI server: the screens need the hub's own WebSocket protocol.
                log.error("/ws needs `congress serve` (its WebSocket protocol); refused")
                await websocket.close(code=Close.INTERNAL)
                return
            await serve_screen(websocket, receive, starlette.state.hub, sink)
        else:
            await guarded(scope, receive, send)

    return app
