"""A room on this node: follows the log, projects once per audience, fans out to its screens."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..backends.base import Backend, BackendUnavailable, LogRecord
from ..core import contribution_events as ce
from ..core import events as e
from ..core import group_events as ge
from ..core import opinion_events as oe
from ..core import vote_events as ve
from ..core.commands import Command
from ..core.decide import Actor
from ..core.delta import view_delta
from ..core.evolve import apply
from ..core.projection import View, changed_fields, personal, project, reproject
from ..core.replay import state_bytes
from ..core.state import Role, RoomState
from ..metrics import UNCOUNTED, Metrics
from ..protocol import messages
from ..protocol.codes import Close
from ..writer import Outcome, RoomWriter
from .screen import Outgoing, Screen, framed

log = logging.getLogger(__name__)

# Presidium and secretariat see the same view, so it is projected and encoded once for both.
# The hall's screens get a view of their own: they show the delegates' documents, which the
# boards' view leaves out, and of people only what a board shows, where the delegates' view
# holds every pending request with its delegate id (core/projection.py).
VIEW_OF: dict[Role, Role] = {
    Role.PRESIDIUM: Role.PRESIDIUM,
    Role.SECRETARIAT: Role.PRESIDIUM,
    Role.DELEGATE: Role.DELEGATE,
    Role.BOARD: Role.BOARD,
    Role.HALL: Role.HALL,
}
VIEWS = (Role.PRESIDIUM, Role.DELEGATE, Role.BOARD, Role.HALL)

_PERSONAL_EVENTS = (
    e.DelegateRegistered,
    e.DelegateCheckedIn,
    e.CheckInCancelled,
    ve.PresenceConfirmed,
    ve.OpenVoteCast,
    ve.BallotCast,
    ce.ContributionSubmitted,
    ce.ContributionAccepted,
    ce.ContributionReturned,
    ce.ContributionPublished,
)
"""Events that change one delegate's `you` frame: it is sent again to their screens."""
_EVERYONES_YOU_EVENTS = (
    ve.PresenceCheckStarted,
    ve.VoteOpened,
    ve.VoteWithdrawn,
    ge.GroupEdited,
    ge.GroupRemoved,
    ge.DelegatesAssigned,
    ge.DelegatesUnassigned,
    ge.GroupOfficersSet,
    ge.GroupSynced,
)
"""Events that change every delegate's place in a vote (the `you` frame's `votes`) or the
group they belong to (its `group`)."""


@dataclass(frozen=True, slots=True)
class _Sent:
    seq: int
    outgoing: Outgoing


_Frames = Iterable[tuple[Role, View, Outgoing | None]]
"""Per view: its view after a record, and the event frame telling the change (None: none)."""


