"""`congress delegates import`: register the roll from a CSV file, with tokens and cards."""

from __future__ import annotations

import argparse
import csv
import sys
import uuid
from pathlib import Path

from .. import cards
from ..auth import issue_token
from ..backends.base import Backend
from ..core import commands as c
from ..core.decide import Actor
from ..core.plain import PlainError
from ..core.state import Role
from ..hub.node import wall_clock_ms
from ..writer import Refused, RoomWriter
from .common import room_exists


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    delegates = commands.add_parser("delegates", help="manage the roll of delegates")
    actions = delegates.add_subparsers(dest="delegates_command", metavar="ACTION", required=True)
    importing = actions.add_parser(
        "import", help="register delegates from a CSV file with columns id,name,unit,seat"
    )
    importing.add_argument("file", type=Path)
    importing.add_argument(
        "--tokens", action="store_true", help="also issue a token for each new delegate"
    )
    importing.add_argument(
        "--cards",
        type=Path,
        metavar="FILE.html",
        help="with --tokens: also write printable sign-in cards with QR codes",
    )
    importing.add_argument(
        "--base-url",
        default="http://127.0.0.1:8000",
        help="the hub's address as tablets reach it, for the cards' links (%(default)s)",
    )


async def run(args: argparse.Namespace, backend: Backend) -> int:
    try:
        with args.file.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as error:
        print(f"congress: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    if not await room_exists(args, backend):
        return 2
    writer = await RoomWriter.open(args.room, backend, clock=wall_clock_ms)
    secretariat = Actor(Role.SECRETARIAT)
    failures = 0
    issued_cards: list[cards.Card] = []
    for line, row in enumerate(rows, start=2):
        try:
            command = c.parse_command(
                "register_delegate",
                {
                    "delegate_id": (row.get("id") or "").strip(),
                    "full_name": row.get("name") or "",
                    "unit": row.get("unit") or "",
                    "seat": row.get("seat") or "",
                },
            )
        except PlainError as error:
            print(f"{args.file}:{line}: {error}", file=sys.stderr)
            failures += 1
            continue
        assert isinstance(command, c.RegisterDelegate)
        is_new = command.delegate_id not in writer.state.delegates
        outcome = await writer.submit(
            command, secretariat, command_id=uuid.uuid4().hex, token_id="cli"
        )
        if isinstance(outcome, Refused):
            print(f"{args.file}:{line}: {command.delegate_id}: {outcome}", file=sys.stderr)
            failures += 1
        elif args.tokens and is_new:
            issued = await issue_token(
                backend,
                room=args.room,
                role=Role.DELEGATE,
                now=wall_clock_ms(),
                delegate_id=command.delegate_id,
                label=command.full_name,
            )
            print(f"{command.delegate_id}\t{issued.secret}")
            detail = f"{command.unit} · {command.seat}" if command.seat else command.unit
            issued_cards.append(cards.Card(command.full_name, detail, issued.secret, "delegate"))
    print(f"{len(rows) - failures} delegates registered, {failures} refused", file=sys.stderr)
    if args.cards is not None and issued_cards:
        cards.write(args.cards, writer.state.title or args.room, args.base_url, issued_cards)
        print(f"{len(issued_cards)} sign-in cards written to {args.cards}", file=sys.stderr)
    return 1 if failures else 0
