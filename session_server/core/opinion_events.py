"""The opinions' events: what the log records of each opinion."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .events import Event
from .opinion_state import OpinionKind


@dataclass(frozen=True, slots=True)
class OpinionRecorded(Event):
    kind: ClassVar[str] = "opinion_recorded"
    opinion_id: str
    document_id: str
    version: int
    paragraph_id: str
    opinion_kind: OpinionKind
    text: str
    wording: str
    author: str
    recorded_by: str | None
    group_id: str | None
    at: int


@dataclass(frozen=True, slots=True)
class OpinionWithdrawn(Event):
    kind: ClassVar[str] = "opinion_withdrawn"
    opinion_id: str
    author: str
    recorded_by: str | None


@dataclass(frozen=True, slots=True)
class OpinionAuthorsShown(Event):
    kind: ClassVar[str] = "opinion_authors_shown"
    shown: bool
