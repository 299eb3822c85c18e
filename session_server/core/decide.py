"""decide(state, command, actor, now): the congress's rules, turning a command into events."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import singledispatch

from . import commands as c
from . import events as e
from .errors import RuleCode
from .state import (
    ItemStatus,
    RequestKind,
    Role,
    RoomState,
    SessionStatus,
    SpeakerList,
)

DEFAULT_SECONDS: dict[RequestKind, int] = {
    RequestKind.SPEECH: 420,
    RequestKind.POINT_OF_ORDER: 120,
    RequestKind.REPLY: 180,
}
"""Speaking time when the presidium grants the floor without naming the seconds."""

MAX_TITLE = 300
MAX_ANNOUNCEMENT = 280
MAX_ID = 64
MAX_DOCUMENT_ID = 128
MAX_NAME = 200
"""A delegate's full name."""
MAX_PAGES = 10_000
"""Pages a registered document may have (the render workers' own limit is lower)."""
MAX_PLANNED_MINUTES = 600
SPEAKING_SECONDS = (10, 3600)
"""The shortest and longest speaking time the presidium may grant."""
MAX_EXTENSION_SECONDS = 1800
"""The most one extend_time may add (there is no cap on the total)."""
MAX_ANNOUNCEMENT_MINUTES = 1440

_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who sends a command: a role, and for a delegate the delegate it speaks for."""

    role: Role
    delegate_id: str | None = None


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a command changes nothing."""

    code: RuleCode
    message: str


Decision = tuple[e.Event, ...] | Rejection


def create_room(room: str, title: str) -> tuple[e.Event, ...] | Rejection:
    """The first events of a room; the hub never takes this from a client."""
    if not 0 < len(room) <= MAX_ID:
        return Rejection("invalid_args", "a room id has 1 to 64 characters")
    if not title.strip() or len(title) > MAX_TITLE:
        return Rejection("invalid_args", f"a title has 1 to {MAX_TITLE} characters")
    return (e.RoomCreated(title=title.strip()),)


def decide(state: RoomState, command: c.Command, actor: Actor, now: int) -> Decision:
    """Events for `command`, or why not. An empty tuple means it asks for what already is."""
    if actor.role not in command.roles:
        return Rejection("forbidden", f"{actor.role.value} may not {command.name}")
    if state.seq == 0:
        return Rejection("not_found", "this room has not been created")
    return _decide(command, state, actor, now)


def _invalid(message: str) -> Rejection:
    return Rejection("invalid_state", message)


def _bad(message: str) -> Rejection:
    return Rejection("invalid_args", message)


def _missing(message: str) -> Rejection:
    return Rejection("not_found", message)


@singledispatch
def _decide(command: c.Command, state: RoomState, actor: Actor, now: int) -> Decision:
    return Rejection("unknown_command", f"no rule for {command.name}")


@_decide.register
def _(command: c.OpenSession, state: RoomState, actor: Actor, now: int) -> Decision:
    if state.status is SessionStatus.IN_SESSION:
        return _invalid("the session is already open")
    return (e.SessionStatusChanged(status=SessionStatus.IN_SESSION, at=now),)


@_decide.register
def _(command: c.SuspendSession, state: RoomState, actor: Actor, now: int) -> Decision:
    if state.status is not SessionStatus.IN_SESSION:
        return _invalid("only an open session can be suspended")
    return (e.SessionStatusChanged(status=SessionStatus.SUSPENDED, at=now),)


@_decide.register
def _(command: c.AdjournSession, state: RoomState, actor: Actor, now: int) -> Decision:
    if state.status is SessionStatus.ADJOURNED:
        return _invalid("the session is already adjourned")
    return (
        *_end_speech(state, now),
        e.SessionStatusChanged(status=SessionStatus.ADJOURNED, at=now),
    )


def _end_speech(state: RoomState, now: int) -> tuple[e.Event, ...]:
    if state.current_item is None or state.speaking() is None:
        return ()
    return (e.SpeechEnded(item_id=state.current_item, at=now),)


