"""The Python control client: connect, resume, send commands and await acks, follow the state."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import secrets
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import msgpack
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

PROTOCOL_VERSION = 2


class CommandRefused(Exception):
    """The hub answered a command with an error frame; `reason` is set for a rule's refusal."""

    def __init__(self, code: str, message: str, reason: str | None = None) -> None:
        super().__init__(f"{code}: {message}" + (f" ({reason})" if reason else ""))
        self.code = code
        self.message = message
        self.reason = reason


class ConnectionRefused(Exception):
    """The hub closed the connection before welcoming it (bad token, room, hello)."""

    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f"closed with {code}: {reason}")
        self.code = code
        self.reason = reason


@dataclass
class Ack:
    id: str
    seq: int
    duplicate: bool


def rebuild(sections: dict[str, Any], frame: dict[str, Any]) -> dict[str, Any]:
    """The view after an event frame (docs/protocol.md, `event`): the sections in `set`
    replaced whole, then each `edit` applied in order.

    Every map and list an edit reaches is copied first, so no earlier frame (nor a view
    handed out before) changes under its holder.
    """
    view = {**sections, **frame["set"]}
    for edit in frame["edit"]:
        *outer, last = edit["path"]
        parent = view
        for key in outer:
            parent[key] = dict(parent[key])
            parent = parent[key]
        op = edit["op"]
        if op == "set":
            parent[last] = edit["value"]
        elif op == "append":
            parent[last] = [*parent[last], *edit["items"]]
        elif op == "splice":
            items = list(parent[last])
            at = edit["at"]
            items[at : at + edit["remove"]] = edit["insert"]
            parent[last] = items
        else:
            raise ValueError(f"unknown edit op {op!r}")
    return view


@dataclass
class View:
    """The room as this client sees it: rebuilt from the snapshot by each event."""

    seq: int = 0
    sections: dict[str, Any] = field(default_factory=dict)
    you: dict[str, Any] | None = None

    def __getitem__(self, name: str) -> Any:
        return self.sections.get(name)


