"""Untrusted plain values into typed commands, events and states, and back, field by field."""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from enum import Enum
from typing import Any

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from session_server.core import commands as c
from session_server.core import contribution_commands as cc
from session_server.core import contribution_events as ce
from session_server.core import events as e
from session_server.core import group_commands as gc
from session_server.core import group_events as ge
from session_server.core import opinion_commands as oc
from session_server.core import opinion_events as oe
from session_server.core import vote_commands as vc
from session_server.core import vote_events as ve
from session_server.core.commands import COMMAND_TYPES, UnknownCommand, parse_command
from session_server.core.events import EVENT_TYPES, event_from_plain, event_to_plain
from session_server.core.plain import MAX_TEXT, PlainError, from_plain, to_plain
from session_server.core.replay import state_bytes, state_from_bytes
from session_server.core.state import (
    Access,
    AgendaItem,
    Delegate,
    DocumentInfo,
    DocumentPointer,
    Floor,
    FloorRequest,
    ItemStatus,
    RequestKind,
    RoomState,
    SessionStatus,
    SpeakerList,
    Speech,
)

from .wire import WIRE_INTEGERS


def plain_containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    # Named, not a lambda: hypothesis checks by source that the extend function recurses.
    return st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3)


# --- parse_command ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["dance", "", "OPEN_SESSION", " open_session", 7, None, ["x"]])
def test_an_unknown_command_name(name: Any) -> None:
    with pytest.raises(UnknownCommand, match="unknown command"):
        parse_command(name, {})


