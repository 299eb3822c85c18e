"""decide for the discussion groups: defining them, membership, officers, and the hub's syncs."""

from __future__ import annotations

from dataclasses import replace

from . import events as e
from . import group_commands as gc
from . import group_events as ge
from .decide import MAX_ID, Actor, Decision, Rejection, rule
from .errors import RuleCode, RuleReason
from .group_state import Group, GroupMeeting, group_of, split_group_room
from .state import Access, RoomState

MAX_GROUPS = 100
"""Discussion groups one plenary may have."""
MAX_GROUP_NAME = 100
MAX_PLACE = 200
"""A group's meeting place (a room of the building)."""
MAX_ASSIGN = 1000
"""Delegates one `assign_to_group` or `unassign_from_group` names (the import sends batches)."""

SHARED_WITH_GROUPS = frozenset({Access.PUBLIC, Access.DELEGATES})
"""The plenary's documents a group's room may show: its chair acts as presidium there, and
is a delegate: a document only the presidium may read is never copied into a group's room."""


def _no(code: RuleCode, reason: RuleReason, message: str) -> Rejection:
    return Rejection(code, message, reason)


def _plenary_only(state: RoomState, name: str) -> Rejection | None:
    if split_group_room(state.room) is not None:
        return _no("invalid_state", "plenary_only", f"{name} is for the plenary's room")
    return None


def _group(state: RoomState, group_id: str) -> Group | Rejection:
    group = state.groups.get(group_id)
    if group is None:
        return _no("not_found", "group_not_found", f"no group {group_id[:MAX_ID]!r}")
    return group


def _plenary_group(state: RoomState, name: str, group_id: str) -> Group | Rejection:
    """The group a plenary command names, or why the command is refused."""
    return _plenary_only(state, name) or _group(state, group_id)


def _name_problem(state: RoomState, name: str, group_id: str | None) -> Rejection | None:
    if not name or len(name) > MAX_GROUP_NAME:
        return _no(
            "invalid_args",
            "group_name_invalid",
            f"a group's name has 1 to {MAX_GROUP_NAME} characters",
        )
    for other in state.groups.values():
        if other.id != group_id and other.name.casefold() == name.casefold():
            return _no("invalid_args", "group_name_invalid", f"a group is named {name!r} already")
    return None


def _place_problem(place: str) -> Rejection | None:
    if len(place) > MAX_PLACE:
        return _no(
            "invalid_args", "group_place_length", f"a place has at most {MAX_PLACE} characters"
        )
    return None


def _delegates_problem(state: RoomState, delegate_ids: tuple[str, ...]) -> Rejection | None:
    if not 0 < len(delegate_ids) <= MAX_ASSIGN or len(set(delegate_ids)) != len(delegate_ids):
        return _no(
            "invalid_args",
            "delegate_list_invalid",
            f"name 1 to {MAX_ASSIGN} delegates, each once",
        )
    for delegate_id in delegate_ids:
        if delegate_id not in state.delegates:
            return _no(
                "not_found",
                "delegate_not_found",
                f"no delegate {delegate_id[:MAX_ID]!r} on the roll",
            )
    return None


@rule
def _(command: gc.DefineGroup, state: RoomState, actor: Actor, now: int) -> Decision:
    name, place = command.group_name.strip(), command.place.strip()
    problem = (
        _plenary_only(state, command.name)
        or _name_problem(state, name, None)
        or _place_problem(place)
    )
    if problem:
        return problem
    if len(state.groups) >= MAX_GROUPS:
        return _no("invalid_state", "too_many_groups", f"a plenary has at most {MAX_GROUPS} groups")
    return (ge.GroupDefined(group_id=f"g{state.groups_created + 1}", name=name, place=place),)


@rule
def _(command: gc.EditGroup, state: RoomState, actor: Actor, now: int) -> Decision:
    group = _plenary_group(state, command.name, command.group_id)
    if isinstance(group, Rejection):
        return group
    name = group.name if command.group_name is None else command.group_name.strip()
    place = group.place if command.place is None else command.place.strip()
    problem = _name_problem(state, name, group.id) or _place_problem(place)
    if problem:
        return problem
    if (name, place) == (group.name, group.place):
        return ()
    return (ge.GroupEdited(group_id=group.id, name=name, place=place),)


