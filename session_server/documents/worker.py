"""Inside a render worker process: PDFium opens, measures, renders and reads pages, one by one.

Nothing here runs in the hub's process. PDFium is not thread-safe and the files it reads
come from outside: a crash or a runaway job here costs a worker, which the pool replaces.
"""

from __future__ import annotations

import math
import os
import resource
import signal
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

_ANGLE = 30
"""Degrees the watermark's lines climb, as on printed confidential papers."""
_GREY = (110, 110, 130)
_ALPHA = 56
"""How much of the grey covers the page under the text (of 255): faint, still legible."""

FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)
"""A font with Vietnamese glyphs for the watermark; Pillow's own is the fallback."""


NICENESS = 10
"""Added to a worker's niceness at its start: the hub's event loop comes first on the cores.

A marked copy is some 100 ms of CPU, and a day's preparation keeps the workers busy for
minutes on end. At the hub's niceness they take their even share of a core in the middle
of a page turn's fan-out: two busy processes beside a hub with 1,000 screens held the
last screen's p50 at 43.5 ms; at niceness 10, 26.9 ms (bench/fanout.py, 2026-12-02). The
workers still have every cycle the hub leaves, which is nearly all of them.
"""


class JobError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def main(connection: Connection, memory_limit: int) -> None:
    """Serve jobs from the pool until the pipe closes."""
    # Ctrl-C in the operator's terminal reaches every process of the hub: the pool stops
    # its workers itself, and a worker interrupted mid-job printed a traceback for nothing.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.nice(NICENESS)
    # First: whatever a file asks of PDFium, this process cannot take the machine's memory.
    resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    import pypdfium2  # noqa: F401  (imported once, here, never in the hub)

    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        operation, arguments = job
        try:
            result = JOBS[operation](**arguments)
        except JobError as error:
            connection.send(("error", error.code, error.message))
        except MemoryError:
            connection.send(("error", "render_failed", "the file needs more memory than allowed"))
        except Exception:  # a damaged file can fail anywhere inside PDFium
            connection.send(("error", "render_failed", "the page cannot be read"))
        else:
            connection.send(("ok", result))


def _open(path: str) -> Any:
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(path)
    except pdfium.PdfiumError:
        raise JobError("not_a_pdf", "the file is not a PDF, or it is damaged") from None


def _size(document: Any, index: int) -> tuple[float, float]:
    """The page as shown, in points: PDFium has already turned a /Rotate 90 or 270 page."""
    page = document[index]
    try:
        width, height = page.get_size()
        return float(width), float(height)
    finally:
        page.close()


def inspect(path: str, max_pages: int, max_page_points: float) -> list[tuple[float, float]]:
    document = _open(path)
    try:
        count = len(document)
        if count < 1:
            raise JobError("not_a_pdf", "the file has no pages")
        if count > max_pages:
            raise JobError("too_many_pages", f"the file has {count} pages; at most {max_pages}")
        sizes = []
        for index in range(count):
            width, height = _size(document, index)
            if not (0 < width <= max_page_points and 0 < height <= max_page_points):
                raise JobError(
                    "page_too_large",
                    f"page {index + 1} is {width:.0f} x {height:.0f} points; "
                    f"at most {max_page_points:.0f} a side",
                )
            sizes.append((width, height))
        return sizes
    finally:
        document.close()


def render(
    path: str, page: int, width: int, out: str, watermark: str | None, max_pixels: int
) -> None:
    from PIL import Image

    document = _open(path)
    try:
        if not 1 <= page <= len(document):
            raise JobError("no_such_page", f"the file has pages 1 to {len(document)}")
        points_wide, points_high = _size(document, page - 1)
        height = max(1, round(width * points_high / points_wide))
        if width * height > max_pixels:
            raise JobError(
                "too_many_pixels", f"a {width} x {height} image is over {max_pixels} pixels"
            )
        pdf_page = document[page - 1]
        try:
            bitmap = pdf_page.render(scale=width / points_wide, draw_annots=True)
            image = bitmap.to_pil().convert("RGB")
        finally:
            pdf_page.close()
    finally:
        document.close()
    if image.size != (width, height):
        # Rounding inside PDFium can leave a pixel more or less; the size served is exact.
        image = image.resize((width, height), Image.Resampling.LANCZOS)
    if watermark:
        image = _mark(image, watermark)
    _save(image, out)


def watermark_font(size: int) -> Any:
    from PIL import ImageFont

    for candidate in FONT_PATHS:
        if os.path.exists(candidate):
            return ImageFont.truetype(candidate, size)
    return ImageFont.load_default(size)


