"""Client frames in, typed messages or a coded ProtocolError out; never any other exception."""

from __future__ import annotations

from typing import Any

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from session_server.core.plain import MAX_TEXT
from session_server.protocol import messages
from session_server.protocol.codes import CLOSE_CODES, ERRORS, Close, Reaction
from session_server.protocol.messages import (
    MAX_COMMAND_ID,
    PROTOCOL_VERSION,
    CommandMessage,
    Hello,
    Ping,
    ProtocolError,
    Sync,
    command_ref,
    parse,
)

PARSE_CODES = {"malformed", "unknown_type", "invalid_message"}
"""The codes `parse` may refuse a frame with (docs/protocol.md section 2 and 8)."""

HELLO = {"type": "hello", "v": 1, "token": "secret", "room": "congress"}
COMMAND = {
    "type": "command",
    "id": "c1",
    "name": "show_page",
    "args": {"document_id": "d", "page": 2},
}


def pack(value: Any) -> bytes:
    return msgpack.packb(value, use_bin_type=True)


def refused(frame: bytes) -> ProtocolError:
    with pytest.raises(ProtocolError) as raised:
        parse(frame)
    assert raised.value.code in ERRORS
    assert raised.value.message == str(raised.value)
    return raised.value


def nested_arrays(depth: int, leaf: bytes = b"\xc0") -> bytes:
    """`depth` arrays, each holding the next, around one leaf (msgpack fixarray of one)."""
    return b"\x91" * depth + leaf


# --- Messages a client may send --------------------------------------------------------


def test_a_minimal_hello() -> None:
    assert parse(pack(HELLO)) == Hello(
        v=1, token="secret", room="congress", last_seq=None, client=""
    )


def test_a_full_hello() -> None:
    frame = pack({**HELLO, "last_seq": 41, "client": "console/1.0"})
    assert parse(frame) == Hello(1, "secret", "congress", 41, "console/1.0")
    assert parse(pack({**HELLO, "last_seq": None})) == Hello(1, "secret", "congress")


def test_a_hello_for_another_version_still_parses() -> None:
    """The version is the hub's to judge (close 4002), not the parser's."""
    hello = parse(pack({**HELLO, "v": 99}))
    assert isinstance(hello, Hello)
    assert hello.v == 99
    assert PROTOCOL_VERSION == 2


def test_a_command() -> None:
    assert parse(pack(COMMAND)) == CommandMessage(
        "c1", "show_page", {"document_id": "d", "page": 2}
    )
    bare = parse(pack({"type": "command", "id": "c2", "name": "end_speech"}))
    assert bare == CommandMessage("c2", "end_speech", {})


def test_a_command_name_is_not_checked_by_the_parser() -> None:
    """An unknown name is `unknown_command`, answered after parsing, with the command's id."""
    assert parse(pack({"type": "command", "id": "c", "name": "dance"})) == CommandMessage(
        "c", "dance", {}
    )


def test_command_ids_of_one_to_sixty_four_characters() -> None:
    assert MAX_COMMAND_ID == 64
    for command_id in ("x", "x" * 64, "\u0110" * 64):
        message = parse(pack({**COMMAND, "id": command_id}))
        assert isinstance(message, CommandMessage)
        assert message.id == command_id
    for command_id in ("", "x" * 65):
        error = refused(pack({**COMMAND, "id": command_id}))
        assert error.code == "invalid_message"
        assert "id" in error.message


def test_ping_and_sync() -> None:
    assert parse(pack({"type": "ping"})) == Ping(None)
    assert parse(pack({"type": "ping", "t": 123})) == Ping(123)
    assert parse(pack({"type": "ping", "t": None})) == Ping(None)
    assert parse(pack({"type": "sync"})) == Sync()


def test_parse_does_not_depend_on_the_key_order() -> None:
    frame = pack({"room": "congress", "token": "secret", "v": 1, "type": "hello"})
    assert parse(frame) == parse(pack(HELLO))


