"""Wire messages: msgpack maps with a `type`; client messages parsed, server messages built."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgpack

from ..core.errors import ErrorCode, RuleReason
from ..core.plain import PlainError, from_plain, shown

PROTOCOL_VERSION = 2
"""2: event frames carry `edit`s inside sections besides whole sections in `set`."""

MAX_COMMAND_ID = 64


class ProtocolError(ValueError):
    """A client frame the server refuses, with its error code and a message for a person
    (and, for a refusal on the caller's role, the reason screens translate)."""

    def __init__(self, code: ErrorCode, message: str, reason: RuleReason | None = None) -> None:
        super().__init__(message)
        self.code: ErrorCode = code
        self.message = message
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Hello:
    v: int
    token: str
    room: str
    last_seq: int | None = None
    client: str = ""


@dataclass(frozen=True, slots=True)
class CommandMessage:
    id: str
    name: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Ping:
    t: int | None = None


@dataclass(frozen=True, slots=True)
class Sync:
    """Ask for a fresh snapshot, e.g. after seeing a gap in `seq`."""


ClientMessage = Hello | CommandMessage | Ping | Sync

_CLIENT_TYPES: dict[str, type[ClientMessage]] = {
    "hello": Hello,
    "command": CommandMessage,
    "ping": Ping,
    "sync": Sync,
}


def decode(frame: bytes) -> dict[str, Any]:
    """A frame as a map, or `ProtocolError('malformed')`. msgpack itself caps the nesting."""
    try:
        value = msgpack.unpackb(frame, raw=False, strict_map_key=True, timestamp=0)
    except msgpack.ExtraData:
        raise ProtocolError("malformed", "extra bytes after the map") from None
    except (msgpack.StackError, RecursionError):
        raise ProtocolError("malformed", "nested deeper than the limit") from None
    except Exception:
        raise ProtocolError("malformed", "not a valid msgpack map") from None
    if not isinstance(value, dict):
        raise ProtocolError("malformed", "a frame must be a msgpack map")
    return value


def parse(frame: bytes) -> ClientMessage:
    """The client message in `frame`; every failure is a `ProtocolError` with a code."""
    data = decode(frame)
    kind = data.pop("type", None)
    cls = _CLIENT_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ProtocolError("unknown_type", f"unknown message type {shown(kind, 32)}")
    try:
        message = from_plain(cls, data)
    except PlainError as error:
        raise ProtocolError("invalid_message", f"{kind}: {error}") from None
    if isinstance(message, CommandMessage) and not 0 < len(message.id) <= MAX_COMMAND_ID:
        raise ProtocolError("invalid_message", "command: id has 1 to 64 characters")
    return message


def command_ref(frame: bytes) -> str | None:
    """The `id` of a command frame that failed to parse, so the error can name it."""
    try:
        data = msgpack.unpackb(frame, raw=False)
    except Exception:
        return None
    if isinstance(data, dict) and isinstance(data.get("id"), str):
        return str(data["id"])[:MAX_COMMAND_ID]
    return None


def encode(message: dict[str, Any]) -> bytes:
    return msgpack.packb(message, use_bin_type=True)


def welcome(*, server_time: int, room: str, role: str, delegate_id: str | None, node: str) -> bytes:
    return encode(
        {
            "type": "welcome",
            "v": PROTOCOL_VERSION,
            "server_time": server_time,
            "room": room,
            "role": role,
            "delegate_id": delegate_id,
            "node": node,
        }
    )


def snapshot(seq: int, view: dict[str, Any]) -> bytes:
    return encode({"type": "snapshot", "seq": seq, "state": view})


def event(
    seq: int,
    prev: int,
    at: int,
    changes: dict[str, Any],
    edits: list[dict[str, Any]] | None = None,
) -> bytes:
    """Sections replaced whole in `set`, then `edit`s inside the others (core/delta.py)."""
    return encode(
        {
            "type": "event",
            "seq": seq,
            "prev": prev,
            "at": at,
            "set": changes,
            "edit": edits or [],
        }
    )


def you(seq: int, person: dict[str, Any] | None) -> bytes:
    return encode({"type": "you", "seq": seq, "you": person})


def ack(command_id: str, seq: int, *, duplicate: bool = False) -> bytes:
    return encode({"type": "ack", "id": command_id, "seq": seq, "duplicate": duplicate})


def error(
    code: ErrorCode,
    message: str,
    command_id: str | None = None,
    *,
    reason: RuleReason | None = None,
) -> bytes:
    """An error frame; `reason` (null unless the room's rules refused) is what screens show."""
    return encode(
        {"type": "error", "code": code, "message": message, "id": command_id, "reason": reason}
    )


def pong(t: int | None, server_time: int) -> bytes:
    return encode({"type": "pong", "t": t, "server_time": server_time})
