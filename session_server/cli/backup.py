"""`congress backup` and `congress restore`: the whole congress in one file, taken while it runs."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ..archive import FULL, Congress, is_archive, unpack
from ..backends import open_backend
from ..backends.base import Backend, BackendError
from ..backends.sqlite import SQLiteBackend
from ..private_files import tighten
from ..transfer import check_states, read_congress, write_congress

_LOG = "congress.db"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup = commands.add_parser(
        "backup",
        help="copy the log, documents and tokens to FILE while the hub runs (SQLite)",
    )
    backup.add_argument("file", type=Path, metavar="FILE")
    restore = commands.add_parser(
        "restore",
        help="make FILE, an export or a backup, the congress of the data directory or the "
        "--backend (the hub stopped)",
    )
    restore.add_argument("file", type=Path, metavar="FILE")
    restore.add_argument(
        "--force", action="store_true", help="replace the congress the target already holds"
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
    """Checks the file, then makes it the target's congress; the screens resume with a snapshot.

    FILE is an archive of `congress export` (onto SQLite or Redis) or a backup of
    `congress backup` (copied as it is onto SQLite, through an export onto Redis).
    """
    if not args.file.is_file():
        print(f"congress: {args.file}: no such file", file=sys.stderr)
        return 2
    with args.file.open("rb") as handle:
        head = handle.read(512)
    if is_archive(head):
        try:
            congress = unpack(args.file.read_bytes())
            check_states(congress)
        except (ValueError, KeyError) as error:
            print(
                f"congress: {args.file}: damaged archive: {error}; nothing was restored",
                file=sys.stderr,
            )
            return 2
        return asyncio.run(_restore_archive(args, congress))
    problem = _not_a_backup(args.file)
    if problem is not None:
        print(f"congress: {args.file}: {problem}", file=sys.stderr)
        return 2
    if _sqlite_target(args) is None:
        return asyncio.run(_restore_backup_elsewhere(args))
    return _restore_backup(args)


def _sqlite_target(args: argparse.Namespace) -> Path | None:
    """The SQLite file a restore writes, or None for a Redis target."""
    url = args.backend
    if url is None or url in ("", "sqlite:", "sqlite://"):
        return Path(args.data) / _LOG
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite://"))
    return None


def _refused(target: str) -> int:
    print(
        f"congress: {target} holds a congress already; stop the hub and add --force to replace it",
        file=sys.stderr,
    )
    return 1


def _sqlite_holds_data(path: Path) -> bool:
    """Whether an SQLite log has any record or token (one it cannot read counts as full)."""
    if not path.exists():
        return False
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
            return any(
                db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None
                for table in ("log", "tokens")
                if table in tables
            )
        finally:
            db.close()
    except sqlite3.DatabaseError:
        return True


def _restore_backup(args: argparse.Namespace) -> int:
    target = _sqlite_target(args)
    assert target is not None
    if _sqlite_holds_data(target) and not args.force:
        return _refused(str(target))
    _remove_log(target)
    source = sqlite3.connect(f"file:{args.file}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    tighten(target)
    print(f"restored {args.file} into {target}; start the hub to serve it")
    return 0


def _fold_wal(path: Path) -> None:
    """Move the write-ahead log into the file itself: only the file is renamed into place."""
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA journal_mode=DELETE")
    finally:
        db.close()


def _remove_log(target: Path) -> None:
    for stale in (
        target,
        target.with_name(target.name + "-wal"),
        target.with_name(target.name + "-shm"),
    ):
        stale.unlink(missing_ok=True)


async def _restore_backup_elsewhere(args: argparse.Namespace) -> int:
    """An SQLite backup onto Redis: read from a private copy as an export, written as one."""
    with tempfile.TemporaryDirectory(prefix="congress-restore-") as scratch_dir:
        copy = Path(scratch_dir) / _LOG
        shutil.copyfile(args.file, copy)
        source = await SQLiteBackend.open(copy)
        try:
            congress = await read_congress(source, source_backend="sqlite", kind=FULL)
        finally:
            await source.close()
    return await _restore_archive(args, congress)


async def _restore_archive(args: argparse.Namespace, congress: Congress) -> int:
    target = _sqlite_target(args)
    try:
        if target is None:
            backend = await open_backend(args.backend, args.data)
            try:
                if not await backend.is_empty():
                    if not args.force:
                        return _refused(_without_password(args.backend))
                    await backend.erase()
                await write_congress(congress, backend)
            finally:
                await backend.close()
            where = _without_password(args.backend)
        else:
            if _sqlite_holds_data(target) and not args.force:
                return _refused(str(target))
            # Written beside the target, then renamed over it: a restore cut short leaves
            # the old log (or none), never half of the new one.
            partial = target.with_name(f".{target.name}.restoring")
            _remove_log(partial)
            backend = await SQLiteBackend.open(partial)
            try:
                await write_congress(congress, backend)
            finally:
                await backend.close()
            _fold_wal(partial)
            _remove_log(target)
            os.replace(partial, target)
            tighten(target)
            where = str(target)
    except (BackendError, ValueError) as error:
        print(f"congress: restore failed: {error}", file=sys.stderr)
        return 1
    rooms = ", ".join(f"{r.name} at seq {r.last_seq}" for r in congress.rooms) or "no room"
    print(
        f"restored {args.file} ({congress.kind} export from {congress.source_backend}, "
        f"{congress.created_at}) into {where}: {rooms}, {len(congress.tokens)} tokens, "
        f"{len(congress.blobs)} documents' files; start the hub to serve it"
    )
    return 0


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, f"***@{host}", parts.path, "", ""))


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
