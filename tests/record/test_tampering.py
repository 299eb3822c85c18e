"""`congress verify` on a log someone changed: each change is found and named, on SQLite and Redis.

The log is written by the real writer with a real key; it is then changed the way someone
holding the SQLite file or the Redis server could, and checked by the `congress verify`
command in a process of its own, as an auditor would run it.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as redis

from session_server.backends.base import Backend, StoredRecord
from session_server.backends.redis import RedisBackend
from session_server.backends.sqlite import SQLiteBackend
from session_server.cli import build_parser
from session_server.cli import verify as verify_command
from session_server.record.keys import Signer, generate, public_pem
from tests.record.logs import (
    ROOM,
    RedisStore,
    SQLiteStore,
    checkpoint_seqs,
    flipped,
    forge,
    kinds,
    signed_day,
)
from tests.redis_server import RedisServer


@dataclass
class Log:
    """A signed day in one store, with what `congress verify` needs to read it."""

    target: list[str]
    load: Callable[[], Awaitable[list[StoredRecord]]]
    save: Callable[[list[StoredRecord]], Awaitable[None]]
    key_file: Path
    signer: Signer
    sqlite: SQLiteStore | None = None


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "redis"])
async def log(request: pytest.FixtureRequest, tmp_path: Path) -> Log:
    key_file = tmp_path / "signing-key.pem"
    signer = generate(key_file)
    backend: Backend
    if request.param == "sqlite":
        backend = await SQLiteBackend.open(tmp_path / "data" / "congress.db")
        try:
            await signed_day(backend, signer)
        finally:
            await backend.close()
        store = SQLiteStore(tmp_path / "data" / "congress.db")

        async def load() -> list[StoredRecord]:
            return store.load()

        async def save(records: list[StoredRecord]) -> None:
            store.save(records)

        return Log([str(tmp_path / "data")], load, save, key_file, signer, store)
    server: RedisServer = request.getfixturevalue("redis_server")
    client = redis.Redis.from_url(server.url)
    await client.flushall()
    await client.aclose()
    backend = await RedisBackend.open(server.url)
    try:
        await signed_day(backend, signer)
    finally:
        await backend.close()
    redis_store = RedisStore(server.url)
    return Log(["--redis", server.url], redis_store.load, redis_store.save, key_file, signer)


async def verify(log: Log, *more: str, apart: bool = False) -> tuple[int, str]:
    """`congress verify` on the log: its exit code and what it printed.

    In a process of its own when `apart`, as an auditor runs it; otherwise the same
    parser and command in a thread here, sparing a Python start per case.
    """
    argv = ["verify", *log.target, *more]
    if not apart:
        return await asyncio.to_thread(_verify_here, argv)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "session_server.cli",
        *argv,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode() + err.decode()


def _verify_here(argv: list[str]) -> tuple[int, str]:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        code = verify_command.run(build_parser().parse_args(argv))
    return code, printed.getvalue()


def failure(out: str) -> tuple[int, str]:
    """The seq and the kind of problem `verify` named for the room."""
    found = re.search(rf"FAIL room '{ROOM}', seq (\d+): ([a-z /]+):", out)
    assert found, out
    return int(found.group(1)), found.group(2)


async def test_an_untouched_log_verifies_with_its_checkpoints(log: Log) -> None:
    records = await log.load()
    assert [r.seq for r in records] == list(range(1, len(records) + 1))
    checkpoints = checkpoint_seqs(records)
    code, out = await verify(log, apart=True)
    assert code == 0, out
    # Items 1 and 2 closed, one asked for, the adjournment; the key registered once, first.
    assert len(checkpoints) == 4
    assert kinds(records).count("signing_key_registered") == 1
    assert kinds(records).index("signing_key_registered") < kinds(records).index(
        "checkpoint_recorded"
    )
    assert checkpoints[-1] == records[-1].seq, "the adjournment's checkpoint ends the log"
    code, out = await verify(log)
    assert code == 0, out
    assert f"OK   room '{ROOM}': {len(records)} records, 4 checkpoints" in out
    code, out = await verify(log, "--public-key", str(log.key_file))
    assert code == 0, out
    public = log.key_file.with_name("public.pem")
    public.write_bytes(public_pem(log.signer.public))
    code, out = await verify(log, "--public-key", str(public))
    assert code == 0, out


@pytest.mark.parametrize("part", ["body", "prev", "hash"])
@pytest.mark.parametrize("where", [0, 7, -1])
async def test_one_flipped_byte_is_named(log: Log, part: str, where: int) -> None:
    records = await log.load()
    target = records[len(records) // 2]
    changed = flipped(getattr(target, part), where)
    records[target.seq - 1] = {
        "body": replace(target, body=changed),
        "prev": replace(target, prev=changed),
        "hash": replace(target, hash=changed),
    }[part]
    await log.save(records)
    code, out = await verify(log)
    assert code == 1, out
    seq, what = failure(out)
    assert seq == target.seq
    assert what == {"body": "hash mismatch", "prev": "chain broken", "hash": "hash mismatch"}[part]


@pytest.mark.parametrize("log", ["sqlite"], indirect=True)
async def test_a_flipped_byte_in_the_sqlite_columns_beside_the_body_is_named(log: Log) -> None:
    # Only SQLite keeps the instant and the origin beside the body (to look them up).
    assert log.sqlite is not None
    records = await log.load()
    target = records[5]
    log.sqlite.execute(
        "UPDATE log SET at = CASE WHEN at & 1 THEN at - 1 ELSE at + 1 END WHERE seq = ?", target.seq
    )
    code, out = await verify(log)
    assert (code, failure(out)) == (1, (target.seq, "columns disagree")), out
    log.sqlite.execute(
        "UPDATE log SET at = CASE WHEN at & 1 THEN at - 1 ELSE at + 1 END WHERE seq = ?", target.seq
    )
    assert target.origin is not None
    log.sqlite.execute(
        "UPDATE log SET origin = ? WHERE seq = ?", flipped(target.origin.encode(), 0), target.seq
    )
    code, out = await verify(log)
    assert (code, failure(out)) == (1, (target.seq, "columns disagree")), out


async def test_a_deleted_record_is_named(log: Log) -> None:
    records = await log.load()
    gone = records[9].seq
    await log.save([r for r in records if r.seq != gone])
    code, out = await verify(log)
    assert (code, failure(out)) == (1, (gone, "missing record")), out


async def test_a_deleted_record_with_the_rest_renumbered_is_named(log: Log) -> None:
    records = await log.load()
    gone = records[9].seq
    kept = [r for r in records if r.seq < gone]
    kept += [replace(r, seq=r.seq - 1) for r in records if r.seq > gone]
    await log.save(kept)
    code, out = await verify(log)
    assert (code, failure(out)) == (1, (gone, "chain broken")), out


async def test_two_swapped_records_are_named(log: Log) -> None:
    records = await log.load()
    first, second = records[10], records[11]
    records[10] = replace(second, seq=first.seq, at=first.at)
    records[11] = replace(first, seq=second.seq, at=second.at)
    await log.save(records)
    code, out = await verify(log)
    assert (code, failure(out)) == (1, (first.seq, "order")), out


@pytest.mark.parametrize("own_key", [False, True])
async def test_a_tail_rewritten_without_the_key_is_named(
    log: Log, own_key: bool, tmp_path: Path
) -> None:
    records = await log.load()
    start = checkpoint_seqs(records)[0] + 2  # after the first genuine checkpoint
    forger = generate(tmp_path / "forger.pem")
    forged = forge(ROOM, records, start, forger, own_key=own_key)
    assert forged[start - 1].hash != records[start - 1].hash
    await log.save(forged)
    first_forged_checkpoint = next(seq for seq in checkpoint_seqs(forged) if seq >= start)
    code, out = await verify(log)
    # The chain itself holds: only the signatures tell.
    if own_key:
        assert (code, failure(out)) == (1, (first_forged_checkpoint, "another signing key")), out
    else:
        assert (code, failure(out)) == (1, (first_forged_checkpoint, "bad signature")), out
    # With the operator's public key given, whatever the log registers.
    code, out = await verify(log, "--public-key", str(log.key_file))
    expected = "unknown key" if own_key else "bad signature"
    assert (code, failure(out)) == (1, (first_forged_checkpoint, expected)), out


async def test_the_wrong_public_key_fails(log: Log, tmp_path: Path) -> None:
    other = generate(tmp_path / "other.pem")
    code, out = await verify(log, "--public-key", str(tmp_path / "other.pem"))
    first = checkpoint_seqs(await log.load())[0]
    assert (code, failure(out)) == (1, (first, "unknown key")), out
    assert other.key_id in out
    assert log.signer.key_id in out


async def test_a_checkpoint_over_a_head_not_in_the_chain_is_named(log: Log) -> None:
    records = await log.load()
    first = checkpoint_seqs(records)[0]
    # Signed with the congress's own key, chained again: but over a fork's head.
    await log.save(forge(ROOM, records, first, log.signer, own_key=False, fork=first))
    code, out = await verify(log)
    assert (code, failure(out)) == (1, (first, "checkpoint over a head not in the chain")), out


async def test_expected_fingerprints_are_looked_for(log: Log) -> None:
    code, out = await verify(log)
    last = re.search(r"last checkpoint ([0-9A-F ]{19}) over", out)
    assert code == 0, out
    assert last, out
    code, out = await verify(log, "--expect", last.group(1).replace(" ", "").lower())
    assert code == 0, out
    code, out = await verify(log, "--expect", "0000 0000 0000 0000")
    assert code == 1, out
    assert "no checkpoint has the fingerprint" in out


async def test_a_cut_tail_passes_alone_and_is_caught_by_the_printed_fingerprint(log: Log) -> None:
    code, out = await verify(log)
    printed = re.search(r"last checkpoint ([0-9A-F ]{19}) over", out)
    assert code == 0, out
    assert printed, out
    # The day's end removed, up to and with the adjournment and its checkpoint: what is left
    # is a whole chain ending on an earlier checkpoint, and passes on its own.
    records = await log.load()
    keep = checkpoint_seqs(records)[-2]
    await log.save([r for r in records if r.seq <= keep])
    code, out = await verify(log)
    assert code == 0, out
    assert printed.group(1) not in out
    # The fingerprint written down at the adjournment is what tells.
    code, out = await verify(log, "--expect", printed.group(1))
    assert code == 1, out
    assert f"FAIL no checkpoint has the fingerprint '{printed.group(1)}'" in out


async def test_a_backup_verifies_and_a_byte_flipped_in_it_is_named(tmp_path: Path) -> None:
    key_file = tmp_path / "signing-key.pem"
    signer = generate(key_file)
    data_dir = tmp_path / "data"
    backend = await SQLiteBackend.open(data_dir / "congress.db")
    try:
        await signed_day(backend, signer)
    finally:
        await backend.close()
    backup = tmp_path / "dai-hoi-1030.db"
    made = await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            "-m",
            "session_server.cli",
            "--data",
            str(data_dir),
            "backup",
            str(backup),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    target = Log([str(backup)], _never, _never, key_file, signer)
    code, out = await verify(target, "--public-key", str(key_file), apart=True)
    assert code == 0, out
    assert f"VERIFIED: {backup}, 1 rooms" in out
    # One byte of the file itself ("T" to "t"), inside an announcement's text in one body.
    text = "Thông báo chiều 3".encode()
    (seq,) = [r.seq for r in SQLiteStore(backup).load() if text in r.body]
    data = backup.read_bytes()
    assert data.count(text) == 1, "the text is stored once: in its record"
    index = data.index(text)
    backup.write_bytes(data[:index] + bytes([data[index] ^ 0x20]) + data[index + 1 :])
    code, out = await verify(target, apart=True)
    assert (code, failure(out)) == (1, (seq, "hash mismatch")), out


async def _never(*_: object) -> Any:
    raise AssertionError("a backup is only read, by `congress verify`")
