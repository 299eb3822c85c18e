"""Written contributions' commands: a delegate submits (through the hub), the staff decide."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .commands import RECORDING, Command
from .contribution_state import ContributionKind
from .state import Access, PageSize, Role

SUBMITTING = frozenset({Role.DELEGATE})


@dataclass(frozen=True, slots=True)
class SubmitContribution(Command):
    """Record a contribution the hub stored and checked (`POST .../contributions`).

    Never from the wire: its hash, size and pages come from the file the hub kept. With
    `replaces`, a new version of the author's own returned contribution.
    """

    name: ClassVar[str] = "submit_contribution"
    roles: ClassVar[frozenset[Role]] = SUBMITTING
    from_wire: ClassVar[bool] = False
    title: str
    kind: ContributionKind
    sha256: str
    size: int
    pdf_sha256: str
    page_sizes: tuple[PageSize, ...]
    replaces: str | None = None


@dataclass(frozen=True, slots=True)
class AcceptContribution(Command):
    """The secretariat takes a submitted contribution."""

    name: ClassVar[str] = "accept_contribution"
    roles: ClassVar[frozenset[Role]] = RECORDING
    contribution_id: str


@dataclass(frozen=True, slots=True)
class ReturnContribution(Command):
    """The secretariat sends a contribution back with a reason; its author may send it again."""

    name: ClassVar[str] = "return_contribution"
    roles: ClassVar[frozenset[Role]] = RECORDING
    contribution_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class MakeContributionDocument(Command):
    """Register an accepted contribution as a document of the congress, read by `access`."""

    name: ClassVar[str] = "make_contribution_document"
    roles: ClassVar[frozenset[Role]] = RECORDING
    contribution_id: str
    access: Access
