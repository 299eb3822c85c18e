"""`serve`'s start-up: waits for the log (a Redis not up yet), then loads the demo as before."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from ..backends.base import Backend, BackendUnavailable
from .common import Action, with_backend

RETRY_SECONDS = 1.0
"""Seconds between two attempts to reach the log: the hub starts within this of its return."""
FIRST_NOTE_SECONDS = 10.0
"""Seconds after the first line before "still waiting" is said, then growing ..."""
LONGEST_NOTE_SECONDS = 30.0
"""... by half each time, to at most this: a long outage does not fill the log."""


def shown_url(url: str | None) -> str:
    """The log's URL as a log line may show it: any password replaced by ***."""
    if not url:
        return "the SQLite file in the data directory"
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user, _, host = parts.netloc.rpartition("@")
    name = user.partition(":")[0]
    return urlunsplit((parts.scheme, f"{name}:***@{host}", parts.path, parts.query, ""))


def _store(url: str | None) -> str:
    return "Redis" if url and url.split(":", 1)[0].startswith(("redis", "unix")) else "the log"


async def _reachable(args: argparse.Namespace, backend: Backend) -> int:
    # Opening a Redis log with ?durability=none sends Redis nothing: ask it something.
    await backend.rooms()
    return 0


async def when_log_answers(
    args: argparse.Namespace,
    action: Action | None,
    *,
    say: Callable[[str], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Run `action` (the demo's loading) once the log answers, however long that takes.

    A node started before its Redis (a whole venue powered on at once) waits rather than
    exits: one line when it starts waiting, then one at growing intervals. It does not
    listen meanwhile (see docs/operations.md), so a proxy or a probe sees it as not ready.
    """
    tell = say or _print
    started: float | None = None
    next_note = 0.0
    gap = FIRST_NOTE_SECONDS
    while True:
        try:
            outcome = await with_backend(args, action or _reachable)
        except BackendUnavailable as error:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                # Ctrl-C cancelled the wait while the log was being tried, and the attempt
                # turned the cancellation into "unreachable" (a connect timeout racing it):
                # stop, rather than wait for ever on a cancellation already spent.
                raise asyncio.CancelledError from error
            now = clock()
            if started is None:
                started = now
                next_note = now + gap
                tell(
                    f"Waiting for {_store(args.backend)} at {shown_url(args.backend)} ({error});"
                    f" the hub starts once it answers, trying every {RETRY_SECONDS:g} s"
                )
            elif now >= next_note:
                gap = min(gap * 1.5, LONGEST_NOTE_SECONDS)
                next_note = now + gap
                tell(
                    f"Still waiting for {_store(args.backend)} at {shown_url(args.backend)}"
                    f" after {now - started:.0f} s ({error})"
                )
            await asyncio.sleep(RETRY_SECONDS)
            continue
        if started is not None:
            waited = clock() - started
            tell(f"{_store(args.backend).capitalize()} answers after {waited:.0f} s; starting")
        return outcome


def _print(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
