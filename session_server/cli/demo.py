"""The demo congress on `serve`'s first start: loaded, its tokens and cards written and shown."""

from __future__ import annotations

import argparse

from .. import cards
from ..backends.base import Backend
from ..demo import DEMO_TITLE, demo_cards, load_demo, write_token_file
from .common import public_address
from .documents import document_store

TOKEN_FILE = "demo-tokens.txt"
CARDS_FILE = "demo-cards.html"
ABSENT = 3
"""`present`'s answer when the room has no log yet: the demo is to be loaded (`run`)."""


async def present(args: argparse.Namespace, backend: Backend) -> int:
    """0 when the room is in the log already, which it says; ABSENT on a fresh log.

    Asked by the hub's own process, so that only a fresh log pays for the process that loads
    the demo (an interpreter started and the hub's modules imported again, some 2 s).
    """
    if await backend.head(args.room) == 0:
        return ABSENT
    _continues(args)
    return 0


def _continues(args: argparse.Namespace) -> None:
    token_file = args.data / TOKEN_FILE
    if token_file.exists():
        print(f"Demo congress {args.room!r} continues; its tokens are in {token_file}")
    else:
        print(f"Demo congress {args.room!r} is in the log already (another node loaded it)")


async def run(args: argparse.Namespace, backend: Backend) -> int:
    token_file = args.data / TOKEN_FILE
    async with document_store(args, backend) as store:
        # Its pages are pre-rendered by the hub once it runs (see app.py), not here, so
        # the hub answers sooner.
        tokens = await load_demo(backend, store, args.room)
    if tokens is None:  # another node, started with this one, loaded it first
        _continues(args)
        return 0
    write_token_file(token_file, tokens)
    base_url = public_address(args)
    cards.write(args.data / CARDS_FILE, DEMO_TITLE, base_url, demo_cards(tokens))
    print(f"Loaded the demo congress {args.room!r}. Tokens (also in {token_file}):")
    print(f"  presidium    {tokens.presidium.secret}")
    print(f"  secretariat  {tokens.secretariat.secret}")
    for board in tokens.boards:
        print(f"  board        {board.secret}  ({board.record.label})")
    print(f"  hall         {tokens.hall.secret}  ({tokens.hall.record.label})")
    first, *others = tokens.delegates
    print(f"  delegate     {first.secret}  ({first.record.label}; {len(others)} more in the file)")
    print("Screens:")
    print(f"  console      {base_url}/console/  (sign in with the presidium token)")
    print(f"  delegate     {base_url}/delegate/#token={first.secret}")
    print(f"  board        {base_url}/board/#token={tokens.boards[0].secret}")
    print(f"  hall         {base_url}/hall/#token={tokens.hall.secret}")
    print(f"  QR cards     {args.data / CARDS_FILE}  (every screen's link and QR code)")
    return 0
