"""PDFs made for the tests, good and hostile, never committed as files."""

from __future__ import annotations

from fpdf import FPDF


def a4_pdf(pages: int, text: str = "Trang") -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_font("Helvetica", size=24)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.cell(0, 20, f"{text} {number}")
    return bytes(pdf.output())


def huge_page_pdf() -> bytes:
    pdf = FPDF(unit="pt", format=(200_000, 200_000))
    pdf.add_page()
    return bytes(pdf.output())


def many_pages_pdf(pages: int) -> bytes:
    pdf = FPDF(unit="pt", format=(100, 100))
    for _ in range(pages):
        pdf.add_page()
    return bytes(pdf.output())


def heavy_pdf() -> bytes:
    """One page of many thousands of strokes: slow to rasterise at a large width."""
    pdf = FPDF(unit="pt", format=(595, 842))
    pdf.add_page()
    pdf.set_line_width(0.2)
    for n in range(60_000):
        x = (n * 37) % 595
        y = (n * 91) % 842
        pdf.line(x, y, (x * 7 + 13) % 595, (y * 3 + 29) % 842)
    return bytes(pdf.output())
