"""The record's costs: `congress verify` on a day's log, and what the hash chain adds to an append.

A day's log (20,000 records by default: page turns, speeches, announcements, check-ins, a
signed checkpoint at each item's end) is written into a fresh SQLite file, then checked by
the real `congress verify` command in a process of its own, timed from outside. The
append cost is measured on the same machine: the chain's own work per record (the
SHA-256 and the previous hash's lookup), and a synced append through the backend against
the same insert without the chain. With `--redis`, the same day is also appended to a
redis-server of the benchmark's own and checked there (`congress verify --redis URL`).

    .venv/bin/python -m bench.record                  # 20,000 records
    .venv/bin/python -m bench.record --redis          # and the same log on Redis
    .venv/bin/python -m bench.record --records 500    # a quick run
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.servers import start_redis
from session_server.backends.base import LogRecord, chained, encode_record
from session_server.backends.redis import RedisBackend
from session_server.backends.sqlite import SQLiteBackend
from session_server.core import events as e
from session_server.core.state import RequestKind, RoomState, SessionStatus
from session_server.record import chain
from session_server.record.checkpoints import ITEM_CLOSED, seal
from session_server.record.keys import Signer, generate

ROOM = "bench-record"
TARGET_SECONDS = 10.0
ITEM_EVERY = 1000
"""Records per agenda item: its end is a signed checkpoint."""


def day(records: int, signer: Signer) -> list[LogRecord]:
    """A day's records, `records` of them, each as the writer would have appended it."""
    out: list[LogRecord] = []
    at = itertools.count(1_764_576_000_000, 1_700)
    prev = chain.genesis(ROOM)
    keys: frozenset[str] = frozenset()
    kinds = itertools.cycle(range(6))

    def add(events: tuple[e.Event, ...], actor: str = "presidium:tk-bench") -> None:
        nonlocal prev
        seq = len(out) + 1
        record = LogRecord(seq, next(at), events, actor, origin=f"tk-bench:{seq}")
        ((_, prev),) = chained(ROOM, prev, [record])
        out.append(record)

    add((e.RoomCreated(title="Đại hội đại biểu lần thứ XVIII"),), "system")
    add((e.SessionStatusChanged(status=SessionStatus.IN_SESSION, at=next(at)),))
    item = 0
    while len(out) < records:
        if len(out) % ITEM_EVERY == 0:
            add((e.ItemClosed(item_id=f"item-{item}"), e.ItemOpened(item_id=f"item-{item + 1}")))
            item += 1
            state = RoomState(room=ROOM, seq=len(out), signing_keys=keys)
            events = seal(state, (e.CheckpointRecorded(ITEM_CLOSED, len(out)),), prev, signer)
            keys = keys | {signer.key_id}
            add(events, "system")
            continue
        kind = next(kinds)
        n = len(out)
        if kind in (0, 1, 2):
            add((e.PageShown(document_id="bao-cao-chinh-tri", page=n % 120 + 1),))
        elif kind == 3:
            delegate = f"DB{n % 500:03d}"
            add(
                (e.FloorGranted(f"item-{item}", delegate, RequestKind.SPEECH, next(at), 420),),
            )
        elif kind == 4:
            add((e.SpeechEnded(item_id=f"item-{item}", at=next(at)),))
        else:
            text = f"Thông báo số {n}: đề nghị các đồng chí đại biểu về chỗ ngồi."
            add((e.AnnouncementPosted(f"ann-{n}", text, next(at), next(at) + 600_000),))
    return out[:records]


async def write(path: Path, records: list[LogRecord]) -> None:
    backend = await SQLiteBackend.open(path)
    try:
        for start in range(0, len(records), 2000):
            await backend.append_many(ROOM, records[start : start + 2000])
    finally:
        await backend.close()


async def on_redis(
    directory: Path, records: list[LogRecord], key: Path
) -> tuple[float, float, str, int]:
    """The day appended to a redis-server of its own, then `congress verify --redis` on it."""
    server = await start_redis(directory / "redis", directory / "redis.log")
    url = f"redis://127.0.0.1:{server.port}/0"
    try:
        backend = await RedisBackend.open(url)
        try:
            for start in range(0, len(records), 2000):
                await backend.append_many(ROOM, records[start : start + 2000])
        finally:
            await backend.close()
        return await asyncio.to_thread(verify_seconds, ["--redis", url], key)
    finally:
        await server.stop()


