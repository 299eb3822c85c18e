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


def test_a_plenary_token_enters_a_group_room_in_the_role_its_groups_give_it() -> None:
    from session_server.auth import group_sign_in
    from session_server.backends.base import TokenRecord
    from session_server.core.group_state import Group

    groups = {
        "g1": Group("g1", "Tổ 1", members=("d1", "d2", "d3"), chair="d1", secretary="d2"),
        "g2": Group("g2", "Tổ 2", members=("d4",)),
    }

    def token(role: Role, delegate_id: str | None = None) -> TokenRecord:
        return TokenRecord("tk-1", "h", "plenary", role, delegate_id, "", 0)

    def role_in(record: TokenRecord, group_id: str = "g1") -> Role | None:
        entered = group_sign_in(record, groups, group_id)
        if entered is None:
            return None
        assert entered.room == f"plenary~{group_id}"
        assert (entered.token_id, entered.delegate_id) == (record.token_id, record.delegate_id)
        return entered.role

    assert role_in(token(Role.PRESIDIUM)) is Role.PRESIDIUM
    assert role_in(token(Role.SECRETARIAT)) is Role.SECRETARIAT
    assert role_in(token(Role.BOARD)) is Role.BOARD
    assert role_in(token(Role.HALL)) is Role.HALL
    assert role_in(token(Role.DELEGATE, "d1")) is Role.PRESIDIUM
    assert role_in(token(Role.DELEGATE, "d2")) is Role.SECRETARIAT
    assert role_in(token(Role.DELEGATE, "d3")) is Role.DELEGATE
    assert role_in(token(Role.DELEGATE, "d4")) is None, "another group's delegate"
    assert role_in(token(Role.DELEGATE, "d9")) is None, "a delegate of no group"
    assert role_in(token(Role.DELEGATE, "d1"), "g2") is None, "an officer elsewhere"
    assert role_in(token(Role.PRESIDIUM), "g9") is None, "a group the plenary lacks"
