"""A vote's close through a signed writer: a checkpoint follows, `congress verify` passes, and the
fingerprint `verify` reports is the one `congress minutes` prints; on SQLite and on Redis."""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis.asyncio as redis

from session_server.backends.base import Backend, StoredRecord
from session_server.backends.redis import RedisBackend
from session_server.backends.sqlite import SQLiteBackend
from session_server.core import commands as c
from session_server.core import vote_commands as vc
from session_server.core.decide import Actor
from session_server.core.state import Role
from session_server.core.vote_state import Choice, VoteKind
from session_server.core.voting import Base, Threshold
from session_server.record.keys import Signer, generate
from session_server.writer import Accepted, RoomWriter
from tests.conftest import UNIT
from tests.minutes.texts import pdf_text, squeezed
from tests.record.logs import ROOM, Clock, RedisStore, SQLiteStore, events_of
from tests.redis_server import RedisServer

SECRETARIAT = Actor(Role.SECRETARIAT)
PRESIDIUM = Actor(Role.PRESIDIUM)
VOTERS = [f"DB{n:03d}" for n in range(1, 8)]
CHOICES = [Choice.FOR] * 5 + [Choice.AGAINST, Choice.ABSTAIN]


@dataclass
class Signed:
    """A signed room with a vote closed in it, and how `congress` reaches its store."""

    where: list[str]
    """`congress` options naming the store: `--data DIR` or `--backend URL`."""
    verify_target: list[str]
    records: list[StoredRecord]
    close_seq: int
    key_file: Path


async def vote_day(backend: Backend, signer: Signer) -> int:
    """Seven delegates checked in, a question put to them, cast and closed, then adjourned;
    the seq of the record that closed the vote."""
    writer = await RoomWriter.open(ROOM, backend, clock=Clock())
    writer.signer = signer
    await writer.create("Đại hội thử")
    sent = 0

    async def submit(command: c.Command, actor: Actor = PRESIDIUM) -> int:
        nonlocal sent
        sent += 1
        outcome = await writer.submit(command, actor, command_id=f"c{sent}", token_id="tk")
        assert isinstance(outcome, Accepted), outcome
        return outcome.seq

    for n, delegate in enumerate(VOTERS, start=1):
        await submit(c.RegisterDelegate(delegate, f"Đại biểu {n}", "Tỉnh ủy", f"A{n}"), SECRETARIAT)
        await submit(c.CheckIn(delegate), SECRETARIAT)
    await submit(c.OpenSession())
    await submit(
        vc.PrepareVote(
            VoteKind.QUESTION,
            "Thông qua Nghị quyết Đại hội",
            threshold=Threshold.TWO_THIRDS,
            base=Base.PRESENT,
            allow_abstain=True,
        )
    )
    await submit(vc.StartPresenceCheck("vote-1"))
    for delegate in VOTERS:
        await submit(vc.ConfirmPresence("vote-1"), Actor(Role.DELEGATE, delegate))
    await submit(vc.OpenVote("vote-1"))
    for delegate, choice in zip(VOTERS, CHOICES, strict=True):
        await submit(vc.CastVote("vote-1", choice), Actor(Role.DELEGATE, delegate))
    closed = await submit(vc.CloseVote("vote-1"))
    await submit(vc.PublishResult("vote-1"))
    return closed


@pytest.fixture(params=["sqlite", "redis"])
async def signed(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Signed]:
    key_file = tmp_path / "signing-key.pem"
    signer = generate(key_file)
    data_dir = tmp_path / "data"
    if request.param == "sqlite":
        backend: Backend = await SQLiteBackend.open(data_dir / "congress.db")
        try:
            closed = await vote_day(backend, signer)
        finally:
            await backend.close()
        records = SQLiteStore(data_dir / "congress.db").load()
        yield Signed(["--data", str(data_dir)], [str(data_dir)], records, closed, key_file)
        return
    server = RedisServer(tmp_path / "redis")
    server.start()
    try:
        client = redis.Redis.from_url(server.url)
        await client.flushall()
        await client.aclose()
        backend = await RedisBackend.open(server.url)
        try:
            closed = await vote_day(backend, signer)
        finally:
            await backend.close()
        records = await RedisStore(server.url).load()
        where = ["--data", str(data_dir), "--backend", server.url]
        yield Signed(where, ["--redis", server.url], records, closed, key_file)
    finally:
        server.stop()


async def congress(*argv: str) -> tuple[int, str]:
    """`congress ARGV` in a process of its own, as the operator or an auditor runs it."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "session_server.cli",
        *argv,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120 * UNIT)
    assert process.returncode is not None
    return process.returncode, out.decode() + err.decode()


async def test_a_vote_closed_is_signed_and_the_minutes_print_what_verify_reports(
    signed: Signed, tmp_path: Path
) -> None:
    by_seq = {r.seq: r for r in signed.records}
    closing = [e["kind"] for e in events_of(by_seq[signed.close_seq])]
    assert closing[:2] == ["vote_closed", "vote_counted"]
    # The very next record is the checkpoint over the close, signed before the ack.
    (checkpoint,) = [
        e for e in events_of(by_seq[signed.close_seq + 1]) if e["kind"] == "checkpoint_recorded"
    ]
    assert (checkpoint["reason"], checkpoint["head_seq"]) == ("vote_closed", signed.close_seq)
    assert checkpoint["head_hash"] == by_seq[signed.close_seq].hash.hex()  # type: ignore[union-attr]

    code, out = await congress(
        "verify", *signed.verify_target, "--public-key", str(signed.key_file)
    )
    assert code == 0, out
    reported = re.search(r"last checkpoint ([0-9A-F ]{19}) over seq (\d+)", out)
    assert reported, out
    assert reported.group(1) == checkpoint["fingerprint"]
    assert int(reported.group(2)) == signed.close_seq

    # The minutes, made from the same store, print that fingerprint and the vote's result.
    pdf = tmp_path / "bien-ban.pdf"
    code, out = await congress(*signed.where, "--room", ROOM, "minutes", "--out", str(pdf))
    assert code == 0, out
    text = squeezed(pdf_text(pdf))
    assert squeezed(reported.group(1)) in text
    assert squeezed("Tán thành 5, không tán thành 1, không biểu quyết 1; cơ sở tính 7") in text
    assert squeezed("tỷ lệ cần đạt: từ hai phần ba trở lên") in text
    # And the printed fingerprint is one `verify --expect` finds in the log.
    code, out = await congress(*["verify", *signed.verify_target, "--expect", reported.group(1)])
    assert code == 0, out
