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
