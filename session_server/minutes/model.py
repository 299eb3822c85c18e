"""The minutes as data: a room's log folded into what happened, seen by one audience.

Pure: no I/O, no clock. The full copy is folded for the presidium, the public copy for a
board, and both through the screens' own projection (`core.projection.project`): an entry
appears in a copy only as that audience's view shows it (a confidential document is only
"something not public was shown", a speaker of the public copy has a name and a unit and
nothing else), so the minutes cannot show what the screens would not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from ..backends.base import LogRecord
from ..core import events as e
from ..core.evolve import evolve
from ..core.plain import to_plain
from ..core.projection import View, project
from ..core.state import Role, RoomState, SpeakerList
from .entries import (
    AgendaEntry,
    AnnouncementEntry,
    Checkpoint,
    ContributionEntry,
    Copy,
    ItemPeriod,
    Minutes,
    PageTurn,
    RollEntry,
    Showing,
    Sitting,
    SpeechEntry,
    StatusChange,
    VoteEntry,
)

AUDIENCES: dict[Copy, Role] = {"full": Role.PRESIDIUM, "public": Role.BOARD}
"""Whose view each copy is folded from: the full one is the presidium's and the
secretariat's (they share one view), the public one a welcome-gate board's."""

CHECKPOINT_KIND = "checkpoint_recorded"
"""The kind of a signed checkpoint of the log's head. Read from the event's plain form by
its name, so these minutes read checkpoints whatever class the core gives them."""

RESUME_FIELDS = ("resumes_at",)
"""Where a suspension carries the time the session resumes (ms), if the presidium set one."""

_KNOWN_EVENTS = frozenset(e.EVENT_TYPES.values())
_EMPTY = RoomState(room="")


def build_minutes(room: str, records: Iterable[LogRecord], copy: Copy = "full") -> Minutes:
    """The minutes of `room` from its log records in order, as `copy`'s audience sees it."""
    folder = _Folder(room, AUDIENCES[copy])
    for record in records:
        folder.record(record)
    return folder.finish(copy)


