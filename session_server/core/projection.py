"""What each audience sees of a room: the only gate between confidential state and a screen."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any

from .contribution_projection import contributions_view, own_contributions
from .decide import DEFAULT_SECONDS
from .group_projection import group_room_view, groups_view, own_group
from .opinion_projection import opinions_view, own_opinions
from .state import (
    Delegate,
    DocumentInfo,
    RequestKind,
    Role,
    RoomState,
    SessionStatus,
    audience_may_see,
)
from .vote_projection import own_votes, turnout_view, voters_view, votes_view

SECTIONS = (
    "session",
    "agenda",
    "documents",
    "document",
    "speakers",
    "announcements",
    "attendance",
    "roll",
    "votes",
    "turnout",
    "voters",
    "contributions",
    "groups",
    "opinions",
)
"""Top-level parts of a view; an event replaces small ones whole and edits inside the ones
that grow through a day (`core/delta.py`)."""

PRIVILEGED = frozenset({Role.PRESIDIUM, Role.SECRETARIAT})

IN_PUBLIC = frozenset({Role.BOARD, Role.HALL})
"""Screens anyone in the room or at the gate can read: people on them are shown by name and
unit only, and a request to speak only once the presidium has accepted it."""

FLOOR_SHOWN_IN_PUBLIC = frozenset({SessionStatus.NOT_STARTED, SessionStatus.IN_SESSION})
"""Statuses in which boards and the hall show the floor and the queue. During a break they
show neither (a countdown must not seem to run while nobody may speak); after the
adjournment there is nothing left to show."""

View = dict[str, Any]


def project(state: RoomState, audience: Role) -> View:
    """The view of `state` for one audience. A board's view holds only public data; the
    hall's, the delegates' documents too, and of people no more than a board's."""
    return {name: build(state, audience) for name, build in _BUILDERS.items()}


def changed_fields(before: RoomState, after: RoomState) -> frozenset[str]:
    """The fields of `after` that are not the very objects `before` holds.

    The state is never changed in place, so a field that is the same object is unchanged:
    a record changes a few fields, and `reproject` makes again only the sections made from
    them.
    """
    return frozenset(name for name in _FIELDS if getattr(before, name) is not getattr(after, name))


def reproject(state: RoomState, view: View, audience: Role, changed: frozenset[str]) -> View:
    """`project(state, audience)`, given `view`, the audience's view before the record that
    changed the fields `changed` (`changed_fields`).

    A section made from none of them is the very same object in both views: a page turn
    makes one section again, not a day's speeches and announcements, and `changed_sections`
    skips the rest without comparing them.
    """
    return {
        name: view[name] if changed.isdisjoint(SECTION_READS[name]) else build(state, audience)
        for name, build in _BUILDERS.items()
    }


def _session(state: RoomState, audience: Role) -> dict[str, Any]:
    session: dict[str, Any] = {
        "room": state.room,
        "title": state.title,
        "status": state.status.value,
        "since": state.status_since,
        "resumes_at": state.resumes_at,
        "checkpoint": None if state.checkpoint is None else state.checkpoint.fingerprint,
    }
    in_group = group_room_view(state)
    if in_group is not None:
        session["group"] = in_group
    if audience in PRIVILEGED:
        session["speaking_times"] = _speaking_times(state)
    return session


def _agenda(state: RoomState, audience: Role) -> dict[str, Any]:
    return {
        "items": [
            {
                "id": i.id,
                "title": i.title,
                "presenter": i.presenter,
                "planned_minutes": i.planned_minutes,
                "status": i.status.value,
                **({"group_session": True} if i.group_session else {}),
            }
            for i in state.agenda
        ],
        "current": state.current_item,
    }


def _documents(state: RoomState, audience: Role) -> list[dict[str, Any]]:
    return [
        {"id": d.id, "title": d.title, "access": d.access.value, "pages": d.pages, **_file(d)}
        for d in state.documents
        if audience_may_see(audience, d.access)
    ]


def _announcements(state: RoomState, audience: Role) -> list[dict[str, Any]]:
    return [
        {"id": a.id, "text": a.text, "posted_at": a.posted_at, "expires_at": a.expires_at}
        for a in state.announcements
    ]


def _attendance(state: RoomState, audience: Role) -> dict[str, int]:
    return {"present": len(state.present), "total": len(state.delegates)}


def _roll(state: RoomState, audience: Role) -> list[dict[str, Any]] | None:
    if audience not in PRIVILEGED:
        return None
    return [
        {
            "id": d.id,
            "name": d.name,
            "unit": d.unit,
            "seat": d.seat,
            "present": d.id in state.present,
        }
        for d in sorted(state.delegates.values(), key=lambda d: d.id)
    ]


def _speaking_times(state: RoomState) -> dict[str, int]:
    """The seconds a grant without a time gives each kind: the presets, else the defaults."""
    times = state.speaking_times
    return {
        kind.value: DEFAULT_SECONDS[kind] if times is None else times.of(kind)
        for kind in RequestKind
    }


