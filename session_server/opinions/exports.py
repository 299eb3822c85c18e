"""The roll-up as the drafting committee works from it: its words in both languages, and a CSV."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

KIND_NAMES = {
    "vi": {
        "agree": "Tán thành",
        "amend": "Sửa đổi",
        "add": "Bổ sung",
        "remove": "Bỏ",
        "other": "Ý kiến khác",
    },
    "en": {
        "agree": "Agree",
        "amend": "Amend",
        "add": "Add",
        "remove": "Remove",
        "other": "Other",
    },
}
WORDS = {
    "vi": {
        "title": "TỔNG HỢP Ý KIẾN",
        "version": "Phiên bản {version}",
        "newer": "Đã có phiên bản {current}: đoạn đánh dấu ▲ đã thay đổi trong phiên bản mới.",
        "total": "Tổng số ý kiến: {total}",
        "page": "Trang {page}",
        "paragraph": "Đoạn {id}",
        "changed": "▲ đoạn này đã thay đổi trong phiên bản mới",
        "none": "Chưa có ý kiến.",
        "wording": "Đề nghị sửa thành",
        "group": "Tổ",
        "no_group": "không thuộc tổ",
        "made": "Lập lúc {at}",
        "foot": "Trang {n}/{{nb}}",
    },
    "en": {
        "title": "ROLL-UP OF OPINIONS",
        "version": "Version {version}",
        "newer": "Version {current} exists: paragraphs marked ▲ changed in the newer version.",
        "total": "Opinions: {total}",
        "page": "Page {page}",
        "paragraph": "Paragraph {id}",
        "changed": "▲ this paragraph changed in the newer version",
        "none": "No opinion yet.",
        "wording": "Proposed wording",
        "group": "Group",
        "no_group": "in no group",
        "made": "Made at {at}",
        "foot": "Page {n}/{{nb}}",
    },
}
LANGS = frozenset(WORDS)
CSV_COLUMNS = (
    "page",
    "paragraph_id",
    "paragraph_changed",
    "paragraph_text",
    "opinion_id",
    "kind",
    "group",
    "author",
    "unit",
    "text",
    "wording",
    "recorded_at",
)


def _cell(value: Any) -> str:
    """A cell as text; one a spreadsheet would run as a formula starts with a quote."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def at(ms: int, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(ms / 1000, tz).strftime("%Y-%m-%d %H:%M")


def to_csv(rolled: dict[str, Any], tz: ZoneInfo, lang: str = "vi") -> bytes:
    """One row per opinion (a paragraph with none has one row with empty opinion cells), in
    the paragraphs' order: UTF-8 with a BOM, as the minutes' tables, for spreadsheets."""
    names = KIND_NAMES[lang]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for paragraph in rolled["paragraphs"]:
        head = [
            paragraph["page"],
            paragraph["id"],
            "1" if paragraph["changed"] else "0",
            paragraph["text"],
        ]
        if not paragraph["quotes"]:
            writer.writerow([_cell(v) for v in head + [""] * 8])
        for quote in paragraph["quotes"]:
            author = quote.get("author") or {}
            writer.writerow(
                [
                    _cell(v)
                    for v in (
                        *head,
                        quote["id"],
                        names[quote["kind"]],
                        quote["group"] or "",
                        author.get("name", ""),
                        author.get("unit", ""),
                        quote["text"],
                        quote["wording"],
                        at(quote["at"], tz),
                    )
                ]
            )
    return out.getvalue().encode("utf-8-sig")
