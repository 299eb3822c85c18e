"""Screens that lag: one stops reading after its snapshot, one reads 10 frames a second."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import msgpack
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

from bench.screens import CONNECT_TIMEOUT

STALLED_RCVBUF = 4096
"""The stalled screen's receive buffer, bytes: small, so the hub's side fills sooner."""
SLOW_RATE = 10.0
"""Frames a second the slow screen reads."""
DRAIN_SECONDS = 5.0
"""How long the stalled screen reads at the end to learn what the hub did with it."""


@dataclass
class LaggardReport:
    kind: str
    events: int = 0
    """Event frames it read (the stalled one: all it finds in its buffers at the end)."""
    missed: int = 0
    """Of the phase's turns, those whose frame (or a snapshot after it) it never read."""
    snapshots: int = 0
    closed_code: int | None = None
    """The close code of the hub's close frame, if one arrived."""
    ended: str = "open"
    """open, closed (a close frame), eof or reset (the TCP connection ended without one)."""
    seconds: float = 0.0
    """From its snapshot to the end of the phase."""
    ended_after: float | None = None
    """The stalled screen: seconds from its snapshot to the hub closing its side of the
    connection (seen in the kernel's socket table, without reading); None if it did not."""
    hub_send_queue_max: int = 0
    """The stalled screen: most bytes seen waiting in the hub's kernel send queue for it."""
    unread_bytes_at_end: int = 0
    """The slow screen: bytes the hub had sent it that it had not read when the phase ended."""
    seqs: list[int] = field(default_factory=list)
    """Seqs of the event frames it read."""
    snapshot_seqs: list[int] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        plain = asdict(self)
        plain.pop("seqs")
        plain.pop("snapshot_seqs")
        return plain


class RawScreen:
    """A screen on a plain socket and websockets' sans-I/O client: it reads only when it chooses."""

    def __init__(self, url: str, hello: bytes, kind: str, rcvbuf: int | None = None) -> None:
        self.uri = parse_uri(url)
        self.hello = hello
        self.protocol = ClientProtocol(self.uri, max_size=None)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            # Before connecting, so the window the peer is offered is small from the start.
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.setblocking(False)
        self.report = LaggardReport(kind)
        self.ready_at = 0.0
        self._loop = asyncio.get_running_loop()

    async def open(self) -> None:
        """Connect, say hello, read until the snapshot (and whatever came in the same reads)."""
        async with asyncio.timeout(CONNECT_TIMEOUT):
            await self._loop.sock_connect(self.sock, (self.uri.host, self.uri.port))
            self.protocol.send_request(self.protocol.connect())
            await self._flush()
            while not self.report.snapshots:
                data = await self._loop.sock_recv(self.sock, 65536)
                if not data:
                    raise ConnectionError("closed before the snapshot")
                await self._feed(data)
        self.ready_at = time.monotonic()

    async def _flush(self) -> None:
        for chunk in self.protocol.data_to_send():
            if chunk:
                await self._loop.sock_sendall(self.sock, chunk)

    async def _feed(self, data: bytes) -> None:
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Response):
                if self.protocol.handshake_exc is not None:
                    raise self.protocol.handshake_exc
                self.protocol.send_binary(self.hello)
            elif isinstance(event, Frame):
                if event.opcode is Opcode.BINARY:
                    message = msgpack.unpackb(bytes(event.data))
                    if message.get("type") == "event":
                        self.report.events += 1
                        self.report.seqs.append(int(message["seq"]))
                    elif message.get("type") == "snapshot":
                        self.report.snapshots += 1
                        self.report.snapshot_seqs.append(int(message["seq"]))
                elif event.opcode is Opcode.CLOSE and self.protocol.close_rcvd is not None:
                    self.report.closed_code = self.protocol.close_rcvd.code
                    self.report.ended = "closed"
        # Pongs to the hub's pings, and the reply to its close: what a real client sends.
        with contextlib.suppress(OSError):
            await self._flush()

    def finish(self, measured: list[int]) -> LaggardReport:
        """What it read of the phase's turns; a snapshot counts for the turns before it."""
        self.report.seconds = time.monotonic() - self.ready_at
        covered = max(self.report.snapshot_seqs, default=0)
        got = set(self.report.seqs)
        self.report.missed = sum(1 for seq in measured if seq not in got and seq > covered)
        return self.report

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


# The kernel's sock_diag interface (linux/inet_diag.h), asked for one socket by its
# addresses: what `ss` reads, in O(1). Scanning /proc/net/tcp instead walks every socket
# (some 20 ms of the kernel's time and of this process's GIL at 8,000 sockets, twice a
# second), which weighed on the very turns the laggards' phase times.
_NETLINK_SOCK_DIAG = 4
_SOCK_DIAG_BY_FAMILY = 20
_NLM_F_REQUEST = 1
_NLMSG_ERROR = 2
_INET_DIAG_NOCOOKIE = 0xFFFFFFFF
_NLMSG = struct.Struct("=IHHII")
_REQUEST = struct.Struct("=BBBxI2H16s16sI2I")
_LOCALHOST = socket.inet_aton("127.0.0.1") + bytes(12)
_ANSWER = struct.Struct("=4x2H44xIIIII")
"""inet_diag_msg after the netlink header: the ports of the socket id, then expires,
rqueue, wqueue, uid and inode."""