def test_bin_keys_decode_as_strings() -> None:
    frame = msgpack.packb({b"type": "ping"}, use_bin_type=True)
    with pytest.raises(ProtocolError) as raised:
        parse(frame)
    assert raised.value.code == "unknown_type"


# --- Frames that are not one msgpack map -----------------------------------------------


@pytest.mark.parametrize(
    "frame",
    [
        pytest.param(b"", id="empty"),
        pytest.param(pack(COMMAND)[:-1], id="truncated by one byte"),
        pytest.param(pack(COMMAND)[:5], id="truncated in the middle"),
        pytest.param(pack(HELLO)[:1], id="only the map header"),
        pytest.param(b"\xc1", id="the never-used byte"),
        pytest.param(b"\xc1\xc1\xc1", id="garbage"),
        pytest.param(b"GET / HTTP/1.1\r\n\r\n", id="text"),
        pytest.param(b"\xdb\xff\xff\xff\xff", id="a string longer than the frame"),
        pytest.param(b"\xdf\xff\xff\xff\xff", id="a map longer than the frame"),
        pytest.param(pack(["hello", 1, "secret", "congress"]), id="an array"),
        pytest.param(pack("hello"), id="a string"),
        pytest.param(pack(1), id="an integer"),
        pytest.param(pack(None), id="nil"),
        pytest.param(pack(b"hello"), id="bin"),
        pytest.param(pack(HELLO) + b"\x00", id="a byte after the map"),
        pytest.param(pack(HELLO) + pack(HELLO), id="two maps"),
        pytest.param(pack({1: "hello"}), id="an integer key"),
        pytest.param(pack({None: "hello"}), id="a nil key"),
        pytest.param(pack({"type": "ping", "t": {1: 2}}), id="an integer key inside"),
        pytest.param(nested_arrays(10_000), id="10000 nested arrays"),
        pytest.param(b"\x81\xa4type" + nested_arrays(10_000), id="10000 nested arrays as type"),
        pytest.param(
            b"\x84\xa4type\xa7command\xa2id\xa1x\xa4name\xa1n\xa4args\x81\xa1a"
            + nested_arrays(10_000),
            id="10000 nested arrays in args",
        ),
        pytest.param(b"\x81\xa1a" * 10_000 + b"\xc0", id="10000 nested maps"),
        pytest.param(nested_arrays(100_000), id="100000 nested arrays"),
    ],
)
def test_a_frame_that_is_not_one_msgpack_map_is_malformed(frame: bytes) -> None:
    assert refused(frame).code == "malformed"


def test_nesting_is_limited_to_1024_levels_counting_the_top_map() -> None:
    head = b"\x84\xa4type\xa7command\xa2id\xa1x\xa4name\xa1n\xa4args\x81\xa1a"
    # The top map and `args` are two levels, so 1022 arrays make 1024 in all.
    message = parse(head + nested_arrays(1022))
    assert isinstance(message, CommandMessage)
    depth, value = 0, message.args["a"]
    while isinstance(value, list):
        depth, value = depth + 1, value[0]
    assert depth == 1022
    assert refused(head + nested_arrays(1023)).code == "malformed"


def test_a_deeply_nested_type_is_an_unknown_type_not_a_crash() -> None:
    # str() of a list nested 1023 deep recurses past Python's limit: the parser must
    # describe such a value by its type, never by formatting it.
    error = refused(b"\x81\xa4type" + nested_arrays(1023))
    assert error.code == "unknown_type"
    assert error.message == "unknown message type an array"


def test_a_deeply_nested_enum_argument_passes_the_parser_for_the_command_to_refuse() -> None:
    head = b"\x84\xa4type\xa7command\xa2id\xa1x\xa4name\xadrequest_floor\xa4args\x81\xa4kind"
    message = parse(head + nested_arrays(1022))
    assert isinstance(message, CommandMessage)


