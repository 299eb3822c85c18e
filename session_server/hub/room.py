"""A room on this node: follows the log, projects once per audience, fans out to its screens."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from ..backends.base import (
    Backend,
    BackendUnavailable,
    DuplicateOrigin,
    LogRecord,
    SeqConflict,
)
from ..core import events as e
from ..core.commands import Command
from ..core.decide import Actor, Rejection, create_room, decide
from ..core.evolve import apply
from ..core.projection import View, changed_sections, personal, project
from ..core.replay import state_bytes, state_from_bytes
from ..core.state import Role, RoomState
from ..protocol import messages
from ..writer import Accepted, Outcome, Refused
from .screen import Outgoing, Screen

log = logging.getLogger(__name__)

# Presidium and secretariat see the same view, so it is projected and encoded once for both.
VIEW_OF: dict[Role, Role] = {
    Role.PRESIDIUM: Role.PRESIDIUM,
    Role.SECRETARIAT: Role.PRESIDIUM,
    Role.DELEGATE: Role.DELEGATE,
    Role.BOARD: Role.BOARD,
}
VIEWS = (Role.PRESIDIUM, Role.DELEGATE, Role.BOARD)

_PERSONAL_EVENTS = (e.DelegateRegistered, e.DelegateCheckedIn)


@dataclass(frozen=True, slots=True)
class _Sent:
    seq: int
    outgoing: Outgoing


class Room:
    """One room's live state on this node. Every change arrives through `tail` of the log.

    The node that appends a command does not broadcast it: it learns of its own record from
    the tail like any other node, so there is one path for every event.
    """

    def __init__(
        self,
        name: str,
        backend: Backend,
        *,
        clock: Callable[[], int],
        history: int = 1024,
        history_bytes: int = 4 * 1024 * 1024,
        snapshot_every: int = 500,
        ack_wait: float = 10.0,
        append_attempts: int = 5,
    ) -> None:
        self.name = name
        self.backend = backend
        self.clock = clock
        self.history = history
        self.history_bytes = history_bytes
        self.snapshot_every = snapshot_every
        self.ack_wait = ack_wait
        self.append_attempts = append_attempts
        self.state = RoomState(room=name)
        self.views: dict[Role, View] = {}
        self.sent: dict[Role, deque[_Sent]] = {v: deque() for v in VIEWS}
        self._sent_bytes: dict[Role, int] = {v: 0 for v in VIEWS}
        self.last_sent: dict[Role, int] = {v: 0 for v in VIEWS}
        # A client whose last seq is at least this can be sent exactly what it missed: every
        # frame after it is still in `sent`.
        self.resume_floor: dict[Role, int] = {v: 0 for v in VIEWS}
        self.screens: dict[Role, set[Screen]] = {v: set() for v in VIEWS}
        self.delegate_screens: dict[str, set[Screen]] = {}
        self.origins: dict[str, int] = {}
        self._origins_complete = True
        self._snapshots: dict[Role, bytes] = {}
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._decide_lock = asyncio.Lock()
        self._tail_task: asyncio.Task[None] | None = None
        self.failure: str | None = None

    # ---- loading and following the log

    async def load(self) -> None:
        """Rebuild from the latest snapshot and the records after it, then follow the log."""
        stored = await self.backend.load_snapshot(self.name)
        if stored is not None:
            self.state = state_from_bytes(stored[1])
            self._origins_complete = False
        for view in VIEWS:
            self.views[view] = project(self.state, view)
            self.last_sent[view] = self.state.seq
            self.resume_floor[view] = self.state.seq
        while True:
            records = await self.backend.read(self.name, self.state.seq, 1000)
            for record in records:
                self._apply(record)
            if len(records) < 1000:
                break
        self._tail_task = asyncio.create_task(self._follow(), name=f"tail:{self.name}")

    async def _follow(self) -> None:
        while True:
            try:
                async for record in self.backend.tail(self.name, self.state.seq):
                    self._apply(record)
            except asyncio.CancelledError:
                raise
            except BackendUnavailable as error:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    # The room is closing: redis-py answers a cancelled blocking read with
                    # a connection error, which must not turn the close into a retry.
                    raise asyncio.CancelledError from error
                log.warning("room %s: log unreachable (%s); retrying", self.name, error)
                await asyncio.sleep(0.5)
            except Exception as error:
                # A record this node cannot apply is a bug or a corrupt log: keep the screens
                # on the last good state and say so loudly, rather than show a wrong one.
                self.failure = f"stopped following the log at seq {self.state.seq}: {error!r}"
                log.exception(
                    "room %s: stopped following the log at seq %d", self.name, self.state.seq
                )
                return

    async def close(self) -> None:
        if self._tail_task is not None:
            self._tail_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._tail_task

    @property
    def exists(self) -> bool:
        return self.state.seq > 0

    def _apply(self, record: LogRecord) -> None:
        if record.seq != self.state.seq + 1:
            raise RuntimeError(f"room {self.name}: record {record.seq} after {self.state.seq}")
        self.state = apply(self.state, record.seq, record.events)
        if record.origin is not None:
            self.origins[record.origin] = record.seq
        self._snapshots.clear()
        for view in VIEWS:
            after = project(self.state, view)
            changes = changed_sections(self.views[view], after)
            self.views[view] = after
            if not changes:
                continue
            # Encoded once; the same bytes (and the same Outgoing) go to every screen.
            outgoing = Outgoing(
                messages.event(record.seq, self.last_sent[view], record.at, changes)
            )
            self.last_sent[view] = record.seq
            self._remember(view, _Sent(record.seq, outgoing))
            for screen in self.screens[view]:
                screen.offer(outgoing)
        for event in record.events:
            if isinstance(event, _PERSONAL_EVENTS):
                self._send_personal(event.delegate_id)
        self._release_waiters()
        if record.seq % self.snapshot_every == 0:
            asyncio.get_running_loop().create_task(self._save_snapshot())

    def _remember(self, view: Role, sent: _Sent) -> None:
        """Keep the frame for resumes, within both the count and the byte budget."""
        kept = self.sent[view]
        kept.append(sent)
        self._sent_bytes[view] += len(sent.outgoing.frame)
        while len(kept) > self.history or self._sent_bytes[view] > self.history_bytes:
            gone = kept.popleft()
            self._sent_bytes[view] -= len(gone.outgoing.frame)
            self.resume_floor[view] = gone.seq

    def _send_personal(self, delegate_id: str) -> None:
        screens = self.delegate_screens.get(delegate_id)
        if screens:
            frame = messages.you(self.state.seq, personal(self.state, delegate_id))
            for screen in screens:
                screen.answer(frame)

    def _release_waiters(self) -> None:
        seq = self.state.seq
        waiting = []
        for target, future in self._waiters:
            if target <= seq:
                if not future.done():
                    future.set_result(None)
            else:
                waiting.append((target, future))
        self._waiters = waiting

    async def _save_snapshot(self) -> None:
        state = self.state
        try:
            await self.backend.save_snapshot(self.name, state.seq, state_bytes(state))
        except Exception:
            log.exception("room %s: snapshot at seq %d not saved", self.name, state.seq)

    async def caught_up(self, seq: int, timeout: float) -> bool:
        """Wait until this node has applied `seq`; False if the tail did not get there in time."""
        if self.state.seq >= seq:
            return True
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((seq, future))
        try:
            async with asyncio.timeout(timeout):
                await future
        except TimeoutError:
            return False
        return True

    # ---- screens

    def snapshot_frame(self, audience: Role) -> bytes:
        view = VIEW_OF[audience]
        frame = self._snapshots.get(view)
        if frame is None:
            frame = self._snapshots[view] = messages.snapshot(self.state.seq, self.views[view])
        return frame

    def personal_frame(self, delegate_id: str) -> bytes:
        return messages.you(self.state.seq, personal(self.state, delegate_id))

    def attach(self, screen: Screen, last_seq: int | None) -> None:
        """Start following: the missed frames after `last_seq` if still kept, else a snapshot.

        Runs without awaiting, so no record can slip between the catch-up and the live feed.
        """
        view = VIEW_OF[screen.audience]
        missed = self._missed(view, last_seq)
        if missed is None or not screen.fits(missed):
            screen.resync()
        else:
            for outgoing in missed:
                screen.offer(outgoing)
        if screen.delegate_id is not None:
            screen.answer(self.personal_frame(screen.delegate_id))
            self.delegate_screens.setdefault(screen.delegate_id, set()).add(screen)
        self.screens[view].add(screen)

    def _missed(self, view: Role, last_seq: int | None) -> list[Outgoing] | None:
        # A client that has seen nothing (no seq, or 0) needs the whole view: a snapshot.
        if last_seq is None or last_seq < 1:
            return None
        if not self.resume_floor[view] <= last_seq <= self.state.seq:
            return None
        return [s.outgoing for s in self.sent[view] if s.seq > last_seq]

    def detach(self, screen: Screen) -> None:
        self.screens[VIEW_OF[screen.audience]].discard(screen)
        if screen.delegate_id is not None:
            group = self.delegate_screens.get(screen.delegate_id)
            if group is not None:
                group.discard(screen)
                if not group:
                    del self.delegate_screens[screen.delegate_id]

    def screen_count(self) -> int:
        return sum(len(s) for s in self.screens.values())

    def all_screens(self) -> list[Screen]:
        return [screen for group in self.screens.values() for screen in group]

    # ---- commands

    async def submit(
        self, command: Command, actor: Actor, *, command_id: str, token_id: str
    ) -> Outcome:
        """Decide on the latest state, append with the next seq, answer once it is durable."""
        origin = f"{token_id}:{command_id}"
        if self.failure is not None:
            # Deciding on a state that no longer follows the log could fork the room.
            return Refused("internal", "this node stopped following the room")
        async with self._decide_lock:
            for _ in range(self.append_attempts):
                seen = await self._seen(origin)
                if seen is not None:
                    return Accepted(seen, duplicate=True)
                now = self.clock()
                decision = decide(self.state, command, actor, now)
                if isinstance(decision, Rejection):
                    return Refused(decision.code, decision.message)
                if not decision:
                    return Accepted(self.state.seq)
                seq = self.state.seq + 1
                record = LogRecord(
                    seq=seq,
                    at=now,
                    events=decision,
                    actor=f"{actor.role.value}:{token_id}",
                    origin=origin,
                )
                try:
                    await self.backend.append(self.name, seq, record)
                except SeqConflict as conflict:
                    # Another writer got there first: catch up with it and decide again.
                    await self.caught_up(conflict.head, self.ack_wait)
                    continue
                except DuplicateOrigin as duplicate:
                    return Accepted(duplicate.seq, duplicate=True)
                except BackendUnavailable:
                    return Refused("not_durable", "the log cannot be written now")
                # Durable now. Waiting for our own record to come back through the tail means
                # the ack follows the event on this client's socket.
                await self.caught_up(seq, self.ack_wait)
                return Accepted(seq)
        return Refused("conflict", "other writers kept appending first")

    async def create(self, title: str) -> None:
        """Write a new room's first record; `SeqConflict` if the room already exists."""
        events = create_room(self.name, title)
        if isinstance(events, Rejection):
            raise ValueError(events.message)
        record = LogRecord(seq=1, at=self.clock(), events=events, actor="system")
        await self.backend.append(self.name, 1, record)
        await self.caught_up(1, self.ack_wait)

    async def _seen(self, origin: str) -> int | None:
        seq = self.origins.get(origin)
        if seq is None and not self._origins_complete:
            seq = await self.backend.find_origin(self.name, origin)
        return seq
