"""The roll-up as files the drafting committee works from: a PDF (fpdf2) and a CSV."""

from __future__ import annotations

import csv
import io
import unicodedata
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fpdf import FPDF

from ..demo_pdfs import FONT_DIRS

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
_WORDS = {
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
LANGS = frozenset(_WORDS)
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


def _at(ms: int, tz: ZoneInfo) -> str:
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
                        _at(quote["at"], tz),
                    )
                ]
            )
    return out.getvalue().encode("utf-8-sig")


class _Paper(FPDF):
    def __init__(self, foot: str) -> None:
        super().__init__(format="A4")
        folder = next(
            (
                f
                for f in FONT_DIRS
                if (f / "DejaVuSans.ttf").exists() and (f / "DejaVuSans-Bold.ttf").exists()
            ),
            None,
        )
        self.unicode = folder is not None
        if folder is not None:
            self.add_font("DejaVu", "", str(folder / "DejaVuSans.ttf"))
            self.add_font("DejaVu", "B", str(folder / "DejaVuSans-Bold.ttf"))
        self.face = "DejaVu" if self.unicode else "Helvetica"
        self.foot = foot
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(auto=True, margin=18)

    def t(self, text: str) -> str:
        if self.unicode:
            return text
        folded = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
        return "".join(ch for ch in folded if not unicodedata.combining(ch) and ord(ch) < 256)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.face, "", 7.5)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, self.t(self.foot.format(n=self.page_no())), align="C")

    def lines(self, text: str, size: float, style: str = "", height: float = 5.0) -> None:
        self.set_font(self.face, style, size)
        self.multi_cell(0, height, self.t(text), new_x="LMARGIN", new_y="NEXT")


def to_pdf(rolled: dict[str, Any], tz: ZoneInfo, made_at: int, lang: str = "vi") -> bytes:
    """The roll-up as the drafting committee reads it: each paragraph's text, its counts by
    kind and by group, then every quote (with its author when the reader may see them)."""
    words = _WORDS[lang]
    names = KIND_NAMES[lang]
    pdf = _Paper(words["foot"])
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_text_color(170, 20, 20)
    pdf.lines(words["title"], 15, "B", 8)
    pdf.set_text_color(0, 0, 0)
    pdf.lines(rolled["title"], 12, "B", 6)
    pdf.lines(words["version"].format(version=rolled["version"]), 10)
    if rolled["current_version"] != rolled["version"]:
        pdf.lines(words["newer"].format(current=rolled["current_version"]), 9)
    pdf.lines(words["total"].format(total=rolled["total"]), 10)
    counts = " · ".join(f"{names[k]}: {n}" for k, n in rolled["kinds"].items())
    pdf.lines(counts, 9)
    pdf.lines(words["made"].format(at=_at(made_at, tz)), 8)
    pdf.ln(3)
    for paragraph in rolled["paragraphs"]:
        if pdf.y > pdf.h - 50:
            pdf.add_page()
        pdf.set_draw_color(200, 200, 200)
        pdf.line(pdf.l_margin, pdf.y, pdf.w - pdf.r_margin, pdf.y)
        pdf.ln(1.5)
        pdf.set_text_color(90, 90, 90)
        label = f"{words['page'].format(page=paragraph['page'])} · "
        label += words["paragraph"].format(id=paragraph["id"])
        pdf.lines(label, 8)
        if paragraph["changed"]:
            pdf.set_text_color(170, 20, 20)
            pdf.lines(words["changed"], 8, "B")
        pdf.set_text_color(0, 0, 0)
        pdf.lines(paragraph["text"], 10, "", 5)
        if not paragraph["quotes"]:
            pdf.set_text_color(120, 120, 120)
            pdf.lines(words["none"], 8.5)
            pdf.set_text_color(0, 0, 0)
            pdf.ln(2)
            continue
        kinds = " · ".join(f"{names[k]}: {n}" for k, n in paragraph["kinds"].items() if n)
        groups = " · ".join(
            f"{_group_label(paragraph, g, words)}: {n}" for g, n in paragraph["groups"].items()
        )
        pdf.lines(f"{kinds}   |   {groups}", 8.5, "B")
        for quote in paragraph["quotes"]:
            who = [names[quote["kind"]]]
            if quote["group"]:
                who.append(f"{words['group']} {quote['group']}")
            author = quote.get("author")
            if author:
                who.append(
                    f"{author['name']} ({author['unit']})" if author["unit"] else author["name"]
                )
            pdf.set_x(pdf.l_margin + 4)
            pdf.set_font(pdf.face, "B", 8.5)
            pdf.multi_cell(
                0, 4.5, pdf.t("\u2013 " + " · ".join(who)), new_x="LMARGIN", new_y="NEXT"
            )
            if quote["text"]:
                pdf.set_x(pdf.l_margin + 8)
                pdf.set_font(pdf.face, "", 9)
                pdf.multi_cell(0, 4.5, pdf.t(quote["text"]), new_x="LMARGIN", new_y="NEXT")
            if quote["wording"]:
                pdf.set_x(pdf.l_margin + 8)
                pdf.set_font(pdf.face, "", 9)
                pdf.multi_cell(
                    0,
                    4.5,
                    pdf.t(f"{words['wording']}: «{quote['wording']}»"),
                    new_x="LMARGIN",
                    new_y="NEXT",
                )
        pdf.ln(2)
    return bytes(pdf.output())


def _group_label(paragraph: dict[str, Any], group_id: str, words: dict[str, str]) -> str:
    if not group_id:
        return words["no_group"]
    for quote in paragraph["quotes"]:
        if quote["group_id"] == group_id and quote["group"]:
            return f"{words['group']} {quote['group']}"
    return f"{words['group']} {group_id}"
