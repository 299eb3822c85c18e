"""The A4 sheet the hub's reports are printed on (fpdf2): DejaVu, margins, a grey foot line."""

from __future__ import annotations

from fpdf import FPDF

from .fonts import add_dejavu, latin

GREY = (90, 90, 90)
"""The foot line's colour."""


class Paper(FPDF):
    """A4 with 18 mm margins, in DejaVu when it is installed; `t` makes a text printable in
    the face found, `start_foot` places and styles the foot line a subclass writes."""

    def __init__(self) -> None:
        super().__init__(format="A4")
        # Without DejaVu the core font is used and the accents are dropped: still readable.
        self.face = add_dejavu(self)
        self.unicode = self.face == "DejaVu"
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(auto=True, margin=18)

    def t(self, text: str) -> str:
        return text if self.unicode else latin(text)

    def start_foot(self) -> None:
        self.set_y(-12)
        self.set_font(self.face, "", 7.5)
        self.set_text_color(*GREY)
