"""decide(state, command, actor, now): the congress's rules, turning a command into events."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import singledispatch

from . import commands as c
from . import events as e
from .errors import RuleCode, RuleReason
from .group_state import split_group_room
from .state import (
    ItemStatus,
    RequestKind,
    Role,
    RoomState,
    SessionStatus,
)
from .status_rules import refusal

DEFAULT_SECONDS: dict[RequestKind, int] = {
    RequestKind.SPEECH: 420,
    RequestKind.POINT_OF_ORDER: 120,
    RequestKind.REPLY: 180,
}
"""Speaking time when the presidium grants the floor without naming the seconds and has
set no presets (`set_speaking_times`)."""

MAX_TITLE = 300
MAX_ANNOUNCEMENT = 280
MAX_ID = 64
MAX_DOCUMENT_ID = 128
MAX_NAME = 200
GROUP_ROOM_SUFFIX = 8
"""How much longer than `MAX_ID` a discussion group's room id may be (`~g` and the number)."""
"""A delegate's full name."""
MAX_PAGES = 10_000
"""Pages a registered document may have (the render workers' own limit is lower)."""
MAX_PARAGRAPHS = 20_000
"""Paragraph ids one version of a document registers (a file with more registers none)."""
MAX_PLANNED_MINUTES = 600
SPEAKING_SECONDS = (10, 3600)
"""The shortest and longest speaking time the presidium may grant."""
MAX_EXTENSION_SECONDS = 1800
"""The most one extend_time may add (there is no cap on the total)."""
MAX_ANNOUNCEMENT_MINUTES = 1440
MAX_BREAK_MINUTES = 1440
"""How far ahead of now a break's announced end may be."""

_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who sends a command: a role, and for a delegate the delegate it speaks for."""

    role: Role
    delegate_id: str | None = None


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a command changes nothing: a code, a message for a person, a reason for screens."""

    code: RuleCode
    message: str
    reason: RuleReason


Decision = tuple[e.Event, ...] | Rejection


def create_room(room: str, title: str) -> tuple[e.Event, ...] | Rejection:
    """The first events of a room; the hub never takes this from a client."""
    # A group's room adds "~" and its group's id ("g12") to its plenary's id.
    longest = MAX_ID if split_group_room(room) is None else MAX_ID + GROUP_ROOM_SUFFIX
    if not 0 < len(room) <= longest:
        return _bad("room_id_length", "a room id has 1 to 64 characters")
    if not title.strip() or len(title) > MAX_TITLE:
        return _bad("title_length", f"a title has 1 to {MAX_TITLE} characters")
    return (e.RoomCreated(title=title.strip()),)


def decide(state: RoomState, command: c.Command, actor: Actor, now: int) -> Decision:
    """Events for `command`, or why not. An empty tuple means it asks for what already is."""
    if actor.role not in command.roles:
        return Rejection(
            "forbidden", f"{actor.role.value} may not {command.name}", "role_not_allowed"
        )
    if state.seq == 0:
        return _missing("room_not_found", "this room has not been created")
    reason = refusal(state.status, command.name)
    if reason is not None:
        return _invalid(reason, f"{command.name} {_STATUS_MESSAGES[state.status]}")
    return _decide(command, state, actor, now)


_STATUS_MESSAGES = {
    SessionStatus.NOT_STARTED: "waits for the session to open",
    SessionStatus.IN_SESSION: "does not apply while the session is open",
    SessionStatus.SUSPENDED: "waits for the session to resume",
    SessionStatus.ADJOURNED: "does not apply once the session is adjourned",
}


def _invalid(reason: RuleReason, message: str) -> Rejection:
    return Rejection("invalid_state", message, reason)


def _bad(reason: RuleReason, message: str) -> Rejection:
    return Rejection("invalid_args", message, reason)


def _missing(reason: RuleReason, message: str) -> Rejection:
    return Rejection("not_found", message, reason)


@singledispatch
def _decide(command: c.Command, state: RoomState, actor: Actor, now: int) -> Decision:
    return Rejection("unknown_command", f"no rule for {command.name}", "no_rule")


rule = _decide.register
"""Registers the rule of one command class: how the votes' module adds its own."""


