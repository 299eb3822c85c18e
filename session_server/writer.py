"""A room's one writer: decide on the latest state, append once per command, answer typed."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from .backends.base import Backend, BackendUnavailable, DuplicateOrigin, LogRecord, SeqConflict
from .core.commands import Command
from .core.decide import Actor, Rejection, create_room, decide
from .core.errors import ErrorCode, RuleReason
from .core.events import CheckpointRecorded, Event
from .core.evolve import apply
from .core.replay import state_from_bytes
from .core.state import RoomState
from .metrics import UNCOUNTED, Metrics
from .record.checkpoints import checkpoint_reason, seal, unsealed
from .record.keys import Signer

log = logging.getLogger(__name__)

_READ_BATCH = 1000
RECENT_ORIGINS = 4096
"""Origins (token and command id) of the latest records, kept to answer a client's retry
without asking the log. Older ones stay in the log, which every append checks anyway: keeping
them all here grew the hub by about 170 bytes per record for as long as it ran."""


@dataclass(frozen=True, slots=True)
class Accepted:
    """Applied at `seq` (the room's seq when it changed nothing); `duplicate`: applied before."""

    seq: int
    duplicate: bool = False


@dataclass(frozen=True, slots=True)
class Refused:
    """Nothing was applied; `message` says why, for a person."""

    code: ErrorCode
    message: str
    reason: RuleReason | None = None
    """Set when the room's rules refused the command: a key screens translate."""

    def __str__(self) -> str:
        return f"refused: {self.code}: {self.message}"


Outcome = Accepted | Refused

NO_SIGNING_KEY = (
    "no signing key: start the hub with --signing-key (made by `congress keys init`) to sign "
    "checkpoints"
)


class RoomWriter:
    """A room's state as far as this process has followed its log, and the commands it adds.

    Every record reaches the state through `apply`, in order. In the hub the room's tail
    feeds it (`followed=True`) and the writer waits for the tail to catch up; a command-line
    writer (`followed=False`) runs no tail and reads the log itself when it must catch up.

    With a `signer`, the writer seals checkpoints: the presidium's `checkpoint` command, and
    one appended after each record that ends an item or adjourns (`checkpoint_reason`).
    """

    def __init__(
        self,
        name: str,
        backend: Backend,
        *,
        clock: Callable[[], int],
        ack_wait: float = 10.0,
        append_attempts: int = 5,
        followed: bool = False,
        metrics: Metrics = UNCOUNTED,
    ) -> None:
        self.name = name
        self.backend = backend
        self.clock = clock
        self.ack_wait = ack_wait
        self.append_attempts = append_attempts
        self.followed = followed
        self.metrics = metrics
        self.signer: Signer | None = None
        """The congress's signing key (`serve --signing-key`); None: no checkpoints."""
        self.state = RoomState(room=name)
        self.failure: str | None = None
        """Set when the state stopped following the log: deciding on it could fork the room."""
        self._origins: dict[str, int] = {}
        """The origins of the latest `RECENT_ORIGINS` records, oldest first."""
        self._origins_complete = True
        """Whether `_origins` holds every origin in the log (nothing loaded from a snapshot,
        nothing forgotten yet)."""
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._lock = asyncio.Lock()
        self.foresee: Callable[[LogRecord], None] | None = None
        """Called, just after this writer's append of a record has started, with the record:
        the hub's room works out its frames while the log makes it durable."""

    @classmethod
    async def open(cls, name: str, backend: Backend, *, clock: Callable[[], int]) -> RoomWriter:
        """A writer that reads the log up to its head now, and again whenever it must."""
        writer = cls(name, backend, clock=clock)
        await writer.load_snapshot()
        await writer.read_log(writer.apply)
        return writer

    # ---- following the log

    async def load_snapshot(self) -> None:
        """Start from the latest stored snapshot, if any; the records after it come next."""
        stored = await self.backend.load_snapshot(self.name)
        if stored is not None:
            self.state = state_from_bytes(stored[1])
            # The origins of the records before the snapshot are looked up in the log.
            self._origins_complete = False

    async def read_log(self, apply: Callable[[LogRecord], None]) -> None:
        """Pass every record after the current state to `apply`, which must call `self.apply`."""
        while True:
            records = await self.backend.read(self.name, self.state.seq, _READ_BATCH)
            for record in records:
                apply(record)
            if len(records) < _READ_BATCH:
                return

    def apply(self, record: LogRecord, after: RoomState | None = None) -> None:
        """Move the state on by `record`; `after`, the state it gives, if already worked out."""
        if record.seq != self.state.seq + 1:
            raise RuntimeError(f"room {self.name}: record {record.seq} after {self.state.seq}")
        self.state = after if after is not None else apply(self.state, record.seq, record.events)
        if record.origin is not None:
            self._origins[record.origin] = record.seq
            if len(self._origins) > RECENT_ORIGINS:
                # Dicts keep insertion order: the first key is the oldest record's.
                del self._origins[next(iter(self._origins))]
                self._origins_complete = False
        waiting = []
        for target, future in self._waiters:
            if target <= record.seq:
                if not future.done():
                    future.set_result(None)
            else:
                waiting.append((target, future))
        self._waiters = waiting

    async def caught_up(self, seq: int, timeout: float) -> bool:
        """Wait until the state includes `seq`; False if it did not get there in time."""
        if self.state.seq >= seq:
            return True
        if not self.followed:
            await self.read_log(self.apply)
            return self.state.seq >= seq
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((seq, future))
        try:
            async with asyncio.timeout(timeout):
                await future
        except TimeoutError:
            return False
        return True

    # ---- writing

    async def submit(
        self, command: Command, actor: Actor, *, command_id: str, token_id: str
    ) -> Outcome:
        """Decide on the latest state, append with the next seq, answer once it is durable."""
        started = time.perf_counter()
        outcome = await self._submit(command, actor, command_id=command_id, token_id=token_id)
        if isinstance(outcome, Accepted):
            counted = "duplicate" if outcome.duplicate else "accepted"
        else:
            counted = outcome.code
        self.metrics.command_answered(command.name, counted, time.perf_counter() - started)
        return outcome

    async def _submit(
        self, command: Command, actor: Actor, *, command_id: str, token_id: str
    ) -> Outcome:
        origin = f"{token_id}:{command_id}"
        if self.failure is not None:
            return Refused("internal", "this node stopped following the room")
        async with self._lock:
            for _ in range(self.append_attempts):
                seen = self._origins.get(origin)
                if seen is not None:
                    return Accepted(seen, duplicate=True)
                now = self.clock()
                decision = decide(self.state, command, actor, now)
                if isinstance(decision, Rejection) or not decision:
                    # A retry of a command applied before the recent origins may now decide
                    # otherwise: the log says whether it was (an append would tell too, so a
                    # command that changes something is not looked up twice).
                    try:
                        seen = await self._seen_long_ago(origin)
                    except BackendUnavailable:
                        return Refused("not_durable", "the log cannot be read now")
                    if seen is not None:
                        return Accepted(seen, duplicate=True)
                if isinstance(decision, Rejection):
                    return Refused(decision.code, decision.message, decision.reason)
                if not decision:
                    return Accepted(self.state.seq)
                if unsealed(decision):
                    if self.signer is None:
                        return Refused("invalid_state", NO_SIGNING_KEY)
                    try:
                        decision = await self._sealed(decision)
                    except BackendUnavailable:
                        return Refused("not_durable", "the log cannot be read now")
                seq = self.state.seq + 1
                record = LogRecord(
                    seq=seq,
                    at=now,
                    events=decision,
                    actor=f"{actor.role.value}:{token_id}",
                    origin=origin,
                )
                try:
                    await self._append(seq, record)
                except SeqConflict as conflict:
                    # Another writer got there first: catch up with it and decide again.
                    await self.caught_up(conflict.head, self.ack_wait)
                    continue
                except DuplicateOrigin as duplicate:
                    return Accepted(duplicate.seq, duplicate=True)
                except BackendUnavailable:
                    return Refused("not_durable", "the log cannot be written now")
                # Durable now. In the hub, waiting for our own record to come back through
                # the tail means the ack follows the event on this client's socket.
                if await self.caught_up(seq, self.ack_wait):
                    reason = checkpoint_reason(decision)
                    if reason is not None and self.signer is not None:
                        await self._checkpoint(reason)
                return Accepted(seq)
        return Refused("conflict", "other writers kept appending first")

    async def _sealed(self, events: tuple[Event, ...]) -> tuple[Event, ...]:
        assert self.signer is not None
        head_hash = await self.backend.record_hash(self.name, self.state.seq)
        return seal(self.state, events, head_hash, self.signer)

    async def _checkpoint(self, reason: str) -> int | None:
        """Append a signed checkpoint over the head (the lock held); its seq, or None.

        Its origin names the head it signs, so two nodes checkpointing one head append one.
        A checkpoint that cannot be appended is logged, never the command's failure.
        """
        for _ in range(self.append_attempts):
            head = self.state.seq
            try:
                events = await self._sealed((CheckpointRecorded(reason=reason, head_seq=head),))
                record = LogRecord(
                    seq=head + 1,
                    at=self.clock(),
                    events=events,
                    actor="system",
                    origin=f"checkpoint:{head}",
                )
                await self._append(head + 1, record)
            except SeqConflict as conflict:
                await self.caught_up(conflict.head, self.ack_wait)
                continue
            except DuplicateOrigin:
                return None
            except BackendUnavailable as error:
                log.warning(
                    "room %s: checkpoint over seq %d not recorded: %s", self.name, head, error
                )
                return None
            await self.caught_up(head + 1, self.ack_wait)
            return head + 1
        log.warning("room %s: checkpoint not recorded: other writers kept appending", self.name)
        return None

    async def create(self, title: str) -> None:
        """Write a new room's first record; `SeqConflict` if the room already exists."""
        events = create_room(self.name, title)
        if isinstance(events, Rejection):
            raise ValueError(events.message)
        record = LogRecord(seq=1, at=self.clock(), events=events, actor="system")
        await self._append(1, record)
        await self.caught_up(1, self.ack_wait)

    async def _append(self, seq: int, record: LogRecord) -> None:
        started = time.perf_counter()
        if self.foresee is not None:
            # Runs once this task waits for the log: the append is under way by then.
            asyncio.get_running_loop().call_soon(self.foresee, record)
        try:
            await self.backend.append(self.name, seq, record)
        finally:
            self.metrics.append_seconds.observe(time.perf_counter() - started)

    async def _seen_long_ago(self, origin: str) -> int | None:
        if self._origins_complete:
            return None
        return await self.backend.find_origin(self.name, origin)