@_decide.register
def _(command: c.SetCurrentItem, state: RoomState, actor: Actor, now: int) -> Decision:
    if command.item_id == state.current_item:
        return ()
    if command.item_id is not None and state.item(command.item_id) is None:
        return _missing(f"no agenda item {command.item_id!r}")
    out: list[e.Event] = list(_end_speech(state, now))
    if state.current_item is not None:
        out.append(e.ItemClosed(item_id=state.current_item))
    if command.item_id is not None:
        out.append(e.ItemOpened(item_id=command.item_id))
    return tuple(out)


def _check_item_fields(title: str, presenter: str, minutes: int) -> Rejection | None:
    if not title.strip() or len(title) > MAX_TITLE:
        return _bad(f"an agenda item's title has 1 to {MAX_TITLE} characters")
    if len(presenter) > MAX_TITLE:
        return _bad(f"a presenter has at most {MAX_TITLE} characters")
    if not 0 <= minutes <= MAX_PLANNED_MINUTES:
        return _bad(f"planned minutes are between 0 and {MAX_PLANNED_MINUTES}")
    return None


@_decide.register
def _(command: c.AddAgendaItem, state: RoomState, actor: Actor, now: int) -> Decision:
    title, presenter = command.title.strip(), command.presenter.strip()
    problem = _check_item_fields(title, presenter, command.planned_minutes)
    if problem:
        return problem
    position = len(state.agenda) if command.position is None else command.position
    if not 0 <= position <= len(state.agenda):
        return _bad(f"position is between 0 and {len(state.agenda)}")
    return (
        e.AgendaItemAdded(
            item_id=f"item-{state.items_created + 1}",
            title=title,
            presenter=presenter,
            planned_minutes=command.planned_minutes,
            position=position,
        ),
    )


@_decide.register
def _(command: c.EditAgendaItem, state: RoomState, actor: Actor, now: int) -> Decision:
    item = state.item(command.item_id)
    if item is None:
        return _missing(f"no agenda item {command.item_id!r}")
    title = item.title if command.title is None else command.title.strip()
    presenter = item.presenter if command.presenter is None else command.presenter.strip()
    minutes = item.planned_minutes if command.planned_minutes is None else command.planned_minutes
    problem = _check_item_fields(title, presenter, minutes)
    if problem:
        return problem
    if (title, presenter, minutes) == (item.title, item.presenter, item.planned_minutes):
        return ()
    return (
        e.AgendaItemEdited(
            item_id=item.id, title=title, presenter=presenter, planned_minutes=minutes
        ),
    )


@_decide.register
def _(command: c.MoveAgendaItem, state: RoomState, actor: Actor, now: int) -> Decision:
    item = state.item(command.item_id)
    if item is None:
        return _missing(f"no agenda item {command.item_id!r}")
    if not 0 <= command.position < len(state.agenda):
        return _bad(f"position is between 0 and {len(state.agenda) - 1}")
    if state.agenda.index(item) == command.position:
        return ()
    return (e.AgendaItemMoved(item_id=item.id, position=command.position),)


@_decide.register
def _(command: c.RemoveAgendaItem, state: RoomState, actor: Actor, now: int) -> Decision:
    item = state.item(command.item_id)
    if item is None:
        return _missing(f"no agenda item {command.item_id!r}")
    if item.status is not ItemStatus.PENDING:
        return _invalid("only an item not yet opened can be removed; its record stays")
    return (e.AgendaItemRemoved(item_id=item.id),)


