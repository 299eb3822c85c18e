"""The error codes a refused command or frame carries: one typed list, checked by mypy."""

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

RULE_CODES: frozenset[RuleCode] = frozenset(get_args(RuleCode))
ERROR_CODES: frozenset[ErrorCode] = frozenset(get_args(ErrorCode))