# --- Maps that are not a message -------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        {},
        {"id": "c1"},
        {"type": "welcome"},
        {"type": "bye"},
        {"type": "HELLO"},
        {"type": ""},
        {"type": None},
        {"type": 1},
        {"type": True},
        {"type": b"hello"},
        {"type": ["hello"]},
        {"type": {"name": "hello"}},
        {"type": "x" * 100_000},
    ],
)
def test_an_unknown_type(value: dict[str, Any]) -> None:
    error = refused(pack(value))
    assert error.code == "unknown_type"
    assert len(error.message) < 100


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"type": "hello", "v": 1, "room": "r"}, "token"),
        ({"type": "hello", "v": 1, "token": "t"}, "room"),
        ({"type": "hello", "token": "t", "room": "r"}, "v"),
        ({**HELLO, "v": "1"}, "v"),
        ({**HELLO, "v": True}, "v"),
        ({**HELLO, "v": 1.0}, "v"),
        ({**HELLO, "token": 1234}, "token"),
        ({**HELLO, "token": b"secret"}, "token"),
        ({**HELLO, "token": None}, "token"),
        ({**HELLO, "token": ["secret"]}, "token"),
        ({**HELLO, "token": {"secret": 1}}, "token"),
        ({**HELLO, "token": "x" * (MAX_TEXT + 1)}, "token"),
        ({**HELLO, "room": [[[["r"]]]]}, "room"),
        ({**HELLO, "last_seq": "41"}, "last_seq"),
        ({**HELLO, "last_seq": False}, "last_seq"),
        ({**HELLO, "client": None}, "client"),
        ({**HELLO, "password": "x"}, "password"),
        ({"type": "command", "name": "end_speech"}, "id"),
        ({"type": "command", "id": "c"}, "name"),
        ({"type": "command", "id": 1, "name": "end_speech"}, "id"),
        ({"type": "command", "id": "c", "name": 7}, "name"),
        ({"type": "command", "id": "c", "name": "end_speech", "args": []}, "args"),
        ({"type": "command", "id": "c", "name": "end_speech", "args": "x"}, "args"),
        ({"type": "command", "id": "c", "name": "end_speech", "args": None}, "args"),
        ({"type": "command", "id": "c", "name": "n", "args": {b"k": 1}}, "args"),
        ({"type": "command", "id": "c", "name": "n", "args": {"x" * 2001: 1}}, "args"),
        ({"type": "command", "id": "c", "name": "n", "ref": "r"}, "ref"),
        ({"type": "ping", "t": "now"}, "t"),
        ({"type": "ping", "t": 1.5}, "t"),
        ({"type": "ping", "t": msgpack.Timestamp(1, 0)}, "t"),
        ({"type": "ping", "t": msgpack.ExtType(5, b"x")}, "t"),
        ({"type": "ping", "extra": 1}, "extra"),
        ({"type": "sync", "seq": 3}, "seq"),
    ],
)
def test_a_wrong_field_is_an_invalid_message_that_names_it(
    value: dict[str, Any], field: str
) -> None:
    error = refused(pack(value))
    assert error.code == "invalid_message"
    assert error.message.startswith(f"{value['type']}: ")
    assert field in error.message
    assert len(error.message) < 200


def test_ext_values_inside_args_pass_the_parser_for_the_command_to_refuse() -> None:
    message = parse(pack({**COMMAND, "args": {"page": msgpack.ExtType(5, b"x")}}))
    assert isinstance(message, CommandMessage)
    assert message.args == {"page": msgpack.ExtType(5, b"x")}


def test_parse_does_not_keep_state_between_frames() -> None:
    bad = pack({**HELLO, "v": "x"})
    for _ in range(3):
        assert refused(bad).code == "invalid_message"
        assert isinstance(parse(pack(HELLO)), Hello)


# --- Arbitrary input -------------------------------------------------------------------


def msgpack_containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    # A named function, not a lambda: hypothesis reads the extend function's source to
    # check it recurses, and a lambda inside a larger expression can defeat that check.
    keys = st.text(max_size=8) | st.binary(max_size=4) | st.integers(-5, 5)
    return st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4)


