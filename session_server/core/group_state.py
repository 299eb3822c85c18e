"""Discussion groups (tổ thảo luận): who belongs where, who chairs and who keeps the record."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .plain import ADDED_LATER

GROUP_ROOM_MARK = "~"
"""A group's room is named `<plenary room>~<group id>`; no plenary room name contains it."""


@dataclass(frozen=True, slots=True)
class Group:
    """One discussion group of the plenary; a delegate belongs to at most one group."""

    id: str
    name: str
    place: str = ""
    members: tuple[str, ...] = ()
    chair: str | None = None
    """The delegate who chairs the group (tổ trưởng); a member, or None until named."""
    secretary: str | None = None
    """The delegate who keeps the group's record (thư ký tổ); a member, or None until named."""


def group_of(groups: Mapping[str, Group], delegate_id: str) -> Group | None:
    """The group `delegate_id` belongs to, or None."""
    for group in groups.values():
        if delegate_id in group.members:
            return group
    return None


def group_room(plenary: str, group_id: str) -> str:
    """The name of the room a group meets in."""
    return f"{plenary}{GROUP_ROOM_MARK}{group_id}"


def split_group_room(room: str) -> tuple[str, str] | None:
    """(plenary room, group id) for a group's room, None for a plenary room."""
    plenary, mark, group_id = room.partition(GROUP_ROOM_MARK)
    if not mark or not plenary or not group_id:
        return None
    return plenary, group_id


@dataclass(frozen=True, slots=True)
class GroupMeeting:
    """What a group's room last reported to the plenary (`group_status`): its session's
    status and the page it shows; the plenary's boards show it (docs/protocol.md, groups)."""

    status: str
    """The group room's session status (a `SessionStatus` value)."""
    document_id: str | None = None
    page: int | None = None
    source_seq: int = field(default=0, metadata=ADDED_LATER)
    """The group room's seq the report was taken at (0 before it was recorded)."""
