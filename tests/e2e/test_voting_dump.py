"""After a secret election, nothing the hub leaves behind links a delegate to a choice.

Each voter keeps a distinct set of names the test knows. Afterwards every artefact is
searched for those choices in every likely encoding (tests/ballot_dump.py): the SQLite file
and its WAL, or Redis's AOF and RDB; the hub's log at debug level; a backup and an export.
The records and snapshots are decoded and each stored ballot checked to be ciphertexts and
proofs only, which the test (holding every member's share) opens with two shares and not
with one. Then a choice is planted in each kind of artefact, to show the search finds it.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgpack
import pytest

from session_server.archive import unpack
from session_server.backends.base import Backend
from session_server.backends.redis import RedisBackend
from session_server.backends.sqlite import SQLiteBackend
from session_server.ballots import committee as keys
from session_server.ballots import elgamal
from session_server.demo import DEMO_ROOM
from tests import voting_helpers as voting
from tests.ballot_dump import Searcher, Voter, ballots_in, structure_problems
from tests.conftest import UNIT, Clients, HubProcess, cli
from tests.redis_server import RedisServer
from tests.voting_helpers import Member, vote_of_view

pytestmark = pytest.mark.slow

SEATS = 10
CANDIDATES = [
    {"id": f"ucv-{i:02d}", "name": f"Ứng cử viên Trần Văn {chr(65 + i)}", "unit": "Tỉnh ủy"}
    for i in range(13)
]
THRESHOLD = 2


def kept_by(n: int) -> tuple[bool, ...]:
    """Voter n's ballot: three names struck, a different three for each voter (the last
    voter strikes a fourth), so every ballot is recognisable."""
    struck = {n, (n + 3) % 13, (n + 7) % 13} | ({12} if n == 7 else set())
    return tuple(i not in struck for i in range(13))


@dataclass
class Election:
    vote_id: str
    voters: list[Voter]
    members: list[Member]
    result: dict[str, Any]


async def run_election(hub: HubProcess, clients: Clients) -> Election:
    """A whole secret election: the ceremony, eight ballots, the count and the publication."""
    tokens = hub.tokens()
    presidium = await clients.connect(tokens.presidium)
    if presidium.view["session"]["status"] != "in_session":
        await presidium.command("open_session")
    await presidium.command(
        "prepare_vote",
        kind="election",
        title="Bầu Ban Chấp hành khóa mới",
        seats=SEATS,
        surplus_percent=30,
        base="present",
        candidates=CANDIDATES,
    )
    vote_id = presidium.view["votes"][-1]["id"]
    committee = tokens.delegates[:3]
    await presidium.command(
        "set_committee", vote_id=vote_id, members=[d for _, d in committee], threshold=THRESHOLD
    )
    members = [
        Member(await clients.connect(token), number, vote_id, THRESHOLD)
        for number, (token, _) in enumerate(committee, start=1)
    ]
    key = await voting.key_ceremony(members, presidium)
    ballots = tokens.delegates[3:11]
    voter_clients = [await clients.connect(token) for token, _ in ballots]
    await voting.open_with_electorate(presidium, voter_clients, vote_id)
    voters = [Voter(d, kept_by(n)) for n, (_, d) in enumerate(ballots)]
    for client, voter in zip(voter_clients, voters, strict=True):
        await voting.cast(
            client, voter.delegate_id, vote_id, key, voter.kept, f"b-{voter.delegate_id}", SEATS
        )
    await presidium.command("close_vote", vote_id=vote_id)
    for member in members[:THRESHOLD]:
        await member.decrypt()
    view = await presidium.wait_for(
        lambda v: vote_of_view(v, vote_id)["status"] == "counted", timeout=10 * UNIT
    )
    await presidium.command("publish_result", vote_id=vote_id)
    result = vote_of_view(view, vote_id)["result"]
    assert result["counts"] == [sum(v.kept[i] for v in voters) for i in range(13)]
    # The search looks for each voter's kept names as a list: no published list may equal one.
    published = [set(result["elected"]), set(result["tied"])]
    for voter in voters:
        assert {c["id"] for c, k in zip(CANDIDATES, voter.kept, strict=True) if k} not in published
    return Election(vote_id, voters, members, result)


def files_under(*roots: Path) -> Iterator[tuple[str, bytes]]:
    for root in roots:
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in paths:
            yield str(path), path.read_bytes()


async def decoded_store(backend: Backend) -> list[tuple[str, Any]]:
    """Each record's body and the stored snapshot, decoded as msgpack."""
    try:
        records = await backend.read(DEMO_ROOM, 0, 100_000)
        snapshot = await backend.load_snapshot(DEMO_ROOM)
    finally:
        await backend.close()
    decoded: list[tuple[str, Any]] = [
        (f"record {r.seq}", msgpack.unpackb(r.stored or b"", raw=False)) for r in records
    ]
    if snapshot is not None:
        decoded.append((f"snapshot {snapshot[0]}", msgpack.unpackb(snapshot[1], raw=False)))
    return decoded


