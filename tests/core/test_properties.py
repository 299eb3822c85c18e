"""Random sessions from every kind of actor: the room's invariants hold after every command."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgpack
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from presidium_console.client import rebuild
from session_server.core import commands as c
from session_server.core.commands import UnknownCommand, parse_command
from session_server.core.decide import Actor, Rejection, create_room, decide
from session_server.core.delta import view_delta
from session_server.core.events import Event, FloorGranted, event_from_plain, event_to_plain
from session_server.core.evolve import apply
from session_server.core.plain import PlainError
from session_server.core.projection import (
    FLOOR_SHOWN_IN_PUBLIC,
    SECTIONS,
    View,
    changed_fields,
    project,
    reproject,
)
from session_server.core.replay import replay, state_bytes, state_from_bytes
from session_server.core.state import (
    Access,
    ItemStatus,
    RequestKind,
    Role,
    RoomState,
    audience_may_see,
)
from session_server.protocol import messages
from session_server.protocol.codes import ERRORS, REASONS

from .wire import WIRE_INTEGERS

T0 = 1_700_000_000_000

DELEGATES = ("dlg-anh", "dlg-binh", "dlg-chi", "dlg-dung")
GHOST = "dlg-ghost"
"""Has a delegate token but is never put on the roll."""
DELEGATE_MARK = "dlg-"
"""Every delegate id starts with it and no other text in these sessions contains it."""
SEATS = ("seat-A1", "seat-B2", "seat-C3")
ITEMS = ("item-1", "item-2", "item-3", "item-4", "item-5", "item-77")
DOCUMENTS = ("alpha", "bravo", "kilo", "oscar")
"""Document ids; a document's title always contains its id, and nothing else does."""

ACTORS = (
    Actor(Role.PRESIDIUM),
    Actor(Role.SECRETARIAT),
    Actor(Role.BOARD),
    Actor(Role.HALL),
    *(Actor(Role.DELEGATE, d) for d in (*DELEGATES, GHOST)),
    Actor(Role.DELEGATE, None),
)

positions = st.integers(min_value=-1, max_value=7)
speaker_ids = st.sampled_from((*DELEGATES, GHOST))
item_titles = st.sampled_from(("Opening", "  Report ", "Elections", "", "   ", "T" * 301))
presenters = st.sampled_from(("", "Chair", " Secretary ", "P" * 301))
planned = st.sampled_from((-1, 0, 15, 600, 601))


@st.composite
def document_registrations(draw: st.DrawFn) -> c.RegisterDocument:
    document_id = draw(st.sampled_from((*DOCUMENTS, "", "x" * 129)))
    title = draw(
        st.sampled_from((f"Paper {document_id} 1", f" Paper {document_id} 2 ", "", " ", "T" * 301))
    )
    pages = draw(st.sampled_from((-1, 0, 1, 2, 5, 10_000, 10_001)))
    return c.RegisterDocument(document_id, title, draw(st.sampled_from(Access)), pages)


FLOOR_COMMANDS: st.SearchStrategy[c.Command] = st.one_of(
    st.builds(c.RequestFloor, st.sampled_from(RequestKind)),
    st.builds(c.GrantFloor),
    st.builds(
        c.GrantFloor,
        st.none() | speaker_ids,
        st.none() | st.sampled_from((9, 10, 60, 3600, 3601)),
        st.booleans(),
    ),
    st.builds(c.AcceptRequest, speaker_ids),
    st.builds(c.MoveRequest, speaker_ids, positions),
    st.builds(c.RemoveRequest, speaker_ids),
    st.builds(c.RestoreRequest, speaker_ids),
    st.just(c.WithdrawRequest()),
    st.just(c.EndSpeech()),
    st.builds(c.ExtendTime, st.sampled_from((0, 1, 60, 1800, 1801))),
    st.just(c.CloseList()),
    st.just(c.ReopenList()),
    st.builds(c.SetCurrentItem, st.sampled_from(ITEMS)),
)
"""What the list of speakers is made of; drawn as often as all the rest together."""

