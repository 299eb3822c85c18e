"""uvicorn's WebSocket protocol, made to parse no more than the hub reads, cut off abuse, and take
the hub's pre-framed broadcasts straight to its transport."""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
from collections.abc import Coroutine
from typing import Any

from uvicorn._types import ASGIReceiveEvent, ASGISendEvent
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.exceptions import InvalidState
from websockets.http11 import Request

from ..protocol.codes import Close
from .beats import Due, wheel
from .light import Flag, Inbox
from .screen import Screen

ABORTED_CLOSES = frozenset({Close.TOO_MANY_ERRORS, Close.FLOODING, Close.SLOW})
"""Closes after which the hub stops reading at once, once its close frame is written."""

SLOW_ABORT_AFTER = 2.0
"""Seconds a slow screen's buffer, close frame last, has to drain before the cut."""

FRAMES_EXTENSION = "congress.frames"
"""The ASGI scope extension holding `{"sink": protocol}` for the hub's screens."""

# uvicorn's own log, where a technician already reads what each connection did.
log = logging.getLogger("uvicorn.error")

PIECE = 4096
"""Bytes handed to the frame parser at a time."""


class HubWebSocketProtocol(WebSocketsSansIOProtocol):
    """Parses a client's bytes only as fast as the hub takes its messages.

    uvicorn pauses reading once a message waits for the application, but parses the
    whole chunk already read first: a flooder's 256 KiB chunk is some 12,000 frames,
    all parsed and queued before the hub has looked at the first. Here bytes are handed
    to the parser a piece at a time, only while no message waits; the rest stays in the
    transport's buffer and the kernel's, where it costs nothing and holds the sender.

    After closing a flooding or misbehaving client it reads nothing more: uvicorn would
    wait up to 10 s for the peer's close reply, reading everything sent meanwhile.
    """

    # uvicorn's protocol sets some forty attributes; past thirty, Python gives each instance
    # a dict of its own (1.6 KB) instead of one sharing the class's keys. Held in slots
    # (which the base class's assignments fill just the same), they cost 8 bytes each.
    __slots__ = (
        "_screen",
        "_unparsed",
        "app",
        "app_state",
        "asgi_version",
        "client",
        "close_sent",
        "close_timeout",
        "close_timer",
        "config",
        "conn",
        "connections",
        "curr_msg_data_type",
        "default_headers",
        "disconnected",
        "frames",
        "handshake_complete",
        "handshake_initiated",
        "initial_response",
        "last_ping_rtt",
        "logger",
        "loop",
        "pending_ping_payload",
        "ping_interval",
        "ping_sent_at",
        "ping_timeout",
        "ping_timer",
        "pong_timer",
        "queue",
        "read_paused",
        "request",
        "response",
        "root_path",
        "scheme",
        "scope",
        "server",
        "tasks",
        "transport",
        "writable",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Lighter than asyncio's Queue and Event, which uvicorn makes per connection: with
        # thousands of screens connected all day, they are most of a socket's memory.
        self.queue = Inbox()  # type: ignore[assignment]
        self.writable = Flag()  # type: ignore[assignment]
        self.writable.set()
        self._unparsed = bytearray()
        self._screen: Screen | None = None

    # ---- the screen's sink: whole frames, shared by an audience, straight to the transport

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        if not self.close_sent:
            # The application runs later, in its own task: it finds the sink in its scope.
            self.scope["extensions"][FRAMES_EXTENSION] = {"sink": self}

    def write_frame(self, frame: bytes) -> None:
        # Nothing may follow a close frame, sent by the hub or by uvicorn (heartbeat).
        if not self.close_sent and not self.transport.is_closing():
            self.transport.write(frame)

    def can_write(self) -> bool:
        return self.writable.is_set() and not self.transport.is_closing()

    def follow(self, screen: Screen) -> None:
        self._screen = screen
        if not self.writable.is_set():
            screen.paused()

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._screen is not None:
            self._screen.paused()

    def resume_writing(self) -> None:
        super().resume_writing()
        if self._screen is not None:
            self._screen.resumed()

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        screen, self._screen = self._screen, None
        if screen is not None:
            screen.lost()

    # ---- reading: no faster than the hub takes messages

    def data_received(self, data: bytes) -> None:
        self._unparsed += data
        self._feed()

    def _feed(self) -> None:
        # Once the hub has sent its close, uvicorn drops further messages itself and only
        # the peer's close reply matters: parse whatever comes, as uvicorn would.
        while (
            self._unparsed
            and (self.queue.empty() or self.close_sent)
            and not self.transport.is_closing()
        ):
            piece = bytes(self._unparsed[:PIECE])
            del self._unparsed[:PIECE]
            super().data_received(piece)
        if (
            self._unparsed
            and not self.close_sent
            and not self.read_paused
            and not self.transport.is_closing()
        ):
            self.read_paused = True
            self.transport.pause_reading()

    def send_receive_event_to_app(self) -> None:
        if self.curr_msg_data_type == "text" and not self.close_sent:
            try:
                b"".join(self.frames).decode()
            except UnicodeDecodeError:
                # uvicorn logs this at ERROR with a traceback; it is only a client's bad
                # frame, answered as the protocol says (1007) and noted in one line.
                self.frames = []
                log.info("%s: a text frame that is not UTF-8; closed with 1007", self.client)
                self.conn.send_close(1007)
                self.handle_parser_exception()
                return
        super().send_receive_event_to_app()

    async def receive(self) -> ASGIReceiveEvent:
        # uvicorn's own receive, not awaited through it: each screen waits here all day,
        # and one coroutine frame fewer is some 200 bytes fewer per screen.
        message = await self.queue.get()
        if self.read_paused and self.queue.empty():
            self.read_paused = False
            self.transport.resume_reading()
        self._feed()
        return message

    def send(self, message: ASGISendEvent) -> Coroutine[Any, Any, None]:
        # Not a coroutine of its own: only the accept and some closes need more than
        # uvicorn's own send.
        if message["type"] == "websocket.close" and message.get("code") in ABORTED_CLOSES:
            return self._send_and_abort(message)
        if message["type"] == "websocket.accept":
            return self._accept(message)
        return super().send(message)

    async def _accept(self, message: ASGISendEvent) -> None:
        await super().send(message)
        # The handshake's headers stay referenced for the connection's whole life (uvicorn's
        # request, response and scope, websockets' suspended parser), and nothing reads them
        # after the accept: some 3 KB per screen, thousands of screens all day. The rest of
        # the scope too (its dicts, the sink's, the addresses: some 1 KB more): uvicorn reads
        # it only before the accept, its logs take the client's address from the protocol,
        # and the hub has read what it needs (origin, sink) by now.
        self.request.headers.clear()
        self.scope["headers"].clear()  # type: ignore[attr-defined]
        kind = self.scope["type"]
        self.scope.clear()  # type: ignore[attr-defined]
        self.scope["type"] = kind
        self.request = self.response = None  # type: ignore[assignment]

    async def _send_and_abort(self, message: ASGISendEvent) -> None:
        assert message["type"] == "websocket.close"
        # close() waits for the buffer to drain; a peer that never reads would hold the
        # socket open until TCP gives up, so the cut follows: soon for a peer that has
        # already stopped reading, after uvicorn's own close timeout for the others.
        stalled = not self.writable.is_set()
        if not stalled or self.close_sent or self.transport.is_closing():
            await super().send(message)
        else:
            # uvicorn's send would wait for a drain that never comes. The close frame
            # goes after what is buffered.
            code = message.get("code", 1000)
            self.queue.put_nowait({"type": "websocket.disconnect", "code": code})
            with contextlib.suppress(InvalidState):
                self.conn.send_close(code, message.get("reason") or "")
                self.transport.write(b"".join(self.conn.data_to_send()))
            self.close_sent = True
        self._unparsed.clear()
        if not self.transport.is_closing():
            self.transport.close()
        self.loop.call_later(SLOW_ABORT_AFTER if stalled else self.close_timeout, self._abort)

    # ---- heartbeats: uvicorn's, with the hub's one timer for all screens (beats.py)

    def schedule_ping(self) -> None:
        assert self.ping_interval is not None
        delay = max(0.0, self.ping_interval - self.last_ping_rtt)
        self.ping_timer = wheel(self.loop).later(delay, self.send_keepalive_ping)  # type: ignore[assignment]

    def send_keepalive_ping(self) -> None:
        super().send_keepalive_ping()
        # uvicorn waits for the pong on an event-loop timer of its own: the wheel's instead.
        timer = self.pong_timer
        if timer is not None and not isinstance(timer, Due):
            timer.cancel()
            assert self.ping_timeout is not None
            self.pong_timer = wheel(self.loop).later(self.ping_timeout, self.keepalive_timeout)  # type: ignore[assignment]

    def keepalive_timeout(self) -> None:
        # uvicorn closes a peer that missed its pong, which waits for the buffer to drain:
        # a peer that reads nothing answers no ping and drains nothing either.
        super().keepalive_timeout()
        if not self.writable.is_set():
            self.loop.call_later(SLOW_ABORT_AFTER, self._abort)

    def _abort(self) -> None:
        if self.disconnected:
            return
        # A reset, not a close: the kernel would otherwise keep the unread bytes and go on
        # offering them to a peer that takes nothing, long after the hub let go.
        raw = self.transport.get_extra_info("socket")
        if raw is not None:
            with contextlib.suppress(OSError):
                raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.transport.abort()
