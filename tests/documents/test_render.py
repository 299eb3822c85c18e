"""The render pool alone: real PDFium workers, hostile files, overruns and crashes survived."""

from __future__ import annotations

import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image, ImageChops

from session_server.documents.render import RenderError, RenderLimits, RenderPool
from tests.documents.pdfs import a4_pdf, heavy_pdf


@pytest.fixture
async def pool() -> AsyncIterator[RenderPool]:
    started = RenderPool(RenderLimits(workers=1, max_pages=50, render_seconds=10))
    await started.start()
    yield started
    await started.close()


def image(path: Path) -> Image.Image:
    with Image.open(path) as opened:
        return opened.convert("L")


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


async def still_works(pool: RenderPool, tmp_path: Path) -> None:
    good = write(tmp_path, "good.pdf", a4_pdf(1))
    out = tmp_path / "good.webp"
    await pool.render(good, 1, 320, out)
    assert image(out).width == 320


async def test_inspect_measures_every_page(pool: RenderPool, tmp_path: Path) -> None:
    pdf = FPDF(unit="pt")
    pdf.add_page(format=(595, 842))
    pdf.add_page(format=(842, 595))
    info = await pool.inspect(write(tmp_path, "two.pdf", bytes(pdf.output())))
    assert info.pages == 2
    assert [tuple(round(v) for v in size) for size in info.page_sizes] == [(595, 842), (842, 595)]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\x89PNG\r\n\x1a\n not a pdf at all", "not_a_pdf"),
        (a4_pdf(4)[:400], "not_a_pdf"),
        (b"%PDF-1.7\n%%EOF\n", "not_a_pdf"),
    ],
    ids=["png", "truncated", "empty-pdf"],
)
async def test_a_file_pdfium_cannot_open_is_not_a_pdf(
    pool: RenderPool, tmp_path: Path, data: bytes, code: str
) -> None:
    with pytest.raises(RenderError) as refused:
        await pool.inspect(write(tmp_path, "bad.pdf", data))
    assert refused.value.code == code
    await still_works(pool, tmp_path)


async def test_too_many_pages_and_an_enormous_page_are_refused(
    pool: RenderPool, tmp_path: Path
) -> None:
    many = FPDF(unit="pt", format=(100, 100))
    for _ in range(51):
        many.add_page()
    with pytest.raises(RenderError) as refused:
        await pool.inspect(write(tmp_path, "many.pdf", bytes(many.output())))
    assert refused.value.code == "too_many_pages"
    assert "51" in refused.value.message
    huge = FPDF(unit="pt", format=(14_401, 500))
    huge.add_page()
    with pytest.raises(RenderError) as refused:
        await pool.inspect(write(tmp_path, "huge.pdf", bytes(huge.output())))
    assert refused.value.code == "page_too_large"
    await still_works(pool, tmp_path)


async def test_an_image_over_the_pixel_limit_is_not_rendered(tmp_path: Path) -> None:
    strict = RenderPool(RenderLimits(workers=1, max_pixels=320 * 400))
    await strict.start()
    try:
        with pytest.raises(RenderError) as refused:
            await strict.render(write(tmp_path, "a4.pdf", a4_pdf(1)), 1, 320, tmp_path / "x.webp")
        assert refused.value.code == "too_many_pixels"
        assert not (tmp_path / "x.webp").exists()
    finally:
        await strict.close()


async def test_a_render_over_its_time_is_stopped_and_the_worker_replaced(tmp_path: Path) -> None:
    hasty = RenderPool(RenderLimits(workers=1, render_seconds=0.05))
    await hasty.start()
    try:
        heavy = write(tmp_path, "heavy.pdf", heavy_pdf())
        first_pids = hasty.worker_pids()
        with pytest.raises(RenderError) as refused:
            await hasty.render(heavy, 1, 2048, tmp_path / "heavy.webp")
        assert refused.value.code == "render_timeout"
        assert hasty.replaced == 1
        assert hasty.worker_pids() != first_pids
        # The new worker serves the next job (a small one, well inside the limit).
        text = await hasty.text(write(tmp_path, "small.pdf", a4_pdf(1, "Ok")), 1)
        assert "Ok 1" in text
    finally:
        await hasty.close()


async def test_a_worker_killed_from_outside_is_replaced(pool: RenderPool, tmp_path: Path) -> None:
    (pid,) = pool.worker_pids()
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(RenderError) as failed:
        await pool.text(write(tmp_path, "one.pdf", a4_pdf(1)), 1)
    assert failed.value.code == "render_failed"
    assert pool.replaced == 1
    await still_works(pool, tmp_path)


async def test_the_watermark_is_faint_everywhere_and_absent_without_it(
    pool: RenderPool, tmp_path: Path
) -> None:
    pdf = write(tmp_path, "page.pdf", a4_pdf(1))
    plain, again, marked = (tmp_path / f"{n}.webp" for n in ("plain", "again", "marked"))
    await pool.render(pdf, 1, 1280, plain)
    await pool.render(pdf, 1, 1280, again)
    await pool.render(pdf, 1, 1280, marked, watermark="Nguyễn Văn An · DB001")
    base = image(plain)
    assert ImageChops.difference(base, image(again)).getbbox() is None
    difference = ImageChops.difference(base, image(marked))
    width, height = base.size
    for left, top in ((0, 0), (width // 2, 0), (0, height // 2), (width // 2, height // 2)):
        quarter = difference.crop((left, top, left + width // 2, top + height // 2))
        marked_pixels = quarter.point(lambda v: 255 if v > 4 else 0).histogram()[255]
        assert marked_pixels > 0.002 * quarter.width * quarter.height, "in every quarter"
    assert max(difference.getextrema()) < 128, "faint: the page stays readable"


async def test_close_leaves_no_worker_alive(tmp_path: Path) -> None:
    started = RenderPool(RenderLimits(workers=2))
    await started.start()
    pids = started.worker_pids()
    assert len(pids) == 2
    await started.close()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
