"""evolve for the opinions: how each of their events changes the room's state."""

from __future__ import annotations

from dataclasses import replace

from . import opinion_events as oe
from .evolve import rule
from .opinion_state import Opinion
from .state import RoomState


@rule(oe.OpinionRecorded)
def _(state: RoomState, event: oe.OpinionRecorded) -> RoomState:
    opinion = Opinion(
        id=event.opinion_id,
        document_id=event.document_id,
        version=event.version,
        paragraph_id=event.paragraph_id,
        kind=event.opinion_kind,
        text=event.text,
        wording=event.wording,
        author=event.author,
        recorded_by=event.recorded_by,
        group_id=event.group_id,
        at=event.at,
    )
    return replace(
        state,
        opinions={**state.opinions, opinion.id: opinion},
        opinions_created=state.opinions_created + 1,
    )


@rule(oe.OpinionWithdrawn)
def _(state: RoomState, event: oe.OpinionWithdrawn) -> RoomState:
    opinions = dict(state.opinions)
    opinions.pop(event.opinion_id, None)
    return replace(state, opinions=opinions)


@rule(oe.OpinionAuthorsShown)
def _(state: RoomState, event: oe.OpinionAuthorsShown) -> RoomState:
    return replace(state, opinion_authors_shown=event.shown)
