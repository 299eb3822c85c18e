"""`congress export`: the whole congress, from either backend, as one checked archive; or
one of the secretariat's tables (attendance, speeches, votes, timeline, contributions) as CSV
or JSON."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
from pathlib import Path

from ..archive import FULL, REHEARSAL_TO_LIVE, Congress, pack
from ..backends.base import Backend, BackendError, decode_record
from ..backends.sqlite import SQLiteBackend
from ..hub.node import wall_clock_ms
from ..minutes.exports import FORMATS, TABLES
from ..minutes.jobs import Wanted
from ..private_files import write_private
from ..rehearsal import build_live_room
from ..transfer import read_congress, rebuild
from .minutes import add_room_option, add_tz_option, write

_TABLES = ", ".join(TABLES)
"""Every table the secretariat can have, named in the help from the one list."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = commands.add_parser(
        "export",
        help="write every room's log, the tokens' hashes and the documents' files to FILE "
        f"while the hub runs (SQLite or Redis); or, with a table's name ({_TABLES}) instead "
        "of FILE, that table of the room for the secretariat",
        description="congress export FILE: the whole congress as one archive (for "
        f"`congress restore`). congress export {'|'.join(TABLES)} "
        "--format csv|json --out FILE: one table of the room, for the secretariat's "
        "spreadsheets (CSV in UTF-8 with a BOM, or JSON).",
    )
    export.add_argument(
        "file",
        type=Path,
        metavar="FILE|" + "|".join(TABLES),
        help=f"the archive to write; or a table's name ({_TABLES}) for that table",
    )
    export.add_argument(
        "--rehearsal-to-live",
        action="store_true",
        help="export a fresh log instead: the delegates, documents, agenda and tokens, "
        "none of the rehearsal's session",
    )
    export.add_argument(
        "--format", choices=FORMATS, help="a table's format: csv or json (tables only)"
    )
    export.add_argument("--out", type=Path, metavar="FILE", help="where a table goes (tables only)")
    add_tz_option(export, " (tables only)")
    add_room_option(export, "; an archive holds every room")


def backend_kind(url: str | None) -> str:
    """What the manifest names as the source: the backend's scheme."""
    if url is None or url.startswith("sqlite:"):
        return "sqlite"
    return url.split(":", 1)[0].split("+", 1)[0]


async def run(args: argparse.Namespace, backend: Backend) -> int:
    table = next((t for t in TABLES if str(args.file) == t), None)
    if table is not None:
        if args.format is None or args.out is None or args.rehearsal_to_live:
            print(
                f"congress: export {table} takes --format csv|json and --out FILE",
                file=sys.stderr,
            )
            return 2
        wanted = Wanted(table=table, fmt=args.format, tz=args.tz)
        return await write(args, backend, wanted, f"{table} table ({args.format})")
    if args.format is not None or args.out is not None:
        print(
            "congress: --format and --out are for a table (attendance, speeches); "
            "an archive goes to FILE",
            file=sys.stderr,
        )
        return 2
    source = backend_kind(args.backend)
    try:
        congress = await read_congress(backend, source_backend=source, kind=FULL)
        if args.rehearsal_to_live:
            congress = await live_congress(congress)
    except (ValueError, RuntimeError, BackendError) as error:
        print(f"congress: {error}; nothing was exported", file=sys.stderr)
        return 1
    data = pack(congress)
    # Confidential drafts and every token's hash: 0600 from its first byte on.
    write_private(args.file, data)
    rooms = ", ".join(f"{r.name} at seq {r.last_seq}" for r in congress.rooms) or "no room"
    what = "a fresh live log of" if args.rehearsal_to_live else "the log of"
    print(
        f"exported {what} {rooms}; {len(congress.tokens)} tokens, {len(congress.blobs)} "
        f"documents' files; {len(data) / 2**20:.1f} MiB to {args.file}"
    )
    return 0


async def live_congress(rehearsal: Congress) -> Congress:
    """The live congress for a rehearsal: each room's preparation in a fresh log.

    The fresh logs are written by `decide`, through a room writer, into a scratch SQLite
    log in a private temporary directory, then read back as any export is; the tokens and
    the documents' files are the rehearsal's own.
    """
    with tempfile.TemporaryDirectory(prefix="congress-live-") as scratch_dir:
        scratch = await SQLiteBackend.open(Path(scratch_dir) / "live.db")
        try:
            for sha256, data in rehearsal.blobs.items():
                await scratch.put_blob(sha256, data)
            for room in rehearsal.rooms:
                state = rebuild(room.name, (decode_record(q, b) for q, b in room.records))
                await build_live_room(state, scratch, clock=wall_clock_ms)
            live = await read_congress(
                scratch, source_backend=rehearsal.source_backend, kind=REHEARSAL_TO_LIVE
            )
        finally:
            await scratch.close()
    return dataclasses.replace(live, tokens=rehearsal.tokens)