OTHER_COMMANDS: st.SearchStrategy[c.Command] = st.one_of(
    st.builds(c.SetCurrentItem, st.none() | st.sampled_from(ITEMS)),
    st.builds(
        c.AddAgendaItem,
        title=item_titles,
        presenter=presenters,
        planned_minutes=planned,
        position=st.none() | positions,
    ),
    st.builds(
        c.EditAgendaItem,
        st.sampled_from(ITEMS),
        title=st.none() | item_titles,
        presenter=st.none() | presenters,
        planned_minutes=st.none() | planned,
    ),
    st.builds(c.MoveAgendaItem, st.sampled_from(ITEMS), positions),
    st.builds(c.RemoveAgendaItem, st.sampled_from(ITEMS)),
    document_registrations(),
    st.builds(c.ShowPage, st.sampled_from((*DOCUMENTS, "nothing")), st.integers(-1, 6)),
    st.just(c.HideDocument()),
    st.builds(
        c.PostAnnouncement,
        st.sampled_from(("Lunch at noon", " Buses at five ", "", "  ", "x" * 281)),
        st.sampled_from((-1, 0, 1, 2, 30, 1440, 1441)),
    ),
    st.builds(c.WithdrawAnnouncement, st.sampled_from(("a-1", "a-2", "a-3", "a-9"))),
    st.builds(
        c.RegisterDelegate,
        st.sampled_from((*DELEGATES, "", " dlg-x", "d" * 65)),
        st.sampled_from(("Anh Nguyen", " Binh Tran ", "Chi Le", "", "N" * 201)),
        st.sampled_from(("", "Unit North", " Unit South ", "U" * 301)),
        st.sampled_from(("", *SEATS, " seat-D4 ", "S" * 65)),
    ),
    st.builds(c.CheckIn, st.none() | speaker_ids),
    st.builds(c.CancelCheckIn, speaker_ids),
    st.builds(
        c.SetSpeakingTimes, *(st.sampled_from((9, 10, 90, 420, 3600, 3601)) for _ in range(3))
    ),
    st.just(c.OpenSession()),
    st.builds(c.SuspendSession, st.none() | st.sampled_from((T0, T0 + 3_600_000, T0 + 10**11))),
    st.just(c.AdjournSession()),
)


@st.composite
def moves(draw: st.DrawFn) -> tuple[Actor, c.Command]:
    """A command, usually from a role allowed to send it, sometimes from anyone."""
    command = draw(st.one_of(FLOOR_COMMANDS, OTHER_COMMANDS))
    # Delegates on the roll come up three times as often as tokens without one.
    permitted = [a for a in ACTORS for _ in range(3 if a.delegate_id in DELEGATES else 1)]
    permitted = [a for a in permitted if a.role in command.roles]
    if draw(st.integers(0, 4)) == 4:
        return draw(st.sampled_from(ACTORS)), command
    return draw(st.sampled_from(permitted)), command


SETUP: tuple[tuple[Actor, c.Command], ...] = (
    *(
        (
            Actor(Role.SECRETARIAT),
            c.RegisterDelegate(d, f"Delegate {n}", "Unit North", SEATS[n % 3]),
        )
        for n, d in enumerate(DELEGATES)
    ),
    (Actor(Role.PRESIDIUM), c.AddAgendaItem(title="Opening")),
    (Actor(Role.PRESIDIUM), c.AddAgendaItem(title="Report")),
    (Actor(Role.PRESIDIUM), c.AddAgendaItem(title="Elections")),
    (Actor(Role.SECRETARIAT), c.RegisterDocument("alpha", "Paper alpha 1", Access.PUBLIC, 3)),
    (Actor(Role.SECRETARIAT), c.RegisterDocument("bravo", "Paper bravo 1", Access.DELEGATES, 2)),
    (Actor(Role.SECRETARIAT), c.RegisterDocument("kilo", "Paper kilo 1", Access.PRESIDIUM, 4)),
    (Actor(Role.PRESIDIUM), c.OpenSession()),
    (Actor(Role.PRESIDIUM), c.SetCurrentItem("item-1")),
    (Actor(Role.DELEGATE, DELEGATES[0]), c.CheckIn()),
)
"""A session under way, so that most runs reach the list of speakers early."""

plain_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 12),
    st.sampled_from((*ITEMS, *DELEGATES, *DOCUMENTS, "speech", "point_of_order", "public")),
    st.text(max_size=5),
    st.lists(WIRE_INTEGERS, max_size=2),
    st.dictionaries(st.text(max_size=3), WIRE_INTEGERS, max_size=2),
)
wire_args = st.dictionaries(
    st.sampled_from(
        (
            "item_id",
            "delegate_id",
            "document_id",
            "position",
            "page",
            "seconds",
            "kind",
            "title",
            "text",
            "access",
            "pages",
            "full_name",
            "minutes",
            "interrupt",
            "resumes_at",
            "speech",
            "reply",
            "extra",
        )
    ),
    plain_values,
    max_size=4,
)


