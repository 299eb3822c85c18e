"""One websocket's life: origin, hello and token, then commands in and frames out."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from starlette.types import Message, Receive
from starlette.websockets import WebSocket, WebSocketDisconnect

from ..auth import actor_of, authenticate, group_sign_in, secret_hash
from ..backends.base import BackendUnavailable, TokenRecord
from ..core.commands import COMMAND_TYPES, UnknownCommand, parse_command
from ..core.decide import Rejection
from ..core.group_state import split_group_room
from ..core.plain import PlainError
from ..core.state import Role
from ..core.vote_commands import CastBallot
from ..protocol import messages
from ..protocol.codes import Close
from ..protocol.messages import CommandMessage, Hello, Ping, ProtocolError, Sync
from ..writer import Accepted, Outcome, Refused
from .node import Hub
from .room import Room
from .screen import Screen, Sink

log = logging.getLogger(__name__)

_HUB_ONLY = {
    "register_document": "upload the file instead "
    "(POST /api/rooms/ROOM/documents or `congress documents add`)",
    "revoke_token": "use `congress tokens revoke`",
    "sync_group": "the hub copies the plenary's groups into their rooms itself",
    "report_group_status": "the hub reports a group room's status itself",
}
"""Where to go instead, for the commands the hub itself sends (`from_wire` false)."""

_CLOSE_WAIT = 2.0
"""Seconds to wait for a close frame to leave; a peer that never reads must not hold us."""


class _Refused(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class _TokenBucket:
    __slots__ = ("burst", "rate", "stamp", "tokens")

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.stamp = now

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


async def serve_screen(websocket: WebSocket, receive: Receive, hub: Hub, sink: Sink) -> None:
    """Run one connection to its end; nothing it sends can disturb another connection.

    `sink` is the socket's own WebSocket protocol: frames go to its transport whole, not
    through ASGI's send, whose framing and checks per call cost more than the write itself
    when one page turn goes out to thousands of screens. `receive` is the connection's ASGI
    receive, which `websocket` wraps: after the accept, the client's frames are read from it
    directly (`_read` says why); `websocket` serves the handshake and the close.
    """
    if not hub.origin_allowed(websocket.headers.get("origin"), websocket.headers.get("host")):
        # Closing before accepting answers the upgrade with HTTP 403.
        await websocket.close(code=Close.BAD_HELLO)
        return
    await websocket.accept()
    try:
        room, screen, hello, token = await _welcome(receive, hub, sink)
    except _Refused as refused:
        await _close(websocket, refused.code, refused.reason)
        return
    except WebSocketDisconnect:
        return
    except BackendUnavailable as error:
        # The log unreachable while checking the token: the client comes back later. One
        # line, not a traceback: during an outage every reconnecting screen lands here.
        log.warning("hello refused, the log is unreachable: %s", error)
        await _close(websocket, Close.INTERNAL, "the hub cannot reach its log; retrying")
        return
    except Exception:
        log.exception("failure while welcoming a connection")
        await _close(websocket, Close.INTERNAL, "internal error")
        return
    room.attach(screen, hello.last_seq)
    # Not kept for the connection's life: it holds the token's secret, read no more.
    del hello
    # A tablet following its group holds a socket to the plenary and one to the group's
    # room: each room counts its own against the token's limit.
    seat = room.name if split_group_room(room.name) is not None else None
    hub.admit(screen, seat)
    # The client's frames are read in this task, not one of its own (a task per screen is
    # memory thousands of screens keep all day); a close the screen decides (slow, revoked,
    # replaced) interrupts the read.
    serving = asyncio.current_task()
    assert serving is not None

    reading = True

    def interrupt(_: object) -> None:
        # Called soon after, not at, the close: the read may have ended meanwhile.
        if reading:
            serving.cancel()

    screen.closed.add_done_callback(interrupt)
    code: int | None = None
    try:
        code = await _read(receive, hub, room, screen, token)
        reading = False
        # Let the last error frame reach the client before the close says why.
        screen.close(code, flush=True)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(_CLOSE_WAIT):
                await asyncio.shield(screen.closed)
    except asyncio.CancelledError:
        # Ours only if the screen closed and nobody else (the server stopping) cancelled.
        if not screen.closed.done() or serving.cancelling() > 1:
            raise
        serving.uncancel()
        code = screen.closed.result()
    except (WebSocketDisconnect, OSError, RuntimeError):
        code = None
    finally:
        reading = False
        screen.closed.remove_done_callback(interrupt)
        room.detach(screen)
        hub.release(screen, seat)
    if code is not None:
        await _close(websocket, code, "")


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    with contextlib.suppress(Exception):
        async with asyncio.timeout(_CLOSE_WAIT):
            await websocket.close(code=code, reason=reason[:120])


def _data(message: Message) -> bytes | str:
    """A received frame's data; `WebSocketDisconnect` once the client has gone."""
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    data = message.get("bytes")
    if data is not None:
        return bytes(data)
    return str(message.get("text") or "")


