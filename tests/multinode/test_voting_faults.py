"""A secret election across three hub nodes on Redis, through a node's death and Redis's.

Every acknowledged ballot is counted exactly once: the turnout equals the ballots
acknowledged, each delegate's receipt is that of the ballot their tablet sent, and the
committee's opened totals equal a plaintext model of those ballots. A ballot refused while
Redis is away is not counted, and its retry with the same command id is applied once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as redis

from presidium_console.client import Ack, CommandRefused, CongressClient
from session_server.backends.redis import RedisBackend
from session_server.ballots import ballot as ballots
from session_server.core.vote_events import BallotCast
from session_server.demo import DEMO_ROOM
from tests import voting_helpers as voting
from tests.conftest import UNIT, DemoTokens, HubProcess, cli, stop_all
from tests.redis_server import RedisServer
from tests.voting_helpers import Member, vote_of_view

pytestmark = pytest.mark.slow

SEATS = 5
CANDIDATES = voting.candidates(6)
THRESHOLD = 2
LOG_KEY = f"congress:{{{DEMO_ROOM}}}:log"


@pytest.fixture
async def nodes(
    demo_data: Path, tmp_path: Path, redis_server: RedisServer
) -> AsyncIterator[list[HubProcess]]:
    """Three nodes on one Redis holding the demo congress (restored, not loaded afresh)."""
    first = HubProcess(demo_data)
    code, _, err = await cli(
        first, "--backend", redis_server.url, "restore", str(demo_data / "congress.db")
    )
    assert code == 0, err
    started = [first, HubProcess(tmp_path / "node-1"), HubProcess(tmp_path / "node-2")]
    try:
        for n, node in enumerate(started):
            node.launch("--backend", redis_server.url, *([] if n == 0 else ["--no-demo"]))
        for node in started:
            node.wait_ready()
        yield started
    finally:
        stop_all(started)
    for node in started:
        assert "Traceback" not in node.log_path.read_text(), node.log_path.read_text()


@pytest.fixture
def demo(nodes: list[HubProcess]) -> DemoTokens:
    return nodes[0].tokens()


class Hall:
    """Screens spread over the nodes; closed at the end."""

    def __init__(self) -> None:
        self.clients: list[CongressClient] = []

    async def connect(self, node: HubProcess, token: str) -> CongressClient:
        client = node.client(token)
        await client.connect(timeout=10 * UNIT)
        await client.wait_for(lambda view: view.seq > 0, timeout=10 * UNIT)
        self.clients.append(client)
        return client

    async def close(self) -> None:
        await asyncio.gather(*(c.close() for c in self.clients), return_exceptions=True)


@pytest.fixture
async def hall() -> AsyncIterator[Hall]:
    opened = Hall()
    yield opened
    await opened.close()


@dataclass
class Tablet:
    """A delegate's tablet: its connection, its choice, and the one ballot it made."""

    client: CongressClient
    delegate_id: str
    kept: tuple[bool, ...]
    ballot: ballots.Ballot | None = None
    ack: Ack | None = None

    @property
    def command_id(self) -> str:
        return f"ballot-{self.delegate_id}"

    def make(self, vote_id: str, key: bytes) -> None:
        self.ballot = voting.make_ballot(self.delegate_id, vote_id, key, self.kept, SEATS)

    async def send(self, vote_id: str) -> Ack | None:
        """The ballot sent (the same bytes every time); its ack, or None if the node died.

        Sent again at once on `conflict` (other nodes' appends kept winning, nothing
        applied: a temporary error, docs/protocol.md §8), as a tablet may.
        """
        assert self.ballot is not None
        for _ in range(10):
            try:
                return await voting.command_or_lost(
                    self.client,
                    "cast_ballot",
                    command_id=self.command_id,
                    vote_id=vote_id,
                    ballot=self.ballot.to_plain(),
                )
            except CommandRefused as refused:
                if refused.code != "conflict":
                    raise
        raise AssertionError("conflict ten times running")


def kept_by(n: int) -> tuple[bool, ...]:
    """Voter n strikes one or two names: six candidates, five seats."""
    return tuple(i not in {n % 6, (n * 5 + 1) % 6} for i in range(6))


@dataclass
class Election:
    vote_id: str
    members: list[Member]
    key: bytes
    presidium: CongressClient


