"""The secretariat's tables (attendance, speeches, votes, timeline) from the full minutes."""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Literal
from zoneinfo import ZoneInfo

from .entries import Minutes
from .text import moment

Table = Literal["attendance", "speeches", "votes", "timeline", "contributions"]
TABLES: tuple[Table, ...] = ("attendance", "speeches", "votes", "timeline", "contributions")
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
    "votes": (
        "vote_id",
        "kind",
        "title",
        "opened_at",
        "closed_at",
        "threshold",
        "base_rule",
        "base",
        "issued",
        "cast",
        "not_cast",
        "option_id",
        "option",
        "count",
        "outcome",
    ),
    "timeline": ("at", "what", "detail"),
    "contributions": (
        "contribution_id",
        "title",
        "delegate_id",
        "name",
        "unit",
        "kind",
        "pages",
        "version",
        "status",
        "reason",
        "submitted_at",
        "document_id",
        "access",
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
    if table == "votes":
        return _votes(minutes, tz)
    if table == "timeline":
        return _timeline(minutes, tz)
    if table == "contributions":
        return [
            {
                "contribution_id": k.contribution_id,
                "title": k.title,
                "delegate_id": k.delegate_id,
                "name": k.name,
                "unit": k.unit,
                "kind": k.kind,
                "pages": k.pages,
                "version": k.version,
                "status": k.status,
                "reason": k.reason,
                "submitted_at": moment(k.submitted_at, tz),
                "document_id": k.document_id,
                "access": k.access,
            }
            for k in minutes.contributions
        ]
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


_QUESTION_OPTIONS = ("for", "against", "abstain")


def _votes(minutes: Minutes, tz: ZoneInfo) -> list[dict[str, Any]]:
    """One row per option of each vote put to the congress: a question's three, an
    election's candidates; the count and outcome only once counted."""
    out = []
    for vote in minutes.votes:
        result = vote.result or {}
        counts = result.get("counts") or []
        if vote.kind == "question":
            options = [(o, o) for o in _QUESTION_OPTIONS]
        else:
            options = [(cid, name) for cid, name, _ in vote.candidates]
        for index, (option_id, option) in enumerate(options):
            if vote.kind == "question":
                outcome = "" if not result else ("passed" if result["passed"] else "not_passed")
            elif option_id in result.get("elected", ()):
                outcome = "elected"
            else:
                outcome = "tied" if option_id in result.get("tied", ()) else ""
            out.append(
                {
                    "vote_id": vote.vote_id,
                    "kind": vote.kind,
                    "title": vote.title,
                    "opened_at": moment(vote.opened_at, tz) or None,
                    "closed_at": moment(vote.closed_at, tz) or None,
                    "threshold": vote.threshold,
                    "base_rule": vote.base_rule,
                    "base": result.get("base"),
                    "issued": vote.issued,
                    "cast": vote.cast,
                    "not_cast": vote.not_cast,
                    "option_id": option_id,
                    "option": option,
                    "count": counts[index] if counts else None,
                    "outcome": outcome,
                }
            )
    return out


def _timeline(minutes: Minutes, tz: ZoneInfo) -> list[dict[str, Any]]:
    """What happened, in order of time: the session, items, pages shown, speeches,
    announcements, votes and checkpoints, one line each (the console's record panel)."""
    events: list[tuple[int, str, str]] = []
    events += [(c.at, f"session_{c.status}", "") for c in minutes.status]
    for item in minutes.agenda:
        for period in item.periods:
            events.append((period.opened_at, "item_opened", item.title))
            if period.closed_at is not None:
                events.append((period.closed_at, "item_closed", item.title))
    events += [(s.shown_at, "document_shown", s.title) for s in minutes.shown if not s.hidden]
    events += [
        (s.granted_at, "speech", f"{s.name} ({s.unit}) · {s.kind} · {s.duration_seconds} s")
        for s in minutes.speeches
    ]
    events += [(a.posted_at, "announcement", a.text) for a in minutes.announcements]
    for vote in minutes.votes:
        if vote.opened_at is not None:
            events.append((vote.opened_at, f"{vote.kind}_opened", vote.title))
        if vote.closed_at is not None:
            events.append((vote.closed_at, f"{vote.kind}_closed", vote.title))
    events += [(c.at, "checkpoint", f"{c.reason} · {c.fingerprint}") for c in minutes.checkpoints]
    events.sort(key=lambda e: e[0])
    return [{"at": moment(at, tz), "what": what, "detail": detail} for at, what, detail in events]


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
