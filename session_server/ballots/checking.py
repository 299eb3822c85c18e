"""Checking ballots' proofs in worker processes, so the hub's event loop never waits on them.

One ballot of 60 candidates for 53 seats takes about 45 ms of CPU to check
(`python -m bench.ballots`): done inline, 500 of them would hold every screen's page
turns back for seconds. The room's rules still decide everything else, on the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from ..core.decide import Actor, Rejection
from ..core.state import RoomState
from ..core.vote_commands import CastBallot, RecordBallot
from ..core.vote_rules import ballot_to_check
from . import ballot as ballots

CHECKER_NICENESS = 10
"""How much lower than the hub's the checking workers' CPU priority is: on a 2-core node a
burst of ballots otherwise took the cores from the event loop, and page turns reached the
boards 10-19 times later while 500 ballots were checked (bench/voting.py)."""


def _exit_with(hub: int) -> None:
    """In a worker: run below the hub's priority, and exit once the hub that started it is
    gone. A hub killed with SIGKILL runs no shutdown, and its workers (children of the
    forkserver, not of the hub) would otherwise wait for work forever, each holding its
    memory."""
    # Where lowering is not allowed, the checks share the CPU as they did.
    with contextlib.suppress(OSError):
        os.nice(CHECKER_NICENESS)

    def watch() -> None:
        while True:
            time.sleep(1)
            try:
                os.kill(hub, 0)
            except OSError:
                os._exit(0)

    threading.Thread(target=watch, name="hub-watch", daemon=True).start()


def _check(made: ballots.Ballot, key: bytes, seats: int, context: bytes) -> str | None:
    """In a worker: why the ballot is refused, or None."""
    try:
        ballots.check(made, key, seats, context)
    except ballots.BallotError as bad:
        return str(bad)
    return None


class BallotChecker:
    """A pool of worker processes, started at the first ballot, shared by a node's rooms."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or max(1, (os.cpu_count() or 2))
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["session_server.ballots.ballot"])
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=context, initializer=_exit_with, initargs=(os.getpid(),)
            )
        return self._pool

    async def prepare(
        self, state: RoomState, command: CastBallot, actor: Actor
    ) -> CastBallot | RecordBallot | Rejection:
        """The command to submit for a `cast_ballot`: `record_ballot` once its proofs hold.

        A ballot the room would refuse anyway (vote not open, not in the electorate,
        already voted, malformed) is passed on unchanged, and decide refuses it without
        checking a proof; a vote that changed meanwhile is decided on the latest state.
        """
        found = ballot_to_check(state, command.vote_id, command.ballot, actor)
        if found is None:
            return command
        made, key, seats, context = found
        loop = asyncio.get_running_loop()
        job = functools.partial(_check, made, key, seats, context)
        try:
            refused = await loop.run_in_executor(self._executor(), job)
        except BrokenProcessPool:
            # A worker died (killed, out of memory): a new pool, and this ballot checked
            # again, rather than every later ballot failing on the broken one.
            self.close()
            refused = await loop.run_in_executor(self._executor(), job)
        if refused is not None:
            return Rejection("invalid_args", refused, "ballot_invalid")
        return RecordBallot(
            vote_id=command.vote_id,
            choices=tuple(c.to_bytes() for c in made.choices),
            choice_proofs=made.choice_proofs,
            kept_proof=made.kept_proof,
        )

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
