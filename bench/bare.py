"""The floor: a bare uvloop relay that frames each turn once and writes it to every socket."""

from __future__ import annotations

import asyncio
import signal
from typing import cast

import msgpack
from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import State
from websockets.server import ServerProtocol

from bench.baseline import ACK, SNAPSHOT, WELCOME

MAX_SIZE = 64 * 1024


def framed(payload: bytes) -> bytes:
    """A whole unmasked binary frame: what every screen is sent, built once per turn."""
    return Frame(Opcode.BINARY, payload).serialize(mask=False)


class Relay:
    """The screens, and the one frame a turn handed to each socket's transport."""

    def __init__(self) -> None:
        self.screens: set[asyncio.Transport] = set()
        self.welcome = framed(WELCOME) + framed(SNAPSHOT)
        self.ack = framed(ACK)

    def broadcast(self, payload: bytes) -> None:
        frame = framed(payload)
        for transport in self.screens:
            transport.write(frame)


class Connection(asyncio.Protocol):
    """websockets' sans-I/O protocol for the handshake and what a client sends; no task."""

    def __init__(self, relay: Relay) -> None:
        self.relay = relay
        self.protocol = ServerProtocol(max_size=MAX_SIZE)
        self.transport: asyncio.Transport | None = None
        self.role: str | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, though they behave as one.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Request):
                self.protocol.send_response(self.protocol.accept(event))
            elif isinstance(event, Frame) and event.opcode is Opcode.BINARY:
                self._message(bytes(event.data))
        self._flush()

    def _message(self, data: bytes) -> None:
        assert self.transport is not None
        if self.role is None:
            hello = msgpack.unpackb(data)
            if isinstance(hello, dict) and hello.get("type") == "control":
                self.role = "control"
            else:
                self.role = "screen"
                self.transport.write(self.relay.welcome)
                self.relay.screens.add(self.transport)
        elif self.role == "control":
            self.relay.broadcast(data)
            self.transport.write(self.relay.ack)

    def _flush(self) -> None:
        assert self.transport is not None
        for chunk in self.protocol.data_to_send():
            if chunk:
                self.transport.write(chunk)
            else:
                self.transport.close()
        if self.protocol.state is State.CLOSED:
            self.transport.close()

    def eof_received(self) -> bool | None:
        self.protocol.receive_eof()
        self._flush()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is not None:
            self.relay.screens.discard(self.transport)


async def serve(port: int) -> None:
    relay = Relay()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    server = await loop.create_server(
        lambda: Connection(relay), "127.0.0.1", port, backlog=2048, reuse_address=True
    )
    async with server:
        print("ready", flush=True)
        await stop.wait()