def hub_side(server_port: int, client_port: int) -> tuple[int, int] | None:
    """The hub's end of one connection, from the kernel: (socket inode, bytes in its send
    queue); None when the kernel no longer has it. Inode 0: the hub closed its descriptor
    (the kernel may still hold the socket, with data the peer has not read)."""
    request = _REQUEST.pack(
        socket.AF_INET,
        socket.IPPROTO_TCP,
        0,
        0xFFFFFFFF,  # any state
        socket.htons(server_port),
        socket.htons(client_port),
        _LOCALHOST,
        _LOCALHOST,
        0,
        _INET_DIAG_NOCOOKIE,
        _INET_DIAG_NOCOOKIE,
    )
    header = _NLMSG.pack(_NLMSG.size + len(request), _SOCK_DIAG_BY_FAMILY, _NLM_F_REQUEST, 1, 0)
    with socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, _NETLINK_SOCK_DIAG) as diag:
        diag.sendall(header + request)
        answer = diag.recv(8192)
    _, kind, _, _, _ = _NLMSG.unpack_from(answer)
    if kind == _NLMSG_ERROR:
        return None  # ENOENT: no such socket now
    _, remote, _, _, wqueue, _, inode = _ANSWER.unpack_from(answer, _NLMSG.size)
    if remote != socket.htons(client_port):
        return None  # the lookup falls back to the listening socket
    return inode, wqueue


class StalledScreen(RawScreen):
    """Reads its snapshot, then nothing until the phase ends; then it reads what is left."""

    def __init__(self, url: str, hello: bytes) -> None:
        super().__init__(url, hello, "stalled", STALLED_RCVBUF)
        self._watcher: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._watcher = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        """When the hub lets go of it, seen from the kernel's table: no byte is read.

        Its close frame, if any, waits behind the frames this screen never read, and the
        hub's side of the connection outlives its descriptor for the same reason.
        """
        port = int(self.sock.getsockname()[1])
        while True:
            await asyncio.sleep(0.5)
            side = hub_side(int(self.uri.port), port)
            if side is not None:
                self.report.hub_send_queue_max = max(self.report.hub_send_queue_max, side[1])
            if side is None or side[0] == 0:
                self.report.ended_after = time.monotonic() - self.ready_at
                return

    async def drain(self) -> None:
        """Read all the kernel kept for it, to learn what the hub did: frames, a close, a reset."""
        if self._watcher is not None:
            self._watcher.cancel()
        deadline = time.monotonic() + DRAIN_SECONDS
        while time.monotonic() < deadline and self.report.ended == "open":
            try:
                async with asyncio.timeout(min(0.5, max(0.01, deadline - time.monotonic()))):
                    data = await self._loop.sock_recv(self.sock, 65536)
            except TimeoutError:
                return  # nothing more is coming: the hub has not closed it
            except ConnectionResetError:
                self.report.ended = "reset"
                return
            if not data:
                if self.report.ended == "open":
                    self.report.ended = "eof"
                return
            await self._feed(data)


class SlowScreen(RawScreen):
    """Reads one frame every 1/SLOW_RATE seconds, answering pings as a real client would."""

    def __init__(self, url: str, hello: bytes) -> None:
        super().__init__(url, hello, "slow")
        self._reader: asyncio.Task[None] | None = None
        self._pending = bytearray()

    def start(self) -> None:
        self._reader = asyncio.create_task(self._read_slowly())

    async def _exactly(self, size: int) -> bytes:
        while len(self._pending) < size:
            data = await self._loop.sock_recv(self.sock, 65536)
            if not data:
                raise EOFError
            self._pending += data
        chunk = bytes(self._pending[:size])
        del self._pending[:size]
        return chunk

    async def _next_frame(self) -> bytes:
        # Server frames are not masked: a 2-byte header, then a 16- or 64-bit length if large.
        head = await self._exactly(2)
        length = head[1] & 0x7F
        extra = b""
        if length == 126:
            extra = await self._exactly(2)
            length = int.from_bytes(extra, "big")
        elif length == 127:
            extra = await self._exactly(8)
            length = int.from_bytes(extra, "big")
        return head + extra + await self._exactly(length)

    async def _read_slowly(self) -> None:
        try:
            while self.report.ended == "open":
                await self._feed(await self._next_frame())
                await asyncio.sleep(1 / SLOW_RATE)
        except (EOFError, ConnectionResetError):
            self.report.ended = "eof" if self.report.ended == "open" else self.report.ended

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        # Whole frames already read but not yet handed over, and what waits in the kernel.
        self.report.unread_bytes_at_end = len(self._pending)
        with contextlib.suppress(OSError, TimeoutError):
            async with asyncio.timeout(0.2):
                self.report.unread_bytes_at_end += len(
                    await self._loop.sock_recv(self.sock, 1 << 20)
                )
