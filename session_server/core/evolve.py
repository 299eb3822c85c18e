"""evolve(state, event): how each recorded fact changes a room; replaying a log rebuilds it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any, TypeVar

from . import events as e
from .state import (
    AgendaItem,
    Announcement,
    Checkpoint,
    Delegate,
    DocumentInfo,
    DocumentPointer,
    DocumentVersion,
    Floor,
    FloorRequest,
    ItemStatus,
    RemovedRequest,
    RoomState,
    SpeakerList,
    SpeakingTimes,
    Speech,
)

T = TypeVar("T")


def apply(state: RoomState, seq: int, events: Iterable[e.Event]) -> RoomState:
    """The state after one log record: its events in order, then its sequence number."""
    for event in events:
        state = evolve(state, event)
    return replace(state, seq=seq)


E = TypeVar("E", bound=e.Event)
Rule = Callable[[RoomState, Any], RoomState]
_RULES: dict[type[e.Event], Rule] = {}


def evolve(state: RoomState, event: e.Event) -> RoomState:
    """The state after one event. Every event kind has exactly one rule below."""
    return _RULES[type(event)](state, event)


def _rule(kind: type[E]) -> Callable[[Callable[[RoomState, E], RoomState]], Rule]:
    def register(function: Callable[[RoomState, E], RoomState]) -> Rule:
        _RULES[kind] = function
        return function

    return register


rule = _rule
"""Registers the rule of one event kind: how the votes' module adds its own."""


def _moved(items: tuple[T, ...], index: int, position: int) -> tuple[T, ...]:
    rest = list(items)
    moving = rest.pop(index)
    rest.insert(position, moving)
    return tuple(rest)


def _update_items(
    state: RoomState, item_id: str, change: Callable[[AgendaItem], AgendaItem]
) -> RoomState:
    return replace(state, agenda=tuple(change(i) if i.id == item_id else i for i in state.agenda))


def _update_list(
    state: RoomState, item_id: str, change: Callable[[SpeakerList], SpeakerList]
) -> RoomState:
    speakers = dict(state.speakers)
    speakers[item_id] = change(speakers.get(item_id, SpeakerList(item_id=item_id)))
    return replace(state, speakers=speakers)


def _index(speakers: SpeakerList, delegate_id: str) -> int:
    return next(i for i, r in enumerate(speakers.requests) if r.delegate_id == delegate_id)


def _without(speakers: SpeakerList, delegate_id: str) -> tuple[FloorRequest, ...]:
    return tuple(r for r in speakers.requests if r.delegate_id != delegate_id)


def _forgotten(speakers: SpeakerList, delegate_id: str) -> tuple[RemovedRequest, ...]:
    """The removed requests kept for restoring, without this delegate's."""
    return tuple(r for r in speakers.removed if r.request.delegate_id != delegate_id)


@_rule(e.RoomCreated)
def _(state: RoomState, event: e.RoomCreated) -> RoomState:
    return replace(state, title=event.title)


@_rule(e.SessionStatusChanged)
def _(state: RoomState, event: e.SessionStatusChanged) -> RoomState:
    return replace(state, status=event.status, status_since=event.at, resumes_at=event.resumes_at)


@_rule(e.AgendaItemAdded)
def _(state: RoomState, event: e.AgendaItemAdded) -> RoomState:
    item = AgendaItem(
        id=event.item_id,
        title=event.title,
        presenter=event.presenter,
        planned_minutes=event.planned_minutes,
        group_session=event.group_session,
    )
    agenda = list(state.agenda)
    agenda.insert(event.position, item)
    return replace(state, agenda=tuple(agenda), items_created=state.items_created + 1)


@_rule(e.AgendaItemEdited)
def _(state: RoomState, event: e.AgendaItemEdited) -> RoomState:
    return _update_items(
        state,
        event.item_id,
        lambda i: replace(
            i,
            title=event.title,
            presenter=event.presenter,
            planned_minutes=event.planned_minutes,
            group_session=event.group_session,
        ),
    )


@_rule(e.AgendaItemMoved)
def _(state: RoomState, event: e.AgendaItemMoved) -> RoomState:
    index = next(i for i, item in enumerate(state.agenda) if item.id == event.item_id)
    return replace(state, agenda=_moved(state.agenda, index, event.position))


