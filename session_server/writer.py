"""What a room answers a command: accepted at a seq, or refused with a code and a reason."""

from __future__ import annotations

from dataclasses import dataclass

from .core.errors import ErrorCode


@dataclass(frozen=True, slots=True)
class Accepted:
    """Applied at `seq` (the room's seq when it changed nothing); `duplicate`: applied before."""

    seq: int
    duplicate: bool = False


@dataclass(frozen=True, slots=True)
class Refused:
    """Nothing was applied; `message` says why, for a person."""

    code: ErrorCode
    message: str

    def __str__(self) -> str:
        return f"refused: {self.code}: {self.message}"


Outcome = Accepted | Refused
