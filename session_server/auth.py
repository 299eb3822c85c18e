"""Tokens: random secrets shown once, stored only as hashes, each tied to a room and a role."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace

from .backends.base import Backend, TokenRecord
from .core.decide import Actor
from .core.group_state import Group, group_room
from .core.state import Role

MAX_TOKEN = 128


def secret_hash(secret: str) -> str:
    # The secret has 192 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token just made: `secret` is the only copy and is never stored."""

    record: TokenRecord
    secret: str


async def issue_token(
    backend: Backend,
    *,
    room: str,
    role: Role,
    now: int,
    delegate_id: str | None = None,
    label: str = "",
) -> IssuedToken:
    if (role is Role.DELEGATE) != (delegate_id is not None):
        raise ValueError("a delegate token names its delegate, and only a delegate token does")
    secret = secrets.token_urlsafe(24)
    record = TokenRecord(
        token_id="tk-" + secrets.token_hex(4),
        secret_hash=secret_hash(secret),
        room=room,
        role=role,
        delegate_id=delegate_id,
        label=label or (delegate_id or role.value),
        created_at=now,
    )
    await backend.add_token(record)
    return IssuedToken(record=record, secret=secret)


async def authenticate(backend: Backend, secret: str, room: str | None) -> TokenRecord | None:
    """The live token for `secret` in `room` (any room: None), or None.

    The socket's hello and every HTTP request sign in here. Unknown, revoked and another
    room's tokens look alike to the caller.
    """
    if not 0 < len(secret) <= MAX_TOKEN:
        return None
    record = await backend.find_token(secret_hash(secret))
    if record is None or record.revoked_at is not None:
        return None
    if room is not None and record.room != room:
        return None
    return record


def actor_of(token: TokenRecord) -> Actor:
    return Actor(role=token.role, delegate_id=token.delegate_id)


def group_sign_in(
    token: TokenRecord, groups: Mapping[str, Group], group_id: str
) -> TokenRecord | None:
    """How a plenary's token acts in one of its groups' rooms, or None when it may not enter.

    The plenary's presidium and secretariat keep their roles; the group's chair acts as the
    room's presidium and its secretary as its secretariat (both still named as the delegate
    they are, so their own `you` frame follows them); its other members are its delegates;
    a delegate of another group, or of none, is refused; boards and the hall stay what they
    are. The one place this mapping lives: the socket's hello and the tests both use it.
    """
    group = groups.get(group_id)
    if group is None:
        return None
    role = token.role
    if role is Role.DELEGATE:
        if token.delegate_id is None or token.delegate_id not in group.members:
            return None
        if token.delegate_id == group.chair:
            role = Role.PRESIDIUM
        elif token.delegate_id == group.secretary:
            role = Role.SECRETARIAT
    return replace(token, role=role, room=group_room(token.room, group_id))
