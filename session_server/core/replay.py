"""Rebuilding a room from its log, and the canonical bytes that prove two rebuilds equal."""

from __future__ import annotations

from collections.abc import Iterable

import msgpack

from .events import Event
from .evolve import apply
from .plain import from_plain, to_plain
from .state import RoomState

STATE_FORMAT = 4
"""The shape of a RoomState in `state_bytes`. Raise it whenever that shape changes (a field
of the state or of anything in it added, removed or retyped): stored snapshots of another
format are then ignored, and each room is rebuilt from its log, which is the truth.
2: each document version keeps the access it was registered with.
3: the room keeps the ids of tokens revoked while it ran.
4: a break's end, the speaking-time presets, the requests the presidium removed, the latest
   signed checkpoint and the signing keys registered (fields added later: a state that never
   used them has the bytes format 3 gave it)."""


def replay(
    room: str, records: Iterable[tuple[int, Iterable[Event]]], start: RoomState | None = None
) -> RoomState:
    """The state after `records` (seq, events) in order, from `start` or an empty room."""
    state = start if start is not None else RoomState(room=room)
    for seq, events in records:
        state = apply(state, seq, events)
    return state


def state_bytes(state: RoomState) -> bytes:
    """Canonical encoding: equal states give equal bytes; snapshots store these bytes."""
    return msgpack.packb(to_plain(state), use_bin_type=True)


def state_from_bytes(blob: bytes) -> RoomState:
    return from_plain(RoomState, msgpack.unpackb(blob, raw=False))