def strings(value: Any) -> Iterator[str]:
    """Every string in a view, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from strings(key)
            yield from strings(inner)
    elif isinstance(value, list | tuple):
        for inner in value:
            yield from strings(inner)


def keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from keys(inner)
    elif isinstance(value, list | tuple):
        for inner in value:
            yield from keys(inner)


def hidden_documents(state: RoomState, audience: Role) -> set[str]:
    return {
        text
        for d in state.documents
        if not audience_may_see(audience, d.access)
        for text in (d.id, d.title)
    }


def confidential_documents(state: RoomState) -> set[str]:
    """The ids and titles of the presidium's documents, which no screen in the hall shows."""
    return {
        text for d in state.documents if d.access is Access.PRESIDIUM for text in (d.id, d.title)
    }


def assert_leaks_none(view: View, secrets: set[str]) -> None:
    for text in strings(view):
        for secret in secrets:
            assert secret not in text, f"{secret!r} leaks in {text!r}"


def parsed(name: str, args: dict[str, Any]) -> c.Command | UnknownCommand | PlainError:
    try:
        return parse_command(name, args)
    except (UnknownCommand, PlainError) as refused:
        return refused


class CongressSession(RuleBasedStateMachine):
    """The hub's loop without I/O: decide, apply with the next seq, record, project."""

    def __init__(self) -> None:
        super().__init__()
        self.state = RoomState(room="r")
        self.records: list[tuple[int, tuple[Event, ...]]] = []
        self.now = T0
        self.views: dict[Role, View] = {}
        self.viewed = self.state
        """The state `views` were projected from."""
        self.copy = self.state
        """An independent deep copy of `state` (decoded from its bytes), to catch mutation."""
        self.checked = -1
        """The seq whose state the invariants last checked; a step that records nothing has
        left the state equal to `copy` (checked in `submit`), so it needs no second look."""

    def record(self, events: tuple[Event, ...]) -> None:
        seq = self.state.seq + 1
        for event in events:
            plain = event_to_plain(event)
            assert plain["kind"] == event.kind
            wire = msgpack.unpackb(msgpack.packb(plain, use_bin_type=True), raw=False)
            assert event_from_plain(plain) == event
            assert event_from_plain(wire) == event
        self.state = apply(self.state, seq, events)
        assert self.state.seq == seq
        self.records.append((seq, events))

    def submit(self, actor: Actor, command: c.Command) -> tuple[Event, ...] | Rejection:
        if self.checked != self.state.seq:
            self.copy = state_from_bytes(state_bytes(self.state))
        decision = decide(self.state, command, actor, self.now)
        assert self.state == self.copy, "decide changed the state it was given"
        if isinstance(decision, Rejection):
            assert decision.code in ERRORS, decision
            assert REASONS[decision.reason].code == decision.code, decision
            assert decision.code != "unknown_command", decision
            if actor.role not in command.roles:
                assert decision.code == "forbidden"
        elif decision:
            self.record(decision)
        return decision

    @initialize(under_way=st.sampled_from((True, True, True, False)))
    def create(self, under_way: bool) -> None:
        created = create_room("r", "Congress")
        assert isinstance(created, tuple)
        self.record(created)
        if under_way:
            for actor, command in SETUP:
                decision = self.submit(actor, command)
                assert isinstance(decision, tuple), decision
                assert decision, command

    @rule(move=moves(), elapsed=st.sampled_from((0, 0, 1, 999, 30_000, 90_000)))
    def command(self, move: tuple[Actor, c.Command], elapsed: int) -> None:
        self.now += elapsed
        actor, command = move
        self.submit(actor, command)

    def waiting(self) -> list[str]:
        speakers = self.state.current_speakers()
        return [] if speakers is None else [r.delegate_id for r in speakers.requests]

    @precondition(lambda self: bool(self.waiting()))
    @rule(
        data=st.data(),
        position=positions,
        elapsed=st.sampled_from((0, 1, 30_000)),
    )
    def steer_the_queue(self, data: st.DataObject, position: int, elapsed: int) -> None:
        """The presidium (or the delegate) acts on someone who is actually waiting."""
        self.now += elapsed
        waiting = data.draw(st.sampled_from(self.waiting()))
        actor, command = data.draw(
            st.sampled_from(
                (
                    (Actor(Role.PRESIDIUM), c.AcceptRequest(waiting)),
                    (Actor(Role.PRESIDIUM), c.MoveRequest(waiting, position)),
                    (Actor(Role.PRESIDIUM), c.RemoveRequest(waiting)),
                    (Actor(Role.PRESIDIUM), c.GrantFloor(waiting)),
                    (Actor(Role.PRESIDIUM), c.GrantFloor(waiting, interrupt=True)),
                    (Actor(Role.DELEGATE, waiting), c.WithdrawRequest()),
                )
            )
        )
        self.submit(actor, command)

    @rule(
        name=st.sampled_from((*c.COMMAND_TYPES, "dance", "")),
        args=wire_args,
        actor=st.sampled_from(ACTORS),
    )
    def wire_command(self, name: str, args: dict[str, Any], actor: Actor) -> None:
        """Untrusted arguments: either a typed command comes out, or a named refusal."""
        outcome = parsed(name, args)
        if isinstance(outcome, UnknownCommand):
            assert name not in c.COMMAND_TYPES
        elif isinstance(outcome, PlainError):
            assert name in c.COMMAND_TYPES
            assert outcome.path.startswith("args")
            assert str(outcome).startswith(outcome.path + ": ")
        else:
            assert type(outcome) is c.COMMAND_TYPES[name]
            self.submit(actor, outcome)

    @invariant()
    def the_room_is_sound(self) -> None:
        if self.state.seq == self.checked:
            assert self.state == self.copy
            return
        self.checked = self.state.seq
        self.the_log_rebuilds_the_room_byte_for_byte()
        self.one_speaker_at_most_and_only_on_the_open_item()
        self.every_granted_floor_ends_as_a_speech()
        self.agenda_documents_and_roll_are_consistent()
        self.each_audience_sees_only_what_it_may()

    def the_log_rebuilds_the_room_byte_for_byte(self) -> None:
        seqs = [seq for seq, _ in self.records]
        assert seqs == list(range(1, len(seqs) + 1))
        assert all(events for _, events in self.records), "an empty record was appended"
        assert self.state.seq == (seqs[-1] if seqs else 0)
        blob = state_bytes(self.state)
        self.copy = state_from_bytes(blob)
        assert self.copy == self.state
        assert state_bytes(replay("r", self.records)) == blob

    def one_speaker_at_most_and_only_on_the_open_item(self) -> None:
        state = self.state
        floors = [s for s in state.speakers.values() if s.floor is not None]
        assert len(floors) <= 1
        for speakers in floors:
            assert speakers.item_id == state.current_item
        for item_id, speakers in state.speakers.items():
            assert speakers.item_id == item_id
            waiting = [r.delegate_id for r in speakers.requests]
            assert len(waiting) == len(set(waiting)), f"someone queues twice on {item_id}"
            if speakers.floor is not None:
                assert speakers.floor.delegate_id not in waiting
            on_roll = {*waiting, *(s.delegate_id for s in speakers.speeches)}
            if speakers.floor is not None:
                on_roll.add(speakers.floor.delegate_id)
            assert on_roll <= set(state.delegates)

    def every_granted_floor_ends_as_a_speech(self) -> None:
        """Granting the floor ends the speech before, so no speech goes unrecorded."""
        granted: dict[str, int] = {}
        for _, events in self.records:
            for event in events:
                if isinstance(event, FloorGranted):
                    granted[event.item_id] = granted.get(event.item_id, 0) + 1
        for item_id, speakers in self.state.speakers.items():
            speaking = 0 if speakers.floor is None else 1
            assert granted.pop(item_id, 0) == len(speakers.speeches) + speaking, item_id
        assert not granted

    def agenda_documents_and_roll_are_consistent(self) -> None:
        state = self.state
        ids = [i.id for i in state.agenda]
        assert len(ids) == len(set(ids))
        assert state.items_created >= len(ids)
        opened = [i.id for i in state.agenda if i.status is ItemStatus.OPEN]
        assert opened == ([] if state.current_item is None else [state.current_item])
        assert set(state.speakers) <= set(ids)
        if state.showing is not None:
            doc = state.document(state.showing.document_id)
            assert doc is not None
            assert 1 <= state.showing.page <= doc.pages
        documents = [d.id for d in state.documents]
        assert len(documents) == len(set(documents))
        announcements = [a.id for a in state.announcements]
        assert len(announcements) == len(set(announcements))
        assert set(announcements) <= {f"a-{n}" for n in range(1, state.announcements_posted + 1)}
        assert state.present <= set(state.delegates)
        assert GHOST not in state.delegates

    def each_audience_sees_only_what_it_may(self) -> None:
        state = self.state
        views = {role: project(state, role) for role in Role}
        for role, view in views.items():
            assert tuple(view) == SECTIONS
            before = self.views.get(role)
            if before is not None:
                # The hub's incremental projection, reusing unchanged sections, agrees.
                changed = changed_fields(self.viewed, state)
                assert reproject(state, before, role, changed) == view
            changes, edits = view_delta(before, view)
            # Through the wire and the reference client, the delta rebuilds the view exactly.
            frame = msgpack.unpackb(messages.event(2, 1, 0, changes, edits), raw=False)
            rebuilt = rebuild(before or {}, frame)
            assert msgpack.packb(rebuilt) == msgpack.packb(view)
            if before is not None:
                assert all(before[name] != view[name] for name in changes)
                assert all(before[e["path"][0]] != view[e["path"][0]] for e in edits)
                assert not set(changes) & {e["path"][0] for e in edits}
            if role is Role.HALL:
                assert_leaks_none(frame, confidential_documents(state) | {DELEGATE_MARK})
                assert not {"delegate_id", "seat", "requested_at", "accepted"} & set(keys(frame))
            if role is Role.BOARD:
                # A board's delta holds only what its view holds.
                secrets = hidden_documents(state, Role.BOARD) | {DELEGATE_MARK}
                assert_leaks_none(frame, secrets)
                assert not {"delegate_id", "seat", "requested_at", "accepted"} & set(keys(frame))
        self.views = views
        self.viewed = state

        board = views[Role.BOARD]
        assert board["roll"] is None
        assert not {"delegate_id", "seat", "requested_at", "accepted"} & set(keys(board))
        secrets = hidden_documents(state, Role.BOARD) | {DELEGATE_MARK}
        secrets |= {d.seat for d in state.delegates.values() if d.seat}
        assert_leaks_none(board, secrets)
        speakers = state.current_speakers()
        if speakers is None:
            assert board["speakers"] is None
        else:
            # During a break and after the adjournment a board shows no queue at all.
            in_public = state.status in FLOOR_SHOWN_IN_PUBLIC
            assert board["speakers"]["queue"] == [
                {
                    "name": state.delegates[r.delegate_id].name,
                    "unit": state.delegates[r.delegate_id].unit,
                    "kind": r.kind.value,
                }
                for r in speakers.requests
                if r.accepted and in_public
            ]

        # The hall: the delegates' documents, never a presidium one, and of people and
        # requests what the board shows; named from the levels, not from audience_may_see.
        hall = views[Role.HALL]
        assert hall["roll"] is None
        assert not {"delegate_id", "seat", "requested_at", "accepted"} & set(keys(hall))
        secrets = confidential_documents(state) | {DELEGATE_MARK}
        secrets |= {d.seat for d in state.delegates.values() if d.seat}
        assert_leaks_none(hall, secrets)
        assert hall["speakers"] == board["speakers"]
        assert [d["id"] for d in hall["documents"]] == [
            d.id for d in state.documents if d.access is not Access.PRESIDIUM
        ]
        if state.showing is not None:
            shown = state.document(state.showing.document_id)
            assert shown is not None
            if shown.access is Access.PRESIDIUM:
                assert hall["document"] == {"hidden": True}
            else:
                assert hall["document"]["id"] == shown.id

        for role in (Role.DELEGATE, Role.BOARD, Role.HALL):
            assert views[role]["roll"] is None
            assert_leaks_none(views[role], hidden_documents(state, role))
        assert views[Role.DELEGATE]["speakers"] == views[Role.PRESIDIUM]["speakers"]
        for role in (Role.PRESIDIUM, Role.SECRETARIAT):
            assert len(views[role]["documents"]) == len(state.documents)
            assert len(views[role]["roll"]) == len(state.delegates)


CongressSession.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestCongressSession = CongressSession.TestCase