@_decide.register
def _(command: c.OpenSession, state: RoomState, actor: Actor, now: int) -> Decision:
    out: list[e.Event] = []
    speaking = state.speaking()
    if (
        state.status is SessionStatus.SUSPENDED
        and speaking is not None
        and state.current_item is not None
        and state.status_since is not None
    ):
        # The speaker gets back the time the break took: the countdown stands where it
        # stopped, and the record says why the time grew.
        paused = -(-max(0, now - max(state.status_since, speaking.granted_at)) // 1000)
        if paused:
            out.append(e.SpeakingTimeExtended(item_id=state.current_item, seconds=paused))
    out.append(e.SessionStatusChanged(status=SessionStatus.IN_SESSION, at=now))
    return tuple(out)


@_decide.register
def _(command: c.SuspendSession, state: RoomState, actor: Actor, now: int) -> Decision:
    resumes_at = command.resumes_at
    if resumes_at is not None and not now < resumes_at <= now + MAX_BREAK_MINUTES * 60_000:
        return _bad(
            "resume_time_range",
            f"a break resumes after now and at most {MAX_BREAK_MINUTES} minutes ahead",
        )
    if state.status is SessionStatus.SUSPENDED:
        if resumes_at == state.resumes_at:
            return ()
        # The break goes on: its start stays, only the announced end changes.
        since = now if state.status_since is None else state.status_since
        return (
            e.SessionStatusChanged(status=SessionStatus.SUSPENDED, at=since, resumes_at=resumes_at),
        )
    return (e.SessionStatusChanged(status=SessionStatus.SUSPENDED, at=now, resumes_at=resumes_at),)


@_decide.register
def _(command: c.AdjournSession, state: RoomState, actor: Actor, now: int) -> Decision:
    # Adjourning leaves nothing running: the speech ends (recorded as given), the queue is
    # emptied (each request can be restored if the session is reconvened) and the page
    # leaves the screens. All of it is in the log, so a replay ends the same way.
    out: list[e.Event] = list(_end_speech(state, now))
    speakers = state.current_speakers()
    if speakers is not None:
        for position in reversed(range(len(speakers.requests))):
            out.append(
                e.RequestRemoved(
                    item_id=speakers.item_id,
                    delegate_id=speakers.requests[position].delegate_id,
                    withdrawn=False,
                    position=position,
                )
            )
    if state.showing is not None:
        out.append(e.DocumentHidden())
    out.append(e.SessionStatusChanged(status=SessionStatus.ADJOURNED, at=now))
    return tuple(out)


def _end_speech(state: RoomState, now: int) -> tuple[e.Event, ...]:
    if state.current_item is None or state.speaking() is None:
        return ()
    return (e.SpeechEnded(item_id=state.current_item, at=now),)


@_decide.register
def _(command: c.SetCurrentItem, state: RoomState, actor: Actor, now: int) -> Decision:
    if command.item_id == state.current_item:
        return ()
    if command.item_id is not None and state.item(command.item_id) is None:
        return _missing("item_not_found", f"no agenda item {command.item_id!r}")
    out: list[e.Event] = list(_end_speech(state, now))
    if state.current_item is not None:
        out.append(e.ItemClosed(item_id=state.current_item))
    if command.item_id is not None:
        out.append(e.ItemOpened(item_id=command.item_id))
    return tuple(out)


def _check_item_fields(title: str, presenter: str, minutes: int) -> Rejection | None:
    if not title.strip() or len(title) > MAX_TITLE:
        return _bad("title_length", f"an agenda item's title has 1 to {MAX_TITLE} characters")
    if len(presenter) > MAX_TITLE:
        return _bad("presenter_length", f"a presenter has at most {MAX_TITLE} characters")
    if not 0 <= minutes <= MAX_PLANNED_MINUTES:
        return _bad(
            "planned_minutes_range", f"planned minutes are between 0 and {MAX_PLANNED_MINUTES}"
        )
    return None


@_decide.register
def _(command: c.AddAgendaItem, state: RoomState, actor: Actor, now: int) -> Decision:
    title, presenter = command.title.strip(), command.presenter.strip()
    problem = _check_item_fields(title, presenter, command.planned_minutes)
    if problem:
        return problem
    position = len(state.agenda) if command.position is None else command.position
    if not 0 <= position <= len(state.agenda):
        return _bad("position_range", f"position is between 0 and {len(state.agenda)}")
    if command.group_session and split_group_room(state.room) is not None:
        return _invalid("plenary_only", "only the plenary breaks into its groups")
    return (
        e.AgendaItemAdded(
            item_id=f"item-{state.items_created + 1}",
            title=title,
            presenter=presenter,
            planned_minutes=command.planned_minutes,
            position=position,
            group_session=command.group_session,
        ),
    )


@_decide.register
def _(command: c.EditAgendaItem, state: RoomState, actor: Actor, now: int) -> Decision:
    item = state.item(command.item_id)
    if item is None:
        return _missing("item_not_found", f"no agenda item {command.item_id!r}")
    title = item.title if command.title is None else command.title.strip()
    presenter = item.presenter if command.presenter is None else command.presenter.strip()
    minutes = item.planned_minutes if command.planned_minutes is None else command.planned_minutes
    group_session = item.group_session if command.group_session is None else command.group_session
    problem = _check_item_fields(title, presenter, minutes)
    if problem:
        return problem
    if group_session and split_group_room(state.room) is not None:
        return _invalid("plenary_only", "only the plenary breaks into its groups")
    if (title, presenter, minutes, group_session) == (
        item.title,
        item.presenter,
        item.planned_minutes,
        item.group_session,
    ):
        return ()
    return (
        e.AgendaItemEdited(
            item_id=item.id,
            title=title,
            presenter=presenter,
            planned_minutes=minutes,
            group_session=group_session,
        ),
    )


@_decide.register
def _(command: c.MoveAgendaItem, state: RoomState, actor: Actor, now: int) -> Decision:
    item = state.item(command.item_id)
    if item is None:
        return _missing("item_not_found", f"no agenda item {command.item_id!r}")
    if not 0 <= command.position < len(state.agenda):
        return _bad("position_range", f"position is between 0 and {len(state.agenda) - 1}")
    if state.agenda.index(item) == command.position:
        return ()
    return (e.AgendaItemMoved(item_id=item.id, position=command.position),)


@_decide.register
def _(command: c.RemoveAgendaItem, state: RoomState, actor: Actor, now: int) -> Decision:
    item = state.item(command.item_id)
    if item is None:
        return _missing("item_not_found", f"no agenda item {command.item_id!r}")
    if item.status is not ItemStatus.PENDING:
        return _invalid(
            "item_already_opened", "only an item not yet opened can be removed; its record stays"
        )
    return (e.AgendaItemRemoved(item_id=item.id),)


@_decide.register
def _(command: c.RegisterDocument, state: RoomState, actor: Actor, now: int) -> Decision:
    if not 0 < len(command.document_id) <= MAX_DOCUMENT_ID:
        return _bad("document_id_length", f"a document id has 1 to {MAX_DOCUMENT_ID} characters")
    if not command.title.strip() or len(command.title) > MAX_TITLE:
        return _bad("title_length", f"a document's title has 1 to {MAX_TITLE} characters")
    if not 1 <= command.pages <= MAX_PAGES:
        return _bad("page_count_range", f"a document has 1 to {MAX_PAGES} pages")
    if command.sha256 and (
        not _SHA256.fullmatch(command.sha256) or len(command.page_sizes) != command.pages
    ):
        return _bad(
            "document_file_invalid",
            "a document's file needs its SHA-256 and the size of every page",
        )
    if command.paragraphs and (
        len(command.paragraphs) != command.pages
        or sum(len(page) for page in command.paragraphs) > MAX_PARAGRAPHS
        or any(not 0 < len(p) <= MAX_ID for page in command.paragraphs for p in page)
    ):
        return _bad(
            "document_file_invalid",
            f"a file's paragraphs are listed page by page, at most {MAX_PARAGRAPHS} in all",
        )
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
        paragraphs=command.paragraphs if command.sha256 else (),
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
        return _missing("document_not_found", f"no document {command.document_id!r}")
    if not 1 <= command.page <= doc.pages:
        return _missing(
            "page_not_found", f"{doc.title!r} has pages 1 to {doc.pages}, not {command.page}"
        )
    if state.showing is not None and (state.showing.document_id, state.showing.page) == (
        doc.id,
        command.page,
    ):
        return ()
    return (e.PageShown(document_id=doc.id, page=command.page),)


@_decide.register
def _(command: c.HideDocument, state: RoomState, actor: Actor, now: int) -> Decision:
    return () if state.showing is None else (e.DocumentHidden(),)


@_decide.register
def _(command: c.PostAnnouncement, state: RoomState, actor: Actor, now: int) -> Decision:
    text = command.text.strip()
    if not text or len(text) > MAX_ANNOUNCEMENT:
        return _bad(
            "announcement_length", f"an announcement has 1 to {MAX_ANNOUNCEMENT} characters"
        )
    if not 1 <= command.minutes <= MAX_ANNOUNCEMENT_MINUTES:
        return _bad(
            "announcement_minutes_range",
            f"an announcement lasts 1 to {MAX_ANNOUNCEMENT_MINUTES} minutes",
        )
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
        return _missing("announcement_not_found", f"no announcement {command.announcement_id!r}")
    return (e.AnnouncementWithdrawn(announcement_id=command.announcement_id),)


@_decide.register
def _(command: c.RegisterDelegate, state: RoomState, actor: Actor, now: int) -> Decision:
    if (
        not 0 < len(command.delegate_id) <= MAX_ID
        or command.delegate_id.strip() != command.delegate_id
    ):
        return _bad(
            "delegate_id_invalid", "a delegate id has 1 to 64 characters and no surrounding spaces"
        )
    name = command.full_name.strip()
    if not name or len(name) > MAX_NAME:
        return _bad("name_length", f"a delegate's name has 1 to {MAX_NAME} characters")
    if len(command.unit) > MAX_TITLE or len(command.seat) > MAX_ID:
        return _bad("unit_or_seat_length", "unit or seat is too long")
    known = state.delegates.get(command.delegate_id)
    unit, seat = command.unit.strip(), command.seat.strip()
    if known is not None and (known.name, known.unit, known.seat) == (name, unit, seat):
        return ()
    return (e.DelegateRegistered(delegate_id=command.delegate_id, name=name, unit=unit, seat=seat),)


@_decide.register
def _(command: c.RevokeToken, state: RoomState, actor: Actor, now: int) -> Decision:
    if not 0 < len(command.token_id) <= MAX_ID:
        return _bad("token_id_length", f"a token id has 1 to {MAX_ID} characters")
    if command.token_id in state.revoked_tokens:
        return ()
    return (e.TokenRevoked(token_id=command.token_id),)


@_decide.register
def _(command: c.CheckIn, state: RoomState, actor: Actor, now: int) -> Decision:
    if actor.role is Role.DELEGATE:
        if command.delegate_id not in (None, actor.delegate_id):
            return Rejection(
                "forbidden", "a delegate checks in only themselves", "own_check_in_only"
            )
        target = actor.delegate_id
    else:
        target = command.delegate_id
    if target is None:
        return _bad("delegate_not_named", "name the delegate to check in")
    if target not in state.delegates:
        return _missing("delegate_not_found", f"no delegate {target!r} on the roll")
    if target in state.present:
        return ()
    return (e.DelegateCheckedIn(delegate_id=target, at=now),)


@_decide.register
def _(command: c.CancelCheckIn, state: RoomState, actor: Actor, now: int) -> Decision:
    if command.delegate_id not in state.delegates:
        return _missing("delegate_not_found", f"no delegate {command.delegate_id!r} on the roll")
    if command.delegate_id not in state.present:
        return ()
    return (e.CheckInCancelled(delegate_id=command.delegate_id, at=now),)


CHECKPOINT_ON_DEMAND = "on_demand"


@_decide.register
def _(command: c.RecordCheckpoint, state: RoomState, actor: Actor, now: int) -> Decision:
    if state.checkpoint is not None and state.checkpoint.head_seq == state.seq - 1:
        # The head is a checkpoint already: nothing new to sign.
        return ()
    return (e.CheckpointRecorded(reason=CHECKPOINT_ON_DEMAND, head_seq=state.seq),)


# The list of speakers' rules, and the written contributions', live in modules of their
# own; importing them registers them.
from . import contribution_rules as _contribution_rules  # noqa: E402, F401
from . import floor as _floor  # noqa: E402, F401

# The votes', the discussion groups' and the opinions' rules live in modules of their own,
# registered once everything above exists.
from . import group_rules, opinion_rules, vote_rules  # noqa: E402, F401
