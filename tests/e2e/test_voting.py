"""An election on a real hub: the committee's key over the sockets, ballots, a crash, the count."""

from __future__ import annotations

import pytest

from presidium_console.client import CommandRefused, CongressClient
from tests import voting_helpers as voting
from tests.conftest import UNIT, Clients, DemoTokens, HubProcess
from tests.voting_helpers import Member, vote_of_view

SEATS = 4
CANDIDATES = voting.candidates(5)


async def cast(
    client: CongressClient,
    delegate_id: str,
    vote_id: str,
    key: bytes,
    kept: list[bool],
    command_id: str,
) -> None:
    await voting.cast(client, delegate_id, vote_id, key, kept, command_id, SEATS)


@pytest.mark.slow
async def test_an_election_survives_a_crash_and_counts_every_acknowledged_ballot_once(
    hub: HubProcess, tokens: DemoTokens, clients: Clients
) -> None:
    presidium = await clients.connect(tokens.presidium)
    board = await clients.connect(tokens.boards[0])
    if presidium.view["session"]["status"] != "in_session":
        await presidium.command("open_session")
    await presidium.command(
        "prepare_vote",
        kind="election",
        title="Bầu Ban Chấp hành Đảng bộ tỉnh khóa mới",
        seats=SEATS,
        surplus_percent=30,
        base="present",
        candidates=CANDIDATES,
    )
    vote_id = presidium.view["votes"][-1]["id"]
    assert not [v for v in board.view["votes"] if v["id"] == vote_id]  # a draft is not public
    (m1_token, m1), (m2_token, m2), (m3_token, m3) = tokens.delegates[:3]
    await presidium.command("set_committee", vote_id=vote_id, members=[m1, m2, m3], threshold=2)
    members = [
        Member(await clients.connect(token), number, vote_id, 2)
        for number, token in enumerate((m1_token, m2_token, m3_token), start=1)
    ]
    key = await voting.key_ceremony(members, presidium)
    voters = tokens.delegates[3:9]
    voter_clients = [await clients.connect(token) for token, _ in voters]
    await voting.open_with_electorate(presidium, voter_clients, vote_id)
    kept_by = [[i != n % 5 for i in range(5)] for n in range(len(voters))]  # four kept each
    for n in range(3):
        delegate_id = voters[n][1]
        await cast(voter_clients[n], delegate_id, vote_id, key, kept_by[n], f"ballot-{delegate_id}")
    # The hub is killed; it restarts on the same log.
    await clients.close()
    hub.kill()
    hub.start()
    clients.open.clear()
    presidium = await clients.connect(tokens.presidium)
    board = await clients.connect(tokens.boards[0])
    assert board.view["turnout"][vote_id]["cast"] == 3
    voter_clients = [await clients.connect(token) for token, _ in voters]
    # A tablet that never saw its ack sends the same ballot again: applied once.
    first_client, (_, first_id) = voter_clients[0], voters[0]
    ack = await cast_again(first_client, first_id, vote_id, key, kept_by[0])
    assert ack
    for n in range(3, len(voters)):
        delegate_id = voters[n][1]
        await cast(voter_clients[n], delegate_id, vote_id, key, kept_by[n], f"ballot-{delegate_id}")
    with pytest.raises(CommandRefused) as again:
        await cast(voter_clients[1], voters[1][1], vote_id, key, kept_by[1], "another-id")
    assert again.value.code == "invalid_state"
    await board.wait_for(lambda v: v["turnout"][vote_id]["cast"] == 6, timeout=10 * UNIT)
    assert all("choice" not in repr(v) for v in board.view["votes"])
    await presidium.command("close_vote", vote_id=vote_id)
    # Members 1 and 3 (any two of the three) open the totals; their devices kept their
    # shares across the hub's restart, as a tablet keeps them.
    for member, token in ((members[0], m1_token), (members[2], m3_token)):
        member.client = await clients.connect(token)
        await member.decrypt()
    view = await presidium.wait_for(
        lambda v: vote_of_view(v, vote_id)["status"] == "counted", timeout=10 * UNIT
    )
    result = vote_of_view(view, vote_id)["result"]
    # Each voter struck one name: c0 twice, the others once; six voters, so c0 has 4.
    assert result["counts"] == [4, 5, 5, 5, 5]
    assert result["base"] == 6
    assert result["elected"] == ["c1", "c2", "c3", "c4"]
    assert "result" not in vote_of_view(board.view, vote_id)
    await presidium.command("publish_result", vote_id=vote_id)
    await board.wait_for(
        lambda v: vote_of_view(v, vote_id).get("result") is not None, timeout=10 * UNIT
    )
    assert vote_of_view(board.view, vote_id)["result"]["elected"] == ["c1", "c2", "c3", "c4"]


async def cast_again(
    client: CongressClient, delegate_id: str, vote_id: str, key: bytes, kept: list[bool]
) -> bool:
    answer = await voting.cast(
        client, delegate_id, vote_id, key, kept, f"ballot-{delegate_id}", SEATS
    )
    return answer.duplicate
