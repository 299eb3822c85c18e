"""The counting committee's devices in the voting benchmark: the key ceremony and the
decryption shares, with the hub's ballot code, over real sockets (as tests/e2e/test_voting.py)."""

from __future__ import annotations

from typing import Any

from presidium_console.client import CongressClient, View
from session_server.ballots import committee as keys
from session_server.ballots import proofs, transport

TIMEOUT = 60.0


def vote_of(view: View, vote_id: str) -> dict[str, Any]:
    return next(v for v in view["votes"] if v["id"] == vote_id)


class Member:
    """A member's device: deals, seals, checks and keeps its key share, then opens totals."""

    def __init__(
        self, client: CongressClient, number: int, threshold: int, room: str, vote_id: str
    ) -> None:
        self.client, self.number, self.vote_id = client, number, vote_id
        self.ceremony = proofs.context_of(room, vote_id, "committee")
        self.seal_secret, self.seal_public = transport.new_key()
        self.dealing, self.polynomial = keys.deal(number, threshold, self.ceremony)
        self.share = b""
        self.decryption: tuple[list[bytes], list[bytes]] | None = None

    def _members(self, view: View) -> list[dict[str, Any]]:
        members: list[dict[str, Any]] = vote_of(view, self.vote_id)["committee"]["members"]
        return members

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
            lambda v: all(m["seal_key"] for m in self._members(v)), timeout=TIMEOUT
        )
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
            for m in self._members(view)
        ]
        await self.client.command("deliver_shares", vote_id=self.vote_id, sealed=sealed)

    async def confirm(self) -> None:
        view = await self.client.wait_for(
            lambda v: all(m["sealed"] for m in self._members(v)), timeout=TIMEOUT
        )
        received = {self.number: self.polynomial.share_for(self.number)}
        for m in self._members(view):
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

    async def prepare_decryption(self) -> None:
        """The member's part of opening each total, made once the vote is closed."""
        view = await self.client.wait_for(
            lambda v: (
                vote_of(v, self.vote_id)["status"] == "closed"
                and bool(vote_of(v, self.vote_id).get("tally"))
            ),
            timeout=TIMEOUT,
        )
        made = keys.decrypt_tally(
            self.number, self.share, vote_of(view, self.vote_id)["tally"], self.ceremony
        )
        self.decryption = [s.value for s in made], [s.proof for s in made]

    async def send_decryption(self) -> None:
        assert self.decryption is not None
        shares, made_proofs = self.decryption
        await self.client.command(
            "submit_decryption",
            vote_id=self.vote_id,
            shares=shares,
            proofs=made_proofs,
            timeout=TIMEOUT,
        )


async def ceremony(members: list[Member]) -> None:
    """Every member joins, deals its sealed shares, then checks the shares dealt to it."""
    for member in members:
        await member.join()
    for member in members:
        await member.deliver()
    for member in members:
        await member.confirm()
