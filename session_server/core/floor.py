"""The list of speakers' rules: asking for the floor, the queue, granting it, its time.

Registered on `decide`'s dispatch when `decide` is imported (it imports this module last).
"""

from __future__ import annotations

from . import commands as c
from . import events as e
from .decide import (
    DEFAULT_SECONDS,
    MAX_EXTENSION_SECONDS,
    SPEAKING_SECONDS,
    Actor,
    Decision,
    Rejection,
    _bad,
    _decide,
    _end_speech,
    _invalid,
    _missing,
)
from .state import RequestKind, RoomState, SpeakerList


def _open_list(state: RoomState) -> SpeakerList | Rejection:
    speakers = state.current_speakers()
    if speakers is None:
        return _invalid("no_open_item", "no agenda item is open")
    return speakers


def _queued(speakers: SpeakerList, delegate_id: str) -> int | None:
    for index, request in enumerate(speakers.requests):
        if request.delegate_id == delegate_id:
            return index
    return None


@_decide.register
def _(command: c.RequestFloor, state: RoomState, actor: Actor, now: int) -> Decision:
    delegate_id = actor.delegate_id
    if delegate_id is None or delegate_id not in state.delegates:
        return Rejection(
            "forbidden", "this token is not tied to a delegate on the roll", "not_on_roll"
        )
    speakers = _open_list(state)
    if isinstance(speakers, Rejection):
        return speakers
    # A point of order is procedural: it may be raised even when the list is closed.
    if speakers.closed and command.kind is not RequestKind.POINT_OF_ORDER:
        return _invalid("list_closed", "the list of speakers is closed")
    if _queued(speakers, delegate_id) is not None:
        return _invalid("already_requested", "you have already asked for the floor on this item")
    if speakers.floor is not None and speakers.floor.delegate_id == delegate_id:
        return _invalid("has_floor", "you have the floor now")
    position = len(speakers.requests)
    if command.kind is RequestKind.POINT_OF_ORDER:
        position = next(
            (
                i
                for i, r in enumerate(speakers.requests)
                if r.kind is not RequestKind.POINT_OF_ORDER
            ),
            position,
        )
    return (
        e.FloorRequested(
            item_id=speakers.item_id,
            delegate_id=delegate_id,
            request_kind=command.kind,
            at=now,
            position=position,
        ),
    )


@_decide.register
def _(command: c.WithdrawRequest, state: RoomState, actor: Actor, now: int) -> Decision:
    speakers = _open_list(state)
    if isinstance(speakers, Rejection):
        return speakers
    if actor.delegate_id is None or _queued(speakers, actor.delegate_id) is None:
        return _missing("no_request", "you have no request on this item")
    return (
        e.RequestRemoved(item_id=speakers.item_id, delegate_id=actor.delegate_id, withdrawn=True),
    )


def _queued_request(state: RoomState, delegate_id: str) -> tuple[SpeakerList, int] | Rejection:
    speakers = _open_list(state)
    if isinstance(speakers, Rejection):
        return speakers
    index = _queued(speakers, delegate_id)
    if index is None:
        return _missing("no_request", f"no request from {delegate_id!r} on this item")
    return speakers, index


@_decide.register
def _(command: c.AcceptRequest, state: RoomState, actor: Actor, now: int) -> Decision:
    found = _queued_request(state, command.delegate_id)
    if isinstance(found, Rejection):
        return found
    speakers, index = found
    if speakers.requests[index].accepted:
        return ()
    return (e.RequestAccepted(item_id=speakers.item_id, delegate_id=command.delegate_id),)


@_decide.register
def _(command: c.MoveRequest, state: RoomState, actor: Actor, now: int) -> Decision:
    found = _queued_request(state, command.delegate_id)
    if isinstance(found, Rejection):
        return found
    speakers, index = found
    if not 0 <= command.position < len(speakers.requests):
        return _bad("position_range", f"position is between 0 and {len(speakers.requests) - 1}")
    if index == command.position:
        return ()
    return (
        e.RequestMoved(
            item_id=speakers.item_id, delegate_id=command.delegate_id, position=command.position
        ),
    )


@_decide.register
def _(command: c.RemoveRequest, state: RoomState, actor: Actor, now: int) -> Decision:
    found = _queued_request(state, command.delegate_id)
    if isinstance(found, Rejection):
        return found
    speakers, index = found
    return (
        e.RequestRemoved(
            item_id=speakers.item_id,
            delegate_id=command.delegate_id,
            withdrawn=False,
            position=index,
        ),
    )