msgpack_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats()
    | st.text(max_size=20)
    | st.binary(max_size=20)
    | st.sampled_from(["hello", "command", "ping", "sync", "type", "id", "args", "v", "token"]),
    msgpack_containers,
    max_leaves=12,
)

message_like = st.fixed_dictionaries(
    {"type": st.sampled_from(["hello", "command", "ping", "sync", "other"])},
    optional={
        "v": msgpack_values,
        "token": msgpack_values,
        "room": msgpack_values,
        "last_seq": msgpack_values,
        "client": msgpack_values,
        "id": msgpack_values,
        "name": msgpack_values,
        "args": msgpack_values,
        "t": msgpack_values,
    },
)


def parse_or_refuse(frame: bytes) -> messages.ClientMessage | ProtocolError:
    try:
        return parse(frame)
    except ProtocolError as error:
        return error


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_give_a_message_or_a_protocol_error(frame: bytes) -> None:
    outcome = parse_or_refuse(frame)
    if isinstance(outcome, ProtocolError):
        assert outcome.code in PARSE_CODES
    else:
        assert isinstance(outcome, Hello | CommandMessage | Ping | Sync)


@st.composite
def damaged_frames(draw: st.DrawFn) -> bytes:
    """A valid frame with a few bytes changed, cut short, or grown."""
    frame = bytearray(pack(draw(st.sampled_from([HELLO, COMMAND, {"type": "ping", "t": 5}]))))
    for _ in range(draw(st.integers(1, 4))):
        frame[draw(st.integers(0, len(frame) - 1))] = draw(st.integers(0, 255))
    cut = draw(st.integers(0, len(frame)))
    return bytes(frame[:cut]) + draw(st.binary(max_size=3))


@settings(max_examples=300, deadline=None)
@given(damaged_frames())
def test_damaged_frames_give_a_message_or_a_protocol_error(frame: bytes) -> None:
    outcome = parse_or_refuse(frame)
    if isinstance(outcome, ProtocolError):
        assert outcome.code in PARSE_CODES
    else:
        assert isinstance(outcome, Hello | CommandMessage | Ping | Sync)


@settings(max_examples=200, deadline=None)
@given(st.one_of(msgpack_values, message_like), st.binary(max_size=3))
def test_arbitrary_msgpack_gives_a_message_or_a_protocol_error(value: Any, tail: bytes) -> None:
    frame = pack(value)
    outcome = parse_or_refuse(frame)
    if isinstance(outcome, ProtocolError):
        assert outcome.code in PARSE_CODES
        if not isinstance(value, dict):
            assert outcome.code == "malformed"
    else:
        assert isinstance(value, dict)
        assert isinstance(outcome, Hello | CommandMessage | Ping | Sync)
    if tail:
        extended = parse_or_refuse(frame + tail)
        assert isinstance(extended, ProtocolError)
        assert extended.code == "malformed"


@settings(max_examples=200, deadline=None)
@given(
    st.builds(
        Hello,
        v=st.integers(-(2**63), 2**63 - 1),
        token=st.text(max_size=MAX_TEXT),
        room=st.text(max_size=64),
        last_seq=st.none() | st.integers(0, 2**63 - 1),
        client=st.text(max_size=40),
    )
    | st.builds(
        CommandMessage,
        id=st.text(min_size=1, max_size=MAX_COMMAND_ID),
        name=st.text(max_size=30),
        args=st.dictionaries(
            st.text(max_size=10),
            st.integers(-(2**63), 2**63 - 1) | st.text(max_size=10),
            max_size=4,
        ),
    )
    | st.builds(Ping, t=st.none() | st.integers(0, 2**63 - 1))
    | st.just(Sync())
)
def test_every_valid_message_parses_back_to_itself(message: messages.ClientMessage) -> None:
    kind = {Hello: "hello", CommandMessage: "command", Ping: "ping", Sync: "sync"}[type(message)]
    fields = {name: getattr(message, name) for name in type(message).__dataclass_fields__}
    assert parse(pack({"type": kind, **fields})) == message


