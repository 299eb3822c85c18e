"""The discussion groups' rooms on this node: created from the plenary, kept in sync with
it, and reporting their meeting back to it.

A group's room is an ordinary room (same core, log and protocol) named `<plenary>~<id>`.
Its first record is written by whichever node first needs it (a plenary record defining
the group, or a screen asking for it) with the log's conditional append, so on several
nodes exactly one creation wins. Then the node copies into it, with the hub-only
`sync_group`, the plenary's copy of the group, its members and the documents a delegate
may read, whenever that copy changes; and copies back into the plenary, with the hub-only
`report_group_status`, the room's session status and page whenever they change. Both are
idempotent (the rules record nothing when the copy is already there) and carry an origin
naming the record they follow, so nodes doing the same work at once append it once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..backends.base import SeqConflict
from ..core import group_commands as gc
from ..core.decide import Actor
from ..core.group_state import Group, group_room, split_group_room
from ..core.state import Role, RoomState
from ..protocol.codes import Close
from ..writer import Refused, RoomWriter

if TYPE_CHECKING:
    from .node import Hub
    from .room import Room

log = logging.getLogger(__name__)

HUB = Actor(Role.SECRETARIAT)
"""The role the hub's own commands are decided as (`group_commands.HUB`)."""
TOKEN = "hub-groups"
"""The token id the hub's own group commands are recorded under (their origin's first part)."""


def sync_command(plenary: RoomState, group: Group) -> gc.SyncGroup:
    """The plenary's copy of `group` for its room (the rules keep the shareable documents)."""
    return gc.SyncGroup(
        group_id=group.id,
        group_name=group.name,
        place=group.place,
        members=tuple(plenary.delegates[d] for d in group.members if d in plenary.delegates),
        chair=group.chair,
        secretary=group.secretary,
        documents=plenary.documents,
    )


async def create_group_room(hub: Hub, name: str) -> bool:
    """Write the first record of the group room `name` if its plenary has that group;
    True when the room exists now (created here or by another writer)."""
    where = split_group_room(name)
    if where is None:
        return False
    plenary = await hub.room(where[0])
    group = None if plenary is None else plenary.state.groups.get(where[1])
    if group is None:
        return False
    writer = RoomWriter(name, hub.backend, clock=hub.clock)
    # Another node (or a screen on this one) may have created it first: that is as good.
    with contextlib.suppress(SeqConflict):
        await writer.create(group.name)
    return True


class GroupRooms:
    """Keeps this node's plenaries and their groups' rooms in step (see the module's doc)."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._seen: dict[str, tuple[Any, ...]] = {}
        """Per room, the parts of its state last acted on (compared by identity: evolve
        replaces a part only when it changes)."""
        self._running: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()

    def loaded(self, room: Room) -> None:
        """Called for each room this node loads: follow it from now on."""
        room.listeners.append(lambda: self._changed(room))
        self._changed(room)

    def _changed(self, room: Room) -> None:
        state = room.state
        if split_group_room(room.name) is None:
            parts: tuple[Any, ...] = (
                state.groups,
                state.delegates,
                state.documents,
                state.revoked_tokens,
            )
            if not state.groups and not state.group_meetings:
                return
        else:
            parts = (state.status, state.showing, state.group)
        seen = self._seen.get(room.name)
        if seen is not None and all(a is b for a, b in zip(seen, parts, strict=True)):
            return
        self._seen[room.name] = parts
        self._schedule(room)

    def _schedule(self, room: Room) -> None:
        if room.name in self._running:
            self._again.add(room.name)
            return
        task = asyncio.get_running_loop().create_task(self._work(room), name=f"groups:{room.name}")
        self._running[room.name] = task

    async def _work(self, room: Room) -> None:
        try:
            while True:
                self._again.discard(room.name)
                try:
                    if split_group_room(room.name) is None:
                        await self._sync_plenary(room)
                    else:
                        await self._report(room)
                except Exception:
                    # The next change tries again; the screens go on with the last copy.
                    log.exception("room %s: groups not brought in step", room.name)
                if room.name not in self._again:
                    return
        finally:
            del self._running[room.name]

    async def _sync_plenary(self, plenary: Room) -> None:
        state = plenary.state
        for group in state.groups.values():
            name = group_room(plenary.name, group.id)
            room = await self.hub.room(name)
            if room is None:
                continue
            outcome = await room.submit(
                replace(sync_command(state, group), source_seq=state.seq),
                HUB,
                command_id=f"sync-{state.seq}",
                token_id=TOKEN,
            )
            if isinstance(outcome, Refused):
                log.warning("room %s: not synced: %s", name, outcome)
            self._close_misplaced(room, state)

    def _close_misplaced(self, room: Room, plenary: RoomState) -> None:
        """Close the sockets whose token would now sign in otherwise (4013), or not at all."""
        where = split_group_room(room.name)
        assert where is not None
        for screen in room.all_screens():
            if screen.token_id in plenary.revoked_tokens:
                screen.close(Close.REVOKED)
                continue
            if screen.delegate_id is None:
                continue
            group = plenary.groups.get(where[1])
            role = None
            if group is not None and screen.delegate_id in group.members:
                role = (
                    Role.PRESIDIUM
                    if screen.delegate_id == group.chair
                    else Role.SECRETARIAT
                    if screen.delegate_id == group.secretary
                    else Role.DELEGATE
                )
            if role is not screen.audience:
                screen.close(Close.GROUP_CHANGED)

    async def _report(self, room: Room) -> None:
        where = split_group_room(room.name)
        assert where is not None
        plenary = await self.hub.room(where[0])
        if plenary is None or where[1] not in plenary.state.groups:
            return
        state = room.state
        showing = state.showing
        outcome = await plenary.submit(
            gc.ReportGroupStatus(
                group_id=where[1],
                status=state.status,
                document_id=None if showing is None else showing.document_id,
                page=None if showing is None else showing.page,
                source_seq=state.seq,
            ),
            HUB,
            command_id=f"status-{where[1]}-{state.seq}",
            token_id=TOKEN,
        )
        if isinstance(outcome, Refused):
            log.warning("room %s: status not reported: %s", room.name, outcome)

    async def close(self) -> None:
        for task in list(self._running.values()):
            task.cancel()
        await asyncio.gather(*self._running.values(), return_exceptions=True)
