"""Sign-in cards: each person's link, with the token in the fragment, and a QR code of it."""

from __future__ import annotations

import stat
from pathlib import Path

import segno

from session_server.cards import Card, link, render, write

CARDS = [
    Card("Nguyễn Văn An", "Đoàn huyện Năm Căn · A01", "s3cr<t>", "delegate"),
    Card("Bảng cổng chính", "Bảng điện tử", "board-secret", "board"),
]


def test_the_link_opens_the_right_page_with_the_token_in_the_fragment() -> None:
    assert link("https://daihoi.example/", CARDS[0]) == (
        "https://daihoi.example/delegate/#token=s3cr<t>"
    )
    assert link("http://127.0.0.1:8000", CARDS[1]) == (
        "http://127.0.0.1:8000/board/#token=board-secret"
    )


def test_each_card_has_its_name_escaped_and_the_qr_code_of_its_link() -> None:
    page = render("Đại hội <thử>", "https://daihoi.example", CARDS)
    assert "Đại hội &lt;thử&gt;" in page
    assert page.count('<section class="card">') == 2
    for card in CARDS:
        url = link("https://daihoi.example", card)
        assert segno.make(url, error="m").svg_inline(scale=3, border=2) in page
    assert "s3cr<t>" not in page, "escaped in the visible link"
    assert "s3cr&lt;t&gt;" in page


def test_the_sheet_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "cards" / "the.html"
    write(path, "Đại hội", "http://h", CARDS)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "Nguyễn Văn An" in path.read_text(encoding="utf-8")
