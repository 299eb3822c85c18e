"""From a rehearsal to the live congress: its preparation replayed as commands into a fresh log."""

from __future__ import annotations

from collections.abc import Callable

from .backends.base import Backend
from .core import commands as c
from .core.decide import Actor
from .core.state import Role, RoomState
from .demo import run_as
from .writer import RoomWriter

PRESIDIUM = Actor(Role.PRESIDIUM)
SECRETARIAT = Actor(Role.SECRETARIAT)


def preparation(state: RoomState) -> list[tuple[Actor, c.Command]]:
    """The commands that prepare `state`'s congress again, and nothing of its session.

    Carried: the agenda as planned (titles, presenters, minutes, order; every item
    pending), every document with each of its versions (file, pages, access) in order,
    the roll of delegates (units, seats) and the tokens revoked while it ran. Dropped:
    the session's status, openings of items, speakers and speeches, check-ins,
    announcements and the page shown.
    """
    steps: list[tuple[Actor, c.Command]] = [
        (
            PRESIDIUM,
            c.AddAgendaItem(
                title=item.title, presenter=item.presenter, planned_minutes=item.planned_minutes
            ),
        )
        for item in state.agenda
    ]
    for doc in state.documents:
        if not doc.versions:
            steps.append(
                (
                    SECRETARIAT,
                    c.RegisterDocument(
                        document_id=doc.id, title=doc.title, access=doc.access, pages=doc.pages
                    ),
                )
            )
        # Registered in order, each version gets the number it had: decide numbers a new
        # file (or the same file under another access) one past the current version.
        for version in doc.versions:
            steps.append(
                (
                    SECRETARIAT,
                    c.RegisterDocument(
                        document_id=doc.id,
                        title=doc.title,
                        access=version.access,
                        pages=version.pages,
                        sha256=version.sha256,
                        page_sizes=version.page_sizes,
                    ),
                )
            )
        last = doc.versions[-1] if doc.versions else None
        if last is not None and (doc.access, doc.pages) != (last.access, last.pages):
            # Changed after its last file by a registration without one.
            steps.append(
                (
                    SECRETARIAT,
                    c.RegisterDocument(
                        document_id=doc.id, title=doc.title, access=doc.access, pages=doc.pages
                    ),
                )
            )
    for delegate in state.delegates.values():
        steps.append(
            (
                SECRETARIAT,
                c.RegisterDelegate(
                    delegate_id=delegate.id,
                    full_name=delegate.name,
                    unit=delegate.unit,
                    seat=delegate.seat,
                ),
            )
        )
    for token_id in sorted(state.revoked_tokens):
        steps.append((SECRETARIAT, c.RevokeToken(token_id=token_id)))
    return steps


def _prepared(state: RoomState) -> tuple[object, ...]:
    """What the live room must have of the rehearsal, exactly (registration instants aside)."""
    return (
        state.title,
        tuple((i.title, i.presenter, i.planned_minutes) for i in state.agenda),
        tuple(
            (
                d.id,
                d.title,
                d.access,
                d.pages,
                tuple((v.version, v.sha256, v.page_sizes, v.access) for v in d.versions),
            )
            for d in state.documents
        ),
        tuple(state.delegates.values()),
        state.revoked_tokens,
    )


async def build_live_room(
    rehearsal: RoomState, backend: Backend, *, clock: Callable[[], int]
) -> None:
    """Write the live congress's first records for `rehearsal`'s room into `backend`.

    Every record comes from `decide`, through the writer, as any command's does; the live
    room is then checked against the rehearsal, and a difference stops the export.
    """
    writer = await RoomWriter.open(rehearsal.room, backend, clock=clock)
    await writer.create(rehearsal.title)
    for actor, command in preparation(rehearsal):
        await run_as(writer, actor, command)
    if _prepared(writer.state) != _prepared(rehearsal):
        raise RuntimeError(f"room {rehearsal.room!r}: the live room would differ from the plan")
