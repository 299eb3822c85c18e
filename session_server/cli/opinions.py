"""`congress opinions export`: the drafting committee's roll-up of a document, as PDF or CSV."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..backends.base import Backend, BackendError
from ..core.replay import replay
from ..core.state import Role
from ..documents.render import RenderError
from ..minutes.jobs import read_log
from ..minutes.text import zone
from ..opinions.exports import LANGS, to_csv
from ..opinions.rollup import readable_version, rollup
from ..private_files import write_private
from .documents import document_store
from .minutes import add_room_option, add_tz_option


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "opinions", help="the opinions on the drafts: the roll-up for the drafting committee"
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = actions.add_parser(
        "export",
        help="write a document version's roll-up (with the authors) as PDF or CSV, from the log",
    )
    export.add_argument("--document", required=True, help="the document's id")
    export.add_argument("--version", type=int, help="its version (default: the current one)")
    export.add_argument("--format", choices=("pdf", "csv"), default="pdf")
    export.add_argument("--out", type=Path, required=True, metavar="FILE")
    export.add_argument("--lang", choices=sorted(LANGS), default="vi")
    add_tz_option(export)
    add_room_option(export)


async def run(args: argparse.Namespace, backend: Backend) -> int:
    try:
        records = await read_log(backend, args.room)
        tz = zone(args.tz)
    except (BackendError, ValueError) as error:
        print(f"congress: {error}; nothing was written", file=sys.stderr)
        return 1
    if not records:
        print(f"congress: no room {args.room!r}", file=sys.stderr)
        return 2
    state = replay(args.room, ((r.seq, r.events) for r in records))
    found = readable_version(state, Role.SECRETARIAT, args.document, args.version)
    if found is None:
        print(f"congress: no document {args.document!r} (or no such version)", file=sys.stderr)
        return 2
    doc, version = found
    texts: dict[str, str] = {}
    if version.paragraphs:
        try:
            async with document_store(args, backend) as store:
                pages = await store.paragraphs(version.sha256, version.pages)
        except (RenderError, FileNotFoundError) as error:
            print(
                f"congress: the file cannot be read ({error}); nothing was written", file=sys.stderr
            )
            return 1
        texts = {p.id: p.text for page in pages for p in page}
    rolled = rollup(state, doc, version, Role.SECRETARIAT, texts)
    if args.format == "csv":
        data = to_csv(rolled, tz, args.lang)
    else:
        from ..opinions.pdf import to_pdf

        data = to_pdf(rolled, tz, int(time.time() * 1000), args.lang)
    # The authors are named: readable by its owner alone, from its first byte.
    write_private(args.out, data)
    print(
        f"wrote the roll-up of {doc.id} v{version.version} ({rolled['total']} opinions) "
        f"to {args.out}"
    )
    return 0
