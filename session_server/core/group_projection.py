"""What each audience sees of the discussion groups: the plenary's `groups` section, a
delegate's own group, and a group room's own identity.

Staff see everything (members by id, officers, each room's name); delegates see each
group's name, place, members' names and officers; boards and the hall see a group's name,
place and meeting status, and a document only a board may read.
"""

from __future__ import annotations

from typing import Any

from .group_state import Group, group_of, group_room, split_group_room
from .state import Delegate, Role, RoomState, audience_may_see

PRIVILEGED = frozenset({Role.PRESIDIUM, Role.SECRETARIAT})
IN_PUBLIC = frozenset({Role.BOARD, Role.HALL})


def _name(state: RoomState, delegate_id: str | None) -> str | None:
    if delegate_id is None:
        return None
    delegate = state.delegates.get(delegate_id)
    return delegate.name if delegate is not None else delegate_id


def _member(delegate: Delegate, audience: Role) -> dict[str, Any]:
    member: dict[str, Any] = {"name": delegate.name, "unit": delegate.unit}
    if audience in PRIVILEGED:
        member["delegate_id"] = delegate.id
    return member


def _meeting(state: RoomState, group: Group, audience: Role) -> dict[str, Any]:
    """The group room's status as it last reported it, and the document it discusses."""
    meeting = state.group_meetings.get(group.id)
    if meeting is None:
        return {"status": None, "document": None}
    document = None
    doc = state.document(meeting.document_id) if meeting.document_id is not None else None
    # The plenary's own record of the document decides who may read its title, never the
    # group room's report: boards see a public document only, else "in discussion".
    if doc is not None and audience_may_see(audience, doc.access):
        document = {"id": doc.id, "title": doc.title, "page": meeting.page}
    return {"status": meeting.status, "document": document}


def groups_view(state: RoomState, audience: Role) -> list[dict[str, Any]]:
    view = []
    for group in state.groups.values():
        entry: dict[str, Any] = {
            "id": group.id,
            "name": group.name,
            "place": group.place,
            **_meeting(state, group, audience),
        }
        if audience not in IN_PUBLIC:
            entry["room"] = group_room(state.room, group.id)
            entry["members"] = [
                _member(state.delegates[d], audience) for d in group.members if d in state.delegates
            ]
            entry["chair"] = _officer(state, group.chair, audience)
            entry["secretary"] = _officer(state, group.secretary, audience)
        view.append(entry)
    return view


def _officer(state: RoomState, delegate_id: str | None, audience: Role) -> Any:
    if delegate_id is None:
        return None
    officer: dict[str, Any] = {"name": _name(state, delegate_id)}
    if audience in PRIVILEGED:
        officer["delegate_id"] = delegate_id
    return officer


def own_group(state: RoomState, delegate_id: str) -> dict[str, Any] | None:
    """The delegate's own group, for their `you` frame: where to go when the groups meet."""
    group = group_of(state.groups, delegate_id)
    if group is None:
        return None
    office = (
        "chair"
        if group.chair == delegate_id
        else "secretary"
        if group.secretary == delegate_id
        else None
    )
    return {
        "id": group.id,
        "name": group.name,
        "place": group.place,
        "room": group_room(state.room, group.id),
        "office": office,
    }


def group_room_view(state: RoomState) -> dict[str, Any] | None:
    """In a group's room, which group it is (for the `session` section); None elsewhere."""
    where = split_group_room(state.room)
    if where is None:
        return None
    plenary, group_id = where
    group = state.group
    return {
        "id": group_id,
        "plenary": plenary,
        "name": "" if group is None else group.name,
        "place": "" if group is None else group.place,
        "chair": None if group is None else _name(state, group.chair),
        "secretary": None if group is None else _name(state, group.secretary),
    }
