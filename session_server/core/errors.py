"""The error codes and rule reasons of a refused command or frame: typed lists, checked by mypy."""

from __future__ import annotations

from typing import Literal, get_args

RuleCode = Literal["unknown_command", "invalid_args", "forbidden", "not_found", "invalid_state"]
"""Why the congress's rules refuse a command; the same command sent again is refused again."""

ErrorCode = Literal[
    RuleCode,
    "malformed",
    "unsupported_frame",
    "unknown_type",
    "invalid_message",
    "rate_limited",
    "not_durable",
    "conflict",
    "internal",
]
"""An error frame's `code`; `protocol.codes.ERRORS` says what each means to a client."""

RuleReason = Literal[
    # The role, the room, the rule.
    "role_not_allowed",
    "room_not_found",
    "no_rule",
    # The session's status (core/status_rules.py).
    "session_not_started",
    "session_open",
    "session_suspended",
    "session_adjourned",
    # The agenda, the documents, the roll.
    "no_open_item",
    "item_not_found",
    "item_already_opened",
    "document_not_found",
    "page_not_found",
    "not_on_roll",
    "delegate_not_found",
    "delegate_not_named",
    "own_check_in_only",
    "announcement_not_found",
    # The list of speakers.
    "list_closed",
    "already_requested",
    "has_floor",
    "queue_empty",
    "floor_taken",
    "nobody_speaking",
    "no_request",
    "nothing_to_restore",
    # Arguments out of range.
    "room_id_length",
    "title_length",
    "presenter_length",
    "planned_minutes_range",
    "position_range",
    "document_id_length",
    "page_count_range",
    "document_file_invalid",
    "speaking_time_range",
    "extension_range",
    "resume_time_range",
    "announcement_length",
    "announcement_minutes_range",
    "delegate_id_invalid",
    "name_length",
    "unit_or_seat_length",
    "token_id_length",
    # Votes (core/vote_rules.py).
    "vote_not_found",
    "vote_kind_mismatch",
    "vote_settings_invalid",
    "seats_range",
    "candidate_list_invalid",
    "vote_already_open",
    "another_vote_open",
    "committee_invalid",
    "committee_started",
    "not_committee_member",
    "committee_step_done",
    "committee_not_ready",
    "dealing_invalid",
    "shares_invalid",
    "no_presence_check",
    "electorate_empty",
    "vote_not_open",
    "not_in_electorate",
    "abstain_not_allowed",
    "already_voted",
    "ballot_invalid",
    "vote_not_closed",
    "decryption_invalid",
    "vote_not_counted",
    # Written contributions (core/contribution_rules.py).
    "contribution_not_found",
    "contribution_status",
    "contribution_limit",
    "contribution_reason_length",
    # Discussion groups (core/group_rules.py).
    "plenary_only",
    "group_room_only",
    "group_not_found",
    "group_name_invalid",
    "group_place_length",
    "too_many_groups",
    "group_not_empty",
    "delegate_list_invalid",
    "officers_invalid",
    # Opinions on the drafts (core/opinion_rules.py).
    "version_not_found",
    "version_superseded",
    "paragraph_not_found",
    "opinion_length",
    "opinion_invalid",
    "not_group_secretary",
    "opinion_limit",
    "opinion_not_found",
]
"""An error frame's `reason` for a command the rules refused: a stable key a screen
translates (`reason.<key>` in static/common/i18n.js). `protocol.codes.REASONS` says what
each means; docs/protocol.md §8 lists them."""

RULE_CODES: frozenset[RuleCode] = frozenset(get_args(RuleCode))
ERROR_CODES: frozenset[ErrorCode] = frozenset(get_args(ErrorCode))
RULE_REASONS: tuple[RuleReason, ...] = get_args(RuleReason)