async def _welcome(
    receive: Receive, hub: Hub, sink: Sink
) -> tuple[Room, Screen, Hello, TokenRecord]:
    try:
        async with asyncio.timeout(hub.limits.hello_timeout):
            first = _data(await receive())
    except TimeoutError:
        raise _Refused(Close.HELLO_TIMEOUT, "no hello in time") from None
    if isinstance(first, str):
        raise _Refused(Close.BAD_HELLO, "frames are binary msgpack")
    try:
        hello = messages.parse(first)
    except ProtocolError as error:
        raise _Refused(Close.BAD_HELLO, error.message) from None
    if not isinstance(hello, Hello):
        raise _Refused(Close.BAD_HELLO, "the first frame must be a hello")
    if hello.v != messages.PROTOCOL_VERSION:
        raise _Refused(
            Close.UNSUPPORTED_VERSION, f"this server speaks v{messages.PROTOCOL_VERSION}"
        )
    if hub.cooling_down(secret_hash(hello.token)):
        # Decided before the token is looked up: a flooder reconnecting in a loop costs
        # the hub a hash, not a read of the token store and a snapshot each time.
        raise _Refused(Close.FLOODING, "this token flooded the hub; wait before reconnecting")
    # A group's room is entered with a token of its plenary, in the role the plenary's
    # groups give it there (auth.group_sign_in).
    group = split_group_room(hello.room)
    token = await authenticate(hub.backend, hello.token, hello.room if group is None else group[0])
    if token is None:
        raise _Refused(Close.UNAUTHORIZED, "unknown or revoked token")
    if group is not None:
        plenary = await hub.room(group[0])
        if plenary is None:
            raise _Refused(Close.UNKNOWN_ROOM, "no such room")
        token = group_sign_in(token, plenary.state.groups, group[1])
        if token is None:
            raise _Refused(Close.UNAUTHORIZED, "not a member of this discussion group")
    room = await hub.room(hello.room)
    if room is None:
        raise _Refused(Close.UNKNOWN_ROOM, "no such room")
    limits = hub.limits
    screen = Screen(
        sink,
        audience=token.role,
        token_id=token.token_id,
        secret_hash=token.secret_hash,
        delegate_id=token.delegate_id,
        snapshot=room.snapshot_maker(token.role),
        max_queue=limits.max_queue,
        max_queue_bytes=limits.max_queue_bytes,
        send_timeout=limits.send_timeout,
        metrics=hub.metrics,
    )
    screen.answer(
        messages.welcome(
            server_time=hub.clock(),
            room=room.name,
            role=token.role.value,
            delegate_id=token.delegate_id,
            node=hub.node_id,
        )
    )
    return room, screen, hello, token