class CongressClient:
    """One screen's connection. `frames` keeps every decoded frame received, for inspection.

    Events are applied in seq order. An event whose `prev` is newer than the last seq seen
    means a frame was missed, and the client asks for a snapshot (`sync`).
    """

    def __init__(
        self,
        url: str,
        token: str,
        room: str,
        *,
        origin: str | None = None,
        record_frames: bool = True,
        on_frame: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.url = url
        self.token = token
        self.room = room
        self.origin = origin
        self.record_frames = record_frames
        self.on_frame = on_frame
        self.view = View()
        self.frames: list[dict[str, Any]] = []
        self.welcome: dict[str, Any] = {}
        self.clock_offset_ms = 0.0
        self.gaps = 0
        self._syncing = False
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._changed = asyncio.Condition()
        self._ids = (f"{secrets.token_hex(4)}-{n}" for n in itertools.count(1))
        self.closed: ConnectionClosed | None = None

    async def connect(self, *, resume: bool = True, timeout: float = 10.0) -> None:
        """Open the socket, say hello (resuming from the last seq seen), await the welcome."""
        headers = {"Origin": self.origin} if self.origin else None
        self._ws = await connect(
            self.url,
            additional_headers=headers,
            max_size=None,
            compression=None,
            open_timeout=timeout,
        )
        self.closed = None
        # A sync left unanswered by the last connection is never answered now: the hello's
        # catch-up replaces it, and its events must be applied, not waited past.
        self._syncing = False
        hello: dict[str, Any] = {
            "type": "hello",
            "v": PROTOCOL_VERSION,
            "token": self.token,
            "room": self.room,
            "last_seq": self.view.seq if resume and self.view.seq else None,
            "client": "presidium_console.client",
        }
        sent_at = time.time() * 1000
        await self._ws.send(msgpack.packb(hello))
        try:
            async with asyncio.timeout(timeout):
                first = msgpack.unpackb(await self._ws.recv(decode=False), raw=False)
        except ConnectionClosed as closed:
            rcvd = closed.rcvd
            raise ConnectionRefused(
                rcvd.code if rcvd else None, rcvd.reason if rcvd else ""
            ) from None
        if first.get("type") != "welcome":
            raise ConnectionRefused(None, f"expected welcome, got {first.get('type')}")
        received_at = time.time() * 1000
        self.welcome = first
        # The server's clock read the instant halfway through the round trip.
        self.clock_offset_ms = first["server_time"] - (sent_at + received_at) / 2
        self._record(first)
        self._reader = asyncio.create_task(self._read())

    def server_now_ms(self) -> float:
        return time.time() * 1000 + self.clock_offset_ms

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    async def send_raw(self, frame: bytes | str) -> None:
        """Send any frame as it is, for tests of how the hub treats bad input."""
        assert self._ws is not None
        await self._ws.send(frame)

    async def send(self, message: dict[str, Any]) -> None:
        await self.send_raw(msgpack.packb(message))

    async def command(
        self, name: str, *, command_id: str | None = None, timeout: float = 10.0, **args: Any
    ) -> Ack:
        """Send a command and wait for its ack; `CommandRefused` if the hub says no."""
        command_id = command_id or next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[command_id] = future
        try:
            await self.send({"type": "command", "id": command_id, "name": name, "args": args})
            async with asyncio.timeout(timeout):
                answer = await future
        finally:
            self._pending.pop(command_id, None)
        if answer["type"] == "error":
            raise CommandRefused(answer["code"], answer["message"], answer.get("reason"))
        return Ack(id=answer["id"], seq=answer["seq"], duplicate=answer["duplicate"])

    async def wait_for(self, predicate: Callable[[View], bool], timeout: float = 10.0) -> View:
        """Wait until the view satisfies `predicate`."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: predicate(self.view))
        return self.view

    async def updates(self) -> AsyncIterator[View]:
        """The view after each change, as it comes, until the connection closes.

        A screen wants the latest state: changes that arrive while the caller is busy are
        folded into the next view it gets, never queued up behind it.
        """
        seen = -1

        def moved_on() -> bool:
            return self.view.seq != seen or self.closed is not None

        while True:
            async with self._changed:
                await self._changed.wait_for(moved_on)
                if self.view.seq == seen:
                    return
                seen = self.view.seq
            yield self.view

    async def wait_frames(
        self, predicate: Callable[[list[dict[str, Any]]], bool], timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """Wait until the frames received so far satisfy `predicate`."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: predicate(self.frames))
        return self.frames

    async def wait_closed(self, timeout: float = 10.0) -> ConnectionClosed:
        assert self._reader is not None
        async with asyncio.timeout(timeout):
            await asyncio.shield(self._reader)
        assert self.closed is not None
        return self.closed

    def _record(self, frame: dict[str, Any]) -> None:
        if self.record_frames:
            self.frames.append(frame)
        if self.on_frame is not None:
            self.on_frame(frame)

    async def _read(self) -> None:
        assert self._ws is not None
        try:
            async for raw in self._ws:
                if isinstance(raw, str):
                    continue
                frame = msgpack.unpackb(raw, raw=False)
                self._record(frame)
                await self._handle(frame)
                async with self._changed:
                    self._changed.notify_all()
            # The iterator ends quietly on a normal close; keep what was exchanged anyway.
            self.closed = self._ws.protocol.close_exc
        except ConnectionClosed as closed:
            self.closed = closed
        finally:
            if self.closed is None:
                self.closed = ConnectionClosed(None, None)
            async with self._changed:
                self._changed.notify_all()

    async def _handle(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind in ("ack", "error") and frame.get("id") in self._pending:
            future = self._pending[frame["id"]]
            if not future.done():
                future.set_result(frame)
            return
        if kind == "snapshot":
            self._syncing = False
            self.view.seq = frame["seq"]
            self.view.sections = dict(frame["state"])
        elif kind == "event":
            if frame["seq"] <= self.view.seq or self._syncing:
                return  # already applied, or the snapshot on its way will hold it
            if frame["prev"] > self.view.seq:
                # A frame between the last one seen and this one never arrived.
                self.gaps += 1
                self._syncing = True
                await self.send({"type": "sync"})
                return
            self.view.sections = rebuild(self.view.sections, frame)
            self.view.seq = frame["seq"]
        elif kind == "you":
            self.view.you = frame["you"]
