"""The secretariat's tables (attendance, speeches) from the full minutes, as CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Literal
from zoneinfo import ZoneInfo

from .model import Minutes
from .text import moment

Table = Literal["attendance", "speeches"]
TABLES: tuple[Table, ...] = ("attendance", "speeches")
Format = Literal["csv", "json"]
FORMATS: tuple[Format, ...] = ("csv", "json")

COLUMNS: dict[Table, tuple[str, ...]] = {
    "attendance": (
        "sitting",
        "sitting_opened_at",
        "sitting_closed_at",
        "delegate_id",
        "name",
        "unit",
        "seat",
        "present",
        "checked_in_at",
    ),
    "speeches": (
        "number",
        "item_id",
        "item_title",
        "delegate_id",
        "name",
        "unit",
        "kind",
        "granted_at",
        "ended_at",
        "duration_seconds",
        "allowed_seconds",
        "extensions",
        "extension_seconds",
    ),
}
"""Each table's columns, in order (docs/minutes.md says what each holds)."""

MEDIA_TYPES: dict[Format, str] = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}


def rows(minutes: Minutes, table: Table, tz: ZoneInfo) -> list[dict[str, Any]]:
    """The table's rows as plain values: times as ISO 8601 in `tz`, missing ones null."""
    if minutes.copy != "full":
        raise ValueError("the secretariat's tables are made from the full minutes")
    if table == "attendance":
        return [
            {
                "sitting": sitting.number,
                "sitting_opened_at": moment(sitting.opened_at, tz),
                "sitting_closed_at": moment(sitting.closed_at, tz) or None,
                "delegate_id": entry.delegate_id,
                "name": entry.name,
                "unit": entry.unit,
                "seat": entry.seat,
                "present": entry.present,
                "checked_in_at": moment(entry.checked_in_at, tz) or None,
            }
            for sitting in minutes.sittings
            for entry in sitting.roll or ()
        ]
    return [
        {
            "number": number,
            "item_id": speech.item_id,
            "item_title": speech.item_title,
            "delegate_id": speech.delegate_id,
            "name": speech.name,
            "unit": speech.unit,
            "kind": speech.kind,
            "granted_at": moment(speech.granted_at, tz),
            "ended_at": moment(speech.ended_at, tz) or None,
            "duration_seconds": speech.duration_seconds,
            "allowed_seconds": speech.allowed_seconds,
            "extensions": len(speech.extensions),
            "extension_seconds": sum(speech.extensions),
        }
        for number, speech in enumerate(minutes.speeches, start=1)
    ]


def export(minutes: Minutes, table: Table, fmt: Format, tz: ZoneInfo) -> bytes:
    """The table as a file's bytes: CSV in UTF-8 with a BOM (spreadsheet programs then read
    the Vietnamese letters right), or JSON with the room, time zone and record it is from."""
    data = rows(minutes, table, tz)
    if fmt == "json":
        document = {
            "room": minutes.room,
            "title": minutes.title,
            "table": table,
            "timezone": tz.key,
            "last_seq": minutes.last_seq,
            "columns": list(COLUMNS[table]),
            "rows": data,
        }
        return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS[table], lineterminator="\r\n")
    writer.writeheader()
    for row in data:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue().encode("utf-8-sig")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return value