async def _read(receive: Receive, hub: Hub, room: Room, screen: Screen, token: TokenRecord) -> int:
    """Handle the client's frames in order; returns a close code when it must be cut off.

    Awaiting ASGI's receive itself, not Starlette's wrapper of it: every screen waits here
    all day, and each coroutine in the chain is some 200 bytes a screen. (Starlette's
    wrapper adds only its own bookkeeping of the client's state, which its close does not
    read: the close goes out by the application's state.)
    """
    loop = asyncio.get_running_loop()
    limits = hub.limits
    now = loop.time()
    # Every frame takes a token: commands, pings and syncs alike. Past the limit a frame is
    # refused `rate_limited`; a socket that goes on sending while refused empties the
    # second bucket and is cut off, rather than be answered hundreds of thousands of times.
    frames = _TokenBucket(limits.frame_rate, limits.frame_burst, now)
    refusals = _TokenBucket(limits.frame_rate, limits.frame_burst, now)
    actor = actor_of(token)
    # Staff tokens are few and trusted, and scripts drive them fast (imports, rehearsals);
    # the many delegate, board and hall screens are the ones that could flood a room.
    limited = token.role in (Role.DELEGATE, Role.BOARD, Role.HALL)
    errors = 0
    while True:
        frame = _data(await receive())
        # A socket whose frames are already buffered is read without ever suspending:
        # yield once per frame, so the room's fan-out and the other sockets run between
        # two frames of a flood.
        await asyncio.sleep(0)
        if room.revoked(token.token_id):
            return Close.REVOKED
        try:
            if limited and not frames.take(loop.time()):
                if not refusals.take(loop.time()):
                    hub.cool_down(token.secret_hash)
                    return Close.FLOODING
                raise ProtocolError("rate_limited", "too many frames; slow down")
            if isinstance(frame, str):
                raise ProtocolError("unsupported_frame", "frames are binary msgpack, not text")
            message = messages.parse(frame)
            if isinstance(message, CommandMessage):
                allowed = COMMAND_TYPES.get(message.name)
                if (allowed is None and limited) or (
                    allowed is not None and token.role not in allowed.roles
                ):
                    # Refuse on the role before the name or the arguments: a board learns
                    # nothing about which commands exist or what one would have needed.
                    raise ProtocolError(
                        "forbidden", f"{token.role.value} may not send this", "role_not_allowed"
                    )
                if allowed is not None and not allowed.from_wire:
                    raise ProtocolError(
                        "forbidden",
                        f"{message.name} is done by the hub itself: "
                        + _HUB_ONLY.get(message.name, "not over the socket"),
                        "role_not_allowed",
                    )
                try:
                    command = parse_command(message.name, message.args)
                except UnknownCommand as unknown:
                    raise ProtocolError("unknown_command", str(unknown)) from None
                except PlainError as invalid:
                    raise ProtocolError("invalid_args", str(invalid)) from None
                if isinstance(command, CastBallot):
                    # The proofs are checked off the loop; the room then records the ballot.
                    checked = await hub.ballots.prepare(room.state, command, actor)
                    if isinstance(checked, Rejection):
                        outcome: Outcome = Refused(checked.code, checked.message, checked.reason)
                        screen.answer(_frame(outcome, message.id))
                        continue
                    command = checked
                outcome = await room.submit(
                    command, actor, command_id=message.id, token_id=token.token_id
                )
                screen.answer(_frame(outcome, message.id))
            elif isinstance(message, Ping):
                screen.answer(messages.pong(message.t, hub.clock()))
            elif isinstance(message, Sync):
                screen.resync()
            else:
                raise ProtocolError("invalid_message", "hello was already received")
        except ProtocolError as refused:
            hub.metrics.frame_refused(refused.code)
            # Being told to slow down is not misbehaviour; only refused frames count.
            if refused.code != "rate_limited":
                errors += 1
            ref = messages.command_ref(frame) if isinstance(frame, bytes) else None
            screen.answer(messages.error(refused.code, refused.message, ref, reason=refused.reason))
            if errors > limits.max_errors:
                return Close.TOO_MANY_ERRORS
        except Exception:
            # Never let one client's frame take the connection's handler down silently, and
            # never tell the client more than that something went wrong.
            log.exception("room %s: unexpected failure handling a frame", room.name)
            ref = messages.command_ref(frame) if isinstance(frame, bytes) else None
            screen.answer(messages.error("internal", "internal error", ref))


def _frame(outcome: Outcome, command_id: str) -> bytes:
    """The ack or error frame telling the client what became of its command."""
    if isinstance(outcome, Accepted):
        return messages.ack(command_id, outcome.seq, duplicate=outcome.duplicate)
    return messages.error(outcome.code, outcome.message, command_id, reason=outcome.reason)
