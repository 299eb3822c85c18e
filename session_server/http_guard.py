"""HTTP requests checked before any endpoint: same-origin proof for changes, bounded bodies."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import h11
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from .protocol.codes import HttpErrorCode

REQUEST_HEADER = "x-congress-request"
"""Set by the hub's own pages and clients on every request that changes something.

A form on another page cannot set a header, and a `no-cors` fetch may not set this one;
a `cors` fetch that sets it needs a preflight that the hub never answers. So a change
carrying it was sent by a script the hub served, or by a program, never by a page a
signed-in browser merely visited.
"""

# The pages load only this hub's own scripts, styles, images and socket; nothing a room
# holds (an announcement, a title) can run as code, and no other site may frame a screen.
CONTENT_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
_SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    # A delegate's link carries the token in the fragment, which is never sent; no
    # referrer is sent either, so the page's own address stays on the tablet.
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    # Another site (or another port of this host) may not embed a page image or read
    # an answer, even with the browser's cookie.
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
_HSTS = (b"strict-transport-security", b"max-age=31536000")
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SLIGHTLY_TOO_LARGE = 4
"""An upload declared up to this many times the limit, by a staff token, is read through
(and dropped) before its 413, so the console can show why; a larger one is cut off."""
_UPLOAD = re.compile(r"^/api/rooms/[^/]+/documents$")
_CONTRIBUTION = re.compile(r"^/api/rooms/[^/]+/contributions$")
"""A delegate's written contribution: an upload too, of a PDF or a text, read only for a
delegate `may_upload` admits, within `contribution_bytes`."""


@dataclass(frozen=True, kw_only=True)
class HttpLimits:
    """Limits on one HTTP request; docs/limits.md lists each with its default."""

    json_body_bytes: int = 4096
    """Largest body of any request but an upload (a sign-in is about 60 bytes)."""
    body_seconds: float = 10.0
    """Longest a small body may take to arrive, all of it."""
    upload_seconds: float = 300.0
    """Longest an upload's body may take to arrive (50 MiB at about 170 KiB/s)."""
    header_seconds: float = 10.0
    """Longest a connection may take to send a request's headers, from its opening or from
    the end of its previous answer; then it is closed."""


@dataclass(frozen=True, slots=True)
class _Rule:
    limit: int
    seconds: float
    content_type: str | None
    too_large: HttpErrorCode = "too_large"
    also_type: str | None = None
    """A second content type taken (a contribution's text beside its PDF)."""


