"""`congress tokens`: issue, list and revoke a room's access tokens."""

from __future__ import annotations

import argparse
import sys
import uuid

from ..auth import issue_token
from ..backends.base import Backend
from ..core.commands import RevokeToken
from ..core.decide import Actor
from ..core.state import Role
from ..hub.node import wall_clock_ms
from ..writer import Refused, RoomWriter


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tokens = commands.add_parser("tokens", help="issue, list and revoke access tokens")
    actions = tokens.add_subparsers(dest="tokens_command", metavar="ACTION", required=True)
    issue = actions.add_parser("issue", help="make a token; its secret is shown once")
    issue.add_argument("--role", required=True, choices=[r.value for r in Role])
    issue.add_argument("--delegate", help="the delegate id a delegate token speaks for")
    issue.add_argument(
        "--label", default="", help="who or what holds it, e.g. 'Gate 2 board', 'Hall screens'"
    )
    actions.add_parser("list", help="list the room's tokens (never their secrets)")
    revoke = actions.add_parser("revoke", help="revoke a token by its id")
    revoke.add_argument("token_id")


async def run(args: argparse.Namespace, backend: Backend) -> int:
    if args.tokens_command == "issue":
        try:
            issued = await issue_token(
                backend,
                room=args.room,
                role=Role(args.role),
                now=wall_clock_ms(),
                delegate_id=args.delegate,
                label=args.label,
            )
        except ValueError as error:
            print(f"congress: {error}", file=sys.stderr)
            return 2
        print(f"{issued.record.token_id}\t{issued.record.role.value}\t{issued.record.label}")
        print(f"secret (shown once): {issued.secret}")
        return 0
    if args.tokens_command == "list":
        for t in await backend.list_tokens(args.room):
            state = "revoked" if t.revoked_at is not None else "active"
            print(f"{t.token_id}\t{t.role.value}\t{state}\t{t.delegate_id or '-'}\t{t.label}")
        return 0
    if not await backend.revoke_token(args.room, args.token_id, wall_clock_ms()):
        print(f"congress: no active token {args.token_id!r} in {args.room}", file=sys.stderr)
        return 1
    print(f"revoked {args.token_id}")
    return await _close_its_sockets(args.room, args.token_id, backend)


async def _close_its_sockets(room: str, token_id: str, backend: Backend) -> int:
    """Record the revocation in the room's log: every node closes the token's sockets at once.

    The token is refused from its revocation on whatever happens here; without the record
    the nodes would find out only at their next periodic check of connected tokens.
    """
    if await backend.head(room) == 0:
        return 0
    writer = await RoomWriter.open(room, backend, clock=wall_clock_ms)
    outcome = await writer.submit(
        RevokeToken(token_id=token_id),
        Actor(Role.SECRETARIAT),
        command_id=uuid.uuid4().hex,
        token_id="cli",
    )
    if isinstance(outcome, Refused):
        print(
            f"congress: {outcome}; its open connections close at the hub's next token check",
            file=sys.stderr,
        )
        return 1
    return 0