@dataclass(frozen=True, slots=True)
class _Foreseen:
    """A record this node is appending, with its state and frames, worked out meanwhile."""

    record: LogRecord
    before: RoomState
    after: RoomState
    frames: list[tuple[Role, View, Outgoing | None]]

    def holds(self, record: LogRecord, state: RoomState) -> bool:
        """Whether this is `record`, worked out on `state`: the one the log gave back."""
        mine = self.record
        return (
            self.before is state
            and mine.seq == record.seq
            and mine.origin == record.origin
            and mine.events == record.events
        )


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
        self.metrics: Metrics = UNCOUNTED  # the hub's, set by Hub.room
        self.backend = backend
        self.writer = RoomWriter(
            name,
            backend,
            clock=clock,
            ack_wait=ack_wait,
            append_attempts=append_attempts,
            followed=True,
        )
        self.history = history
        self.history_bytes = history_bytes
        self.snapshot_every = snapshot_every
        self.views: dict[Role, View] = {}
        self.sent: dict[Role, deque[_Sent]] = {v: deque() for v in VIEWS}
        self._sent_bytes: dict[Role, int] = {v: 0 for v in VIEWS}
        self.last_sent: dict[Role, int] = {v: 0 for v in VIEWS}
        # A client whose last seq is at least this can be sent exactly what it missed: every
        # frame after it is still in `sent`.
        self.resume_floor: dict[Role, int] = {v: 0 for v in VIEWS}
        self.screens: dict[Role, set[Screen]] = {v: set() for v in VIEWS}
        self.delegate_screens: dict[str, set[Screen]] = {}
        self._snapshots: dict[Role, bytes] = {}
        self._snapshot_makers: dict[Role, Callable[[], bytes]] = {}
        """Each view's snapshot at the current seq, as a whole frame, made when first asked."""
        self.listeners: list[Callable[[], None]] = []
        """Called after each record is applied (the page preparer, which plans again)."""
        self._tail_task: asyncio.Task[None] | None = None
        self._snapshot_saves: set[asyncio.Task[None]] = set()
        self._foreseen: _Foreseen | None = None
        self.writer.foresee = self._foresee

    @property
    def state(self) -> RoomState:
        return self.writer.state

    @property
    def failure(self) -> str | None:
        return self.writer.failure

    # ---- loading and following the log

    async def load(self) -> None:
        """Rebuild from the latest snapshot and the records after it, then follow the log."""
        await self.writer.load_snapshot()
        for view in VIEWS:
            self.views[view] = project(self.state, view)
            self.last_sent[view] = self.state.seq
            self.resume_floor[view] = self.state.seq
        await self.writer.read_log(self._apply)
        self._tail_task = asyncio.create_task(self._follow(), name=f"tail:{self.name}")

    async def _follow(self) -> None:
        while True:
            try:
                async for record in self.backend.tail(self.name, self.state.seq):
                    self._apply(record)
                    self.metrics.applied(record, self.writer.clock())  # tail lag
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
                self.writer.failure = (
                    f"stopped following the log at seq {self.state.seq}: {error!r}"
                )
                log.exception(
                    "room %s: stopped following the log at seq %d", self.name, self.state.seq
                )
                return

    async def close(self) -> None:
        if self._tail_task is not None:
            self._tail_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._tail_task
        if self._snapshot_saves:
            # A snapshot only spares replay work: one the log cannot take soon is dropped.
            _, late = await asyncio.wait(self._snapshot_saves, timeout=self.writer.ack_wait)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    @property
    def exists(self) -> bool:
        return self.state.seq > 0

    def _foresee(self, record: LogRecord) -> None:
        """Work out the state and frames of a record this node is appending, while the log
        makes it durable (a millisecond or more, the event loop idle): when the tail gives
        the record back, the fan-out starts at once. Nothing is sent or kept from it until
        then, and `_apply` uses it only for that very record on that very state.
        """
        before = self.state
        if record.seq != before.seq + 1:
            return
        try:
            after = apply(before, record.seq, record.events)
            frames = list(self._frames(before, after, record))
        except Exception:
            # Applied from the log, the same failure stops the room and is reported there.
            return
        self._foreseen = _Foreseen(record, before, after, frames)

    def _frames(self, before: RoomState, after: RoomState, record: LogRecord) -> _Frames:
        # Only the sections made from the fields this record changed are made again.
        changed = changed_fields(before, after)
        for view in VIEWS:
            projected = reproject(after, self.views[view], view, changed)
            changes, edits = view_delta(self.views[view], projected)
            outgoing = None
            if changes or edits:
                # Encoded once; the same bytes (and the same Outgoing) go to every screen.
                outgoing = Outgoing(
                    messages.event(record.seq, self.last_sent[view], record.at, changes, edits)
                )
            yield view, projected, outgoing

    def _apply(self, record: LogRecord) -> None:
        before = self.state
        foreseen, self._foreseen = self._foreseen, None
        frames: _Frames
        if foreseen is not None and foreseen.holds(record, before):
            self.writer.apply(record, foreseen.after)
            frames = foreseen.frames
        else:
            self.writer.apply(record)
            # Made view by view as it is sent: the first audience's screens need not wait
            # for the others' frames.
            frames = self._frames(before, self.state, record)
        self._snapshots.clear()
        for view, after, outgoing in frames:
            self.views[view] = after
            if outgoing is None:
                continue
            self.last_sent[view] = record.seq
            self._remember(view, _Sent(record.seq, outgoing))
            self.metrics.broadcast(view, len(self.screens[view]))  # once per view
            Screen.offer_all(self.screens[view], outgoing)
        for event in record.events:
            if isinstance(event, e.TokenRevoked):
                self._close_token(event.token_id)
            elif isinstance(event, _PERSONAL_EVENTS):
                self._send_personal(event.delegate_id)
            elif isinstance(event, oe.OpinionRecorded | oe.OpinionWithdrawn):
                # The author's list, and the group secretary's who recorded it for them.
                for delegate_id in {event.author, event.recorded_by or event.author}:
                    self._send_personal(delegate_id)
            elif isinstance(event, _EVERYONES_YOU_EVENTS):
                for delegate_id in list(self.delegate_screens):
                    self._send_personal(delegate_id)
        if record.seq % self.snapshot_every == 0:
            task = asyncio.get_running_loop().create_task(self._save_snapshot())
            self._snapshot_saves.add(task)
            task.add_done_callback(self._snapshot_saves.discard)
        for listener in self.listeners:
            listener()

    def _remember(self, view: Role, sent: _Sent) -> None:
        """Keep the frame for resumes, within both the count and the byte budget."""
        kept = self.sent[view]
        kept.append(sent)
        self._sent_bytes[view] += len(sent.outgoing.wire)
        while len(kept) > self.history or self._sent_bytes[view] > self.history_bytes:
            gone = kept.popleft()
            self._sent_bytes[view] -= len(gone.outgoing.wire)
            self.resume_floor[view] = gone.seq

    def _send_personal(self, delegate_id: str) -> None:
        screens = self.delegate_screens.get(delegate_id)
        if screens:
            frame = messages.you(self.state.seq, personal(self.state, delegate_id))
            for screen in screens:
                screen.answer(frame)

    async def _save_snapshot(self) -> None:
        state = self.state
        try:
            await self.backend.save_snapshot(self.name, state.seq, state_bytes(state))
        except Exception:
            log.exception("room %s: snapshot at seq %d not saved", self.name, state.seq)

    async def caught_up(self, seq: int, timeout: float) -> bool:
        """Wait until this node has applied `seq`; False if the tail did not get there in time."""
        return await self.writer.caught_up(seq, timeout)

    # ---- screens

    def snapshot_wire(self, audience: Role) -> bytes:
        """The audience's snapshot as a whole frame: built once per seq, however many ask."""
        view = VIEW_OF[audience]
        wire = self._snapshots.get(view)
        if wire is None:
            wire = framed(messages.snapshot(self.state.seq, self.views[view]))
            self._snapshots[view] = wire
        return wire

    def snapshot_maker(self, audience: Role) -> Callable[[], bytes]:
        """`snapshot_wire` for this audience, one callable shared by all its screens."""
        maker = self._snapshot_makers.get(audience)
        if maker is None:
            maker = self._snapshot_makers[audience] = functools.partial(
                self.snapshot_wire, audience
            )
        return maker

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
            self.metrics.snapshot_instead("resume" if last_seq else "connect")
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

    def revoked(self, token_id: str) -> bool:
        """Whether the token was revoked while this room ran (a cheap check per frame)."""
        return token_id in self.state.revoked_tokens

    def _close_token(self, token_id: str) -> None:
        # Every node learns of a revocation from the log, within a tail's delay.
        for screen in self.all_screens():
            if screen.token_id == token_id:
                screen.close(Close.REVOKED)

    def screen_count(self) -> int:
        return sum(len(s) for s in self.screens.values())

    def all_screens(self) -> list[Screen]:
        return [screen for group in self.screens.values() for screen in group]

    # ---- commands

    async def submit(
        self, command: Command, actor: Actor, *, command_id: str, token_id: str
    ) -> Outcome:
        """Decide on the latest state, append with the next seq, answer once it is durable."""
        return await self.writer.submit(command, actor, command_id=command_id, token_id=token_id)

    async def create(self, title: str) -> None:
        """Write a new room's first record; `SeqConflict` if the room already exists."""
        await self.writer.create(title)