def verify_seconds(target: list[str], key: Path) -> tuple[float, float, str, int]:
    """The command's wall time, its CPU time (steadier on a shared machine), output, status."""
    cpu_before = _children_cpu()
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "session_server.cli", "verify", *target, "--public-key", str(key)],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    return wall, _children_cpu() - cpu_before, run.stdout + run.stderr, run.returncode


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def chain_cpu_us(records: list[LogRecord]) -> float:
    """The chain's own work per record: the SHA-256 over the encoded body."""
    bodies = [encode_record(r) for r in records]
    prev = chain.genesis(ROOM)
    started = time.perf_counter()
    for seq, body in enumerate(bodies, start=1):
        prev = chain.link(prev, seq, body)
    return (time.perf_counter() - started) / len(bodies) * 1e6


async def append_ms(directory: Path, records: list[LogRecord]) -> tuple[float, float]:
    """A synced append per record, through the backend (chained) and without the chain.

    The two logs are appended to in turn, record by record, so the disk's moods (the
    machine is shared) fall on both alike.
    """
    chained_log = await SQLiteBackend.open(directory / "chained.db")
    plain_log = await SQLiteBackend.open(directory / "plain.db")
    db = plain_log.db

    def insert(record: LogRecord, body: bytes) -> None:
        # What an append did before the chain: the seq check and the insert, synced; no
        # previous hash looked up, no SHA-256.
        db.execute("BEGIN IMMEDIATE")
        row = db.execute("SELECT MAX(seq) FROM log WHERE room = ?", (ROOM,)).fetchone()
        assert int(row[0] or 0) == record.seq - 1
        db.execute(
            "INSERT INTO log (room, seq, at, origin, body) VALUES (?, ?, ?, ?, ?)",
            (ROOM, record.seq, record.at, record.origin, body),
        )
        db.execute("COMMIT")

    with_chain = without = 0.0
    try:
        for record in records:
            started = time.perf_counter()
            await chained_log.append(ROOM, record.seq, record)
            with_chain += time.perf_counter() - started
            started = time.perf_counter()
            await plain_log._run(insert, record, encode_record(record))
            without += time.perf_counter() - started
    finally:
        await chained_log.close()
        await plain_log.close()
    return with_chain / len(records) * 1e3, without / len(records) * 1e3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.record", description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000, help="records in the day's log")
    parser.add_argument(
        "--appends", type=int, default=300, help="synced appends timed, each way (%(default)s)"
    )
    parser.add_argument(
        "--redis",
        action="store_true",
        help="also append the day to a redis-server of its own and verify it there",
    )
    args = parser.parse_args(argv)
    on_redis_run: tuple[float, float, str, int] | None = None
    with tempfile.TemporaryDirectory(prefix="bench-record-") as scratch:
        directory = Path(scratch)
        key = directory / "signing-key.pem"
        signer = generate(key)
        records = day(args.records, signer)
        asyncio.run(write(directory / "congress.db", records))
        seconds, cpu, printed, code = verify_seconds([str(directory / "congress.db")], key)
        if args.redis:
            on_redis_run = asyncio.run(on_redis(directory, records, key))
        hash_us = chain_cpu_us(records)
        with_chain, without = asyncio.run(append_ms(directory, records[: args.appends]))
    print(printed.rstrip())
    _report("verify", len(records), seconds, cpu, code)
    if on_redis_run is not None:
        r_seconds, r_cpu, r_printed, r_code = on_redis_run
        print(r_printed.rstrip())
        _report("verify --redis", len(records), r_seconds, r_cpu, r_code)
        code = code or r_code
    print(f"chain: {hash_us:.1f} us of SHA-256 per record")
    print(
        f"append (SQLite, synced): {with_chain:.2f} ms a record with the chain, "
        f"{without:.2f} ms without ({with_chain - without:+.2f} ms)"
    )
    return 0 if code == 0 else 1


def _report(what: str, records: int, seconds: float, cpu: float, code: int) -> None:
    met = "met" if code == 0 and seconds < TARGET_SECONDS else "NOT met"
    print(
        f"{what}: {records} records in {seconds:.2f} s, the command's whole run "
        f"({cpu:.2f} s of CPU; target under {TARGET_SECONDS:.0f} s: {met})"
    )


if __name__ == "__main__":
    raise SystemExit(main())