def check_decoded(election: Election, decoded: list[tuple[str, Any]]) -> None:
    problems = [
        problem
        for name, value in decoded
        for problem in structure_problems(name, value, election.voters, CANDIDATES, SEATS)
    ]
    assert problems == []
    stored = [b for b in ballots_in(v for _, v in decoded) if b["vote_id"] == election.vote_id]
    assert sorted(b["delegate_id"] for b in stored) == sorted(
        v.delegate_id for v in election.voters
    )
    check_ciphertexts(election, stored)


def check_ciphertexts(election: Election, stored: list[dict[str, Any]]) -> None:
    """Each stored choice is the voter's under the committee's key: `THRESHOLD` members open
    it to the voter's mark, and no member alone opens it to a 0 or a 1."""
    table = elgamal.CountTable(1)
    kept = {v.delegate_id: v.kept for v in election.voters}
    for ballot in stored:
        for index, raw in enumerate(ballot["choices"]):
            total = elgamal.Ciphertext.from_bytes(raw)
            shares = [m.decryption(raw, index) for m in election.members]
            opened = table.count(keys.open_total(total, shares[:THRESHOLD], THRESHOLD))
            assert opened == int(kept[ballot["delegate_id"]][index])
            for alone in shares:
                assert table.count(keys.open_total(total, [alone], 1)) is None


def check_log_shows_no_ballot(log: bytes, decoded: list[tuple[str, Any]]) -> None:
    """Neither the ciphertexts nor the proofs, in any of the forms a logger prints bytes."""
    for ballot in ballots_in(v for _, v in decoded):
        for raw in [*ballot["choices"], *ballot["choice_proofs"], ballot["kept_proof"]]:
            head = raw[:12]
            for form in (head.hex(), head.hex(" "), repr(head)[2:-1]):
                assert form.encode() not in log


def searched(searcher: Searcher, artefacts: list[tuple[str, bytes]]) -> list[str]:
    return [found for name, data in artefacts for found in searcher.search(name, data)]


def planted_record(voter: Voter) -> dict[str, Any]:
    """A ballot_cast record as a careless change might write it: the marks beside the proofs."""
    ballot = {
        "kind": "ballot_cast",
        "vote_id": "v1",
        "delegate_id": voter.delegate_id,
        "choices": [b"\xff" * 64] * len(CANDIDATES),
        "choice_proofs": [bytes(128)] * len(CANDIDATES),
        "kept_proof": bytes(64 * (SEATS + 1)),
        "receipt": "0000-0000-0000-0000",
        "kept": list(voter.kept),
    }
    return {"at": 0, "actor": "delegate:t", "origin": None, "events": [ballot]}


def check_plants_are_found(
    election: Election, searcher: Searcher, decoded: list[tuple[str, Any]], log: bytes
) -> None:
    """The searcher is not blind: a choice planted in a record, a log line or a map is found."""
    voter = election.voters[0]
    names = [c["id"] for c, k in zip(CANDIDATES, voter.kept, strict=True) if k]
    line = f"INFO: ballot of {voter.delegate_id} keeps {', '.join(names)}\n".encode()
    assert searcher.search("planted log", log + line)
    problems = structure_problems(
        "planted", planted_record(voter), election.voters, CANDIDATES, SEATS
    )
    assert any("'kept'" in p for p in problems)
    assert any("13 marks" in p for p in problems)
    assert any("not two group elements" in p for p in problems)
    linked = {"delegate_id": voter.delegate_id, "candidate": names[0]}
    assert structure_problems("planted", linked, election.voters, CANDIDATES, SEATS)
    # And the real records, with one ballot's choices swapped for marks, no longer pass.
    name, record = next((n, r) for n, r in decoded if ballots_in([r]))
    ballots_in([record])[0]["choices"] = [int(k) for k in voter.kept]
    assert structure_problems(name, record, election.voters, CANDIDATES, SEATS)


