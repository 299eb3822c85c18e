"""The minutes' entries: what happened, as data the PDF, the exports and the tests read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Copy = Literal["full", "public"]
COPIES: tuple[Copy, ...] = ("full", "public")


@dataclass(frozen=True, slots=True)
class StatusChange:
    """An opening, a break or the adjournment."""

    at: int
    status: str
    """`in_session`, `suspended`, `adjourned` (or `not_started`)."""
    resume_at: int | None = None
    """For a break: when the presidium said the session would resume, if it said so."""


@dataclass(frozen=True, slots=True)
class RollEntry:
    delegate_id: str
    name: str
    unit: str
    seat: str
    present: bool
    checked_in_at: int | None


@dataclass(frozen=True, slots=True)
class Sitting:
    """From an opening to the next break or adjournment (or the end of the log)."""

    number: int
    opened_at: int
    closed_at: int | None
    closed_as: str | None
    """`suspended` or `adjourned`; None while it was still sitting at the log's end."""
    present_at_opening: int
    present: int
    """Checked in by the sitting's end: check-ins are never taken back."""
    total: int
    roll: tuple[RollEntry, ...] | None
    """The roll at the sitting's end, for the copy whose audience sees it (the full one)."""


@dataclass(frozen=True, slots=True)
class ItemPeriod:
    opened_at: int
    closed_at: int | None


@dataclass(frozen=True, slots=True)
class AgendaEntry:
    item_id: str
    title: str
    presenter: str
    planned_minutes: int
    periods: tuple[ItemPeriod, ...] = ()
    removed: bool = False

    @property
    def started_at(self) -> int | None:
        return self.periods[0].opened_at if self.periods else None

    @property
    def ended_at(self) -> int | None:
        return self.periods[-1].closed_at if self.periods else None


@dataclass(frozen=True, slots=True)
class PageTurn:
    page: int
    at: int


@dataclass(frozen=True, slots=True)
class Showing:
    """One document on the screens, from when it was shown until another or none was."""

    shown_at: int
    ended_at: int | None
    hidden: bool
    """Shown, but not to this copy's audience: no id, title or page is known here."""
    document_id: str = ""
    title: str = ""
    version: int = 0
    pages: tuple[PageTurn, ...] = ()


@dataclass(frozen=True, slots=True)
class SpeechEntry:
    item_id: str
    item_title: str
    name: str
    unit: str
    kind: str
    granted_at: int
    allowed_seconds: int
    """As granted, before any extension."""
    extensions: tuple[int, ...] = ()
    """Seconds added, one entry per extension."""
    ended_at: int | None = None
    delegate_id: str | None = None
    """Only in a copy whose audience sees delegate ids (the full one)."""

    @property
    def duration_seconds(self) -> int | None:
        if self.ended_at is None:
            return None
        return seconds(self.ended_at - self.granted_at)


@dataclass(frozen=True, slots=True)
class AnnouncementEntry:
    announcement_id: str
    text: str
    posted_at: int
    expires_at: int
    withdrawn_at: int | None = None
    """Set when the presidium took it down before its time."""

    @property
    def shown_until(self) -> int:
        return self.expires_at if self.withdrawn_at is None else self.withdrawn_at


@dataclass(frozen=True, slots=True)
class VoteEntry:
    """A vote put to the congress: its settings, turnout and result, as the copy's audience
    sees them (the public copy has a result only once it was published)."""

    vote_id: str
    kind: str
    title: str
    opened_at: int | None
    closed_at: int | None
    threshold: str
    base_rule: str
    seats: int
    candidates: tuple[tuple[str, str, str], ...]
    """(id, name, unit) in the ballot's order."""
    issued: int
    cast: int
    status: str
    result: dict[str, Any] | None

    @property
    def not_cast(self) -> int:
        return self.issued - self.cast


@dataclass(frozen=True, slots=True)
class ContributionEntry:
    """A written contribution (tham luận) as the log left it: the full copy's alone."""

    contribution_id: str
    title: str
    delegate_id: str
    name: str
    unit: str
    kind: str
    pages: int
    version: int
    status: str
    reason: str
    submitted_at: int
    document_id: str | None
    access: str | None


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed checkpoint of the log's head, as recorded in the log."""

    seq: int
    at: int
    reason: str
    head_seq: int
    head_hash: str
    fingerprint: str
    key_id: str


@dataclass(frozen=True, slots=True)
class Minutes:
    room: str
    copy: Copy
    title: str = ""
    first_at: int | None = None
    last_at: int | None = None
    last_seq: int = 0
    status: tuple[StatusChange, ...] = ()
    sittings: tuple[Sitting, ...] = ()
    agenda: tuple[AgendaEntry, ...] = ()
    shown: tuple[Showing, ...] = ()
    speeches: tuple[SpeechEntry, ...] = ()
    announcements: tuple[AnnouncementEntry, ...] = ()
    votes: tuple[VoteEntry, ...] = ()
    checkpoints: tuple[Checkpoint, ...] = ()
    contributions: tuple[ContributionEntry, ...] = ()
    """Every written contribution, in the order first submitted (none in the public copy)."""
    skipped_kinds: tuple[str, ...] = field(default=())
    """Event kinds these minutes do not know (a later release's): left out, named here."""


def seconds(ms: int) -> int:
    """Milliseconds to whole seconds, half a second up."""
    return (ms + 500) // 1000