def _document(state: RoomState, audience: Role) -> dict[str, Any] | None:
    if state.showing is None:
        return None
    doc = state.document(state.showing.document_id)
    if doc is None or not audience_may_see(audience, doc.access):
        # The screen learns only that something is presented elsewhere, never what.
        return {"hidden": True}
    return {
        "id": doc.id,
        "title": doc.title,
        "page": state.showing.page,
        "pages": doc.pages,
        "version": _file(doc)["version"],
    }


def _file(doc: DocumentInfo) -> dict[str, Any]:
    """The current file's version and page sizes, which page images are addressed by."""
    current = doc.current
    if current is None:
        return {"version": 0, "page_sizes": []}
    return {
        "version": current.version,
        "page_sizes": [[size.width, size.height] for size in current.page_sizes],
    }


def _person(state: RoomState, delegate_id: str, audience: Role) -> dict[str, Any]:
    delegate = state.delegates.get(delegate_id) or Delegate(delegate_id, delegate_id, "", "")
    person: dict[str, Any] = {"name": delegate.name, "unit": delegate.unit}
    if audience not in IN_PUBLIC:
        person["delegate_id"] = delegate.id
    return person


def _speakers(state: RoomState, audience: Role) -> dict[str, Any] | None:
    speakers = state.current_speakers()
    if speakers is None:
        return None
    floor = None
    public_pause = audience in IN_PUBLIC and state.status not in FLOOR_SHOWN_IN_PUBLIC
    if speakers.floor is not None and not public_pause:
        floor = {
            **_person(state, speakers.floor.delegate_id, audience),
            "kind": speakers.floor.kind.value,
            "granted_at": speakers.floor.granted_at,
            "allowed_seconds": speakers.floor.allowed_seconds,
        }
    queue = []
    for request in speakers.requests:
        # Who asked to speak is private until the presidium accepts the request.
        if audience in IN_PUBLIC and (public_pause or not request.accepted):
            continue
        entry = {**_person(state, request.delegate_id, audience), "kind": request.kind.value}
        if audience not in IN_PUBLIC:
            entry["requested_at"] = request.requested_at
            entry["accepted"] = request.accepted
        queue.append(entry)
    return {
        "item": speakers.item_id,
        "closed": speakers.closed,
        "floor": floor,
        "queue": queue,
        "done": [
            {
                **_person(state, s.delegate_id, audience),
                "kind": s.kind.value,
                "started_at": s.started_at,
                "ended_at": s.ended_at,
            }
            for s in speakers.speeches
        ],
    }


def personal(state: RoomState, delegate_id: str) -> dict[str, Any] | None:
    """What only this delegate's own screens see of them."""
    delegate = state.delegates.get(delegate_id)
    if delegate is None:
        return None
    return {
        "delegate_id": delegate.id,
        "name": delegate.name,
        "unit": delegate.unit,
        "seat": delegate.seat,
        "present": delegate.id in state.present,
        "votes": own_votes(state, delegate_id),
        "contributions": own_contributions(state, delegate_id),
        **({"group": group} if (group := own_group(state, delegate_id)) else {}),
        "opinions": own_opinions(state, delegate_id),
    }


def changed_sections(before: View | None, after: View) -> View:
    """The sections of `after` that differ from `before` (all of them when there is none);
    `core.delta.view_delta` says how each travels."""
    if before is None:
        return dict(after)
    # The same object is the same section (`reproject` reuses them): no need to compare.
    return {
        name: after[name]
        for name in SECTIONS
        if before.get(name) is not after[name] and before.get(name) != after[name]
    }


_BUILDERS: dict[str, Callable[[RoomState, Role], Any]] = {
    "session": _session,
    "agenda": _agenda,
    "documents": _documents,
    "document": _document,
    "speakers": _speakers,
    "announcements": _announcements,
    "attendance": _attendance,
    "roll": _roll,
    "votes": votes_view,
    "turnout": turnout_view,
    "voters": voters_view,
    "contributions": contributions_view,
    "groups": groups_view,
    "opinions": opinions_view,
}
"""How each section is made, in `SECTIONS` order (a view's keys keep that order)."""

SECTION_READS: dict[str, tuple[str, ...]] = {
    "session": (
        "room",
        "title",
        "status",
        "status_since",
        "resumes_at",
        "checkpoint",
        "group",
        "delegates",
        "speaking_times",
    ),
    "agenda": ("agenda", "current_item"),
    "documents": ("documents",),
    "document": ("showing", "documents"),
    "speakers": ("current_item", "speakers", "delegates", "status"),
    "announcements": ("announcements",),
    "attendance": ("present", "delegates"),
    "roll": ("delegates", "present"),
    "votes": ("votes", "delegates"),
    "turnout": ("votes", "delegates"),
    "voters": ("votes", "delegates"),
    "contributions": ("contributions", "delegates"),
    "groups": ("room", "groups", "group_meetings", "delegates", "documents"),
    "opinions": ("opinions", "opinion_authors_shown"),
}
"""The `RoomState` fields each section is made from, and nothing else: `reproject` reuses a
section while these are unchanged (tests/core/test_projection_reads.py holds every section
to its list)."""

_FIELDS = tuple(f.name for f in fields(RoomState))
