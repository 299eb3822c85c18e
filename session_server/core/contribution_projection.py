"""What each audience sees of written contributions: staff the list, an author their own.

No body ever travels in a frame (they are read over HTTP by the author, the secretariat
and the presidium); boards, the hall and other delegates learn nothing of a contribution
until it is made a document, and then only as that document.
"""

from __future__ import annotations

from typing import Any

from .contribution_state import Contribution
from .state import Role, RoomState

PRIVILEGED = frozenset({Role.PRESIDIUM, Role.SECRETARIAT})


def _ordered(state: RoomState) -> list[Contribution]:
    return sorted(state.contributions.values(), key=lambda k: k.number)


def _entry(contribution: Contribution) -> dict[str, Any]:
    return {
        "id": contribution.id,
        "title": contribution.title,
        "kind": contribution.kind.value,
        "pages": len(contribution.page_sizes),
        "version": contribution.version,
        "status": contribution.status.value,
        "reason": contribution.reason,
        "document_id": contribution.document_id,
        "access": None if contribution.access is None else contribution.access.value,
        "submitted_at": contribution.submitted_at,
    }


def contributions_view(state: RoomState, audience: Role) -> list[dict[str, Any]] | None:
    """The `contributions` section: every contribution for the staff, None for the rest."""
    if audience not in PRIVILEGED:
        return None
    shown = []
    for contribution in _ordered(state):
        author = state.delegates.get(contribution.delegate_id)
        shown.append(
            {
                **_entry(contribution),
                "delegate_id": contribution.delegate_id,
                "name": contribution.delegate_id if author is None else author.name,
                "unit": "" if author is None else author.unit,
                "size": contribution.size,
            }
        )
    return shown


def own_contributions(state: RoomState, delegate_id: str) -> list[dict[str, Any]]:
    """The `you` frame's `contributions`: the delegate's own, with their status."""
    return [_entry(k) for k in _ordered(state) if k.delegate_id == delegate_id]
