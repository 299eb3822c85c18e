"""evolve for the discussion groups: how each of their events changes a room's state."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from . import group_events as ge
from .evolve import rule
from .group_state import Group, GroupMeeting
from .state import RoomState


def _without(group: Group, leaving: Collection[str]) -> Group:
    """The group without these delegates, and without them in its offices."""
    if not any(d in leaving for d in group.members):
        return group
    return replace(
        group,
        members=tuple(d for d in group.members if d not in leaving),
        chair=None if group.chair in leaving else group.chair,
        secretary=None if group.secretary in leaving else group.secretary,
    )


@rule(ge.GroupDefined)
def _(state: RoomState, event: ge.GroupDefined) -> RoomState:
    group = Group(id=event.group_id, name=event.name, place=event.place)
    return replace(
        state,
        groups={**state.groups, group.id: group},
        groups_created=state.groups_created + 1,
    )


@rule(ge.GroupEdited)
def _(state: RoomState, event: ge.GroupEdited) -> RoomState:
    group = replace(state.groups[event.group_id], name=event.name, place=event.place)
    return replace(state, groups={**state.groups, group.id: group})


@rule(ge.GroupRemoved)
def _(state: RoomState, event: ge.GroupRemoved) -> RoomState:
    return replace(
        state,
        groups={k: g for k, g in state.groups.items() if k != event.group_id},
        group_meetings={k: m for k, m in state.group_meetings.items() if k != event.group_id},
    )


@rule(ge.DelegatesAssigned)
def _(state: RoomState, event: ge.DelegatesAssigned) -> RoomState:
    moving = frozenset(event.delegate_ids)
    groups = {k: _without(g, moving) for k, g in state.groups.items()}
    target = groups[event.group_id]
    groups[event.group_id] = replace(target, members=target.members + event.delegate_ids)
    return replace(state, groups=groups)


@rule(ge.DelegatesUnassigned)
def _(state: RoomState, event: ge.DelegatesUnassigned) -> RoomState:
    leaving = frozenset(event.delegate_ids)
    return replace(state, groups={k: _without(g, leaving) for k, g in state.groups.items()})


@rule(ge.GroupOfficersSet)
def _(state: RoomState, event: ge.GroupOfficersSet) -> RoomState:
    group = replace(state.groups[event.group_id], chair=event.chair, secretary=event.secretary)
    return replace(state, groups={**state.groups, group.id: group})


@rule(ge.GroupSynced)
def _(state: RoomState, event: ge.GroupSynced) -> RoomState:
    members = {d.id: d for d in event.members}
    group = Group(
        id=event.group_id,
        name=event.name,
        place=event.place,
        members=tuple(members),
        chair=event.chair,
        secretary=event.secretary,
    )
    # The room's roll is the group's members: its speaker queue and attendance are theirs.
    return replace(
        state,
        group=group,
        group_source_seq=max(state.group_source_seq, event.source_seq),
        delegates=members,
        present=state.present & frozenset(members),
        documents=event.documents,
    )


@rule(ge.GroupStatusReported)
def _(state: RoomState, event: ge.GroupStatusReported) -> RoomState:
    meeting = GroupMeeting(event.status.value, event.document_id, event.page, event.source_seq)
    return replace(state, group_meetings={**state.group_meetings, event.group_id: meeting})
