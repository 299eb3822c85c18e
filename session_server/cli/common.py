"""What every `congress` command shares: opening the log, and the room it acts on."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable

from ..backends import open_backend
from ..backends.base import Backend

Action = Callable[[argparse.Namespace, Backend], Awaitable[int]]
"""A command's body: the parsed arguments and the open log in, the exit status out."""


async def with_backend(args: argparse.Namespace, action: Action) -> int:
    backend = await open_backend(args.backend, args.data)
    try:
        return await action(args, backend)
    finally:
        await backend.close()


async def room_exists(args: argparse.Namespace, backend: Backend) -> bool:
    """True when the room has a log; otherwise says so on stderr."""
    if await backend.head(args.room) == 0:
        print(f"congress: no room {args.room!r}", file=sys.stderr)
        return False
    return True


_EVERY_ADDRESS = {"0.0.0.0", "::", ""}


def public_address(args: argparse.Namespace) -> str:
    """Where the screens reach the hub: `--public-url`, else the address it listens on.

    Printed links and the cards' QR codes carry it. Listening on every address, the hub
    cannot tell which one the tablets use: 127.0.0.1 is printed, with a note saying so.
    """
    if args.public_url:
        return str(args.public_url).rstrip("/")
    scheme = "https" if args.certfile is not None else "http"
    host = "127.0.0.1" if args.host in _EVERY_ADDRESS else args.host
    return f"{scheme}://{host}:{args.port}"
