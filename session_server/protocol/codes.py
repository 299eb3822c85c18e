"""The one registry of error codes and close codes, and what a client must do for each."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Literal

from ..core.errors import ErrorCode

RenderErrorCode = Literal[
    "not_a_pdf",
    "too_many_pages",
    "page_too_large",
    "too_many_pixels",
    "no_such_page",
    "render_timeout",
    "render_failed",
]
"""Why the render pool refused a file or a page (docs/protocol.md §14)."""

HttpErrorCode = (
    ErrorCode
    | RenderErrorCode
    | Literal[
        "unauthorized",
        "bad_request",
        "file_too_large",
        "too_large",
        "timeout",
        "unavailable",
        "preparing",
    ]
)
"""The `error` of an HTTP endpoint's JSON refusal (docs/protocol.md §14)."""


@dataclass(frozen=True, slots=True)
class ErrorEntry:
    """An error frame's `code`. `temporary`: the same command may succeed if sent again later."""

    code: ErrorCode
    temporary: bool
    meaning: str


ERRORS: dict[ErrorCode, ErrorEntry] = {
    e.code: e
    for e in (
        ErrorEntry(
            "malformed",
            False,
            "The frame is not a msgpack map (truncated, not msgpack, "
            "nested deeper than the limit, or extra bytes after the map).",
        ),
        ErrorEntry(
            "unsupported_frame", False, "A text frame; the protocol uses binary frames only."
        ),
        ErrorEntry("unknown_type", False, "The map's `type` is not a message this server knows."),
        ErrorEntry(
            "invalid_message",
            False,
            "A field of the message is missing, unknown or has the wrong type (`message` names "
            "it), or a hello arrives on a connection already welcomed.",
        ),
        ErrorEntry("unknown_command", False, "The command's `name` is not a known command."),
        ErrorEntry(
            "invalid_args",
            False,
            "An argument of the command is missing, has the wrong "
            "type, or is out of range; `message` names it.",
        ),
        ErrorEntry(
            "forbidden",
            False,
            "The caller's role may not send this command, or the token may not act for that "
            "delegate (request_floor by a token whose delegate is not on the roll; a "
            "delegate checking in someone else).",
        ),
        ErrorEntry(
            "not_found",
            False,
            "The command names an agenda item, delegate, document, "
            "page, request or announcement that does not exist.",
        ),
        ErrorEntry(
            "invalid_state",
            False,
            "The command does not apply to the room as it is now "
            "(e.g. granting the floor when nobody waits).",
        ),
        ErrorEntry("rate_limited", True, "Too many commands from this connection; slow down."),
        ErrorEntry("not_durable", True, "The log cannot be written now; nothing was applied."),
        ErrorEntry("conflict", True, "Other nodes kept appending first; nothing was applied."),
        ErrorEntry(
            "internal",
            True,
            "An unexpected server fault, or this node stopped following the room's log; "
            "nothing was applied. Details are logged on the server, never sent.",
        ),
    )
}


class Reaction(Enum):
    """What a client does when the server closes with a given code."""

    RECONNECT = "reconnect"
    STOP = "stop"


@dataclass(frozen=True, slots=True)
class CloseCode:
    code: int
    name: str
    reaction: Reaction
    meaning: str


class Close:
    """Close codes the hub sends; `CLOSE_CODES` documents these and the transport's own."""

    NORMAL = 1000
    PROTOCOL_ERROR = 1002
    INVALID_TEXT = 1007
    TOO_BIG = 1009
    INTERNAL = 1011
    RESTARTING = 1012
    HELLO_TIMEOUT = 4000
    BAD_HELLO = 4001
    UNSUPPORTED_VERSION = 4002
    UNAUTHORIZED = 4003
    UNKNOWN_ROOM = 4004
    SLOW = 4008
    TOO_MANY_ERRORS = 4009
    REVOKED = 4010
    FLOODING = 4011
    REPLACED = 4012


CLOSE_CODES: dict[int, CloseCode] = {
    c.code: c
    for c in (
        CloseCode(Close.NORMAL, "normal", Reaction.STOP, "The client asked to close."),
        CloseCode(
            Close.PROTOCOL_ERROR,
            "protocol_error",
            Reaction.STOP,
            "The client broke the WebSocket protocol itself (sent by the transport).",
        ),
        CloseCode(
            Close.INVALID_TEXT,
            "invalid_text",
            Reaction.STOP,
            "A text frame was not valid UTF-8 (sent by the transport).",
        ),
        CloseCode(
            Close.TOO_BIG,
            "too_big",
            Reaction.STOP,
            "A frame exceeded the size limit (sent by the transport).",
        ),
        CloseCode(
            Close.INTERNAL,
            "internal",
            Reaction.RECONNECT,
            "Unexpected server fault (the hub, e.g. while welcoming), or a heartbeat went "
            "unanswered (the transport).",
        ),
        CloseCode(
            Close.RESTARTING,
            "restarting",
            Reaction.RECONNECT,
            "The server is restarting (sent by the transport on shutdown).",
        ),
        CloseCode(
            Close.HELLO_TIMEOUT,
            "hello_timeout",
            Reaction.RECONNECT,
            "No hello arrived in time after the connection opened.",
        ),
        CloseCode(
            Close.BAD_HELLO, "bad_hello", Reaction.STOP, "The first frame was not a valid hello."
        ),
        CloseCode(
            Close.UNSUPPORTED_VERSION,
            "unsupported_version",
            Reaction.STOP,
            "The hello asked for a protocol version this server does not speak.",
        ),
        CloseCode(
            Close.UNAUTHORIZED,
            "unauthorized",
            Reaction.STOP,
            "The token is unknown, revoked, or not valid for this room.",
        ),
        CloseCode(Close.UNKNOWN_ROOM, "unknown_room", Reaction.STOP, "No room has this id."),
        CloseCode(
            Close.SLOW,
            "slow",
            Reaction.RECONNECT,
            "The client did not read its frames fast enough; reconnect and resume.",
        ),
        CloseCode(
            Close.TOO_MANY_ERRORS,
            "too_many_errors",
            Reaction.STOP,
            "The client sent too many frames that were refused.",
        ),
        CloseCode(
            Close.REVOKED, "revoked", Reaction.STOP, "The token was revoked while connected."
        ),
        CloseCode(
            Close.FLOODING,
            "flooding",
            Reaction.STOP,
            "The client kept sending frames past its rate limit after being refused.",
        ),
        CloseCode(
            Close.REPLACED,
            "replaced",
            Reaction.STOP,
            "The same token opened more connections than it may hold; this, the oldest, "
            "was closed. The screen says it was opened elsewhere and does not reconnect.",
        ),
    )
}