async def prepare(
    nodes: list[HubProcess], demo: DemoTokens, hall: Hall, tablets: list[Tablet]
) -> Election:
    """The election prepared on node 0, the committee's members on nodes 0, 1 and 2, the
    ceremony, and the vote opened on the tablets' delegates."""
    presidium = await hall.connect(nodes[0], demo.presidium)
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
    committee = demo.delegates[:3]
    await presidium.command(
        "set_committee", vote_id=vote_id, members=[d for _, d in committee], threshold=THRESHOLD
    )
    members = [
        Member(await hall.connect(nodes[number - 1], token), number, vote_id, THRESHOLD)
        for number, (token, _) in enumerate(committee, start=1)
    ]
    key = await voting.key_ceremony(members, presidium)
    await voting.open_with_electorate(presidium, [t.client for t in tablets], vote_id)
    for tablet in tablets:
        tablet.make(vote_id, key)
    return Election(vote_id, members, key, presidium)


async def tablets_on(
    nodes: list[HubProcess], demo: DemoTokens, hall: Hall, count: int
) -> list[Tablet]:
    """`count` voters (after the committee's three), voter n on node n % 3."""
    return [
        Tablet(await hall.connect(nodes[n % 3], token), delegate_id, kept_by(n))
        for n, (token, delegate_id) in enumerate(demo.delegates[3 : 3 + count])
    ]


async def last_entry(redis_server: RedisServer) -> str:
    client = redis.Redis.from_url(redis_server.url)
    try:
        # Any: redis-py types every reply as bytes | str | None.
        entries: Any = await client.xrevrange(LOG_KEY, count=1)
    finally:
        await client.aclose()
    return str(entries[0][0].decode())


async def kill_once_logged(
    node: HubProcess, redis_server: RedisServer, since: str, delegate_ids: list[str]
) -> set[str]:
    """SIGKILL `node` as soon as a record after `since` names one of `delegate_ids`; those
    the log named then (it may hold more by the time the node is gone)."""
    client = redis.Redis.from_url(redis_server.url)
    deadline = asyncio.get_running_loop().time() + 10 * UNIT
    logged: set[str] = set()
    try:
        while not logged and asyncio.get_running_loop().time() < deadline:
            entries: Any = await client.xrange(LOG_KEY, min=f"({since}")
            bodies = b"".join(v for _, fields in entries for v in fields.values())
            logged = {d for d in delegate_ids if d.encode() in bodies}
    finally:
        node.kill()
        await client.aclose()
    return logged


