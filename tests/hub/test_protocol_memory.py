"""The hub's WebSocket protocol keeps uvicorn's per-connection state in slots, not a dict."""

from __future__ import annotations

import asyncio

from uvicorn.config import Config
from uvicorn.server import ServerState

from session_server.hub.websocket_protocol import HubWebSocketProtocol


async def app(scope: object, receive: object, send: object) -> None:
    """Never called: only the protocol object is made."""


async def test_a_connection_holds_its_state_in_slots() -> None:
    config = Config(app=app, ws=HubWebSocketProtocol)
    config.load()
    protocol = HubWebSocketProtocol(config, ServerState(), {}, asyncio.get_running_loop())
    # Every attribute uvicorn's __init__ sets has a slot: past thirty attributes in a dict,
    # Python gives each instance a dict of its own, some 1.6 KB per connected screen.
    # An upgrade of uvicorn that adds attributes shows up here.
    assert vars(protocol) == {}
    protocol.request = None  # type: ignore[assignment]  # set later, at the handshake
    assert vars(protocol) == {}