def _mark(image: Any, text: str) -> Any:
    """The viewer's name, faint, large and diagonal, repeated across the whole page."""
    from PIL import Image, ImageDraw

    width, height = image.size
    size = max(12, width // 22)
    font = watermark_font(size)
    # The name is drawn and turned once, on a small tile, then pasted in staggered rows:
    # turning a whole page-sized layer cost more than the rest of the job together.
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    left, top, right, bottom = probe.textbbox((0, 0), text, font=font)
    # One channel all along: the mark is the text's coverage, used as the alpha with which
    # a grey is laid over the page. Four-channel layers cost twice as much here.
    tile = Image.new("L", (int(right - left) + size, int(bottom - top) + size), 0)
    ImageDraw.Draw(tile).text((size // 2 - left, size // 2 - top), text, font=font, fill=_ALPHA)
    text_length, text_height = tile.width, tile.height
    tile = tile.rotate(_ANGLE, expand=True, resample=Image.Resampling.BICUBIC)
    mask = Image.new("L", (width, height), 0)
    # Copies sit on a lattice turned like the text: along it one name after another, and
    # across it a line every two names' heights, every other line shifted by half a name.
    along = (math.cos(math.radians(_ANGLE)), -math.sin(math.radians(_ANGLE)))
    across = (-along[1], along[0])
    pitch, leading = text_length + size, 2.5 * text_height
    reach = int((width + height) / min(pitch, leading)) + 2
    for j in range(-reach, reach + 1):
        shift = (j % 2) * pitch / 2
        for i in range(-reach, reach + 1):
            cx = width / 2 + (i * pitch + shift) * along[0] + j * leading * across[0]
            cy = height / 2 + (i * pitch + shift) * along[1] + j * leading * across[1]
            x, y = int(cx - tile.width / 2), int(cy - tile.height / 2)
            if -tile.width < x < width and -tile.height < y < height:
                # paste clips at the page's edges; the tile as its own mask keeps what
                # earlier copies drew where this one is empty.
                mask.paste(tile, (x, y), tile)
    grey = Image.new("RGB", (width, height), _GREY)
    page = image if image.mode == "RGB" else image.convert("RGB")
    return Image.composite(grey, page, mask)


_decoded: dict[str, Any] = {}
"""The page last marked in this worker, decoded: copies are made page by page, every
reader's copy of a page in a row, and decoding the page was a third of each copy's cost."""


def mark(base: str, out: str, watermark: str) -> None:
    """A marked copy of an already rendered page: PDFium is not needed a second time."""
    from PIL import Image

    image = _decoded.get(base)
    if image is None:
        with Image.open(base) as opened:
            image = opened.convert("RGB")
        # One page only: a page image is some 18 MB decoded at the widest width.
        _decoded.clear()
        _decoded[base] = image
    _save(_mark(image, watermark), out)


def _save(image: Any, out: str) -> None:
    target = Path(out)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        # method 0: encoding is most of a marked page's cost, and the fastest is as sharp.
        image.save(temporary, "WEBP", quality=80, method=0)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def text(path: str, page: int) -> str:
    document = _open(path)
    try:
        if not 1 <= page <= len(document):
            raise JobError("no_such_page", f"the file has pages 1 to {len(document)}")
        pdf_page = document[page - 1]
        try:
            textpage = pdf_page.get_textpage()
            try:
                return str(textpage.get_text_range())
            finally:
                textpage.close()
        finally:
            pdf_page.close()
    finally:
        document.close()


PAGE_TEXT_LIMIT = 50_000
"""Characters of one page's text kept for a search index; a dense A4 page has about 5,000,
and a hostile file's pages must not fill the hub's memory through the pipe."""


def texts(path: str, first: int, last: int) -> list[str]:
    """The text of pages `first` to `last`, the file opened once (a search index reads them all)."""
    document = _open(path)
    try:
        if not 1 <= first <= last <= len(document):
            raise JobError("no_such_page", f"the file has pages 1 to {len(document)}")
        found = []
        for index in range(first - 1, last):
            pdf_page = document[index]
            try:
                textpage = pdf_page.get_textpage()
                try:
                    count = min(textpage.count_chars(), PAGE_TEXT_LIMIT)
                    found.append(str(textpage.get_text_range(count=count)))
                finally:
                    textpage.close()
            finally:
                pdf_page.close()
        return found
    finally:
        document.close()


def paragraphs(path: str, first: int, last: int) -> list[list[tuple[str, list[float]]]]:
    """Pages `first` to `last`'s paragraphs: (text, box as fractions of the page) each."""
    from .paragraphs import group, lines_of

    document = _open(path)
    try:
        if not 1 <= first <= last <= len(document):
            raise JobError("no_such_page", f"the file has pages 1 to {len(document)}")
        found = []
        for index in range(first - 1, last):
            pdf_page = document[index]
            try:
                width, height = pdf_page.get_size()
                textpage = pdf_page.get_textpage()
                try:
                    count = min(textpage.count_chars(), PAGE_TEXT_LIMIT)
                    text = str(textpage.get_text_range(count=count))
                    boxes = [
                        None if text[i].isspace() else tuple(textpage.get_charbox(i))
                        for i in range(min(count, len(text)))
                    ]
                finally:
                    textpage.close()
            finally:
                pdf_page.close()
            blocks = group(lines_of(text, boxes), float(width), float(height))
            found.append([(b.text, list(b.box)) for b in blocks])
        return found
    finally:
        document.close()


def ping() -> str:
    return "pong"


JOBS: dict[str, Any] = {
    "inspect": inspect,
    "render": render,
    "text": text,
    "texts": texts,
    "paragraphs": paragraphs,
    "mark": mark,
    "ping": ping,
}
