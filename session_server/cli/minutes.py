"""`congress minutes`: the minutes (biên bản) of a room as a PDF, from the log alone."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..backends.base import Backend, BackendError
from ..minutes.jobs import Wanted, produce, read_log
from ..minutes.text import DEFAULT_TZ, LANGS
from ..private_files import write_private


def add_room_option(parser: argparse.ArgumentParser, only: str = "") -> None:
    """`--room` after the command too; SUPPRESS keeps one given before it."""
    parser.add_argument(
        "--room", default=argparse.SUPPRESS, help=f"the room (as before COMMAND){only}"
    )


def add_tz_option(parser: argparse.ArgumentParser, only: str = "") -> None:
    parser.add_argument(
        "--tz",
        default=DEFAULT_TZ,
        metavar="ZONE",
        help="time zone the times are written in (default: %(default)s, whatever the "
        f"machine's own){only}",
    )


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "minutes",
        help="write the room's minutes (biên bản) as a PDF, from the log; no hub needed",
    )
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="FILE.pdf",
        help="the PDF to write, readable by its owner alone",
    )
    parser.add_argument(
        "--public",
        action="store_true",
        help="the public copy (what a welcome-gate board may see) instead of the full one "
        "(presidium and secretariat)",
    )
    parser.add_argument("--lang", choices=LANGS, default="vi", help="language (%(default)s)")
    parser.add_argument("--place", default="", help="where the congress meets, for the heading")
    add_tz_option(parser)
    add_room_option(parser)


async def run(args: argparse.Namespace, backend: Backend) -> int:
    wanted = Wanted(
        copy="public" if args.public else "full", lang=args.lang, tz=args.tz, place=args.place
    )
    return await write(args, backend, wanted, "minutes")


async def write(args: argparse.Namespace, backend: Backend, wanted: Wanted, what: str) -> int:
    """Make `wanted` from the room's log and write it to `--out`, readable by its owner only."""
    try:
        records = await read_log(backend, args.room)
    except (BackendError, ValueError) as error:
        print(f"congress: {error}; nothing was written", file=sys.stderr)
        return 1
    if not records:
        print(f"congress: no room {args.room!r}", file=sys.stderr)
        return 2
    try:
        data = produce(args.room, records, wanted)
    except ValueError as error:
        print(f"congress: {error}; nothing was written", file=sys.stderr)
        return 2
    # The full copy names confidential papers and the roll: 0600 from its first byte.
    write_private(args.out, data)
    print(f"wrote the {what} of {args.room} up to record {records[-1].seq} to {args.out}")
    return 0
