"""The Starlette application: the screens' websocket endpoint and the hub's health check."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from .backends import open_backend
from .backends.base import BackendUnavailable
from .hub.connection import serve_screen
from .hub.node import Hub, Limits


@dataclass(frozen=True, kw_only=True)
class Settings:
    data_dir: Path
    backend_url: str | None = None
    limits: Limits = field(default_factory=Limits)
    allowed_origins: tuple[str, ...] = ()


def create_app(settings: Settings) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        backend = await open_backend(settings.backend_url, settings.data_dir)
        hub = Hub(backend, limits=settings.limits, allowed_origins=settings.allowed_origins)
        app.state.hub = hub
        hub.start()
        for name in await backend.rooms():
            await hub.room(name)
        try:
            yield
        finally:
            await hub.close()
            await backend.close()

    async def websocket(websocket: WebSocket) -> None:
        await serve_screen(websocket, websocket.app.state.hub)

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
        body: dict[str, object] = {
            "status": "degraded" if problems else "ok",
            "node": hub.node_id,
            "rooms": rooms,
        }
        if problems:
            body["problems"] = problems
        return JSONResponse(body, status_code=503 if problems else 200)

    async def index(request: Request) -> Response:
        return JSONResponse(
            {"service": "Paperless Congress hub", "websocket": "/ws", "health": "/healthz"}
        )

    return Starlette(
        routes=[
            Route("/", index),
            Route("/healthz", healthz),
            WebSocketRoute("/ws", websocket),
        ],
        lifespan=lifespan,
    )
