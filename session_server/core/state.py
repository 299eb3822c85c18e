"""The state of one congress room: session, agenda, document pointer, speakers, attendance."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from .group_state import Group, GroupMeeting
from .opinion_state import Opinion
from .plain import ADDED_LATER
from .vote_state import Vote


class Role(StrEnum):
    """Who holds a token; each role is also the audience its screens belong to."""

    PRESIDIUM = "presidium"
    SECRETARIAT = "secretariat"
    DELEGATE = "delegate"
    BOARD = "board"
    HALL = "hall"
    """The big screens inside the congress hall: the live page, the item, the speaker."""


class SessionStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_SESSION = "in_session"
    SUSPENDED = "suspended"
    ADJOURNED = "adjourned"


class ItemStatus(StrEnum):
    PENDING = "pending"
    OPEN = "open"
    DONE = "done"


class RequestKind(StrEnum):
    SPEECH = "speech"
    POINT_OF_ORDER = "point_of_order"
    REPLY = "reply"


class Access(StrEnum):
    """Who may see a document: its level and every level above it."""

    PUBLIC = "public"
    DELEGATES = "delegates"
    PRESIDIUM = "presidium"


@dataclass(frozen=True, slots=True)
class AgendaItem:
    id: str
    title: str
    presenter: str
    planned_minutes: int
    status: ItemStatus = ItemStatus.PENDING
    group_session: bool = field(default=False, metadata=ADDED_LATER)
    """The plenary breaks into its discussion groups for this item: tablets follow their group."""


@dataclass(frozen=True, slots=True)
class Delegate:
    id: str
    name: str
    unit: str
    seat: str


@dataclass(frozen=True, slots=True)
class FloorRequest:
    """A delegate's request to speak; a board sees it only once the presidium accepted it."""

    delegate_id: str
    kind: RequestKind
    requested_at: int
    accepted: bool = False


@dataclass(frozen=True, slots=True)
class Floor:
    """Who speaks now: granted at a server instant for a number of seconds (extendable)."""

    delegate_id: str
    kind: RequestKind
    granted_at: int
    allowed_seconds: int


@dataclass(frozen=True, slots=True)
class Speech:
    delegate_id: str
    kind: RequestKind
    started_at: int
    ended_at: int


@dataclass(frozen=True, slots=True)
class RemovedRequest:
    """A request the presidium removed, and where it stood: `restore_request` puts it back."""

    request: FloorRequest
    position: int


@dataclass(frozen=True, slots=True)
class SpeakerList:
    """The speaker queue of one agenda item."""

    item_id: str
    requests: tuple[FloorRequest, ...] = ()
    closed: bool = False
    floor: Floor | None = None
    speeches: tuple[Speech, ...] = ()
    removed: tuple[RemovedRequest, ...] = field(default=(), metadata=ADDED_LATER)
    """The last request the presidium removed for each delegate, while they have none."""

    def removed_request(self, delegate_id: str) -> RemovedRequest | None:
        for removed in self.removed:
            if removed.request.delegate_id == delegate_id:
                return removed
        return None


@dataclass(frozen=True, slots=True)
class SpeakingTimes:
    """The speaking time, in seconds, the floor is granted for when no time is named."""

    speech: int
    point_of_order: int
    reply: int

    def of(self, kind: RequestKind) -> int:
        return int(getattr(self, kind.value))


@dataclass(frozen=True, slots=True)
class Announcement:
    id: str
    text: str
    posted_at: int
    expires_at: int


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The latest signed checkpoint: the head it covers and the fingerprint people compare."""

    head_seq: int
    fingerprint: str
    key_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class PageSize:
    """A page's size in PDF points (1/72 inch), rotation applied, rounded."""

    width: int
    height: int


@dataclass(frozen=True, slots=True)
class DocumentVersion:
    """One uploaded file of a document; older versions stay readable for the record.

    Each keeps the access it was registered with: a confidential draft published later
    under the same id (a new version) stays confidential, whoever may read the new one.
    """

    version: int
    sha256: str
    page_sizes: tuple[PageSize, ...]
    registered_at: int
    access: Access
    paragraphs: tuple[tuple[str, ...], ...] = field(default=(), metadata=ADDED_LATER)
    """Each page's paragraph ids, in order (documents/paragraphs.py); empty when the file
    was registered before paragraphs were found, or has too many to register."""

    @property
    def pages(self) -> int:
        return len(self.page_sizes)


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    id: str
    title: str
    access: Access
    pages: int
    # Oldest first, the last is the one shown. Empty for a document registered by its
    # page count alone (no file), as the core's own tests do.
    versions: tuple[DocumentVersion, ...] = ()

    @property
    def current(self) -> DocumentVersion | None:
        return self.versions[-1] if self.versions else None

    def version(self, number: int) -> DocumentVersion | None:
        for version in self.versions:
            if version.version == number:
                return version
        return None


