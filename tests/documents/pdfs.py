"""PDFs made for the tests, good and hostile, never committed as files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def a4_pdf(pages: int, text: str = "Trang") -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_font("Helvetica", size=24)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.cell(0, 20, f"{text} {number}")
    return bytes(pdf.output())


def vietnamese_pdf(text: str) -> bytes:
    """One A4 page of `text` in DejaVu Sans, whose glyphs cover Vietnamese."""
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", fname=str(DEJAVU))
    pdf.set_font("DejaVu", size=20)
    pdf.add_page()
    pdf.cell(0, 20, text)
    return bytes(pdf.output())


def handmade_pdf(
    sizes: Sequence[tuple[float, float]], content: bytes = b"", rotate: int = 0
) -> bytes:
    """A PDF written object by object: pages of any size, thousands of them in milliseconds,
    all drawing the same `content` stream."""
    kids = " ".join(f"{4 + n} 0 R" for n in range(len(sizes)))
    return _assemble(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            f"<< /Type /Pages /Kids [{kids}] /Count {len(sizes)} >>".encode(),
            _stream(content),
            *(
                f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w:g} {h:g}] /Rotate {rotate} "
                "/Contents 3 0 R >>".encode()
                for w, h in sizes
            ),
        ]
    )


def worded_pdf(pages: int) -> bytes:
    """A4 pages of about 2 KB of text each, in thousands in milliseconds: page `n` opens with
    "Dieu n quy dinh" and every page holds "ke hoach phat trien" (Helvetica, no font file)."""
    kids = " ".join(f"{4 + 2 * n} 0 R" for n in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for number in range(1, pages + 1):
        lines = [f"Dieu {number} quy dinh ve ngan sach nam {2000 + number % 25}."]
        lines += [
            f"Khoan {line}. Cac chi tieu chu yeu cua ke hoach phat trien kinh te xa hoi "
            f"giai doan {number % 7 + 2020} den {number % 5 + 2026}, muc {number * line % 97}."
            for line in range(1, 26)
        ]
        shown = b" ".join(b"(%s) '" % text.encode("ascii") for text in lines)
        objects += [
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {5 + 2 * (number - 1)}"
            " 0 R /Resources << /Font << /F1 3 0 R >> >> >>".encode(),
            _stream(b"BT /F1 9 Tf 11 TL 30 812 Td %s ET" % shown),
        ]
    return _assemble(objects)


def _stream(content: bytes) -> bytes:
    return b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content)


def _assemble(objects: Sequence[bytes]) -> bytes:
    """The objects, numbered from 1, with the cross-reference table a reader needs."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    table = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        table,
    )
    return bytes(out)


def huge_page_pdf() -> bytes:
    return handmade_pdf([(100_000, 100_000)])


def many_pages_pdf(pages: int) -> bytes:
    return handmade_pdf([(100, 100)] * pages)


def heavy_pdf() -> bytes:
    """One A4 page of 60,000 separately stroked lines: slow to rasterise at a large width."""
    strokes = b"".join(
        b"%d %d m %d %d l S\n"
        % (
            (n * 37) % 595,
            (n * 91) % 842,
            ((n * 37) % 595 * 7 + 13) % 595,
            ((n * 91) % 842 * 3 + 29) % 842,
        )
        for n in range(60_000)
    )
    return handmade_pdf([(595, 842)], b"0.2 w\n" + strokes)
