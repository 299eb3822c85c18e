"""uvicorn's WebSocket protocol, made to parse no more than the hub reads, and to cut off abuse."""

from __future__ import annotations

import logging
from collections.abc import Coroutine
from typing import Any

from uvicorn._types import ASGIReceiveEvent, ASGISendEvent
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from ..protocol.codes import Close

ABORTED_CLOSES = frozenset({Close.TOO_MANY_ERRORS, Close.FLOODING})
"""Closes after which the hub stops reading at once, once its close frame is written."""

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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._unparsed = bytearray()

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
        message = await super().receive()
        self._feed()
        return message

    def send(self, message: ASGISendEvent) -> Coroutine[Any, Any, None]:
        # Not a coroutine of its own: every frame of every broadcast passes here, and only
        # a close needs more than uvicorn's own send.
        if message["type"] == "websocket.close" and message.get("code") in ABORTED_CLOSES:
            return self._send_and_abort(message)
        return super().send(message)

    async def _send_and_abort(self, message: ASGISendEvent) -> None:
        await super().send(message)
        if not self.transport.is_closing():
            self._unparsed.clear()
            self.transport.close()