@_decide.register
def _(command: c.RegisterDocument, state: RoomState, actor: Actor, now: int) -> Decision:
    if not 0 < len(command.document_id) <= MAX_DOCUMENT_ID:
        return _bad(f"a document id has 1 to {MAX_DOCUMENT_ID} characters")
    if not command.title.strip() or len(command.title) > MAX_TITLE:
        return _bad(f"a document's title has 1 to {MAX_TITLE} characters")
    if not 1 <= command.pages <= MAX_PAGES:
        return _bad(f"a document has 1 to {MAX_PAGES} pages")
    if command.sha256 and (
        not _SHA256.fullmatch(command.sha256) or len(command.page_sizes) != command.pages
    ):
        return _bad("a document's file needs its SHA-256 and the size of every page")
    known = state.document(command.document_id)
    current = known.current if known is not None else None
    same_file = current is not None and current.sha256 == command.sha256
    same_version = same_file and current is not None and current.access == command.access
    version = 0
    if command.sha256:
        # The same file registered again keeps its number; a new file is the next one, and
        # so is the same file under another access: a version never changes who reads it.
        version = (
            current.version
            if same_version and current is not None
            else ((current.version if current is not None else 0) + 1)
        )
    event = e.DocumentRegistered(
        document_id=command.document_id,
        title=command.title.strip(),
        access=command.access,
        pages=command.pages,
        version=version,
        sha256=command.sha256,
        page_sizes=command.page_sizes,
        at=now if command.sha256 else 0,
    )
    unchanged = known is not None and (known.title, known.access, known.pages) == (
        event.title,
        event.access,
        event.pages,
    )
    if unchanged and (not command.sha256 or same_version):
        return ()
    return (event,)


@_decide.register
def _(command: c.ShowPage, state: RoomState, actor: Actor, now: int) -> Decision:
    doc = state.document(command.document_id)
    if doc is None:
        return _missing(f"no document {command.document_id!r}")
    if not 1 <= command.page <= doc.pages:
        return _missing(f"{doc.title!r} has pages 1 to {doc.pages}, not {command.page}")
    if state.showing is not None and (state.showing.document_id, state.showing.page) == (
        doc.id,
        command.page,
    ):
        return ()
    return (e.PageShown(document_id=doc.id, page=command.page),)


@_decide.register
def _(command: c.HideDocument, state: RoomState, actor: Actor, now: int) -> Decision:
    return () if state.showing is None else (e.DocumentHidden(),)


def _open_list(state: RoomState) -> SpeakerList | Rejection:
    speakers = state.current_speakers()
    if speakers is None:
        return _invalid("no agenda item is open")
    return speakers


def _queued(speakers: SpeakerList, delegate_id: str) -> int | None:
    for index, request in enumerate(speakers.requests):
        if request.delegate_id == delegate_id:
            return index
    return None


@_decide.register
def _(command: c.RequestFloor, state: RoomState, actor: Actor, now: int) -> Decision:
    delegate_id = actor.delegate_id
    if delegate_id is None or delegate_id not in state.delegates:
        return Rejection("forbidden", "this token is not tied to a delegate on the roll")
    speakers = _open_list(state)
    if isinstance(speakers, Rejection):
        return speakers
    # A point of order is procedural: it may be raised even when the list is closed.
    if speakers.closed and command.kind is not RequestKind.POINT_OF_ORDER:
        return _invalid("the list of speakers is closed")
    if _queued(speakers, delegate_id) is not None:
        return _invalid("you have already asked for the floor on this item")
    if speakers.floor is not None and speakers.floor.delegate_id == delegate_id:
        return _invalid("you have the floor now")
    position = len(speakers.requests)
    if command.kind is RequestKind.POINT_OF_ORDER:
        position = next(
            (
                i
                for i, r in enumerate(speakers.requests)
                if r.kind is not RequestKind.POINT_OF_ORDER
            ),
            position,
        )
    return (
        e.FloorRequested(
            item_id=speakers.item_id,
            delegate_id=delegate_id,
            request_kind=command.kind,
            at=now,
            position=position,
        ),
    )


@_decide.register
def _(command: c.WithdrawRequest, state: RoomState, actor: Actor, now: int) -> Decision:
    speakers = _open_list(state)
    if isinstance(speakers, Rejection):
        return speakers
    if actor.delegate_id is None or _queued(speakers, actor.delegate_id) is None:
        return _missing("you have no request on this item")
    return (
        e.RequestRemoved(item_id=speakers.item_id, delegate_id=actor.delegate_id, withdrawn=True),
    )