@_decide.register
def _(command: c.GrantFloor, state: RoomState, actor: Actor, now: int) -> Decision:
    speakers = _open_list(state)
    if isinstance(speakers, Rejection):
        return speakers
    if command.delegate_id is None:
        if not speakers.requests:
            return _invalid("queue_empty", "nobody is waiting for the floor")
        delegate_id = speakers.requests[0].delegate_id
        kind = speakers.requests[0].kind
    else:
        delegate_id = command.delegate_id
        index = _queued(speakers, delegate_id)
        if index is not None:
            kind = speakers.requests[index].kind
        elif delegate_id in state.delegates:
            kind = RequestKind.SPEECH
        else:
            return _missing("delegate_not_found", f"no delegate {delegate_id!r} on the roll")
    if state.speaking() is not None and not command.interrupt:
        return _invalid(
            "floor_taken", "someone has the floor: end the speech, or grant with interrupt"
        )
    if command.seconds is not None:
        seconds = command.seconds
    elif state.speaking_times is not None:
        seconds = state.speaking_times.of(kind)
    else:
        seconds = DEFAULT_SECONDS[kind]
    shortest, longest = SPEAKING_SECONDS
    if not shortest <= seconds <= longest:
        return _bad(
            "speaking_time_range", f"speaking time is between {shortest} and {longest} seconds"
        )
    # Interrupting ends the current speech first: one current speaker at most.
    return (
        *_end_speech(state, now),
        e.FloorGranted(
            item_id=speakers.item_id,
            delegate_id=delegate_id,
            request_kind=kind,
            at=now,
            seconds=seconds,
        ),
    )


@_decide.register
def _(command: c.RestoreRequest, state: RoomState, actor: Actor, now: int) -> Decision:
    speakers = _open_list(state)
    if isinstance(speakers, Rejection):
        return speakers
    delegate_id = command.delegate_id
    if _queued(speakers, delegate_id) is not None:
        return _invalid("already_requested", f"{delegate_id!r} has a request on this item now")
    if speakers.floor is not None and speakers.floor.delegate_id == delegate_id:
        return _invalid("has_floor", f"{delegate_id!r} has the floor now")
    removed = speakers.removed_request(delegate_id)
    if removed is None:
        return _missing(
            "nothing_to_restore", f"the presidium removed no request of {delegate_id!r} here"
        )
    request = removed.request
    return (
        e.RequestRestored(
            item_id=speakers.item_id,
            delegate_id=delegate_id,
            request_kind=request.kind,
            requested_at=request.requested_at,
            accepted=request.accepted,
            # Requests removed after it may leave its place past the end of the queue.
            position=min(removed.position, len(speakers.requests)),
        ),
    )


@_decide.register
def _(command: c.SetSpeakingTimes, state: RoomState, actor: Actor, now: int) -> Decision:
    shortest, longest = SPEAKING_SECONDS
    times = (command.speech, command.point_of_order, command.reply)
    if not all(shortest <= seconds <= longest for seconds in times):
        return _bad(
            "speaking_time_range", f"speaking time is between {shortest} and {longest} seconds"
        )
    current = state.speaking_times
    if current is not None and (current.speech, current.point_of_order, current.reply) == times:
        return ()
    return (e.SpeakingTimesSet(*times),)


@_decide.register
def _(command: c.EndSpeech, state: RoomState, actor: Actor, now: int) -> Decision:
    ended = _end_speech(state, now)
    return ended or _invalid("nobody_speaking", "nobody has the floor")


@_decide.register
def _(command: c.ExtendTime, state: RoomState, actor: Actor, now: int) -> Decision:
    if state.current_item is None or state.speaking() is None:
        return _invalid("nobody_speaking", "nobody has the floor")
    if not 1 <= command.seconds <= MAX_EXTENSION_SECONDS:
        return _bad(
            "extension_range", f"an extension is between 1 and {MAX_EXTENSION_SECONDS} seconds"
        )
    return (e.SpeakingTimeExtended(item_id=state.current_item, seconds=command.seconds),)


def _set_closed(state: RoomState, closed: bool) -> Decision:
    speakers = _open_list(state)
    if isinstance(speakers, Rejection):
        return speakers
    if speakers.closed == closed:
        return ()
    return (e.ListClosedChanged(item_id=speakers.item_id, closed=closed),)


@_decide.register
def _(command: c.CloseList, state: RoomState, actor: Actor, now: int) -> Decision:
    return _set_closed(state, True)


@_decide.register
def _(command: c.ReopenList, state: RoomState, actor: Actor, now: int) -> Decision:
    return _set_closed(state, False)
