"""An election driven over real sockets: committee members' devices, ballots, the count."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Any

from presidium_console.client import Ack, CongressClient
from session_server.ballots import ballot as ballots
from session_server.ballots import committee as keys
from session_server.ballots import elgamal, proofs, transport
from session_server.demo import DEMO_ROOM
from tests.conftest import UNIT


def vote_of_view(view: Any, vote_id: str) -> dict[str, Any]:
    return next(v for v in view["votes"] if v["id"] == vote_id)


def candidates(count: int) -> list[dict[str, str]]:
    return [{"id": f"c{i}", "name": f"Ứng cử viên {i}", "unit": "Tỉnh ủy"} for i in range(count)]


class Member:
    """A committee member's device, speaking to the hub as that delegate."""

    def __init__(self, client: CongressClient, number: int, vote_id: str, threshold: int) -> None:
        self.client, self.number, self.vote_id = client, number, vote_id
        self.ceremony = proofs.context_of(DEMO_ROOM, vote_id, "committee")
        self.seal_secret, self.seal_public = transport.new_key()
        self.dealing, self.polynomial = keys.deal(number, threshold, self.ceremony)
        self.share = b""

    async def join(self) -> None:
        await self.client.command(
            "join_committee",
            vote_id=self.vote_id,
            seal_key=self.seal_public,
            commitments=list(self.dealing.commitments),
            proofs=list(self.dealing.proofs),
        )

    async def deliver(self) -> None:
        view = await self.client.wait_for(
            lambda v: all(
                m["seal_key"] for m in vote_of_view(v, self.vote_id)["committee"]["members"]
            ),
            timeout=10 * UNIT,
        )
        members = vote_of_view(view, self.vote_id)["committee"]["members"]
        sealed = [
            b""
            if m["number"] == self.number
            else transport.seal(
                self.polynomial.share_for(m["number"]),
                m["seal_key"],
                self.ceremony,
                self.number,
                m["number"],
            )
            for m in members
        ]
        await self.client.command("deliver_shares", vote_id=self.vote_id, sealed=sealed)

    async def confirm(self) -> None:
        view = await self.client.wait_for(
            lambda v: all(
                m["sealed"] for m in vote_of_view(v, self.vote_id)["committee"]["members"]
            ),
            timeout=10 * UNIT,
        )
        received = {self.number: self.polynomial.share_for(self.number)}
        for m in vote_of_view(view, self.vote_id)["committee"]["members"]:
            if m["number"] == self.number:
                continue
            share = transport.open_sealed(
                m["sealed"][self.number - 1],
                self.seal_secret,
                self.ceremony,
                m["number"],
                self.number,
            )
            dealing = keys.Dealing(m["number"], tuple(m["commitments"]), tuple(m["proofs"]))
            keys.check_share(self.number, share, dealing)
            received[m["number"]] = share
        self.share = keys.secret_share(received)
        await self.client.command("confirm_shares", vote_id=self.vote_id)

    def decryption(self, total: bytes, index: int) -> keys.DecryptionShare:
        """This member's part of opening one ciphertext, labelled as candidate `index`'s."""
        return keys.decrypt_share(
            self.number,
            self.share,
            elgamal.Ciphertext.from_bytes(total),
            self.ceremony,
            proofs.context_of("candidate", index),
        )

    async def decrypt(self) -> None:
        view = await self.client.wait_for(
            lambda v: bool(vote_of_view(v, self.vote_id).get("tally")), timeout=10 * UNIT
        )
        made = [
            self.decryption(total, index)
            for index, total in enumerate(vote_of_view(view, self.vote_id)["tally"])
        ]
        await self.client.command(
            "submit_decryption",
            vote_id=self.vote_id,
            shares=[s.value for s in made],
            proofs=[s.proof for s in made],
        )


async def key_ceremony(members: Sequence[Member], watcher: CongressClient) -> bytes:
    """Every member deals, delivers and confirms, in turn: the ballot box's public key."""
    for step in (Member.join, Member.deliver, Member.confirm):
        for member in members:
            await step(member)
    vote_id = members[0].vote_id
    view = await watcher.wait_for(
        lambda v: bool(vote_of_view(v, vote_id)["committee"]["key"]), timeout=10 * UNIT
    )
    key: bytes = vote_of_view(view, vote_id)["committee"]["key"]
    return key


async def open_with_electorate(
    presidium: CongressClient, voters: Sequence[CongressClient], vote_id: str
) -> None:
    """The presence check, each voter confirming, then the vote opened on them."""
    await presidium.command("start_presence_check", vote_id=vote_id)
    for client in voters:
        # As a tablet does: confirm once the check shows. On several nodes a voter's node
        # may not have read the start yet, and refuses a confirmation on what it knows.
        await client.wait_for(
            lambda v: any(x["id"] == vote_id and x["status"] == "checking" for x in v["votes"]),
            timeout=10 * UNIT,
        )
        await client.command("confirm_presence", vote_id=vote_id)
    await presidium.command("open_vote", vote_id=vote_id)


def make_ballot(
    delegate_id: str, vote_id: str, key: bytes, kept: Sequence[bool], seats: int
) -> ballots.Ballot:
    """The ballot a delegate's tablet makes: encrypted, with its proofs."""
    return ballots.make(kept, key, seats, proofs.context_of(DEMO_ROOM, vote_id, delegate_id))


async def cast(
    client: CongressClient,
    delegate_id: str,
    vote_id: str,
    key: bytes,
    kept: Sequence[bool],
    command_id: str,
    seats: int,
) -> Ack:
    made = make_ballot(delegate_id, vote_id, key, kept, seats)
    return await client.command(
        "cast_ballot", command_id=command_id, vote_id=vote_id, ballot=made.to_plain()
    )


async def command_or_lost(
    client: CongressClient, name: str, *, command_id: str, **args: Any
) -> Ack | None:
    """The command's ack, or None when the connection drops first: a tablet that cannot know
    whether its command was applied (the caller retries it with the same id)."""
    answer = asyncio.create_task(
        client.command(name, command_id=command_id, timeout=20 * UNIT, **args)
    )
    dropped = asyncio.create_task(client.wait_closed(timeout=20 * UNIT))
    done, _ = await asyncio.wait({answer, dropped}, return_when=asyncio.FIRST_COMPLETED)
    if answer in done:
        dropped.cancel()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await dropped
        return answer.result()
    answer.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await answer
    return None
