"""Written contributions (tham luận): what a delegate sent the secretariat, and where it stands."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .state import Access, PageSize


class ContributionKind(StrEnum):
    PDF = "pdf"
    TEXT = "text"


class ContributionStatus(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"
    PUBLISHED = "published"
    """Made a document of the congress (`document_id`), read by its `access`."""


@dataclass(frozen=True, slots=True)
class Contribution:
    """One contribution; a returned one submitted again keeps its id with the next version.

    Its body (the PDF, or the text) is a stored file named by `sha256`, read over HTTP by
    its author, the secretariat and the presidium only; `pdf_sha256` is the PDF its pages
    are rendered from (the file itself, or the one the hub laid out from the text).
    """

    id: str
    number: int
    delegate_id: str
    title: str
    kind: ContributionKind
    sha256: str
    size: int
    pdf_sha256: str
    page_sizes: tuple[PageSize, ...]
    submitted_at: int
    version: int = 1
    status: ContributionStatus = ContributionStatus.SUBMITTED
    reason: str = ""
    """Why the secretariat returned it (empty otherwise)."""
    document_id: str | None = None
    access: Access | None = None