def _queued_request(state: RoomState, delegate_id: str) -> tuple[SpeakerList, int] | Rejection:
    speakers = _open_list(state)
    if isinstance(speakers, Rejection):
        return speakers
    index = _queued(speakers, delegate_id)
    if index is None:
        return _missing(f"no request from {delegate_id!r} on this item")
    return speakers, index


@_decide.register
def _(command: c.AcceptRequest, state: RoomState, actor: Actor, now: int) -> Decision:
    found = _queued_request(state, command.delegate_id)
    if isinstance(found, Rejection):
        return found
    speakers, index = found
    if speakers.requests[index].accepted:
        return ()
    return (e.RequestAccepted(item_id=speakers.item_id, delegate_id=command.delegate_id),)


@_decide.register
def _(command: c.MoveRequest, state: RoomState, actor: Actor, now: int) -> Decision:
    found = _queued_request(state, command.delegate_id)
    if isinstance(found, Rejection):
        return found
    speakers, index = found
    if not 0 <= command.position < len(speakers.requests):
        return _bad(f"position is between 0 and {len(speakers.requests) - 1}")
    if index == command.position:
        return ()
    return (
        e.RequestMoved(
            item_id=speakers.item_id, delegate_id=command.delegate_id, position=command.position
        ),
    )


@_decide.register
def _(command: c.RemoveRequest, state: RoomState, actor: Actor, now: int) -> Decision:
    found = _queued_request(state, command.delegate_id)
    if isinstance(found, Rejection):
        return found
    speakers, _ = found
    return (
        e.RequestRemoved(
            item_id=speakers.item_id, delegate_id=command.delegate_id, withdrawn=False
        ),
    )


@_decide.register
def _(command: c.GrantFloor, state: RoomState, actor: Actor, now: int) -> Decision:
    speakers = _open_list(state)
    if isinstance(speakers, Rejection):
        return speakers
    if command.delegate_id is None:
        if not speakers.requests:
            return _invalid("nobody is waiting for the floor")
        delegate_id = speakers.requests[0].delegate_id
        kind = speakers.requests[0].kind
    else:
        delegate_id = command.delegate_id
        index = _queued(speakers, delegate_id)
        if index is not None:
            kind = speakers.requests[index].kind
        elif delegate_id in state.delegates:
            kind = RequestKind.SPEECH
        else:
            return _missing(f"no delegate {delegate_id!r} on the roll")
    seconds = DEFAULT_SECONDS[kind] if command.seconds is None else command.seconds
    shortest, longest = SPEAKING_SECONDS
    if not shortest <= seconds <= longest:
        return _bad(f"speaking time is between {shortest} and {longest} seconds")
    # Granting the next speaker ends the current speech: one current speaker at most.
    return (
        *_end_speech(state, now),
        e.FloorGranted(
            item_id=speakers.item_id,
            delegate_id=delegate_id,
            request_kind=kind,
            at=now,
            seconds=seconds,
        ),
    )


@_decide.register
def _(command: c.EndSpeech, state: RoomState, actor: Actor, now: int) -> Decision:
    ended = _end_speech(state, now)
    return ended or _invalid("nobody has the floor")


@_decide.register
def _(command: c.ExtendTime, state: RoomState, actor: Actor, now: int) -> Decision:
    if state.current_item is None or state.speaking() is None:
        return _invalid("nobody has the floor")
    if not 1 <= command.seconds <= MAX_EXTENSION_SECONDS:
        return _bad(f"an extension is between 1 and {MAX_EXTENSION_SECONDS} seconds")
    return (e.SpeakingTimeExtended(item_id=state.current_item, seconds=command.seconds),)


def _set_closed(state: RoomState, closed: bool) -> Decision:
    speakers = _open_list(state)
    if isinstance(speakers, Rejection):
        return speakers
    if speakers.closed == closed:
        return ()
    return (e.ListClosedChanged(item_id=speakers.item_id, closed=closed),)