class RequestGuard:
    """ASGI middleware in front of every HTTP route (the screens' socket goes around it).

    A change (any method but GET, HEAD, OPTIONS) must carry `REQUEST_HEADER` and must not
    come from another site or origin (`Sec-Fetch-Site`, `Origin`). A body is bounded
    before it is read: the declared length first, then the bytes as they arrive, and in
    time; an upload's body is read only for a caller `may_upload` admits, so no one
    without a staff token can make the hub hold more than a few KiB. Every answer carries
    the security headers.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        limits: HttpLimits,
        upload_bytes: int,
        may_upload: Callable[[Scope], Awaitable[bool]],
        origin_allowed: Callable[[str | None, str | None], bool],
        contribution_bytes: int = 0,
    ) -> None:
        self.app = app
        self.limits = limits
        self.upload_bytes = upload_bytes
        self.may_upload = may_upload
        self.origin_allowed = origin_allowed
        self.contribution_bytes = contribution_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_security_headers(send, https=scope.get("scheme") == "https")
        headers = _headers(scope)
        method: str = scope["method"]
        is_contribution = method == "POST" and _CONTRIBUTION.match(scope["path"]) is not None
        is_upload = is_contribution or (
            method == "POST" and _UPLOAD.match(scope["path"]) is not None
        )
        if method not in _SAFE_METHODS:
            refusal = self._forged(scope, headers)
            if refusal is not None:
                await _refuse(send, 403, "forbidden", refusal)
                return
        rule = self._rule(method, is_upload)
        if is_contribution:
            rule = _Rule(
                self.contribution_bytes,
                self.limits.upload_seconds,
                "application/pdf",
                "file_too_large",
                also_type="text/plain",
            )
        if rule.content_type is not None:
            given = headers.get("content-type", "").split(";", 1)[0].strip().lower()
            if given not in (rule.content_type, rule.also_type):
                wanted = rule.content_type + (f" or {rule.also_type}" if rule.also_type else "")
                await _refuse(send, 415, "bad_request", f"send the body as {wanted}")
                return
        declared = headers.get("content-length")
        if declared is not None and (
            not declared.isascii() or not declared.isdigit() or int(declared) > rule.limit
        ):
            if (
                is_upload
                and declared.isdigit()
                and int(declared) <= SLIGHTLY_TOO_LARGE * rule.limit
                and await self.may_upload(scope)
            ):
                # The presidium picked a file a little over the limit: let its browser
                # finish sending (the bytes are dropped as they come) so that it can read
                # the answer saying why, instead of a connection cut mid-upload.
                with contextlib.suppress(TimeoutError, _Disconnected):
                    await asyncio.wait_for(_discard_body(receive), rule.seconds)
            await _refuse(send, 413, rule.too_large, f"at most {rule.limit} bytes are taken")
            return
        if is_upload and not await self.may_upload(scope):
            # Not read at all: the endpoint answers 401/403 from the headers alone.
            await self.app(scope, _no_body, send)
            return
        try:
            body = await asyncio.wait_for(_read_body(receive, rule.limit), rule.seconds)
        except _TooLarge:
            await _refuse(send, 413, rule.too_large, f"at most {rule.limit} bytes are taken")
            return
        except TimeoutError:
            await _refuse(send, 408, "timeout", "the request's body did not arrive in time")
            return
        except _Disconnected:
            return
        await self.app(scope, _replay(body, receive), send)

    def _rule(self, method: str, is_upload: bool) -> _Rule:
        if is_upload:
            return _Rule(
                self.upload_bytes, self.limits.upload_seconds, "application/pdf", "file_too_large"
            )
        if method == "POST":
            return _Rule(self.limits.json_body_bytes, self.limits.body_seconds, "application/json")
        return _Rule(self.limits.json_body_bytes, self.limits.body_seconds, None)

    def _forged(self, scope: Scope, headers: dict[str, str]) -> str | None:
        """Why this change cannot be the hub's own page or a program, or None."""
        site = headers.get("sec-fetch-site")
        if site is not None and site not in ("same-origin", "none"):
            return "a change must come from the hub's own page"
        origin = headers.get("origin")
        if origin is not None and not self.origin_allowed(origin, headers.get("host")):
            return "a change must come from the hub's own page"
        if headers.get(REQUEST_HEADER) != "1":
            return f"a change must carry the header {REQUEST_HEADER}: 1"
        return None


class _TooLarge(Exception):
    pass


class _Disconnected(Exception):
    pass


def _headers(scope: Scope) -> dict[str, str]:
    # Latin-1 as HTTP defines it: any byte decodes, so no header can raise here.
    return {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}


async def _discard_body(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        if not message.get("more_body", False):
            return


async def _read_body(receive: Receive, limit: int) -> bytes:
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        body += message.get("body", b"")
        if len(body) > limit:
            raise _TooLarge
        if not message.get("more_body", False):
            return bytes(body)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def _with_security_headers(send: Send, *, https: bool) -> Send:
    extra = [*_SECURITY_HEADERS, _HSTS] if https else _SECURITY_HEADERS

    async def guarded(message: Message) -> None:
        if message["type"] == "http.response.start":
            present = {name.lower() for name, _ in message.get("headers", [])}
            message["headers"] = [
                *message.get("headers", []),
                *(header for header in extra if header[0] not in present),
            ]
        await send(message)

    return guarded


async def _refuse(send: Send, status: int, code: HttpErrorCode, message: str) -> None:
    body = json.dumps({"error": code, "message": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                # The rest of a refused body is never read: the connection cannot be reused.
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def protocol_with_header_deadline(seconds: float) -> type[H11Protocol]:
    """uvicorn's HTTP/1.1 protocol, closing a connection whose headers do not arrive in time.

    uvicorn times out only an idle connection between requests, and any byte restarts
    that wait: 300 connections trickling one header byte at a time stayed open for good,
    each holding a file descriptor the hall's screens need.
    """

    class HeaderDeadlineProtocol(H11Protocol):
        _deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)  # type: ignore[arg-type]
            self._arm()

        def data_received(self, data: bytes) -> None:
            waiting = self.cycle
            super().data_received(data)
            if self.cycle is not waiting:
                # A request's headers are complete: its body has deadlines of its own.
                self._disarm()

        def handle_websocket_upgrade(self, event: h11.Request) -> None:
            self._disarm()
            super().handle_websocket_upgrade(event)

        def on_response_complete(self) -> None:
            answered = self.cycle
            super().on_response_complete()
            if self.cycle is answered and not self.transport.is_closing():
                self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._disarm()
            self._deadline = self.loop.call_later(seconds, self._expire)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _expire(self) -> None:
            self._deadline = None
            if not self.transport.is_closing():
                self.transport.close()

    return HeaderDeadlineProtocol
