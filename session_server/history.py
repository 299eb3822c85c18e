"""Who spoke on each agenda item, for the presidium's history panel (HTTP, staff only)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from .auth import authenticate
from .core.state import Delegate, RoomState, SpeakerList
from .documents.http import UPLOADERS, error, secret_of
from .hub.node import Hub


def speeches_by_item(state: RoomState) -> list[dict[str, Any]]:
    """Every item's finished speeches, oldest first: agenda items in their order, then the
    lists of items since removed from the agenda (their speeches still happened)."""
    items: list[dict[str, Any]] = []
    for item in state.agenda:
        items.append(_item(state, item.id, item.title, state.speakers.get(item.id)))
    on_agenda = {item.id for item in state.agenda}
    for item_id in sorted(set(state.speakers) - on_agenda):
        items.append(_item(state, item_id, None, state.speakers[item_id]))
    return items


def _item(
    state: RoomState, item_id: str, title: str | None, speakers: SpeakerList | None
) -> dict[str, Any]:
    speeches = []
    for speech in speakers.speeches if speakers is not None else ():
        delegate = state.delegates.get(speech.delegate_id) or Delegate(
            speech.delegate_id, speech.delegate_id, "", ""
        )
        speeches.append(
            {
                "delegate_id": delegate.id,
                "name": delegate.name,
                "unit": delegate.unit,
                "kind": speech.kind.value,
                "started_at": speech.started_at,
                "ended_at": speech.ended_at,
            }
        )
    return {"item": item_id, "title": title, "speeches": speeches}


async def history(request: Request) -> Response:
    """`GET /api/rooms/{room}/history`: each item's speeches, for the consoles."""
    room_name = request.path_params["room"]
    hub: Hub = request.app.state.hub
    token = await authenticate(hub.backend, secret_of(request), room_name)
    if token is None:
        return error(401, "unauthorized", "sign in with a valid token")
    if token.role not in UPLOADERS:
        return error(403, "forbidden", "only the presidium and the secretariat follow this")
    room = await hub.room(room_name)
    if room is None:
        return error(404, "not_found", "no such room")
    return JSONResponse(
        {"seq": room.state.seq, "items": speeches_by_item(room.state)},
        headers={"Cache-Control": "no-store"},
    )


def routes() -> list[BaseRoute]:
    return [Route("/api/rooms/{room}/history", history, methods=["GET"])]