def nested_list(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


def test_a_deeply_nested_command_name_is_described_by_its_type() -> None:
    # Formatting a list nested this deep would recurse past Python's limit.
    with pytest.raises(UnknownCommand) as raised:
        parse_command(nested_list(1000), {})
    assert str(raised.value) == "unknown command an array"


def test_a_deeply_nested_enum_value_is_refused_with_the_allowed_values() -> None:
    with pytest.raises(PlainError, match="must be one of: speech"):
        parse_command("request_floor", {"kind": nested_list(1000)})


@pytest.mark.parametrize("kind", [True, 1.5, None, {"speech": 1}, ["speech"], b"speech"])
def test_an_enum_value_that_is_not_text_is_refused(kind: Any) -> None:
    with pytest.raises(PlainError) as raised:
        parse_command("request_floor", {"kind": kind})
    assert str(raised.value) == "args.kind: must be one of: speech, point_of_order, reply"


def test_an_unknown_command_name_is_cut_short_in_the_message() -> None:
    with pytest.raises(UnknownCommand) as raised:
        parse_command("x" * 5000, {})
    assert len(str(raised.value)) < 100


def test_no_args_means_every_default() -> None:
    assert parse_command("open_session", None) == c.OpenSession()
    assert parse_command("request_floor", None) == c.RequestFloor(RequestKind.SPEECH)
    assert parse_command("grant_floor", {}) == c.GrantFloor(None, None)
    assert parse_command("extend_time", {}) == c.ExtendTime(60)
    assert parse_command("check_in", {}) == c.CheckIn(None)


def test_typed_arguments_come_out_typed() -> None:
    assert parse_command(
        "add_agenda_item",
        {"title": "Report", "presenter": "Chair", "planned_minutes": 30, "position": 0},
    ) == c.AddAgendaItem("Report", "Chair", 30, 0)
    assert parse_command(
        "register_document",
        {"document_id": "budget", "title": "Budget", "access": "delegates", "pages": 4},
    ) == c.RegisterDocument("budget", "Budget", Access.DELEGATES, 4)
    command = parse_command("request_floor", {"kind": "point_of_order"})
    assert isinstance(command, c.RequestFloor)
    assert command.kind is RequestKind.POINT_OF_ORDER
    assert parse_command("set_current_item", {"item_id": None}) == c.SetCurrentItem(None)
    assert parse_command("grant_floor", {"delegate_id": None, "seconds": None}) == c.GrantFloor()


@pytest.mark.parametrize(
    ("name", "args", "path", "message"),
    [
        ("add_agenda_item", {"title": "T", "position": True}, "args.position", "integer"),
        (
            "add_agenda_item",
            {"title": "T", "planned_minutes": False},
            "args.planned_minutes",
            "integer",
        ),
        (
            "add_agenda_item",
            {"title": "T", "planned_minutes": 2.0},
            "args.planned_minutes",
            "integer",
        ),
        (
            "add_agenda_item",
            {"title": "T", "planned_minutes": "2"},
            "args.planned_minutes",
            "integer",
        ),
        ("add_agenda_item", {"title": 5}, "args.title", "string"),
        ("add_agenda_item", {"title": b"Report"}, "args.title", "string"),
        ("add_agenda_item", {"title": None}, "args.title", "string"),
        ("add_agenda_item", {"title": {"nested": "map"}}, "args.title", "string"),
        ("add_agenda_item", {"title": ["Report"]}, "args.title", "string"),
        ("add_agenda_item", {}, "args.title", "required"),
        ("add_agenda_item", {"title": "T", "colour": "red"}, "args", "unknown field 'colour'"),
        ("add_agenda_item", {"title": "x" * (MAX_TEXT + 1)}, "args.title", "longer than 2000"),
        ("add_agenda_item", {"title": "T", "presenter": "x" * 10_000}, "args.presenter", "longer"),
        ("show_page", {"document_id": "d", "page": True}, "args.page", "integer"),
        ("show_page", {"document_id": 3, "page": 1}, "args.document_id", "string"),
        ("show_page", {"document_id": "d"}, "args.page", "required"),
        ("grant_floor", {"seconds": True}, "args.seconds", "integer"),
        ("grant_floor", {"delegate_id": 12}, "args.delegate_id", "string"),
        ("grant_floor", {"delegate_id": {"id": "d"}}, "args.delegate_id", "string"),
        ("request_floor", {"kind": "filibuster"}, "args.kind", "one of: speech, point_of_order"),
        ("request_floor", {"kind": 1}, "args.kind", "one of"),
        ("request_floor", {"kind": None}, "args.kind", "one of"),
        ("request_floor", {"kind": {"k": "speech"}}, "args.kind", "one of"),
        (
            "register_document",
            {"document_id": "d", "title": "T", "access": "secret", "pages": 1},
            "args.access",
            "one of: public, delegates, presidium",
        ),
        ("check_in", {"delegate_id": True}, "args.delegate_id", "string"),
        ("extend_time", {"seconds": "60"}, "args.seconds", "integer"),
        ("end_speech", {"now": 1}, "args", "unknown field 'now'"),
        ("end_speech", {1: 2}, "args", "unknown field '1'"),
        ("post_announcement", {"text": "x" * (MAX_TEXT + 1), "minutes": 1}, "args.text", "longer"),
    ],
)
def test_a_wrong_argument_is_named(
    name: str, args: dict[Any, Any], path: str, message: str
) -> None:
    with pytest.raises(PlainError) as raised:
        parse_command(name, args)
    assert raised.value.path == path
    assert str(raised.value).startswith(f"{path}: ")
    assert message in str(raised.value)


@pytest.mark.parametrize("args", [[], ["title"], "title", 3, True])
def test_args_that_are_not_a_map(args: Any) -> None:
    with pytest.raises(PlainError, match="must be a map") as raised:
        parse_command("add_agenda_item", args)
    assert raised.value.path == "args"


def test_a_string_of_exactly_max_text_is_accepted() -> None:
    command = parse_command("add_agenda_item", {"title": "x" * MAX_TEXT})
    assert command == c.AddAgendaItem("x" * MAX_TEXT)
    assert MAX_TEXT == 2000


def test_max_text_counts_characters_not_bytes() -> None:
    title = "\u0110" * MAX_TEXT
    assert parse_command("add_agenda_item", {"title": title}) == c.AddAgendaItem(title)


def plain_for(tp: Any) -> st.SearchStrategy[Any]:
    """Plain values that fit `tp`, the way a well-behaved client sends them."""
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        return st.one_of(*(plain_for(option) for option in typing.get_args(tp)))
    if tp is type(None):
        return st.none()
    if tp is str:
        return st.text(max_size=40)
    if tp is int:
        return WIRE_INTEGERS
    if tp is bool:
        return st.booleans()
    if tp is bytes:
        return st.binary(max_size=64)
    if tp is Any:
        # An argument the command reads itself (a ballot): any plain value may come.
        return st.none() | WIRE_INTEGERS | st.text(max_size=8) | st.binary(max_size=8)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return st.sampled_from([m.value for m in tp])
    if origin is frozenset:
        (item,) = typing.get_args(tp)
        return st.lists(plain_for(item), max_size=3, unique=True)
    if origin is tuple:
        item, ellipsis = typing.get_args(tp)
        assert ellipsis is Ellipsis, tp
        return st.lists(plain_for(item), max_size=3)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        # Inside an argument (a candidate), every field: the round trip compares them whole.
        return plain_of(tp, complete=True)
    raise AssertionError(f"no strategy for {tp!r}")


@st.composite
def plain_of(draw: st.DrawFn, cls: type, complete: bool = False) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    plain: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        required = f.default is dataclasses.MISSING
        if required or complete or draw(st.booleans()):
            value = draw(plain_for(hints[f.name]))
            # A field added later is left out of the plain form while it holds its default
            # (old records stay byte for byte): drawn whole, it is drawn only when it differs.
            if complete and f.metadata.get("added_later") and value == to_plain(f.default):
                continue
            plain[f.name] = value
    return plain


@settings(max_examples=200, deadline=None)
@given(data=st.data(), name=st.sampled_from(sorted(COMMAND_TYPES)))
def test_every_well_typed_command_parses_and_round_trips(data: st.DataObject, name: str) -> None:
    args = data.draw(plain_of(COMMAND_TYPES[name]))
    command = parse_command(name, args)
    assert type(command) is COMMAND_TYPES[name]
    plain = to_plain(command)
    for key, value in args.items():
        assert plain[key] == value
    assert parse_command(name, plain) == command
    assert parse_command(name, msgpack.unpackb(msgpack.packb(plain))) == command


@settings(max_examples=100, deadline=None)
@given(
    name=st.sampled_from(sorted(COMMAND_TYPES)),
    args=st.dictionaries(
        st.text(max_size=12) | st.sampled_from(["title", "item_id", "delegate_id", "position"]),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.binary(),
            plain_containers,
            max_leaves=8,
        ),
        max_size=5,
    ),
)
def test_any_args_give_a_command_or_a_plain_error(name: str, args: dict[str, Any]) -> None:
    try:
        command: c.Command | PlainError = parse_command(name, args)
    except PlainError as error:
        command = error
    if isinstance(command, PlainError):
        assert command.path == "args" or command.path.startswith("args.")
    else:
        assert type(command) is COMMAND_TYPES[name]


