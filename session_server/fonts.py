"""DejaVu for the PDFs the hub writes: the font that has every Vietnamese letter."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
"""Where Debian (fonts-dejavu-core) and others keep DejaVu, which has Vietnamese glyphs."""


def dejavu_folder() -> Path | None:
    """The folder holding DejaVu Sans, regular and bold; None when it is not installed."""
    for folder in FONT_DIRS:
        if (folder / "DejaVuSans.ttf").exists() and (folder / "DejaVuSans-Bold.ttf").exists():
            return folder
    return None


def add_dejavu(pdf: FPDF) -> str:
    """Adds DejaVu (regular, bold) to `pdf`; the face to write in: "DejaVu", or the core
    "Helvetica" when DejaVu is missing (text then goes through `latin`: still readable)."""
    folder = dejavu_folder()
    if folder is None:
        return "Helvetica"
    pdf.add_font("DejaVu", "", str(folder / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(folder / "DejaVuSans-Bold.ttf"))
    return "DejaVu"


def latin(text: str) -> str:
    """`text` without its accents and outside Latin-1 dropped: what a core font can print."""
    folded = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in folded if not unicodedata.combining(ch) and ord(ch) < 256)
