"""The one registry of error codes and close codes, and what a client must do for each."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Literal

from ..core.errors import ErrorCode, RuleCode, RuleReason

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


Reason = RuleReason
"""An error frame's `reason`: the Literal of every key the room's rules refuse with
(defined beside the codes in `core.errors`, which the pure core may import)."""


@dataclass(frozen=True, slots=True)
class ReasonEntry:
    """A rule refusal's `reason`, the `code` it comes with, and what it means."""

    reason: Reason
    code: RuleCode
    meaning: str


REASONS: dict[Reason, ReasonEntry] = {
    r.reason: r
    for r in (
        ReasonEntry("role_not_allowed", "forbidden", "This role may not send this command."),
        ReasonEntry("room_not_found", "not_found", "The room has not been created."),
        ReasonEntry("no_rule", "unknown_command", "The room has no rule for this command."),
        ReasonEntry(
            "session_not_started",
            "invalid_state",
            "The session has not been opened yet; this waits for the opening.",
        ),
        ReasonEntry("session_open", "invalid_state", "The session is already open."),
        ReasonEntry(
            "session_suspended",
            "invalid_state",
            "The session is suspended (a break); this waits for it to resume.",
        ),
        ReasonEntry(
            "session_adjourned",
            "invalid_state",
            "The session is adjourned; nothing about the floor, the queue, the agenda or "
            "the pages is accepted.",
        ),
        ReasonEntry("no_open_item", "invalid_state", "No agenda item is open."),
        ReasonEntry("item_not_found", "not_found", "No agenda item has this id."),
        ReasonEntry(
            "item_already_opened",
            "invalid_state",
            "The item has been opened; it stays on the agenda for the record.",
        ),
        ReasonEntry("document_not_found", "not_found", "No document has this id."),
        ReasonEntry("page_not_found", "not_found", "The document has no such page."),
        ReasonEntry(
            "not_on_roll", "forbidden", "This token is not tied to a delegate on the roll."
        ),
        ReasonEntry("delegate_not_found", "not_found", "No delegate on the roll has this id."),
        ReasonEntry("delegate_not_named", "invalid_args", "The command must name a delegate."),
        ReasonEntry("own_check_in_only", "forbidden", "A delegate checks in only themselves."),
        ReasonEntry("announcement_not_found", "not_found", "No announcement has this id."),
        ReasonEntry(
            "list_closed",
            "invalid_state",
            "The list of speakers is closed; only a point of order may be raised.",
        ),
        ReasonEntry(
            "already_requested", "invalid_state", "The delegate already has a request here."
        ),
        ReasonEntry("has_floor", "invalid_state", "The delegate has the floor now."),
        ReasonEntry("queue_empty", "invalid_state", "Nobody is waiting for the floor."),
        ReasonEntry(
            "floor_taken",
            "invalid_state",
            "Someone has the floor; end the speech, or grant with `interrupt: true`.",
        ),
        ReasonEntry("nobody_speaking", "invalid_state", "Nobody has the floor."),
        ReasonEntry("no_request", "not_found", "The delegate has no request on this item."),
        ReasonEntry(
            "nothing_to_restore",
            "not_found",
            "The presidium removed no request of this delegate on this item.",
        ),
        ReasonEntry("room_id_length", "invalid_args", "A room id has 1 to 64 characters."),
        ReasonEntry("title_length", "invalid_args", "A title is empty or too long."),
        ReasonEntry("presenter_length", "invalid_args", "A presenter's name is too long."),
        ReasonEntry("planned_minutes_range", "invalid_args", "Planned minutes are out of range."),
        ReasonEntry("position_range", "invalid_args", "The position is out of range."),
        ReasonEntry("document_id_length", "invalid_args", "A document id is empty or too long."),
        ReasonEntry("page_count_range", "invalid_args", "The page count is out of range."),
        ReasonEntry(
            "document_file_invalid",
            "invalid_args",
            "A document's file lacks its SHA-256 or a page's size.",
        ),
        ReasonEntry("speaking_time_range", "invalid_args", "A speaking time is out of range."),
        ReasonEntry("extension_range", "invalid_args", "An extension is out of range."),
        ReasonEntry(
            "resume_time_range",
            "invalid_args",
            "A break's end is not after now or is too far ahead.",
        ),
        ReasonEntry("announcement_length", "invalid_args", "An announcement is empty or too long."),
        ReasonEntry(
            "announcement_minutes_range",
            "invalid_args",
            "An announcement's duration is out of range.",
        ),
        ReasonEntry(
            "delegate_id_invalid",
            "invalid_args",
            "A delegate id is empty, too long, or has surrounding spaces.",
        ),
        ReasonEntry("name_length", "invalid_args", "A delegate's name is empty or too long."),
        ReasonEntry("unit_or_seat_length", "invalid_args", "A unit or a seat is too long."),
        ReasonEntry("token_id_length", "invalid_args", "A token id is empty or too long."),
        # Votes (core/vote_rules.py).
        ReasonEntry("vote_not_found", "not_found", "No vote has this id."),
        ReasonEntry(
            "vote_kind_mismatch",
            "invalid_state",
            "The command is for the other kind of vote (a question or an election).",
        ),
        ReasonEntry(
            "vote_settings_invalid", "invalid_args", "The vote's settings do not fit its kind."
        ),
        ReasonEntry("seats_range", "invalid_args", "The number of seats is out of range."),
        ReasonEntry(
            "candidate_list_invalid",
            "invalid_args",
            "The list of candidates is malformed, or breaks the surplus the congress allows.",
        ),
        ReasonEntry(
            "vote_already_open",
            "invalid_state",
            "The vote has been opened; it stays in the record.",
        ),
        ReasonEntry(
            "another_vote_open",
            "invalid_state",
            "Another vote is being checked or is open; close it first.",
        ),
        ReasonEntry(
            "committee_invalid",
            "invalid_args",
            "The committee's members or threshold are not valid.",
        ),
        ReasonEntry(
            "committee_started",
            "invalid_state",
            "The committee's key ceremony has begun; it cannot be changed.",
        ),
        ReasonEntry(
            "not_committee_member",
            "forbidden",
            "This delegate is not on the vote's counting committee.",
        ),
        ReasonEntry(
            "committee_step_done",
            "invalid_state",
            "This member has done this step already, with other values.",
        ),
        ReasonEntry(
            "committee_not_ready",
            "invalid_state",
            "The committee's key is not made yet (or the step before is not done by every member).",
        ),
        ReasonEntry(
            "dealing_invalid", "invalid_args", "A member's commitments or proofs do not hold."
        ),
        ReasonEntry("shares_invalid", "invalid_args", "The sealed shares are malformed."),
        ReasonEntry(
            "no_presence_check", "invalid_state", "No presence check is running for this vote."
        ),
        ReasonEntry(
            "electorate_empty",
            "invalid_state",
            "No delegate confirmed their presence (or none is checked in).",
        ),
        ReasonEntry("vote_not_open", "invalid_state", "The vote is not open."),
        ReasonEntry(
            "not_in_electorate",
            "forbidden",
            "This delegate is not in the vote's electorate, fixed when it opened.",
        ),
        ReasonEntry(
            "abstain_not_allowed", "invalid_args", "This question has no 'not voting' option."
        ),
        ReasonEntry(
            "already_voted", "invalid_state", "This delegate has voted; the choice is final."
        ),
        ReasonEntry(
            "ballot_invalid", "invalid_args", "The ballot is malformed or a proof does not hold."
        ),
        ReasonEntry("vote_not_closed", "invalid_state", "The election is not closed."),
        ReasonEntry(
            "decryption_invalid",
            "invalid_args",
            "A member's decryption share or its proof does not hold.",
        ),
        ReasonEntry("vote_not_counted", "invalid_state", "The vote has no result yet."),
        # Written contributions.
        ReasonEntry("contribution_not_found", "not_found", "No such contribution."),
        ReasonEntry(
            "contribution_status",
            "invalid_state",
            "The contribution's status does not allow this (accept it before publishing it;"
            " only a returned one is sent again).",
        ),
        ReasonEntry(
            "contribution_limit", "invalid_state", "The delegate has sent the most contributions."
        ),
        ReasonEntry(
            "contribution_reason_length",
            "invalid_args",
            "A contribution is returned with a reason of 1 to 500 characters.",
        ),
        # Discussion groups.
        ReasonEntry(
            "plenary_only", "invalid_state", "This is done in the plenary's room, not a group's."
        ),
        ReasonEntry("group_room_only", "invalid_state", "This is done in a group's own room only."),
        ReasonEntry("group_not_found", "not_found", "No discussion group has this id."),
        ReasonEntry(
            "group_name_invalid",
            "invalid_args",
            "A group's name is empty, too long, or another group's already.",
        ),
        ReasonEntry("group_place_length", "invalid_args", "A group's place is too long."),
        ReasonEntry(
            "too_many_groups", "invalid_state", "The plenary has as many groups as it may."
        ),
        ReasonEntry(
            "group_not_empty",
            "invalid_state",
            "The group still has members: unassign or move them first.",
        ),
        ReasonEntry(
            "delegate_list_invalid",
            "invalid_args",
            "The list of delegates is empty, too long, or names someone twice.",
        ),
        ReasonEntry(
            "officers_invalid",
            "invalid_args",
            "The chair and the secretary are two different members of the group.",
        ),
        # Opinions on the drafts.
        ReasonEntry(
            "version_not_found", "not_found", "The document has no such version (for this role)."
        ),
        ReasonEntry(
            "version_superseded",
            "invalid_state",
            "A newer version of the document was registered; opinions go on the current one.",
        ),
        ReasonEntry(
            "paragraph_not_found", "not_found", "The version has no paragraph with this id."
        ),
        ReasonEntry("opinion_length", "invalid_args", "An opinion's text or wording is too long."),
        ReasonEntry(
            "opinion_invalid",
            "invalid_args",
            "An amendment needs its wording (and only an amendment has one); add and other "
            "need a text.",
        ),
        ReasonEntry(
            "not_group_secretary",
            "forbidden",
            "Only the secretary of the delegate's group may record on their behalf.",
        ),
        ReasonEntry(
            "opinion_limit",
            "invalid_state",
            "The delegate (or the room) has as many opinions standing as allowed.",
        ),
        ReasonEntry(
            "opinion_not_found",
            "not_found",
            "No such opinion, or not one this sender recorded or wrote.",
        ),
    )
}
"""Every reason a rule refusal carries; docs/protocol.md §8 lists the same."""


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
    GROUP_CHANGED = 4013


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
        CloseCode(
            Close.GROUP_CHANGED,
            "group_changed",
            Reaction.RECONNECT,
            "In a group's room: the plenary changed this delegate's place in the group (moved, "
            "made chair or secretary, or unassigned); reconnect to sign in again as that.",
        ),
    )
}
