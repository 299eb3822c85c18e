"""The `congress` command: its parser, and each command handed to the module it manages."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from ..demo import DEMO_ROOM
from ..private_files import private_directory, restrict_new_files
from . import (
    backup,
    delegates,
    documents,
    export,
    groups,
    keys,
    minutes,
    opinions,
    serve,
    tokens,
    verify,
)
from .common import with_backend

DESCRIPTION = """\
Paperless Congress hub: the presidium's console steers, every delegate screen and
welcome-gate board follows, live.

With no command, `congress` runs `serve`. On a fresh data directory `serve` loads a
demo congress and prints its tokens; starting again continues where it stopped.
"""

EPILOG = """\
environment:
  CONGRESS_DATA             data directory (default: ./congress-data)
  CONGRESS_BACKEND          log backend URL (default: the SQLite file in the data directory)
  CONGRESS_ROOM             room the token and delegate commands act on (default: camau-2025)
  CONGRESS_ALLOWED_ORIGINS  comma-separated extra origins allowed to open the websocket
  CONGRESS_SIGNING_KEY      the key `serve` signs checkpoints with (`congress keys init`)
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="congress",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("CONGRESS_DATA", "congress-data")),
        help="data directory holding the log and documents (default: %(default)s)",
    )
    parser.add_argument(
        "--backend",
        default=os.environ.get("CONGRESS_BACKEND"),
        help="log backend URL, e.g. sqlite:///var/lib/congress/congress.db",
    )
    parser.add_argument(
        "--room",
        default=os.environ.get("CONGRESS_ROOM", DEMO_ROOM),
        help="room to act on (default: %(default)s)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve.add_parser(commands)
    tokens.add_parser(commands)
    delegates.add_parser(commands)
    groups.add_parser(commands)
    documents.add_parser(commands)
    backup.add_parser(commands)
    export.add_parser(commands)
    minutes.add_parser(commands)
    opinions.add_parser(commands)
    keys.add_parser(commands)
    verify.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(_serve_by_default(args_list))
    # Before any file or render worker exists: the log, stored PDFs, renders, token files
    # and cards are then their owner's alone, whatever umask the operator's shell had.
    restrict_new_files()
    if args.command != "verify":
        # An auditor's check of a copy reads it and makes nothing, not even a data directory.
        private_directory(args.data)
    if args.command == "serve":
        return serve.run(args)
    if args.command == "restore":
        return backup.run_restore(args)
    if args.command == "keys":
        return keys.run(args)
    if args.command == "verify":
        return verify.run(args)
    action = {
        "tokens": tokens.run,
        "delegates": delegates.run,
        "groups": groups.run,
        "documents": documents.run,
        "backup": backup.run_backup,
        "export": export.run,
        "minutes": minutes.run,
        "opinions": opinions.run,
    }
    return asyncio.run(with_backend(args, action[args.command]))


def _serve_by_default(args_list: list[str]) -> list[str]:
    """`congress --port 9000` means `congress serve --port 9000`: with no command named,
    the program's own options stay before `serve` and every other one goes after it."""
    commands = {"serve", "tokens", "delegates", "groups", "documents", "backup", "restore"}
    commands |= {"export"}
    commands |= {"minutes", "keys", "verify", "opinions"}
    commands |= {"-h", "--help"}
    own = {"--data", "--backend", "--room"}
    leading: list[str] = []
    rest: list[str] = []
    tokens_left = iter(args_list)
    for token in tokens_left:
        if token in commands and not rest:
            return args_list
        if token in own:
            leading += [token, next(tokens_left, "")]
        elif token.split("=", 1)[0] in own:
            leading.append(token)
        else:
            rest.append(token)
    return [*leading, "serve", *rest]
