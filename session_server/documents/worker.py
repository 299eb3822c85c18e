"""Inside a render worker process: PDFium opens, measures, renders and reads pages, one by one.

Nothing here runs in the hub's process. PDFium is not thread-safe and the files it reads
come from outside: a crash or a runaway job here costs a worker, which the pool replaces.
"""

from __future__ import annotations

import os
import resource
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)
"""A font with Vietnamese glyphs for the watermark; Pillow's own is the fallback."""


class JobError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def main(connection: Connection, memory_limit: int) -> None:
    """Serve jobs from the pool until the pipe closes."""
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
        except Exception as error:  # a damaged file can fail anywhere inside PDFium
            connection.send(
                ("error", "render_failed", f"the page cannot be read ({type(error).__name__})")
            )
        else:
            connection.send(("ok", result))


def _open(path: str) -> Any:
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(path)
    except pdfium.PdfiumError:
        raise JobError("not_a_pdf", "the file is not a PDF, or it is damaged") from None


def _size(document: Any, index: int) -> tuple[float, float]:
    page = document[index]
    try:
        width, height = page.get_size()
        if page.get_rotation() in (90, 270):
            width, height = height, width
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
    target = Path(out)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    image.save(temporary, "WEBP", quality=82, method=2)
    os.replace(temporary, target)


def _mark(image: Any, text: str) -> Any:
    """The viewer's name, faint, large and diagonal, repeated across the whole page."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = image.size
    size = max(12, width // 24)
    font: Any = None
    for candidate in FONT_PATHS:
        if os.path.exists(candidate):
            font = ImageFont.truetype(candidate, size)
            break
    if font is None:
        font = ImageFont.load_default(size)
    # Drawn on a square larger than the page's diagonal, turned, then cropped to the page,
    # so the rows of text cover every corner.
    side = int((width**2 + height**2) ** 0.5) + 2 * size
    layer = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    step_x, step_y = int(right - left) + 3 * size, int(bottom - top) * 4
    for row, y in enumerate(range(0, side, step_y)):
        offset = (row % 2) * step_x // 2
        for x in range(-offset, side, step_x):
            draw.text((x, y), text, font=font, fill=(110, 110, 130, 46))
    layer = layer.rotate(30, resample=Image.Resampling.BICUBIC)
    x0, y0 = (side - width) // 2, (side - height) // 2
    layer = layer.crop((x0, y0, x0 + width, y0 + height))
    marked = image.convert("RGBA")
    marked.alpha_composite(layer)
    return marked.convert("RGB")


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


def ping() -> str:
    return "pong"


JOBS: dict[str, Any] = {
    "inspect": inspect,
    "render": render,
    "text": text,
    "ping": ping,
}