class _Folder:
    """Walks the log event by event, keeping the room's state and, where an entry needs it,
    the audience's view of that state just after the event."""

    def __init__(self, room: str, audience: Role) -> None:
        self.audience = audience
        self.state = RoomState(room=room)
        self.first_at: int | None = None
        self.last_at: int | None = None
        self.status: list[StatusChange] = []
        self.sittings: list[Sitting] = []
        self.agenda: dict[str, AgendaEntry] = {}
        self.shown: list[Showing] = []
        self.turns: list[list[PageTurn]] = []
        """The pages turned to in each of `shown`."""
        self.last_seq = 0
        self.document_view: Any = None
        self.speeches: list[SpeechEntry] = []
        self.announcements: dict[str, AnnouncementEntry] = {}
        self.checkpoints: list[Checkpoint] = []
        self.checked_in: dict[str, int] = {}
        self.skipped: list[str] = []

    def view(self, *parts: str) -> View:
        """The audience's view, by the screens' projection, of the room with only `parts`
        of its state kept (and the rest empty, as a new room's).

        The projection itself decides what the audience sees; keeping only the parts an
        entry reads keeps each call small, where the whole room (every speech of the item,
        the roll) at each of a day's thousands of page turns made the fold quadratic.
        """
        state = self.state
        kept = {name: getattr(state, name) for name in parts}
        slim = replace(_EMPTY, room=state.room, title=state.title, **kept)
        return project(slim, self.audience)

    def record(self, record: LogRecord) -> None:
        if self.first_at is None:
            self.first_at = record.at
        self.last_at = record.at
        for event in record.events:
            if type(event) in _KNOWN_EVENTS:
                self.state = evolve(self.state, event)
            self.event(event, record)
        self.last_seq = record.seq

    def event(self, event: e.Event, record: LogRecord) -> None:
        at = record.at
        if isinstance(event, e.SessionStatusChanged):
            self.session(event, at)
        elif isinstance(event, e.ItemOpened):
            self.item_opened(event.item_id, at)
        elif isinstance(event, e.ItemClosed):
            self.item_closed(event.item_id, at)
        elif isinstance(event, e.AgendaItemRemoved) and event.item_id in self.agenda:
            self.agenda[event.item_id] = replace(self.agenda[event.item_id], removed=True)
        elif isinstance(event, e.PageShown | e.DocumentHidden | e.DocumentRegistered):
            self.document(at)
        elif isinstance(event, e.FloorGranted):
            self.floor_granted(event)
        elif isinstance(event, e.SpeakingTimeExtended):
            self.extended(event.seconds)
        elif isinstance(event, e.SpeechEnded):
            self.speech_ended(event.at)
        elif isinstance(event, e.AnnouncementPosted):
            self.announced(event.announcement_id)
        elif isinstance(event, e.AnnouncementWithdrawn):
            self.withdrawn(event.announcement_id, at)
        elif isinstance(event, e.DelegateCheckedIn):
            self.checked_in.setdefault(event.delegate_id, event.at)
        elif event.kind == CHECKPOINT_KIND:
            self.checkpoint(to_plain(event), record)
        elif type(event) not in _KNOWN_EVENTS and event.kind not in self.skipped:
            self.skipped.append(event.kind)

    # ---- the session

    def session(self, event: e.SessionStatusChanged, at: int) -> None:
        plain = to_plain(event)
        resume = next((plain[f] for f in RESUME_FIELDS if isinstance(plain.get(f), int)), None)
        self.status.append(StatusChange(event.at, event.status.value, resume))
        self.close_sitting(event.at, event.status.value)
        if event.status.value == "in_session":
            attendance = self.view("delegates", "present")["attendance"]
            self.sittings.append(
                Sitting(
                    number=len(self.sittings) + 1,
                    opened_at=event.at,
                    closed_at=None,
                    closed_as=None,
                    present_at_opening=attendance["present"],
                    present=attendance["present"],
                    total=attendance["total"],
                    roll=None,
                )
            )

    def close_sitting(self, at: int | None, how: str | None) -> None:
        """The open sitting's attendance now; closed at `at` when it ends there."""
        if not self.sittings or self.sittings[-1].closed_as is not None:
            return
        view = self.view("delegates", "present")
        attendance = view["attendance"]
        roll = None
        if view["roll"] is not None:
            roll = tuple(
                RollEntry(
                    delegate_id=r["id"],
                    name=r["name"],
                    unit=r["unit"],
                    seat=r["seat"],
                    present=r["present"],
                    checked_in_at=self.checked_in.get(r["id"]) if r["present"] else None,
                )
                for r in view["roll"]
            )
        self.sittings[-1] = replace(
            self.sittings[-1],
            closed_at=at,
            closed_as=how,
            present=attendance["present"],
            total=attendance["total"],
            roll=roll,
        )

    # ---- the agenda

    def item_opened(self, item_id: str, at: int) -> None:
        known = self.agenda.get(item_id)
        periods = known.periods if known is not None else ()
        self.agenda[item_id] = self.item_entry(item_id, (*periods, ItemPeriod(at, None)))

    def item_closed(self, item_id: str, at: int) -> None:
        known = self.agenda.get(item_id)
        if known is None or not known.periods or known.periods[-1].closed_at is not None:
            return
        periods = (*known.periods[:-1], ItemPeriod(known.periods[-1].opened_at, at))
        self.agenda[item_id] = self.item_entry(item_id, periods)

    def item_entry(self, item_id: str, periods: tuple[ItemPeriod, ...]) -> AgendaEntry:
        for item in self.view("agenda")["agenda"]["items"]:
            if item["id"] == item_id:
                return AgendaEntry(
                    item_id=item_id,
                    title=item["title"],
                    presenter=item["presenter"],
                    planned_minutes=item["planned_minutes"],
                    periods=periods,
                )
        known = self.agenda.get(item_id)
        # Not on the agenda (any more): what was known of it, else its id alone.
        return replace(known or AgendaEntry(item_id, item_id, "", 0), periods=periods)

    def item_title(self, item_id: str) -> str:
        """As the audience's agenda showed it when the item was opened (the floor is only
        ever given on the open item)."""
        known = self.agenda.get(item_id)
        if known is None:
            known = self.item_entry(item_id, ())
        return known.title

    # ---- documents

    def document(self, at: int) -> None:
        """An entry only when the audience's `document` section changes, as its screen would."""
        now = self.view("documents", "showing")["document"]
        if now == self.document_view:
            return
        self.document_view = now
        last = self.shown[-1] if self.shown else None
        if now is None:
            if last is not None and last.ended_at is None:
                self.shown[-1] = replace(last, ended_at=at)
            return
        if now.get("hidden"):
            if last is not None and last.ended_at is None:
                self.shown[-1] = replace(last, ended_at=at)
            self.shown.append(Showing(shown_at=at, ended_at=None, hidden=True))
            self.turns.append([])
            return
        turn = PageTurn(now["page"], at)
        if (
            last is not None
            and last.ended_at is None
            and not last.hidden
            and last.document_id == now["id"]
            and last.version == now["version"]
        ):
            if self.turns[-1][-1].page != turn.page:
                # Kept in a list until the end: a tuple copied at each of a day's page
                # turns made the fold quadratic.
                self.turns[-1].append(turn)
            if last.title != now["title"]:
                self.shown[-1] = replace(last, title=now["title"])
            return
        if last is not None and last.ended_at is None:
            self.shown[-1] = replace(last, ended_at=at)
        self.shown.append(
            Showing(
                shown_at=at,
                ended_at=None,
                hidden=False,
                document_id=now["id"],
                title=now["title"],
                version=now["version"],
            )
        )
        self.turns.append([turn])

    # ---- speeches

    def floor_granted(self, event: e.FloorGranted) -> None:
        speakers = self.state.speakers.get(event.item_id)
        if speakers is None or speakers.floor is None:
            return
        speaker = self.state.delegates.get(event.delegate_id)
        # The granted item's list with its floor alone, and the speaker alone on the roll.
        slim = replace(
            _EMPTY,
            room=self.state.room,
            current_item=event.item_id,
            speakers={event.item_id: SpeakerList(event.item_id, floor=speakers.floor)},
            delegates={} if speaker is None else {speaker.id: speaker},
        )
        floor = project(slim, self.audience)["speakers"]["floor"]
        self.speeches.append(
            SpeechEntry(
                item_id=event.item_id,
                item_title=self.item_title(event.item_id),
                name=floor["name"],
                unit=floor["unit"],
                kind=floor["kind"],
                granted_at=floor["granted_at"],
                allowed_seconds=floor["allowed_seconds"],
                delegate_id=floor.get("delegate_id"),
            )
        )

    def speaking(self) -> SpeechEntry | None:
        last = self.speeches[-1] if self.speeches else None
        return last if last is not None and last.ended_at is None else None

    def extended(self, by: int) -> None:
        speech = self.speaking()
        if speech is not None:
            self.speeches[-1] = replace(speech, extensions=(*speech.extensions, by))

    def speech_ended(self, at: int) -> None:
        speech = self.speaking()
        if speech is not None:
            self.speeches[-1] = replace(speech, ended_at=at)

    # ---- announcements and checkpoints

    def announced(self, announcement_id: str) -> None:
        for a in self.view("announcements")["announcements"]:
            if a["id"] == announcement_id:
                self.announcements[announcement_id] = AnnouncementEntry(
                    announcement_id=a["id"],
                    text=a["text"],
                    posted_at=a["posted_at"],
                    expires_at=a["expires_at"],
                )

    def withdrawn(self, announcement_id: str, at: int) -> None:
        known = self.announcements.get(announcement_id)
        # One already past its time is only tidied away (by the next one posted): it was
        # not withdrawn, it ran its course.
        if known is not None and at < known.expires_at:
            self.announcements[announcement_id] = replace(known, withdrawn_at=at)

    def checkpoint(self, plain: dict[str, Any], record: LogRecord) -> None:
        def text(name: str) -> str:
            value = plain.get(name)
            return value if isinstance(value, str) else ""

        head = plain.get("head_seq")
        self.checkpoints.append(
            Checkpoint(
                seq=record.seq,
                at=record.at,
                reason=text("reason"),
                head_seq=head if isinstance(head, int) else record.seq,
                head_hash=text("head_hash"),
                fingerprint=text("fingerprint"),
                key_id=text("key_id"),
            )
        )

    def votes(self) -> tuple[VoteEntry, ...]:
        """The votes opened, by the audience's own projection of them (docs/protocol.md §6)."""
        view = self.view("votes", "delegates")
        entries = []
        for vote in view["votes"]:
            turnout = view["turnout"].get(vote["id"])
            if "title" not in vote or turnout is None or vote["opened_at"] is None:
                continue
            entries.append(
                VoteEntry(
                    vote_id=vote["id"],
                    kind=vote["kind"],
                    title=vote["title"],
                    opened_at=vote["opened_at"],
                    closed_at=vote["closed_at"],
                    threshold=vote["threshold"],
                    base_rule=vote["base"],
                    seats=vote["seats"],
                    candidates=tuple((c["id"], c["name"], c["unit"]) for c in vote["candidates"]),
                    issued=turnout["issued"] or 0,
                    cast=turnout["cast"],
                    status=vote["status"],
                    result=vote.get("result"),
                )
            )
        return tuple(entries)

    def contributions(self) -> tuple[ContributionEntry, ...]:
        """The contributions as the audience's own view lists them: only the staff's has any."""
        listed = self.view("contributions", "delegates")["contributions"] or []
        return tuple(
            ContributionEntry(
                contribution_id=k["id"],
                title=k["title"],
                delegate_id=k["delegate_id"],
                name=k["name"],
                unit=k["unit"],
                kind=k["kind"],
                pages=k["pages"],
                version=k["version"],
                status=k["status"],
                reason=k["reason"],
                submitted_at=k["submitted_at"],
                document_id=k["document_id"],
                access=k["access"],
            )
            for k in listed
        )

    def finish(self, copy: Copy) -> Minutes:
        # Still sitting at the log's end: its attendance is the latest, its end unknown.
        self.close_sitting(None, None)
        view = self.view("agenda")
        agenda = [
            self.agenda.get(i["id"])
            or AgendaEntry(i["id"], i["title"], i["presenter"], i["planned_minutes"])
            for i in view["agenda"]["items"]
        ]
        listed = {entry.item_id for entry in agenda}
        # Items taken up, then removed from the agenda, stay in the record after the rest.
        agenda += [entry for entry in self.agenda.values() if entry.item_id not in listed]
        return Minutes(
            room=self.state.room,
            copy=copy,
            title=view["session"]["title"],
            first_at=self.first_at,
            last_at=self.last_at,
            last_seq=self.last_seq,
            status=tuple(self.status),
            sittings=tuple(self.sittings),
            agenda=tuple(agenda),
            shown=tuple(
                replace(showing, pages=tuple(turns))
                for showing, turns in zip(self.shown, self.turns, strict=True)
            ),
            speeches=tuple(self.speeches),
            announcements=tuple(self.announcements.values()),
            votes=self.votes(),
            checkpoints=tuple(self.checkpoints),
            contributions=self.contributions(),
            skipped_kinds=tuple(self.skipped),
        )
