"""The opinions' commands: record an opinion on a paragraph, withdraw it, show its authors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .commands import STEERING, Command
from .opinion_state import OpinionKind
from .state import Role

OPINING = frozenset({Role.DELEGATE, Role.SECRETARIAT})
"""A delegate records their own opinions (a group's secretary, their members' too); the
secretariat records what a delegate handed in on paper."""


@dataclass(frozen=True, slots=True)
class RecordOpinion(Command):
    """An opinion on one paragraph of one version of a document (the current one)."""

    name: ClassVar[str] = "record_opinion"
    roles: ClassVar[frozenset[Role]] = OPINING
    document_id: str
    version: int
    paragraph_id: str
    kind: OpinionKind
    text: str = ""
    wording: str = ""
    on_behalf_of: str | None = None


@dataclass(frozen=True, slots=True)
class WithdrawOpinion(Command):
    """Take back an opinion: by its author, or whoever recorded it."""

    name: ClassVar[str] = "withdraw_opinion"
    roles: ClassVar[frozenset[Role]] = OPINING
    opinion_id: str


@dataclass(frozen=True, slots=True)
class ShowOpinionAuthors(Command):
    """Whether delegates see who wrote each opinion in the roll-up (the staff always do)."""

    name: ClassVar[str] = "show_opinion_authors"
    roles: ClassVar[frozenset[Role]] = STEERING
    shown: bool
