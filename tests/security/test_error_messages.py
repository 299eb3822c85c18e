"""Refusals say what was wrong in the protocol's words, never a Python type or exception."""

from __future__ import annotations

import re

import msgpack
import pytest

from session_server.core.commands import UnknownCommand, parse_command
from session_server.core.plain import PlainError
from session_server.protocol.messages import ProtocolError, parse

PYTHON_WORDS = re.compile(
    r"Error|Exception|Traceback|NoneType|\b(?:int|str|list|dict|tuple|float|bool)\b"
)

FRAMES = [
    b"\x91" * 60_000 + b"\x00",
    msgpack.packb({"type": "ping"}) + b"\x01",
    b"\xc1",
    msgpack.packb({"type": None}),
    msgpack.packb({"type": [1, [2]]}),
    msgpack.packb({"type": 5}),
    msgpack.packb({"type": b"ping"}),
    msgpack.packb({"type": {"a": 1}}),
    msgpack.packb({"type": "command", "id": None, "name": "show_page"}),
    msgpack.packb({"type": "command", "id": "c", "name": None}),
    msgpack.packb({"type": "hello", "v": "1", "token": 5, "room": []}),
]


@pytest.mark.parametrize("frame", FRAMES, ids=range(len(FRAMES)))
def test_a_refused_frame_is_described_without_python_words(frame: bytes) -> None:
    with pytest.raises(ProtocolError) as refused:
        parse(frame)
    assert not PYTHON_WORDS.search(refused.value.message), refused.value.message


@pytest.mark.parametrize(
    ("name", "args"),
    [
        (None, {}),
        ([1], {}),
        ("show_page", {"document_id": None, "page": "2"}),
        ("show_page", {"document_id": ["x"], "page": 1.5}),
        ("grant_floor", {"delegate_id": b"x", "seconds": True}),
    ],
)
def test_a_refused_command_is_described_without_python_words(name: object, args: object) -> None:
    with pytest.raises((UnknownCommand, PlainError)) as refused:
        parse_command(name, args)
    assert not PYTHON_WORDS.search(str(refused.value)), str(refused.value)
