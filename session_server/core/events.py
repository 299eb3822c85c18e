"""Events: the facts a room's log records; `evolve` applies them, nothing else changes state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from .plain import ADDED_LATER, from_plain, to_plain
from .state import Access, PageSize, RequestKind, SessionStatus
from .upcasting import UPCASTERS


@dataclass(frozen=True, slots=True)
class Event:
    kind: ClassVar[str] = ""
    class_version: ClassVar[int] = 1
    """The version of this kind's fields. A change to them raises it and registers an
    upcaster from the old version in `upcasting`, so that the stored log still reads."""


@dataclass(frozen=True, slots=True)
class RoomCreated(Event):
    kind: ClassVar[str] = "room_created"
    title: str


@dataclass(frozen=True, slots=True)
class SessionStatusChanged(Event):
    kind: ClassVar[str] = "session_status_changed"
    status: SessionStatus
    at: int
    # A suspension's announced end; added with a default, so version 1 still reads it.
    resumes_at: int | None = field(default=None, metadata=ADDED_LATER)


@dataclass(frozen=True, slots=True)
class AgendaItemAdded(Event):
    kind: ClassVar[str] = "agenda_item_added"
    item_id: str
    title: str
    presenter: str
    planned_minutes: int
    position: int
    group_session: bool = field(default=False, metadata=ADDED_LATER)


@dataclass(frozen=True, slots=True)
class AgendaItemEdited(Event):
    kind: ClassVar[str] = "agenda_item_edited"
    item_id: str
    title: str
    presenter: str
    planned_minutes: int
    group_session: bool = field(default=False, metadata=ADDED_LATER)


@dataclass(frozen=True, slots=True)
class AgendaItemMoved(Event):
    kind: ClassVar[str] = "agenda_item_moved"
    item_id: str
    position: int


@dataclass(frozen=True, slots=True)
class AgendaItemRemoved(Event):
    kind: ClassVar[str] = "agenda_item_removed"
    item_id: str


@dataclass(frozen=True, slots=True)
class ItemOpened(Event):
    kind: ClassVar[str] = "item_opened"
    item_id: str


@dataclass(frozen=True, slots=True)
class ItemClosed(Event):
    kind: ClassVar[str] = "item_closed"
    item_id: str


@dataclass(frozen=True, slots=True)
class DocumentRegistered(Event):
    kind: ClassVar[str] = "document_registered"
    document_id: str
    title: str
    access: Access
    pages: int
    # With a file: its hash, page sizes and the version number decide gave it (0: none).
    version: int = 0
    sha256: str = ""
    page_sizes: tuple[PageSize, ...] = ()
    at: int = 0
    paragraphs: tuple[tuple[str, ...], ...] = field(default=(), metadata=ADDED_LATER)


@dataclass(frozen=True, slots=True)
class PageShown(Event):
    kind: ClassVar[str] = "page_shown"
    document_id: str
    page: int


@dataclass(frozen=True, slots=True)
class DocumentHidden(Event):
    kind: ClassVar[str] = "document_hidden"


@dataclass(frozen=True, slots=True)
class FloorRequested(Event):
    kind: ClassVar[str] = "floor_requested"
    item_id: str
    delegate_id: str
    request_kind: RequestKind
    at: int
    position: int


@dataclass(frozen=True, slots=True)
class RequestAccepted(Event):
    kind: ClassVar[str] = "request_accepted"
    item_id: str
    delegate_id: str


@dataclass(frozen=True, slots=True)
class RequestMoved(Event):
    kind: ClassVar[str] = "request_moved"
    item_id: str
    delegate_id: str
    position: int


@dataclass(frozen=True, slots=True)
class RequestRemoved(Event):
    kind: ClassVar[str] = "request_removed"
    item_id: str
    delegate_id: str
    withdrawn: bool
    # Where the request stood. Older records have none: a removal the presidium made
    # before `restore_request` existed cannot be restored.
    position: int | None = field(default=None, metadata=ADDED_LATER)


@dataclass(frozen=True, slots=True)
class RequestRestored(Event):
    kind: ClassVar[str] = "request_restored"
    item_id: str
    delegate_id: str
    request_kind: RequestKind
    requested_at: int
    accepted: bool
    position: int


@dataclass(frozen=True, slots=True)
class FloorGranted(Event):
    kind: ClassVar[str] = "floor_granted"
    item_id: str
    delegate_id: str
    request_kind: RequestKind
    at: int
    seconds: int


@dataclass(frozen=True, slots=True)
class SpeakingTimeExtended(Event):
    kind: ClassVar[str] = "speaking_time_extended"
    item_id: str
    seconds: int


@dataclass(frozen=True, slots=True)
class SpeechEnded(Event):
    kind: ClassVar[str] = "speech_ended"
    item_id: str
    at: int


@dataclass(frozen=True, slots=True)
class ListClosedChanged(Event):
    kind: ClassVar[str] = "list_closed_changed"
    item_id: str
    closed: bool


@dataclass(frozen=True, slots=True)
class AnnouncementPosted(Event):
    kind: ClassVar[str] = "announcement_posted"
    announcement_id: str
    text: str
    at: int
    expires_at: int


@dataclass(frozen=True, slots=True)
class AnnouncementWithdrawn(Event):
    kind: ClassVar[str] = "announcement_withdrawn"
    announcement_id: str


@dataclass(frozen=True, slots=True)
class DelegateRegistered(Event):
    kind: ClassVar[str] = "delegate_registered"
    delegate_id: str
    name: str
    unit: str
    seat: str


@dataclass(frozen=True, slots=True)
class DelegateCheckedIn(Event):
    kind: ClassVar[str] = "delegate_checked_in"
    delegate_id: str
    at: int


@dataclass(frozen=True, slots=True)
class CheckInCancelled(Event):
    kind: ClassVar[str] = "check_in_cancelled"
    delegate_id: str
    at: int


@dataclass(frozen=True, slots=True)
class SpeakingTimesSet(Event):
    kind: ClassVar[str] = "speaking_times_set"
    speech: int
    point_of_order: int
    reply: int


@dataclass(frozen=True, slots=True)
class TokenRevoked(Event):
    kind: ClassVar[str] = "token_revoked"
    token_id: str


@dataclass(frozen=True, slots=True)
class SigningKeyRegistered(Event):
    """The congress's public key, recorded before the first checkpoint it signs."""

    kind: ClassVar[str] = "signing_key_registered"
    key_id: str
    public_key: str
    """The raw 32-byte Ed25519 public key, in hex."""