# --- from_plain and to_plain -----------------------------------------------------------


def test_to_plain_gives_msgpack_ready_values() -> None:
    state = RoomState(
        room="r",
        status=SessionStatus.IN_SESSION,
        agenda=(AgendaItem("item-1", "Opening", "Chair", 5, ItemStatus.OPEN),),
        delegates={"d2": Delegate("d2", "B", "U", "S"), "d1": Delegate("d1", "A", "U", "S")},
        present=frozenset({"d2", "d1"}),
    )
    plain = to_plain(state)
    assert plain["status"] == "in_session"
    assert plain["agenda"] == [
        {
            "id": "item-1",
            "title": "Opening",
            "presenter": "Chair",
            "planned_minutes": 5,
            "status": "open",
        }
    ]
    assert list(plain["delegates"]) == ["d1", "d2"]
    assert plain["present"] == ["d1", "d2"]
    # Fields added later are left out while they hold their default.
    assert list(plain) == [
        f.name for f in dataclasses.fields(RoomState) if not f.metadata.get("added_later")
    ]


def test_equal_states_give_equal_bytes_whatever_their_insertion_order() -> None:
    one = RoomState(
        room="r", delegates={"a": Delegate("a", "A", "", ""), "b": Delegate("b", "B", "", "")}
    )
    two = RoomState(
        room="r", delegates={"b": Delegate("b", "B", "", ""), "a": Delegate("a", "A", "", "")}
    )
    assert state_bytes(one) == state_bytes(two)
    assert state_bytes(one) != state_bytes(RoomState(room="r"))


def test_a_full_state_survives_its_bytes() -> None:
    state = RoomState(
        room="r",
        seq=42,
        title="Congress",
        status=SessionStatus.SUSPENDED,
        status_since=17,
        agenda=(AgendaItem("item-1", "Opening", "", 0, ItemStatus.DONE),),
        current_item="item-1",
        documents=(DocumentInfo("budget", "Budget", Access.PRESIDIUM, 3),),
        showing=DocumentPointer("budget", 2),
        speakers={
            "item-1": SpeakerList(
                "item-1",
                requests=(FloorRequest("d2", RequestKind.REPLY, 5, accepted=True),),
                closed=True,
                floor=Floor("d1", RequestKind.SPEECH, 9, 420),
                speeches=(Speech("d3", RequestKind.POINT_OF_ORDER, 1, 2),),
            )
        },
        delegates={"d1": Delegate("d1", "A", "U", "S")},
        present=frozenset({"d1"}),
        items_created=1,
        announcements_posted=3,
    )
    assert state_from_bytes(state_bytes(state)) == state


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"room": "r", "agenda": [{"id": 1}]}, "agenda[0].id"),
        ({"room": "r", "agenda": "x"}, "agenda"),
        ({"room": "r", "present": "d1"}, "present"),
        ({"room": "r", "present": [1]}, "present[]"),
        ({"room": "r", "delegates": []}, "delegates"),
        ({"room": "r", "delegates": {"d1": {"id": "d1"}}}, "delegates.d1.name"),
        ({"room": "r", "speakers": {"i": {"item_id": "i", "floor": 3}}}, "speakers.i.floor"),
        ({"room": "r", "status": "sleeping"}, "status"),
        ({"room": "r", "seq": True}, "seq"),
        ({"room": "r", "status_since": "now"}, "status_since"),
        ({}, "room"),
    ],
)
def test_from_plain_names_the_field_deep_inside(data: dict[str, Any], path: str) -> None:
    with pytest.raises(PlainError) as raised:
        from_plain(RoomState, data)
    assert raised.value.path == path