@_decide.register
def _(command: c.CloseList, state: RoomState, actor: Actor, now: int) -> Decision:
    return _set_closed(state, True)


@_decide.register
def _(command: c.ReopenList, state: RoomState, actor: Actor, now: int) -> Decision:
    return _set_closed(state, False)


@_decide.register
def _(command: c.PostAnnouncement, state: RoomState, actor: Actor, now: int) -> Decision:
    text = command.text.strip()
    if not text or len(text) > MAX_ANNOUNCEMENT:
        return _bad(f"an announcement has 1 to {MAX_ANNOUNCEMENT} characters")
    if not 1 <= command.minutes <= MAX_ANNOUNCEMENT_MINUTES:
        return _bad(f"an announcement lasts 1 to {MAX_ANNOUNCEMENT_MINUTES} minutes")
    # Expired announcements leave the state when a new one comes, so it never grows unbounded.
    expired = tuple(
        e.AnnouncementWithdrawn(announcement_id=a.id)
        for a in state.announcements
        if a.expires_at <= now
    )
    return (
        *expired,
        e.AnnouncementPosted(
            announcement_id=f"a-{state.announcements_posted + 1}",
            text=text,
            at=now,
            expires_at=now + command.minutes * 60_000,
        ),
    )


@_decide.register
def _(command: c.WithdrawAnnouncement, state: RoomState, actor: Actor, now: int) -> Decision:
    if not any(a.id == command.announcement_id for a in state.announcements):
        return _missing(f"no announcement {command.announcement_id!r}")
    return (e.AnnouncementWithdrawn(announcement_id=command.announcement_id),)


@_decide.register
def _(command: c.RegisterDelegate, state: RoomState, actor: Actor, now: int) -> Decision:
    if (
        not 0 < len(command.delegate_id) <= MAX_ID
        or command.delegate_id.strip() != command.delegate_id
    ):
        return _bad("a delegate id has 1 to 64 characters and no surrounding spaces")
    name = command.full_name.strip()
    if not name or len(name) > MAX_NAME:
        return _bad(f"a delegate's name has 1 to {MAX_NAME} characters")
    if len(command.unit) > MAX_TITLE or len(command.seat) > MAX_ID:
        return _bad("unit or seat is too long")
    known = state.delegates.get(command.delegate_id)
    unit, seat = command.unit.strip(), command.seat.strip()
    if known is not None and (known.name, known.unit, known.seat) == (name, unit, seat):
        return ()
    return (e.DelegateRegistered(delegate_id=command.delegate_id, name=name, unit=unit, seat=seat),)


@_decide.register
def _(command: c.RevokeToken, state: RoomState, actor: Actor, now: int) -> Decision:
    if not 0 < len(command.token_id) <= MAX_ID:
        return _bad(f"a token id has 1 to {MAX_ID} characters")
    if command.token_id in state.revoked_tokens:
        return ()
    return (e.TokenRevoked(token_id=command.token_id),)


@_decide.register
def _(command: c.CheckIn, state: RoomState, actor: Actor, now: int) -> Decision:
    if actor.role is Role.DELEGATE:
        if command.delegate_id not in (None, actor.delegate_id):
            return Rejection("forbidden", "a delegate checks in only themselves")
        target = actor.delegate_id
    else:
        target = command.delegate_id
    if target is None:
        return _bad("name the delegate to check in")
    if target not in state.delegates:
        return _missing(f"no delegate {target!r} on the roll")
    if target in state.present:
        return ()
    return (e.DelegateCheckedIn(delegate_id=target, at=now),)


CHECKPOINT_ON_DEMAND = "on_demand"


@_decide.register
def _(command: c.RecordCheckpoint, state: RoomState, actor: Actor, now: int) -> Decision:
    if state.checkpoint is not None and state.checkpoint.head_seq == state.seq - 1:
        # The head is a checkpoint already: nothing new to sign.
        return ()
    return (e.CheckpointRecorded(reason=CHECKPOINT_ON_DEMAND, head_seq=state.seq),)
