"""`congress backup` and `congress restore`: the whole congress in one file, taken while it runs."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

from ..backends.base import Backend
from ..private_files import tighten

_LOG = "congress.db"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup = commands.add_parser(
        "backup",
        help="copy the log, documents and tokens to FILE while the hub runs (SQLite)",
    )
    backup.add_argument("file", type=Path, metavar="FILE")
    restore = commands.add_parser(
        "restore", help="make FILE, a backup, the data directory's log (the hub stopped)"
    )
    restore.add_argument("file", type=Path, metavar="FILE")
    restore.add_argument(
        "--force", action="store_true", help="replace a log the data directory already has"
    )


async def run_backup(args: argparse.Namespace, backend: Backend) -> int:
    try:
        await backend.backup(args.file)
    except ValueError as error:
        print(f"congress: {error}", file=sys.stderr)
        return 2
    print(f"backed up to {args.file}")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    """Checks the backup, then copies it in; the screens resume with a snapshot."""
    problem = _not_a_backup(args.file)
    if problem is not None:
        print(f"congress: {args.file}: {problem}", file=sys.stderr)
        return 2
    target = args.data / _LOG
    if target.exists() and not args.force:
        print(
            f"congress: {target} exists; stop the hub and add --force to replace it",
            file=sys.stderr,
        )
        return 1
    for stale in (target.with_name(_LOG + "-wal"), target.with_name(_LOG + "-shm")):
        stale.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{args.file}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    tighten(target)
    print(f"restored {args.file} into {args.data}; start the hub to serve it")
    return 0


def _not_a_backup(path: Path) -> str | None:
    """Why `path` is not a backup of a congress log, or None."""
    if not path.is_file():
        return "no such file"
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
            if not {"log", "tokens", "blobs"} <= tables:
                return "not a congress log (no log, tokens or blobs table)"
            if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                return "the file is damaged (SQLite's quick_check failed)"
        finally:
            db.close()
    except sqlite3.DatabaseError as error:
        return f"not an SQLite file ({error})"
    return None