def test_a_plain_error_without_a_path_is_just_its_message() -> None:
    with pytest.raises(PlainError) as raised:
        from_plain(RoomState, [])
    assert raised.value.path == ""
    assert str(raised.value) == "must be a map"


def test_a_type_plain_does_not_know_is_refused() -> None:
    @dataclass
    class Odd:
        value: float

    with pytest.raises(PlainError, match="cannot read") as raised:
        from_plain(Odd, {"value": 1.5})
    assert raised.value.path == "value"


@dataclass(frozen=True)
class _Chain:
    name: str
    next: _Chain | None = None


def test_a_dataclass_that_names_itself_converts_at_any_depth() -> None:
    data = {"name": "a", "next": {"name": "b", "next": {"name": "c"}}}
    assert from_plain(_Chain, data) == _Chain("a", _Chain("b", _Chain("c")))
    with pytest.raises(PlainError, match="must be a string") as raised:
        from_plain(_Chain, {"name": "a", "next": {"name": "b", "next": {"name": 3}}})
    assert raised.value.path == "next.next.name"


def test_a_null_for_a_field_that_may_not_be_null() -> None:
    with pytest.raises(PlainError, match="must be a string") as raised:
        from_plain(AgendaItem, {"id": None, "title": "", "presenter": "", "planned_minutes": 0})
    assert raised.value.path == "id"


# --- Events ----------------------------------------------------------------------------


def _defined_in(module: types.ModuleType, base: type) -> set[Any]:
    return {
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, base) and value is not base
    }


def test_every_event_and_command_class_is_registered_under_its_name() -> None:
    events = (
        _defined_in(e, e.Event)
        | _defined_in(ve, e.Event)
        | _defined_in(ce, e.Event)
        | _defined_in(ge, e.Event)
        | _defined_in(oe, e.Event)
    )
    assert set(EVENT_TYPES.values()) == events
    assert len(EVENT_TYPES) == len(events) == 29 + 16 + 4 + 8 + 3
    assert all(EVENT_TYPES[cls.kind] is cls for cls in events)
    commands = (
        _defined_in(c, c.Command)
        | _defined_in(vc, c.Command)
        | _defined_in(cc, c.Command)
        | _defined_in(gc, c.Command)
        | _defined_in(oc, c.Command)
    )
    assert set(COMMAND_TYPES.values()) == commands
    assert all(COMMAND_TYPES[cls.name] is cls for cls in commands)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), kind=st.sampled_from(sorted(EVENT_TYPES)))
def test_every_event_round_trips_through_plain_and_msgpack(data: st.DataObject, kind: str) -> None:
    cls = EVENT_TYPES[kind]
    event = from_plain(cls, data.draw(plain_of(cls)))
    plain = event_to_plain(event)
    assert plain["kind"] == kind
    assert event_from_plain(plain) == event
    wire = msgpack.unpackb(msgpack.packb(plain, use_bin_type=True), raw=False)
    assert event_from_plain(wire) == event


def test_event_to_plain_puts_the_kind_first() -> None:
    plain = event_to_plain(e.FloorGranted("item-1", "d1", RequestKind.REPLY, 5, 180))
    assert plain == {
        "kind": "floor_granted",
        "item_id": "item-1",
        "delegate_id": "d1",
        "request_kind": "reply",
        "at": 5,
        "seconds": 180,
    }
    assert next(iter(plain)) == "kind"
    assert event_to_plain(e.DocumentHidden()) == {"kind": "document_hidden"}


@pytest.mark.parametrize("data", [{}, {"kind": "dance"}, {"kind": 3}, {"kind": None}])
def test_an_unknown_event_kind(data: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="unknown event kind"):
        event_from_plain(data)


def test_an_event_with_a_wrong_field() -> None:
    with pytest.raises(PlainError) as raised:
        event_from_plain({"kind": "speech_ended", "item_id": "i", "at": "noon"})
    assert raised.value.path == "at"
    with pytest.raises(PlainError, match="unknown field"):
        event_from_plain({"kind": "document_hidden", "page": 1})


def test_event_from_plain_leaves_its_argument_alone() -> None:
    data = {"kind": "item_opened", "item_id": "item-1"}
    assert event_from_plain(data) == e.ItemOpened("item-1")
    assert data == {"kind": "item_opened", "item_id": "item-1"}