@dataclass(frozen=True, slots=True)
class CheckpointRecorded(Event):
    """The log's head (seq and hash) signed by the congress's key; docs/record.md.

    `decide` makes it unsealed (no hash, no signature); the writer seals it with the head
    it appends after, so it never reaches the log unsigned.
    """

    kind: ClassVar[str] = "checkpoint_recorded"
    reason: str
    head_seq: int
    head_hash: str = ""
    fingerprint: str = ""
    key_id: str = ""
    signature: str = ""

    @property
    def sealed(self) -> bool:
        return bool(self.signature)


# The votes', the discussion groups', the opinions' and the written contributions' events
# live in modules of their own; importing them here, once Event exists, registers them.
from . import contribution_events as _contribution_events  # noqa: E402, F401
from . import group_events, opinion_events, vote_events  # noqa: E402, F401

EVENT_TYPES: dict[str, type[Event]] = {cls.kind: cls for cls in Event.__subclasses__()}


VERSION_KEY = "v"
"""Where an event's plain form keeps its version; absent means version 1."""


def event_to_plain(event: Event) -> dict[str, Any]:
    """The kind, the version unless it is 1, then the fields."""
    plain: dict[str, Any] = {"kind": event.kind}
    # Version 1 is left out: records written before events had versions are read the same
    # way, and a node of the release before this one still reads what this one writes.
    if event.class_version != 1:
        plain[VERSION_KEY] = event.class_version
    plain.update(to_plain(event))
    return plain


def event_from_plain(data: dict[str, Any]) -> Event:
    """The event stored as `data`, brought to its kind's current version by the upcasters."""
    fields = dict(data)
    kind = fields.pop("kind", None)
    cls = EVENT_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValueError(f"unknown event kind {kind!r}")
    version = fields.pop(VERSION_KEY, 1)
    return from_plain(cls, UPCASTERS.upcast(cls.kind, version, cls.class_version, fields))
