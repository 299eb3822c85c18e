"""A revoked token is cut off at once: its next command is refused and its sockets closed."""

from __future__ import annotations

import asyncio
import contextlib
import time

import pytest

from presidium_console.client import CongressClient, ConnectionRefused
from session_server.protocol.codes import Close
from tests.conftest import UNIT, Clients, HubProcess, cli


async def issued(hub: HubProcess, role: str) -> tuple[str, str]:
    """A new token from the CLI, as the secretariat issues one: its id and its secret."""
    code, out, err = await cli(hub, "tokens", "issue", "--role", role, "--label", "Thử")
    assert code == 0, err
    first, second = out.splitlines()[:2]
    return first.split("\t")[0], second.rsplit(" ", 1)[1]


async def test_a_revoked_secretariat_is_closed_within_a_second(
    hub: HubProcess, clients: Clients
) -> None:
    token_id, secret = await issued(hub, "secretariat")
    secretariat = await clients.connect(secret)
    board = await clients.connect(hub.tokens().boards[0])
    acknowledged_after: list[float] = []
    revoked_at: list[float] = []

    async def announce() -> None:
        n = 0
        # Refused or cut off: either way the loop ends.
        with contextlib.suppress(Exception):
            while True:
                n += 1
                await secretariat.command("post_announcement", text=f"Thông báo {n}")
                if revoked_at:
                    acknowledged_after.append(time.monotonic() - revoked_at[0])

    sender = asyncio.create_task(announce())
    await asyncio.sleep(0.3)
    code, _, err = await cli(hub, "tokens", "revoke", token_id)
    revoked_at.append(time.monotonic())
    assert code == 0, err
    closed = await secretariat.wait_closed(timeout=5 * UNIT)
    elapsed = time.monotonic() - revoked_at[0]
    sender.cancel()
    with contextlib.suppress(BaseException):
        await sender
    assert closed.rcvd is not None
    assert closed.rcvd.code == Close.REVOKED
    assert elapsed < 1.0 * UNIT
    # Nothing was acknowledged later than the log took to carry the revocation.
    assert all(after < 1.0 * UNIT for after in acknowledged_after), acknowledged_after
    # The board, on the same node, was not disturbed.
    assert board.closed is None
    again = CongressClient(hub.url, secret, board.room)
    with pytest.raises(ConnectionRefused) as refused:
        await again.connect(timeout=5 * UNIT)
    assert refused.value.code == Close.UNAUTHORIZED
