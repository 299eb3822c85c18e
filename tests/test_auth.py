"""Signing in: one look-up for the socket's hello and every HTTP request."""

from __future__ import annotations

from pathlib import Path

from session_server.auth import MAX_TOKEN, authenticate, issue_token
from session_server.backends.sqlite import SQLiteBackend
from session_server.core.state import Role


async def test_a_token_signs_in_to_its_own_room_until_revoked(tmp_path: Path) -> None:
    log = await SQLiteBackend.open(tmp_path / "log.db")
    try:
        issued = await issue_token(log, room="r", role=Role.BOARD, now=1)
        assert await authenticate(log, issued.secret, "r") == issued.record
        assert await authenticate(log, issued.secret, None) == issued.record, "any room"
        assert await authenticate(log, issued.secret, "other") is None
        assert await authenticate(log, issued.secret + "x", "r") is None
        assert await authenticate(log, "", None) is None
        assert await authenticate(log, "x" * (MAX_TOKEN + 1), None) is None
        assert await log.revoke_token("r", issued.record.token_id, 2)
        assert await authenticate(log, issued.secret, "r") is None
        assert await authenticate(log, issued.secret, None) is None
    finally:
        await log.close()