def descendants(pid: int) -> set[int]:
    """The processes `pid` started, and theirs (its ballot checkers' forkserver and workers)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The field after the command (in parentheses, which may hold spaces) is the
            # state, then the parent's pid.
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


async def gone(pids: set[int]) -> set[int]:
    """Those of `pids` still running after a while."""
    deadline = asyncio.get_running_loop().time() + 10 * UNIT
    while True:
        left = {pid for pid in pids if await asyncio.to_thread(Path(f"/proc/{pid}").exists)}
        if not left or asyncio.get_running_loop().time() > deadline:
            return left
        await asyncio.sleep(0.2)


async def stored_ballots(redis_server: RedisServer, vote_id: str) -> list[BallotCast]:
    log = await RedisBackend.open(redis_server.url)
    try:
        records = await log.read(DEMO_ROOM, 0, 100_000)
    finally:
        await log.close()
    return [
        event
        for record in records
        for event in record.events
        if isinstance(event, BallotCast) and event.vote_id == vote_id
    ]


async def count_and_check(
    election: Election, tablets: list[Tablet], counted: list[Member], redis_server: RedisServer
) -> None:
    """Each acknowledged ballot once in the log, in the turnout and in the opened totals."""
    acknowledged = [t for t in tablets if t.ack is not None]
    stored = await stored_ballots(redis_server, election.vote_id)
    assert sorted(b.delegate_id for b in stored) == sorted(t.delegate_id for t in acknowledged)
    presidium, vote_id = election.presidium, election.vote_id
    await presidium.wait_for(
        lambda v: v["turnout"][vote_id]["cast"] == len(acknowledged), timeout=10 * UNIT
    )
    receipts = {v["delegate"]: v["receipt"] for v in presidium.view["voters"]}
    for tablet in acknowledged:
        assert tablet.ballot is not None
        assert receipts[tablet.delegate_id] == ballots.fingerprint(tablet.ballot)
    await presidium.command("close_vote", vote_id=vote_id)
    for member in counted:
        await member.decrypt()
    view = await presidium.wait_for(
        lambda v: vote_of_view(v, vote_id)["status"] == "counted", timeout=10 * UNIT
    )
    model = [sum(t.kept[i] for t in acknowledged) for i in range(len(CANDIDATES))]
    assert vote_of_view(view, vote_id)["result"]["counts"] == model
    assert view["turnout"][vote_id]["cast"] == len(acknowledged)


async def test_a_node_killed_mid_vote_loses_no_acknowledged_ballot_and_counts_none_twice(
    nodes: list[HubProcess], demo: DemoTokens, hall: Hall, redis_server: RedisServer
) -> None:
    tablets = await tablets_on(nodes, demo, hall, 18)
    election = await prepare(nodes, demo, hall, tablets)
    vote_id = election.vote_id
    # Six ballots acknowledged before anything goes wrong, two through each node.
    for tablet in tablets[:6]:
        tablet.ack = await tablet.send(vote_id)
        assert tablet.ack is not None
        assert not tablet.ack.duplicate
    # Twelve more sent at once, four of them to node 1, killed the moment the log holds the
    # first of those four: its answer may or may not have left, the others are on their way.
    since = await last_entry(redis_server)
    checkers = descendants(nodes[1].pid)
    assert checkers, "node 1 checks ballots in processes of its own"
    rush = [asyncio.create_task(t.send(vote_id)) for t in tablets[6:]]
    logged = await kill_once_logged(
        nodes[1], redis_server, since, [t.delegate_id for t in tablets[7::3]]
    )
    assert logged, "one of node 1's ballots was in the log when it was killed"
    for tablet, answer in zip(tablets[6:], await asyncio.gather(*rush), strict=True):
        tablet.ack = answer
    on_the_dead_node = [t for n, t in enumerate(tablets) if n % 3 == 1]
    unanswered = [t for t in tablets if t.ack is None]
    assert unanswered, "the kill cut some ballots off"
    assert set(map(id, unanswered)) <= set(map(id, on_the_dead_node))
    # Every tablet of node 1 moves to node 2; those not answered send the same ballot again.
    for tablet in on_the_dead_node:
        await tablet.client.wait_closed(timeout=10 * UNIT)
        tablet.client.url = nodes[2].url
        await tablet.client.connect(resume=True, timeout=10 * UNIT)
    for tablet in unanswered:
        tablet.ack = await tablet.send(vote_id)
        assert tablet.ack is not None
        if tablet.delegate_id in logged:
            # Recorded before the node died, its answer lost with it: applied once, not again.
            assert tablet.ack.duplicate
    # Sending the same ballot again is answered as applied before; another ballot is refused.
    for tablet in tablets:
        again = await tablet.send(vote_id)
        assert again is not None
        assert again.duplicate
        assert tablet.ack is not None
        assert again.seq == tablet.ack.seq
        with pytest.raises(CommandRefused) as twice:
            await voting.cast(
                tablet.client,
                tablet.delegate_id,
                vote_id,
                election.key,
                tablet.kept,
                "other",
                SEATS,
            )
        assert twice.value.reason == "already_voted"
    # The dead node's ballot checkers do not outlive it.
    assert await gone(checkers) == set()
    # Members 1 and 3 open the totals: member 2's node is gone, and two of three suffice.
    counted = [election.members[0], election.members[2]]
    await count_and_check(election, tablets, counted, redis_server)


async def test_ballots_cast_while_redis_is_down_are_refused_then_applied_once_on_retry(
    nodes: list[HubProcess], demo: DemoTokens, hall: Hall, redis_server: RedisServer
) -> None:
    tablets = await tablets_on(nodes, demo, hall, 9)
    election = await prepare(nodes, demo, hall, tablets)
    vote_id = election.vote_id
    for tablet in tablets[:3]:
        tablet.ack = await tablet.send(vote_id)
        assert tablet.ack is not None
    redis_server.kill()
    refused = tablets[3:6]
    for tablet in refused:
        with pytest.raises(CommandRefused) as outage:
            await voting.command_or_lost(
                tablet.client,
                "cast_ballot",
                command_id=tablet.command_id,
                vote_id=vote_id,
                ballot=tablet.ballot.to_plain() if tablet.ballot else {},
            )
        assert outage.value.code == "not_durable"
    redis_server.start()
    # Redis is back: nothing of the refused ballots is in the log or the turnout.
    assert len(await stored_ballots(redis_server, vote_id)) == 3
    # The tablets send them again with the same ids, as docs/protocol.md (§10.5) says to
    # after a temporary error, until the hub has its log back.
    for tablet in refused:
        tablet.ack = await until_durable(tablet, vote_id)
        assert not tablet.ack.duplicate, "applied now, not before"
        again = await tablet.send(vote_id)
        assert again is not None
        assert again.duplicate
        assert again.seq == tablet.ack.seq
    for tablet in tablets[6:]:
        tablet.ack = await tablet.send(vote_id)
        assert tablet.ack is not None
    await count_and_check(election, tablets, election.members[:THRESHOLD], redis_server)


async def until_durable(tablet: Tablet, vote_id: str) -> Ack:
    """The same ballot, sent again while the hub answers not_durable (Redis reconnecting)."""
    deadline = asyncio.get_running_loop().time() + 10 * UNIT
    while True:
        try:
            ack = await tablet.send(vote_id)
        except CommandRefused as refused:
            if refused.code != "not_durable" or asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.2)
            continue
        assert ack is not None
        return ack
