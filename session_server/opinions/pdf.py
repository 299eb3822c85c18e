"""The opinions' roll-up as a PDF (fpdf2), for the drafting committee: imported only to make one."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from ..paper import Paper
from .exports import KIND_NAMES, WORDS, at


class _Paper(Paper):
    def __init__(self, foot: str) -> None:
        super().__init__()
        self.foot = foot

    def footer(self) -> None:
        self.start_foot()
        self.cell(0, 5, self.t(self.foot.format(n=self.page_no())), align="C")

    def lines(self, text: str, size: float, style: str = "", height: float = 5.0) -> None:
        self.set_font(self.face, style, size)
        self.multi_cell(0, height, self.t(text), new_x="LMARGIN", new_y="NEXT")


def to_pdf(rolled: dict[str, Any], tz: ZoneInfo, made_at: int, lang: str = "vi") -> bytes:
    """The roll-up as the drafting committee reads it: each paragraph's text, its counts by
    kind and by group, then every quote (with its author when the reader may see them)."""
    words = WORDS[lang]
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
    pdf.lines(words["made"].format(at=at(made_at, tz)), 8)
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
