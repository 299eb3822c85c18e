"""What the views show of the opinions: a small summary for the staff, a delegate's own ids.

The opinions themselves never travel in a view (two thousand would make every frame
large): the roll-up and a delegate's own list are read over HTTP (core/rollup.py).
"""

from __future__ import annotations

from typing import Any

from .state import Role, RoomState

_STAFF = frozenset({Role.PRESIDIUM, Role.SECRETARIAT})


def opinions_view(state: RoomState, audience: Role) -> dict[str, Any] | None:
    """For the staff: how many opinions stand, per document version; None for the others."""
    if audience not in _STAFF:
        return None
    counts: dict[tuple[str, int], int] = {}
    for opinion in state.opinions.values():
        key = (opinion.document_id, opinion.version)
        counts[key] = counts.get(key, 0) + 1
    return {
        "total": len(state.opinions),
        "authors_shown": state.opinion_authors_shown,
        "documents": [
            {"document_id": document_id, "version": version, "count": count}
            for (document_id, version), count in sorted(counts.items())
        ],
    }


def own_opinions(state: RoomState, delegate_id: str) -> list[str]:
    """The ids of the opinions a delegate wrote or recorded for a member, oldest first."""
    return [o.id for o in state.opinions.values() if delegate_id in (o.author, o.recorded_by)]