@dataclass(frozen=True, slots=True)
class DocumentPointer:
    document_id: str
    page: int


@dataclass(frozen=True, slots=True)
class RoomState:
    """Everything every screen follows. Changed only by `evolve`; `seq` is the last applied."""

    room: str
    seq: int = 0
    title: str = ""
    status: SessionStatus = SessionStatus.NOT_STARTED
    status_since: int | None = None
    agenda: tuple[AgendaItem, ...] = ()
    current_item: str | None = None
    documents: tuple[DocumentInfo, ...] = ()
    showing: DocumentPointer | None = None
    speakers: Mapping[str, SpeakerList] = field(default_factory=dict)
    announcements: tuple[Announcement, ...] = ()
    delegates: Mapping[str, Delegate] = field(default_factory=dict)
    present: frozenset[str] = frozenset()
    revoked_tokens: frozenset[str] = frozenset()
    """Ids of tokens revoked while the room ran: every node closes their sockets at once."""
    # Counters make generated ids deterministic, so replaying a log rebuilds the same ids.
    items_created: int = 0
    announcements_posted: int = 0
    resumes_at: int | None = field(default=None, metadata=ADDED_LATER)
    """During a break, the instant the presidium said the session resumes (None: unsaid)."""
    speaking_times: SpeakingTimes | None = field(default=None, metadata=ADDED_LATER)
    """The presidium's presets; None until set, when the core's defaults apply."""
    votes: Mapping[str, Vote] = field(default_factory=dict, metadata=ADDED_LATER)
    """Every vote prepared and not withdrawn, by id, in the order prepared."""
    votes_created: int = field(default=0, metadata=ADDED_LATER)
    checkpoint: Checkpoint | None = field(default=None, metadata=ADDED_LATER)
    signing_keys: frozenset[str] = field(default=frozenset(), metadata=ADDED_LATER)
    """Ids of the public keys registered in the log (`signing_key_registered`)."""
    groups: Mapping[str, Group] = field(default_factory=dict, metadata=ADDED_LATER)
    """The plenary's discussion groups, by id, in the order defined (empty in a group's room)."""
    groups_created: int = field(default=0, metadata=ADDED_LATER)
    contributions: Mapping[str, _contribution_state.Contribution] = field(
        default_factory=dict, metadata=ADDED_LATER
    )
    """Written contributions (tham luận) by id, in the order first submitted."""
    contributions_created: int = field(default=0, metadata=ADDED_LATER)
    group_meetings: Mapping[str, GroupMeeting] = field(default_factory=dict, metadata=ADDED_LATER)
    """In the plenary: what each group's room last reported of its meeting (`group_status`)."""
    group: Group | None = field(default=None, metadata=ADDED_LATER)
    """In a group's room: the group it is, as the plenary last synced it (`sync_group`)."""
    group_source_seq: int = field(default=0, metadata=ADDED_LATER)
    """In a group's room: the plenary's seq its copy was taken at (an older copy is ignored)."""
    opinions: Mapping[str, Opinion] = field(default_factory=dict, metadata=ADDED_LATER)
    """Every opinion recorded and not withdrawn, by id, in the order recorded."""
    opinions_created: int = field(default=0, metadata=ADDED_LATER)
    opinion_authors_shown: bool = field(default=False, metadata=ADDED_LATER)
    """Whether delegates see the opinions' authors in the roll-up (the staff always do)."""

    def item(self, item_id: str) -> AgendaItem | None:
        for item in self.agenda:
            if item.id == item_id:
                return item
        return None

    def document(self, document_id: str) -> DocumentInfo | None:
        for doc in self.documents:
            if doc.id == document_id:
                return doc
        return None

    def current_speakers(self) -> SpeakerList | None:
        if self.current_item is None:
            return None
        return self.speakers.get(self.current_item, SpeakerList(item_id=self.current_item))

    def speaking(self) -> Floor | None:
        """The floor anywhere in the room: only the current item's list can hold it."""
        current = self.current_speakers()
        return None if current is None else current.floor


_READERS: Mapping[Access, frozenset[Role]] = {
    Access.PUBLIC: frozenset(Role),
    # The hall's screens show what is presented to the delegates seated before them; a
    # welcome-gate board stands where anyone passes.
    Access.DELEGATES: frozenset({Role.PRESIDIUM, Role.SECRETARIAT, Role.DELEGATE, Role.HALL}),
    Access.PRESIDIUM: frozenset({Role.PRESIDIUM, Role.SECRETARIAT}),
}
"""Who reads each level, named role by role: a role added later reads public documents
only, until it is named here."""


def audience_may_see(audience: Role, access: Access) -> bool:
    """A document's access level against an audience; presidium and secretariat see all."""
    return audience in _READERS[access]


# Imported last: a contribution's fields use `Access` and `PageSize` above.
from . import contribution_state as _contribution_state  # noqa: E402
