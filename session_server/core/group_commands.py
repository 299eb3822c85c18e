"""The discussion groups' commands: defining groups, who sits in which, and the hub's syncs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .commands import RECORDING, Command
from .state import Delegate, DocumentInfo, Role, SessionStatus

HUB = frozenset({Role.SECRETARIAT})
"""The role the hub acts in when it sends a command of its own (never from the wire)."""


@dataclass(frozen=True, slots=True)
class DefineGroup(Command):
    """A new discussion group (tổ thảo luận) of the plenary; its id is g1, g2, ..."""

    name: ClassVar[str] = "define_group"
    roles: ClassVar[frozenset[Role]] = RECORDING
    group_name: str
    place: str = ""


@dataclass(frozen=True, slots=True)
class EditGroup(Command):
    name: ClassVar[str] = "edit_group"
    roles: ClassVar[frozenset[Role]] = RECORDING
    group_id: str
    group_name: str | None = None
    place: str | None = None


@dataclass(frozen=True, slots=True)
class RemoveGroup(Command):
    """Drop a group nobody is assigned to (unassign its members first)."""

    name: ClassVar[str] = "remove_group"
    roles: ClassVar[frozenset[Role]] = RECORDING
    group_id: str


@dataclass(frozen=True, slots=True)
class AssignToGroup(Command):
    """Put delegates in a group; one already in another group moves (and leaves its office)."""

    name: ClassVar[str] = "assign_to_group"
    roles: ClassVar[frozenset[Role]] = RECORDING
    group_id: str
    delegate_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class UnassignFromGroup(Command):
    """Take delegates out of whatever group they are in (and out of its office)."""

    name: ClassVar[str] = "unassign_from_group"
    roles: ClassVar[frozenset[Role]] = RECORDING
    delegate_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SetGroupOfficers(Command):
    """The group's chair (tổ trưởng) and secretary (thư ký tổ): members, or null for none."""

    name: ClassVar[str] = "set_group_officers"
    roles: ClassVar[frozenset[Role]] = RECORDING
    group_id: str
    chair: str | None = None
    secretary: str | None = None


@dataclass(frozen=True, slots=True)
class SyncGroup(Command):
    """In a group's room: the plenary's copy of the group, its members and the documents a
    delegate may read. The hub sends it whenever the plenary's copy differs."""

    name: ClassVar[str] = "sync_group"
    roles: ClassVar[frozenset[Role]] = HUB
    from_wire: ClassVar[bool] = False
    group_id: str
    group_name: str
    place: str
    members: tuple[Delegate, ...]
    chair: str | None
    secretary: str | None
    documents: tuple[DocumentInfo, ...]
    source_seq: int = 0
    """The plenary's seq this copy was taken at: an older copy than the room holds (a node
    lagging behind another) changes nothing."""


@dataclass(frozen=True, slots=True)
class ReportGroupStatus(Command):
    """In the plenary: a group's room's session status and page, as the hub saw it change."""

    name: ClassVar[str] = "report_group_status"
    roles: ClassVar[frozenset[Role]] = HUB
    from_wire: ClassVar[bool] = False
    group_id: str
    status: SessionStatus
    document_id: str | None = None
    page: int | None = None
    source_seq: int = 0
    """The group room's seq this report was taken at: an older report than the plenary
    holds changes nothing."""
