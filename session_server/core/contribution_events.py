"""Written contributions' events: submitted, accepted, returned, made a document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .contribution_state import ContributionKind
from .events import Event
from .state import Access, PageSize


@dataclass(frozen=True, slots=True)
class ContributionSubmitted(Event):
    kind: ClassVar[str] = "contribution_submitted"
    contribution_id: str
    delegate_id: str
    title: str
    contribution_kind: ContributionKind
    sha256: str
    size: int
    submitted_at: int
    version: int
    pdf_sha256: str
    page_sizes: tuple[PageSize, ...]


@dataclass(frozen=True, slots=True)
class ContributionAccepted(Event):
    kind: ClassVar[str] = "contribution_accepted"
    contribution_id: str
    delegate_id: str


@dataclass(frozen=True, slots=True)
class ContributionReturned(Event):
    kind: ClassVar[str] = "contribution_returned"
    contribution_id: str
    delegate_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class ContributionPublished(Event):
    """Made a document: the `document_registered` of the same record registers its file."""

    kind: ClassVar[str] = "contribution_published"
    contribution_id: str
    delegate_id: str
    document_id: str
    access: Access