@_rule(e.AgendaItemRemoved)
def _(state: RoomState, event: e.AgendaItemRemoved) -> RoomState:
    speakers = {k: v for k, v in state.speakers.items() if k != event.item_id}
    return replace(
        state,
        agenda=tuple(i for i in state.agenda if i.id != event.item_id),
        speakers=speakers,
    )


@_rule(e.ItemOpened)
def _(state: RoomState, event: e.ItemOpened) -> RoomState:
    state = _update_items(state, event.item_id, lambda i: replace(i, status=ItemStatus.OPEN))
    return replace(state, current_item=event.item_id)


@_rule(e.ItemClosed)
def _(state: RoomState, event: e.ItemClosed) -> RoomState:
    state = _update_items(state, event.item_id, lambda i: replace(i, status=ItemStatus.DONE))
    return replace(state, current_item=None)


@_rule(e.DocumentRegistered)
def _(state: RoomState, event: e.DocumentRegistered) -> RoomState:
    known = state.document(event.document_id)
    versions = known.versions if known is not None else ()
    # decide numbers a new file, or the same file under another access, as the next
    # version; registering it again unchanged (a new title) keeps its number.
    if event.sha256 and (not versions or versions[-1].version != event.version):
        versions = (
            *versions,
            DocumentVersion(
                event.version,
                event.sha256,
                event.page_sizes,
                event.at,
                event.access,
                event.paragraphs,
            ),
        )
    doc = DocumentInfo(
        id=event.document_id,
        title=event.title,
        access=event.access,
        pages=event.pages,
        versions=versions,
    )
    others = tuple(d for d in state.documents if d.id != doc.id)
    showing = state.showing
    # A new version with fewer pages must not leave the pointer past its end.
    if showing is not None and showing.document_id == doc.id and showing.page > doc.pages:
        showing = replace(showing, page=doc.pages)
    return replace(state, documents=(*others, doc), showing=showing)


@_rule(e.PageShown)
def _(state: RoomState, event: e.PageShown) -> RoomState:
    return replace(state, showing=DocumentPointer(document_id=event.document_id, page=event.page))


@_rule(e.DocumentHidden)
def _(state: RoomState, event: e.DocumentHidden) -> RoomState:
    return replace(state, showing=None)


@_rule(e.FloorRequested)
def _(state: RoomState, event: e.FloorRequested) -> RoomState:
    request = FloorRequest(
        delegate_id=event.delegate_id, kind=event.request_kind, requested_at=event.at
    )

    def add(speakers: SpeakerList) -> SpeakerList:
        requests = list(speakers.requests)
        requests.insert(event.position, request)
        # A new request supersedes the one the presidium removed before.
        return replace(
            speakers,
            requests=tuple(requests),
            removed=_forgotten(speakers, event.delegate_id),
        )

    return _update_list(state, event.item_id, add)


@_rule(e.RequestAccepted)
def _(state: RoomState, event: e.RequestAccepted) -> RoomState:
    def accept(speakers: SpeakerList) -> SpeakerList:
        return replace(
            speakers,
            requests=tuple(
                replace(r, accepted=True) if r.delegate_id == event.delegate_id else r
                for r in speakers.requests
            ),
        )

    return _update_list(state, event.item_id, accept)


@_rule(e.RequestMoved)
def _(state: RoomState, event: e.RequestMoved) -> RoomState:
    def move(speakers: SpeakerList) -> SpeakerList:
        index = _index(speakers, event.delegate_id)
        return replace(speakers, requests=_moved(speakers.requests, index, event.position))

    return _update_list(state, event.item_id, move)


@_rule(e.RequestRemoved)
def _(state: RoomState, event: e.RequestRemoved) -> RoomState:
    def remove(speakers: SpeakerList) -> SpeakerList:
        removed = _forgotten(speakers, event.delegate_id)
        if not event.withdrawn and event.position is not None:
            request = speakers.requests[_index(speakers, event.delegate_id)]
            removed = (*removed, RemovedRequest(request, event.position))
        return replace(speakers, requests=_without(speakers, event.delegate_id), removed=removed)

    return _update_list(state, event.item_id, remove)


@_rule(e.RequestRestored)
def _(state: RoomState, event: e.RequestRestored) -> RoomState:
    request = FloorRequest(
        delegate_id=event.delegate_id,
        kind=event.request_kind,
        requested_at=event.requested_at,
        accepted=event.accepted,
    )

    def restore(speakers: SpeakerList) -> SpeakerList:
        requests = list(speakers.requests)
        requests.insert(event.position, request)
        return replace(
            speakers, requests=tuple(requests), removed=_forgotten(speakers, event.delegate_id)
        )

    return _update_list(state, event.item_id, restore)


