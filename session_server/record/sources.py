"""Where `congress verify` reads a log from: an SQLite file, an export archive, or Redis.

Each is read as stored and never written: the SQLite file is opened read-only (an older
one is not migrated), Redis is only read.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from ..archive import DamagedArchive, is_archive, unpack
from ..backends.base import Backend, StoredRecord
from ..backends.sqlite import stored_row

Logs = dict[str, list[StoredRecord]]
"""Each room's stored records, in the order the source keeps them."""

_SQLITE_HEADER = b"SQLite format 3\x00"


class UnreadableSource(ValueError):
    """Not a data directory, backup, export or Redis this can read at all."""


def read_path(path: Path) -> tuple[Logs, list[str]]:
    """The logs in a data directory, a backup or an export; and what is wrong with the file
    around them (an archive part that does not match its manifest), if anything."""
    if path.is_dir():
        path = path / "congress.db"
    try:
        with path.open("rb") as handle:
            head = handle.read(512)
    except OSError as error:
        raise UnreadableSource(f"{path}: {error.strerror}") from None
    if is_archive(head):
        return read_archive(path.read_bytes())
    if head.startswith(_SQLITE_HEADER):
        return read_sqlite(path), []
    raise UnreadableSource(f"{path}: neither an SQLite log or backup nor an export archive")


def read_sqlite(path: Path) -> Logs:
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise UnreadableSource(f"{path}: {error}") from None
    try:
        columns = {row[1] for row in db.execute("PRAGMA table_info(log)")}
        if not columns:
            raise UnreadableSource(f"{path}: no log table")
        chained = "hash" in columns
        rows = db.execute(
            "SELECT room, seq, body, "
            + ("prev, hash" if chained else "NULL, NULL")
            + ", at, origin FROM log ORDER BY room, seq"
        ).fetchall()
    except sqlite3.Error as error:
        raise UnreadableSource(f"{path}: {error}") from None
    finally:
        db.close()
    logs: Logs = {}
    for row in rows:
        logs.setdefault(str(row[0]), []).append(stored_row(row[1:]))
    return logs


def read_archive(data: bytes) -> tuple[Logs, list[str]]:
    problems: list[str] = []
    try:
        congress = unpack(data)
    except DamagedArchive as error:
        problems.append(f"the archive: {error}")
        try:
            congress = unpack(data, check_digests=False)
        except DamagedArchive as again:
            raise UnreadableSource(f"the archive cannot be read: {again}") from None
    logs: Logs = {}
    for room in congress.rooms:
        logs[room.name] = [
            StoredRecord(seq=seq, body=body, prev=prev, hash=own)
            for index, (seq, body) in enumerate(room.records)
            for prev, own in [room.links(index)]
        ]
    return logs, problems


def read_only_url(url: str) -> str:
    """The Redis URL with no durability check: verify writes nothing."""
    parts = urlsplit(url)
    options = parse_qs(parts.query)
    options["durability"] = ["none"]
    return urlunsplit(parts._replace(query=urlencode(options, doseq=True)))


async def read_backend(backend: Backend) -> Logs:
    logs: Logs = {}
    for room in await backend.rooms():
        records: list[StoredRecord] = []
        while True:
            batch = await backend.read_raw(room, records[-1].seq if records else 0, 5000)
            records += batch
            if len(batch) < 5000:
                break
        logs[room] = records
    return logs
