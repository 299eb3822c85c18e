"""`congress verify`: check a log's hash chain and signed checkpoints, with no hub running."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ..backends.base import BackendError
from ..record.keys import KeyFileError, key_id, load_public
from ..record.sources import Logs, UnreadableSource, read_backend, read_only_url, read_path
from ..record.verify import RoomReport, verify_room


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    verify = commands.add_parser(
        "verify",
        help="recompute every hash and signature of a data directory, a backup, an export "
        "or a Redis log (--redis URL); names the first record that does not match",
    )
    verify.add_argument(
        "path",
        type=Path,
        nargs="?",
        metavar="PATH",
        help="a data directory, a `congress backup` file or a `congress export` archive",
    )
    verify.add_argument("--redis", metavar="URL", help="read the log from this Redis instead")
    verify.add_argument(
        "--public-key",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="trust only this key (the operator's key file or its .pub); repeatable",
    )
    verify.add_argument(
        "--expect",
        action="append",
        default=[],
        metavar="FINGERPRINT",
        help="a checkpoint fingerprint printed in the minutes or read off a screen: the log "
        "must hold a checkpoint with it (repeatable)",
    )


def run(args: argparse.Namespace) -> int:
    if (args.path is None) == (args.redis is None):
        print("congress: verify takes a PATH or --redis URL (one of them)", file=sys.stderr)
        return 2
    try:
        given = _given_keys(args.public_key)
        started = time.perf_counter()
        problems: list[str] = []
        if args.redis is not None:
            logs = asyncio.run(_read_redis(args.redis))
            where = "Redis"
        else:
            logs, problems = read_path(args.path)
            where = str(args.path)
    except (KeyFileError, UnreadableSource, BackendError, ValueError) as error:
        print(f"congress: {error}", file=sys.stderr)
        return 2
    reports = [verify_room(room, records, given) for room, records in sorted(logs.items())]
    seconds = time.perf_counter() - started
    return _print(where, reports, problems, args.expect, seconds)


def _given_keys(paths: list[Path]) -> dict[str, Ed25519PublicKey] | None:
    if not paths:
        return None
    keys = [load_public(path) for path in paths]
    return {key_id(key): key for key in keys}


async def _read_redis(url: str) -> Logs:
    from ..backends.redis import RedisBackend

    backend = await RedisBackend.open(read_only_url(url))
    try:
        return await read_backend(backend)
    finally:
        await backend.close()


def _normal(fingerprint: str) -> str:
    return "".join(fingerprint.split()).upper()


def _print(
    where: str, reports: list[RoomReport], problems: list[str], expect: list[str], seconds: float
) -> int:
    failed = bool(problems)
    for problem in problems:
        print(f"FAIL {problem}")
    for report in reports:
        if report.problem is not None:
            failed = True
            print(f"FAIL {report.problem}")
            continue
        line = (
            f"OK   room {report.room!r}: {report.records} records, {report.checkpoints} checkpoints"
        )
        if report.last_fingerprint is not None:
            after = report.records - report.last_checkpoint_head
            line += (
                f", last checkpoint {report.last_fingerprint} over seq "
                f"{report.last_checkpoint_head} ({after} records after it, not yet signed)"
            )
        if report.unhashed:
            line += f"; {report.unhashed} records older than the chain"
        print(line)
    found = {_normal(f) for r in reports for f in r.fingerprints}
    for fingerprint in expect:
        if _normal(fingerprint) not in found:
            failed = True
            print(f"FAIL no checkpoint has the fingerprint {fingerprint!r}")
    if not reports:
        print(f"FAIL {where}: no room's log")
        failed = True
    total = sum(r.records for r in reports)
    print(
        f"{'FAILED' if failed else 'VERIFIED'}: {where}, {len(reports)} rooms, {total} records "
        f"in {seconds:.2f} s"
    )
    return 1 if failed else 0