@_rule(e.FloorGranted)
def _(state: RoomState, event: e.FloorGranted) -> RoomState:
    floor = Floor(
        delegate_id=event.delegate_id,
        kind=event.request_kind,
        granted_at=event.at,
        allowed_seconds=event.seconds,
    )
    return _update_list(
        state,
        event.item_id,
        lambda s: replace(
            s,
            floor=floor,
            requests=_without(s, event.delegate_id),
            removed=_forgotten(s, event.delegate_id),
        ),
    )


@_rule(e.SpeakingTimeExtended)
def _(state: RoomState, event: e.SpeakingTimeExtended) -> RoomState:
    def extend(speakers: SpeakerList) -> SpeakerList:
        assert speakers.floor is not None
        floor = replace(
            speakers.floor, allowed_seconds=speakers.floor.allowed_seconds + event.seconds
        )
        return replace(speakers, floor=floor)

    return _update_list(state, event.item_id, extend)


@_rule(e.SpeechEnded)
def _(state: RoomState, event: e.SpeechEnded) -> RoomState:
    def end(speakers: SpeakerList) -> SpeakerList:
        floor = speakers.floor
        assert floor is not None
        speech = Speech(
            delegate_id=floor.delegate_id,
            kind=floor.kind,
            started_at=floor.granted_at,
            ended_at=event.at,
        )
        return replace(speakers, floor=None, speeches=(*speakers.speeches, speech))

    return _update_list(state, event.item_id, end)


@_rule(e.ListClosedChanged)
def _(state: RoomState, event: e.ListClosedChanged) -> RoomState:
    return _update_list(state, event.item_id, lambda s: replace(s, closed=event.closed))


@_rule(e.AnnouncementPosted)
def _(state: RoomState, event: e.AnnouncementPosted) -> RoomState:
    announcement = Announcement(
        id=event.announcement_id, text=event.text, posted_at=event.at, expires_at=event.expires_at
    )
    return replace(
        state,
        announcements=(*state.announcements, announcement),
        announcements_posted=state.announcements_posted + 1,
    )


@_rule(e.AnnouncementWithdrawn)
def _(state: RoomState, event: e.AnnouncementWithdrawn) -> RoomState:
    return replace(
        state,
        announcements=tuple(a for a in state.announcements if a.id != event.announcement_id),
    )


@_rule(e.DelegateRegistered)
def _(state: RoomState, event: e.DelegateRegistered) -> RoomState:
    delegates = dict(state.delegates)
    delegates[event.delegate_id] = Delegate(
        id=event.delegate_id, name=event.name, unit=event.unit, seat=event.seat
    )
    return replace(state, delegates=delegates)


@_rule(e.DelegateCheckedIn)
def _(state: RoomState, event: e.DelegateCheckedIn) -> RoomState:
    return replace(state, present=state.present | {event.delegate_id})


@_rule(e.CheckInCancelled)
def _(state: RoomState, event: e.CheckInCancelled) -> RoomState:
    return replace(state, present=state.present - {event.delegate_id})


@_rule(e.SpeakingTimesSet)
def _(state: RoomState, event: e.SpeakingTimesSet) -> RoomState:
    times = SpeakingTimes(event.speech, event.point_of_order, event.reply)
    return replace(state, speaking_times=times)


@_rule(e.TokenRevoked)
def _(state: RoomState, event: e.TokenRevoked) -> RoomState:
    return replace(state, revoked_tokens=state.revoked_tokens | {event.token_id})


@_rule(e.SigningKeyRegistered)
def _(state: RoomState, event: e.SigningKeyRegistered) -> RoomState:
    return replace(state, signing_keys=state.signing_keys | {event.key_id})


@_rule(e.CheckpointRecorded)
def _(state: RoomState, event: e.CheckpointRecorded) -> RoomState:
    checkpoint = Checkpoint(
        head_seq=event.head_seq,
        fingerprint=event.fingerprint,
        key_id=event.key_id,
        reason=event.reason,
    )
    return replace(state, checkpoint=checkpoint)


# The votes', the discussion groups', the opinions' and the written contributions' rules live
# in modules of their own, registered once everything above exists.
from . import contribution_evolve as _contribution_evolve  # noqa: E402, F401
from . import group_evolve, opinion_evolve, vote_evolve  # noqa: E402, F401