# --- The command's ref in an error -----------------------------------------------------


def test_command_ref_names_the_failed_command() -> None:
    assert command_ref(pack({**COMMAND, "args": []})) == "c1"
    assert command_ref(pack({"type": "dance", "id": "x" * 100})) == "x" * 64
    assert command_ref(pack({"type": "command", "id": 5})) is None
    assert command_ref(pack(["c1"])) is None
    assert command_ref(b"\xc1") is None
    assert command_ref(pack(COMMAND)[:-1]) is None
    assert command_ref(nested_arrays(10_000)) is None


# --- Frames the server sends -----------------------------------------------------------


def unpack(frame: bytes) -> Any:
    return msgpack.unpackb(frame, raw=False)


def test_server_frames_are_maps_with_a_type() -> None:
    assert unpack(
        messages.welcome(server_time=5, room="r", role="board", delegate_id=None, node="n1")
    ) == {
        "type": "welcome",
        "v": PROTOCOL_VERSION,
        "server_time": 5,
        "room": "r",
        "role": "board",
        "delegate_id": None,
        "node": "n1",
    }
    assert unpack(messages.snapshot(3, {"session": {}})) == {
        "type": "snapshot",
        "seq": 3,
        "state": {"session": {}},
    }
    assert unpack(messages.event(4, 3, 9, {"agenda": []})) == {
        "type": "event",
        "seq": 4,
        "prev": 3,
        "at": 9,
        "set": {"agenda": []},
        "edit": [],
    }
    append = {"op": "append", "path": ["announcements"], "items": [{"id": "a-2"}]}
    assert unpack(messages.event(5, 4, 10, {}, [append]))["edit"] == [append]
    assert unpack(messages.you(4, None)) == {"type": "you", "seq": 4, "you": None}
    assert unpack(messages.ack("c1", 7)) == {
        "type": "ack",
        "id": "c1",
        "seq": 7,
        "duplicate": False,
    }
    assert unpack(messages.ack("c1", 7, duplicate=True))["duplicate"] is True
    assert unpack(messages.error("forbidden", "no", "c1")) == {
        "type": "error",
        "code": "forbidden",
        "message": "no",
        "id": "c1",
        "reason": None,
    }
    refused = messages.error("invalid_state", "no", "c2", reason="session_adjourned")
    assert unpack(refused)["reason"] == "session_adjourned"
    assert unpack(messages.error("malformed", "bad"))["id"] is None
    assert unpack(messages.pong(None, 8)) == {"type": "pong", "t": None, "server_time": 8}


# --- The code registry -----------------------------------------------------------------


def test_the_registry_holds_every_code_the_parser_and_the_hub_use() -> None:
    assert PARSE_CODES | {"unsupported_frame", "unknown_command", "invalid_args"} <= set(ERRORS)
    assert {code for code, e in ERRORS.items() if e.temporary} == {
        "rate_limited",
        "not_durable",
        "conflict",
        "internal",
    }
    for code, entry in ERRORS.items():
        assert entry.code == code
        assert entry.meaning


def test_every_close_code_says_reconnect_or_stop() -> None:
    constants = {v for k, v in vars(Close).items() if k.isupper()}
    assert constants == set(CLOSE_CODES)
    for code, entry in CLOSE_CODES.items():
        assert entry.code == code
        assert isinstance(entry.reaction, Reaction)
        assert entry.meaning
        assert code < 4000 or 4000 <= code < 5000
    assert CLOSE_CODES[Close.SLOW].reaction is Reaction.RECONNECT
    assert CLOSE_CODES[Close.UNAUTHORIZED].reaction is Reaction.STOP
    assert len({entry.name for entry in CLOSE_CODES.values()}) == len(CLOSE_CODES)
