"""The discussion groups' events: what the plenary's log and each group room's log record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from .events import Event
from .plain import ADDED_LATER
from .state import Delegate, DocumentInfo, SessionStatus


@dataclass(frozen=True, slots=True)
class GroupDefined(Event):
    kind: ClassVar[str] = "group_defined"
    group_id: str
    name: str
    place: str


@dataclass(frozen=True, slots=True)
class GroupEdited(Event):
    kind: ClassVar[str] = "group_edited"
    group_id: str
    name: str
    place: str


@dataclass(frozen=True, slots=True)
class GroupRemoved(Event):
    kind: ClassVar[str] = "group_removed"
    group_id: str


@dataclass(frozen=True, slots=True)
class DelegatesAssigned(Event):
    """The delegates join the group, leaving any other (and any office they held there)."""

    kind: ClassVar[str] = "delegates_assigned"
    group_id: str
    delegate_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DelegatesUnassigned(Event):
    """The delegates leave their groups (and any office they held there)."""

    kind: ClassVar[str] = "delegates_unassigned"
    delegate_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GroupOfficersSet(Event):
    kind: ClassVar[str] = "group_officers_set"
    group_id: str
    chair: str | None
    secretary: str | None


@dataclass(frozen=True, slots=True)
class GroupSynced(Event):
    """A group's room took the plenary's copy of the group, its members and documents."""

    kind: ClassVar[str] = "group_synced"
    group_id: str
    name: str
    place: str
    members: tuple[Delegate, ...]
    chair: str | None
    secretary: str | None
    documents: tuple[DocumentInfo, ...]
    source_seq: int = field(default=0, metadata=ADDED_LATER)
    """The plenary's seq the copy was taken at."""


@dataclass(frozen=True, slots=True)
class GroupStatusReported(Event):
    """The plenary learnt a group room's session status and page."""

    kind: ClassVar[str] = "group_status_reported"
    group_id: str
    status: SessionStatus
    document_id: str | None
    page: int | None
    source_seq: int = field(default=0, metadata=ADDED_LATER)
    """The group room's seq the report was taken at."""
