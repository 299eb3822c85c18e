"""A text contribution laid out as a PDF (fpdf2), in a child process: its pages, its document."""

from __future__ import annotations

import asyncio
import multiprocessing
import unicodedata
from concurrent.futures import ProcessPoolExecutor

MAX_CONTRIBUTION_TEXT = 30_000
"""Characters of a text contribution (about ten pages), counted after trimming."""


def lay_out(title: str, author: str, text: str) -> bytes:
    """The PDF of a text contribution: its title, its author, its paragraphs, page numbers."""
    from fpdf import FPDF

    from .fonts import add_dejavu

    class Paper(FPDF):
        def footer(self) -> None:
            self.set_y(-15)
            self.set_font(face, "", 8)
            self.cell(0, 10, f"{self.page_no()}/{{nb}}", align="C")

    paper = Paper(format="A4")
    face = add_dejavu(paper)

    def shown(words: str) -> str:
        # Without DejaVu the core font takes Latin-1 only: the accents are dropped, and
        # anything else (a symbol, an emoji) too, rather than the layout failing.
        if face == "DejaVu":
            return "".join(ch for ch in words if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
        folded = unicodedata.normalize("NFD", words.replace("đ", "d").replace("Đ", "D"))
        return "".join(
            ch for ch in folded if ch == "\n" or (not unicodedata.combining(ch) and ord(ch) < 256)
        )

    paper.set_margins(22, 20, 22)
    paper.set_auto_page_break(auto=True, margin=22)
    paper.add_page()
    paper.set_font(face, "B", 15)
    paper.multi_cell(0, 8, shown(title), align="C", new_x="LMARGIN", new_y="NEXT")
    paper.set_font(face, "", 10)
    paper.multi_cell(0, 6, shown(author), align="C", new_x="LMARGIN", new_y="NEXT")
    paper.ln(6)
    paper.set_font(face, "", 11)
    for paragraph in text.split("\n"):
        paper.multi_cell(0, 6, shown(paragraph) or " ", new_x="LMARGIN", new_y="NEXT")
    return bytes(paper.output())


async def lay_out_apart(title: str, author: str, text: str) -> bytes:
    """`lay_out` in a fresh child process: the layout and the fonts stay out of the hub."""
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
    try:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(pool, lay_out, title, author, text)
    finally:
        pool.shutdown(wait=False)
