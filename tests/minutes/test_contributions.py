"""Written contributions in the minutes: the full copy's section and the secretariat's table."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from session_server.backends.base import LogRecord, decode_record
from session_server.minutes.exports import export
from session_server.minutes.model import build_minutes
from session_server.minutes.pdf import render_pdf
from tests.golden.test_golden import golden
from tests.minutes.texts import pdf_text, squeezed

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def records() -> tuple[str, list[LogRecord]]:
    """The sixth golden log: a PDF returned, sent again, accepted, published; a text accepted."""
    room, bodies = golden("congress-2026-12-01-contributions.msgpack")
    return room, [decode_record(seq, body) for seq, body in bodies]


def test_the_full_copy_lists_every_contribution_with_its_author_and_status() -> None:
    room, log = records()
    full = build_minutes(room, log, "full")
    assert [(k.title, k.name, k.unit, k.status, k.version) for k in full.contributions] == [
        (
            "Tham luận về kinh tế biển (bản sửa)",
            "Phạm Hoàng Dũng",
            "Đoàn huyện Đầm Dơi",
            "published",
            2,
        ),
        ("Ý kiến về công tác cán bộ", "Huỳnh Thanh Hà", "Đoàn huyện U Minh", "accepted", 1),
    ]
    text = squeezed(pdf_text(render_pdf(full, lang="vi", tz=TZ)))
    assert squeezed("9. Tham luận gửi Đoàn Thư ký") in text
    assert squeezed("Ý kiến về công tác cán bộ") in text
    assert squeezed("Đã phát hành (tham-luan-1)") in text
    english = squeezed(pdf_text(render_pdf(full, lang="en", tz=TZ)))
    assert squeezed("9. Written contributions") in english


def test_the_public_copy_has_no_contribution_but_the_published_document() -> None:
    room, log = records()
    public = build_minutes(room, log, "public")
    assert public.contributions == ()
    text = squeezed(pdf_text(render_pdf(public, lang="vi", tz=TZ)))
    assert squeezed("Tham luận gửi Đoàn Thư ký") not in text
    assert squeezed("Ý kiến về công tác cán bộ") not in text


def test_the_contributions_table_in_csv_and_json() -> None:
    room, log = records()
    full = build_minutes(room, log, "full")
    table = json.loads(export(full, "contributions", "json", TZ))
    assert table["columns"][:5] == ["contribution_id", "title", "delegate_id", "name", "unit"]
    assert [
        (r["contribution_id"], r["status"], r["document_id"], r["access"]) for r in table["rows"]
    ] == [
        ("tl-1", "published", "tham-luan-1", "delegates"),
        ("tl-2", "accepted", None, None),
    ]
    assert table["rows"][0]["submitted_at"].endswith("+07:00")
    csv = export(full, "contributions", "csv", TZ).decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("contribution_id,title,delegate_id,name,unit")
    assert "Huỳnh Thanh Hà" in csv
    assert len(csv.splitlines()) == 3