async def test_a_secret_election_on_sqlite_leaves_no_choice_in_the_file_log_backup_or_export(
    demo_data: Path, tmp_path: Path
) -> None:
    hub = HubProcess(demo_data)
    hub.start("--log-level", "debug")
    clients = Clients(hub)
    try:
        election = await run_election(hub, clients)
        backup, export = tmp_path / "backup.db", tmp_path / "export.tar"
        assert (await cli(hub, "backup", str(backup)))[0] == 0
        assert (await cli(hub, "export", str(export)))[0] == 0
        # While the hub runs, the newest pages are in the WAL.
        running = list(files_under(hub.data_dir))
        assert any(name.endswith("congress.db-wal") for name, _ in running)
    finally:
        await clients.close()
        hub.stop()
    artefacts = [*running, *files_under(hub.data_dir, backup, export)]
    searcher = Searcher(election.voters, CANDIDATES)
    assert searched(searcher, artefacts) == []
    log = hub.log_path.read_bytes()
    assert b"DEBUG" in log, "the hub logged at debug level"
    for store in (hub.data_dir / "congress.db", backup):
        decoded = await decoded_store(await SQLiteBackend.open(store))
        check_decoded(election, decoded)
    archive = unpack(export.read_bytes())
    exported = [
        (f"export {seq}", msgpack.unpackb(body, raw=False))
        for room in archive.rooms
        for seq, body in room.records
    ]
    check_decoded(election, exported)
    check_log_shows_no_ballot(log, decoded)
    check_plants_are_found(election, searcher, decoded, log)
    # A row planted in a copy of the SQLite file is found in its raw bytes.
    planted = tmp_path / "planted.db"
    shutil.copy(backup, planted)
    db = sqlite3.connect(planted)
    db.execute("CREATE TABLE notes (body BLOB)")
    db.execute("INSERT INTO notes VALUES (?)", (msgpack.packb(list(election.voters[3].kept)),))
    db.commit()
    db.close()  # the last connection's close moves the WAL's pages into the file
    assert searcher.search("planted.db", planted.read_bytes())


def redis_wait_idle(server: RedisServer) -> None:
    deadline = time.monotonic() + 20 * UNIT
    while time.monotonic() < deadline:
        info = server.command(b"INFO persistence")
        if all(
            flag in info
            for flag in (
                b"rdb_bgsave_in_progress:0",
                b"aof_rewrite_in_progress:0",
                b"aof_rewrite_scheduled:0",
            )
        ):
            return
        time.sleep(0.05)
    raise AssertionError(f"Redis did not finish writing:\n{info.decode()}")


def redis_dump(server: RedisServer) -> list[tuple[str, bytes]]:
    """A fresh RDB and a rewritten AOF (its base an RDB too), then every file Redis keeps.

    Uncompressed: Redis's LZF would hide a plaintext from a byte search, not from a reader.
    """
    assert server.command(b"CONFIG SET rdbcompression no").startswith(b"+OK")
    assert server.command(b"BGREWRITEAOF").startswith(b"+")
    redis_wait_idle(server)
    assert server.command(b"BGSAVE").startswith(b"+")
    redis_wait_idle(server)
    dumped = list(files_under(server.data_dir))
    assert any(name.endswith("dump.rdb") for name, _ in dumped)
    assert any(".aof" in name for name, _ in dumped)
    return dumped


async def test_a_secret_election_on_redis_leaves_no_choice_in_the_aof_rdb_log_or_export(
    demo_data: Path, tmp_path: Path, redis_server: RedisServer
) -> None:
    hub = HubProcess(demo_data)
    # The demo congress restored into Redis: quicker than loading it afresh.
    code, _, err = await cli(
        hub, "--backend", redis_server.url, "restore", str(demo_data / "congress.db")
    )
    assert code == 0, err
    hub.start("--backend", redis_server.url, "--log-level", "debug")
    clients = Clients(hub)
    try:
        election = await run_election(hub, clients)
        export = tmp_path / "export.tar"
        code, _, err = await cli(hub, "--backend", redis_server.url, "export", str(export))
        assert code == 0, err
    finally:
        await clients.close()
        hub.stop()
    dumped = await asyncio.to_thread(redis_dump, redis_server)
    artefacts = [*dumped, *files_under(hub.data_dir, export)]
    searcher = Searcher(election.voters, CANDIDATES)
    assert searched(searcher, artefacts) == []
    decoded = await decoded_store(await RedisBackend.open(redis_server.url))
    check_decoded(election, decoded)
    log = hub.log_path.read_bytes()
    assert b"DEBUG" in log, "the hub logged at debug level"
    check_log_shows_no_ballot(log, decoded)
    check_plants_are_found(election, searcher, decoded, log)
    # A value planted in Redis is found in both its AOF and its RDB.
    voter = election.voters[5]
    names = ",".join(c["id"] for c, k in zip(CANDIDATES, voter.kept, strict=True) if k)
    planted = f"SET congress:planted {voter.delegate_id}:{names}".encode()
    assert redis_server.command(planted).startswith(b"+OK")
    replanted = await asyncio.to_thread(redis_dump, redis_server)
    found = searched(searcher, replanted)
    assert any("dump.rdb" in f for f in found), found
    assert any(".aof" in f for f in found), found
