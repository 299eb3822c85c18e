"""`congress export TABLE`: CSV (with its BOM) and JSON, equal to the minutes; the help."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from session_server.archive import is_archive
from session_server.backends.base import LogRecord
from session_server.demo import DEMO_ROOM
from session_server.minutes.entries import Minutes
from session_server.minutes.exports import COLUMNS, rows
from session_server.minutes.model import build_minutes
from tests.minutes.cli import congress
from tests.minutes.conftest import Scripted
from tests.minutes.session import SITTINGS, SPEECHES, TZ
from tests.redis_server import RedisServer


@pytest.fixture(scope="module")
def full(scripted_records: list[LogRecord]) -> Minutes:
    return build_minutes(DEMO_ROOM, scripted_records, "full")


def exported(data_dir: Path, out: Path, table: str, fmt: str) -> bytes:
    made = congress(data_dir, "export", table, "--format", fmt, "--out", str(out))
    assert made.returncode == 0, made.stderr
    return out.read_bytes()


def as_csv_cells(row: dict[str, object]) -> dict[str, str]:
    cells = {}
    for key, value in row.items():
        if value is None:
            cells[key] = ""
        elif isinstance(value, bool):
            cells[key] = "1" if value else "0"
        else:
            cells[key] = str(value)
    return cells


@pytest.mark.parametrize("table", ["attendance", "speeches"])
def test_csv_and_json_hold_the_minutes_rows(
    table: str, full: Minutes, scripted_template: Scripted, tmp_path: Path
) -> None:
    want = rows(full, table, TZ)  # type: ignore[arg-type]
    raw = exported(scripted_template.data_dir, tmp_path / f"{table}.csv", table, "csv")
    # A BOM first, so that a spreadsheet program reads UTF-8 (the names' accents) right.
    assert raw.startswith(b"\xef\xbb\xbf")
    read = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert list(read[0]) == list(COLUMNS[table])  # type: ignore[index]
    assert read == [as_csv_cells(r) for r in want]
    document = json.loads(
        exported(scripted_template.data_dir, tmp_path / f"{table}.json", table, "json")
    )
    assert document["table"] == table
    assert document["timezone"] == "Asia/Ho_Chi_Minh"
    assert document["columns"] == list(COLUMNS[table])  # type: ignore[index]
    assert document["rows"] == want


def test_the_speeches_table_says_what_the_session_did(full: Minutes) -> None:
    table = rows(full, "speeches", TZ)
    assert [(r["delegate_id"], r["duration_seconds"]) for r in table] == [
        (s.delegate_id, s.duration) for s in SPEECHES
    ]
    assert [(r["extensions"], r["extension_seconds"]) for r in table] == [(2, 90), (0, 0), (0, 0)]
    assert table[0]["granted_at"] == "2025-10-15T08:01:50+07:00"


def test_the_attendance_table_has_every_delegate_in_every_sitting(full: Minutes) -> None:
    table = rows(full, "attendance", TZ)
    assert len(table) == 40 * len(SITTINGS)
    for number, (_, _, _, _, present, _) in enumerate(SITTINGS, start=1):
        sitting = [r for r in table if r["sitting"] == number]
        assert sum(1 for r in sitting if r["present"]) == present
    late = next(r for r in table if r["sitting"] == 2 and r["delegate_id"] == "DB031")
    assert late["checked_in_at"] == "2025-10-15T08:30:10+07:00"
    absent = next(r for r in table if r["delegate_id"] == "DB040")
    assert absent["present"] is False
    assert absent["checked_in_at"] is None


def test_the_whole_congress_archive_is_exported_as_before(
    scripted_template: Scripted, tmp_path: Path
) -> None:
    archive = tmp_path / "congress.export"
    made = congress(scripted_template.data_dir, "export", str(archive))
    assert made.returncode == 0, made.stderr
    assert is_archive(archive.read_bytes()[:512])
    # A table's options are refused for an archive, and a table needs both.
    refused = congress(scripted_template.data_dir, "export", str(archive), "--format", "csv")
    assert refused.returncode == 2
    assert "for a table" in refused.stderr
    refused = congress(scripted_template.data_dir, "export", "speeches", "--format", "csv")
    assert refused.returncode == 2
    assert "--out FILE" in refused.stderr
    shown = congress(scripted_template.data_dir, "export", "--help")
    assert "attendance|speeches" in shown.stdout
    assert "archive" in shown.stdout


def test_on_redis_the_same_minutes_and_tables(
    scripted_template: Scripted, redis_server: RedisServer, tmp_path: Path
) -> None:
    """The log moved onto Redis by export and restore: the files read it there alike."""
    archive = tmp_path / "congress.export"
    assert congress(scripted_template.data_dir, "export", str(archive)).returncode == 0
    elsewhere = tmp_path / "data"
    on_redis = ("--backend", redis_server.url)
    restored = congress(elsewhere, *on_redis, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    for table in ("attendance", "speeches"):
        here = exported(
            scripted_template.data_dir, tmp_path / f"{table}-sqlite.json", table, "json"
        )
        made = congress(
            elsewhere, *on_redis, "export", table, "--format", "json", "--out", str(tmp_path / "r")
        )
        assert made.returncode == 0, made.stderr
        assert (tmp_path / "r").read_bytes() == here
    for copy in ((), ("--public",)):
        sqlite_pdf, redis_pdf = tmp_path / "s.pdf", tmp_path / "r.pdf"
        assert (
            congress(
                scripted_template.data_dir, "minutes", "--out", str(sqlite_pdf), *copy
            ).returncode
            == 0
        )
        made = congress(elsewhere, *on_redis, "minutes", "--out", str(redis_pdf), *copy)
        assert made.returncode == 0, made.stderr
        assert redis_pdf.read_bytes() == sqlite_pdf.read_bytes()


def test_the_help_names_every_table(tmp_path: Path) -> None:
    from session_server.minutes.exports import TABLES

    shown = congress(tmp_path, "export", "--help")
    assert shown.returncode == 0, shown.stderr
    usage = " ".join(shown.stdout.split())
    assert "FILE|" + "|".join(TABLES) in usage
    for table in TABLES:
        assert f"{table}," in usage or f"{table})" in usage, table