@rule
def _(command: gc.RemoveGroup, state: RoomState, actor: Actor, now: int) -> Decision:
    group = _plenary_group(state, command.name, command.group_id)
    if isinstance(group, Rejection):
        return group
    if group.members:
        # Removing a group must never silently leave delegates without one: the secretariat
        # moves or unassigns them first, and the record says where each went.
        return _no(
            "invalid_state", "group_not_empty", "unassign the group's members before removing it"
        )
    return (ge.GroupRemoved(group_id=group.id),)


@rule
def _(command: gc.AssignToGroup, state: RoomState, actor: Actor, now: int) -> Decision:
    group = _plenary_group(state, command.name, command.group_id)
    if isinstance(group, Rejection):
        return group
    problem = _delegates_problem(state, command.delegate_ids)
    if problem:
        return problem
    moving = tuple(d for d in command.delegate_ids if d not in group.members)
    return (ge.DelegatesAssigned(group_id=group.id, delegate_ids=moving),) if moving else ()


@rule
def _(command: gc.UnassignFromGroup, state: RoomState, actor: Actor, now: int) -> Decision:
    problem = _plenary_only(state, command.name) or _delegates_problem(state, command.delegate_ids)
    if problem:
        return problem
    leaving = tuple(d for d in command.delegate_ids if group_of(state.groups, d) is not None)
    return (ge.DelegatesUnassigned(delegate_ids=leaving),) if leaving else ()


@rule
def _(command: gc.SetGroupOfficers, state: RoomState, actor: Actor, now: int) -> Decision:
    group = _plenary_group(state, command.name, command.group_id)
    if isinstance(group, Rejection):
        return group
    named = [d for d in (command.chair, command.secretary) if d is not None]
    if any(d not in group.members for d in named) or len(set(named)) != len(named):
        return _no(
            "invalid_args",
            "officers_invalid",
            "the chair and the secretary are two different members of the group",
        )
    if (command.chair, command.secretary) == (group.chair, group.secretary):
        return ()
    return (
        ge.GroupOfficersSet(group_id=group.id, chair=command.chair, secretary=command.secretary),
    )


@rule
def _(command: gc.SyncGroup, state: RoomState, actor: Actor, now: int) -> Decision:
    where = split_group_room(state.room)
    if where is None or where[1] != command.group_id:
        return _no("invalid_state", "group_room_only", "sync_group is for the group's own room")
    if command.source_seq and command.source_seq <= state.group_source_seq:
        # A node behind another sends the copy of an older plenary: the room keeps the newer.
        return ()
    documents = tuple(d for d in command.documents if d.access in SHARED_WITH_GROUPS)
    members = tuple(sorted(command.members, key=lambda d: d.id))
    event = ge.GroupSynced(
        group_id=command.group_id,
        name=command.group_name,
        place=command.place,
        members=members,
        chair=command.chair,
        secretary=command.secretary,
        documents=documents,
        source_seq=command.source_seq,
    )
    if state.group is not None and _synced(state) == replace(event, source_seq=0):
        return ()
    out: list[e.Event] = []
    showing = state.showing
    if showing is not None and not any(
        d.id == showing.document_id and showing.page <= d.pages for d in documents
    ):
        # The page shown is no longer the group's to show (withdrawn, or made confidential).
        out.append(e.DocumentHidden())
    out.append(event)
    return tuple(out)


def _synced(state: RoomState) -> ge.GroupSynced | None:
    """The room's copy, in the shape of the event that set it, to compare with a new one."""
    group = state.group
    if group is None:
        return None
    return ge.GroupSynced(
        group_id=group.id,
        name=group.name,
        place=group.place,
        members=tuple(sorted(state.delegates.values(), key=lambda d: d.id)),
        chair=group.chair,
        secretary=group.secretary,
        documents=state.documents,
    )


@rule
def _(command: gc.ReportGroupStatus, state: RoomState, actor: Actor, now: int) -> Decision:
    group = _plenary_group(state, command.name, command.group_id)
    if isinstance(group, Rejection):
        return group
    known = state.group_meetings.get(group.id)
    if known is not None and command.source_seq and command.source_seq <= known.source_seq:
        # A report older than the one recorded, from a node behind another: nothing new.
        return ()
    meeting = GroupMeeting(command.status.value, command.document_id, command.page)
    if known is not None and replace(known, source_seq=0) == meeting:
        return ()
    return (
        ge.GroupStatusReported(
            group_id=group.id,
            status=command.status,
            document_id=command.document_id,
            page=command.page,
            source_seq=command.source_seq,
        ),
    )
