"""Opinions on the drafts: each tied to one paragraph of one version of a document."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class OpinionKind(StrEnum):
    AGREE = "agree"
    AMEND = "amend"
    """A new wording of the paragraph, in `wording`."""
    ADD = "add"
    REMOVE = "remove"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Opinion:
    """A delegate's opinion, recorded by them, their group's secretary or the secretariat."""

    id: str
    document_id: str
    version: int
    paragraph_id: str
    kind: OpinionKind
    text: str
    wording: str
    author: str
    """The delegate whose opinion it is."""
    recorded_by: str | None
    """The delegate who recorded it (the author, or their group's secretary); None when
    the secretariat recorded it."""
    group_id: str | None
    """The author's group when it was recorded (None: in no group)."""
    at: int
