"""evolve for written contributions: how each of their events changes the room's state."""

from __future__ import annotations

from dataclasses import replace

from . import contribution_events as ce
from .contribution_state import Contribution, ContributionStatus
from .evolve import rule
from .state import RoomState


def _with(state: RoomState, contribution: Contribution) -> RoomState:
    return replace(state, contributions={**state.contributions, contribution.id: contribution})


@rule(ce.ContributionSubmitted)
def _(state: RoomState, event: ce.ContributionSubmitted) -> RoomState:
    earlier = state.contributions.get(event.contribution_id)
    contribution = Contribution(
        id=event.contribution_id,
        number=state.contributions_created + 1 if earlier is None else earlier.number,
        delegate_id=event.delegate_id,
        title=event.title,
        kind=event.contribution_kind,
        sha256=event.sha256,
        size=event.size,
        pdf_sha256=event.pdf_sha256,
        page_sizes=event.page_sizes,
        submitted_at=event.submitted_at,
        version=event.version,
    )
    if earlier is None:
        state = replace(state, contributions_created=state.contributions_created + 1)
    return _with(state, contribution)


@rule(ce.ContributionAccepted)
def _(state: RoomState, event: ce.ContributionAccepted) -> RoomState:
    found = state.contributions[event.contribution_id]
    return _with(state, replace(found, status=ContributionStatus.ACCEPTED, reason=""))


@rule(ce.ContributionReturned)
def _(state: RoomState, event: ce.ContributionReturned) -> RoomState:
    found = state.contributions[event.contribution_id]
    return _with(state, replace(found, status=ContributionStatus.RETURNED, reason=event.reason))


@rule(ce.ContributionPublished)
def _(state: RoomState, event: ce.ContributionPublished) -> RoomState:
    found = state.contributions[event.contribution_id]
    published = replace(
        found,
        status=ContributionStatus.PUBLISHED,
        document_id=event.document_id,
        access=event.access,
    )
    return _with(state, published)
