"""The render pool alone: real PDFium workers, hostile files, overruns and crashes survived."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import psutil
import pytest
from fpdf import FPDF
from PIL import Image, ImageChops

from session_server.documents import worker
from session_server.documents.render import RenderError, RenderLimits, RenderPool
from tests.conftest import UNIT
from tests.documents.pdfs import (
    DEJAVU,
    a4_pdf,
    handmade_pdf,
    heavy_pdf,
    huge_page_pdf,
    many_pages_pdf,
    vietnamese_pdf,
)

A4 = (595.28, 841.89)
NAME = "Nguyễn Văn An · DB001"


@pytest.fixture
async def pool() -> AsyncIterator[RenderPool]:
    started = RenderPool(RenderLimits(workers=1, max_pages=50, render_seconds=10))
    await started.start()
    yield started
    await started.close()


def image(path: Path) -> Image.Image:
    with Image.open(path) as opened:
        assert opened.format == "WEBP"
        return opened.convert("L")


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


async def still_works(pool: RenderPool, tmp_path: Path) -> None:
    good = write(tmp_path, "good.pdf", a4_pdf(1))
    out = tmp_path / "good.webp"
    await pool.render(good, 1, 320, out)
    assert image(out).size == (320, 453)


def hidden(directory: Path) -> list[Path]:
    return list(directory.glob(".*"))


def busy_seconds(pid: int) -> float:
    """CPU time the process has spent so far."""
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


async def rendering(pid: int, idle: float) -> None:
    """Until the worker spends CPU on a job: busier than the `idle` seconds it had before."""
    # Another process: asked every 10 ms, for 10 s at most.
    for _ in range(int(1000 * UNIT)):
        if busy_seconds(pid) >= idle + 0.05:
            return
        await asyncio.sleep(0.01)
    pytest.fail("the worker never started on the job")


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


async def test_an_a4_file_is_measured_and_rendered_at_each_width(
    pool: RenderPool, tmp_path: Path
) -> None:
    pdf = write(tmp_path, "three.pdf", a4_pdf(3))
    info = await pool.inspect(pdf)
    assert info.pages == 3
    for width, height in info.page_sizes:
        assert (width, height) == pytest.approx(A4, abs=0.01)
    for page, width in enumerate((320, 1280, 2048), start=1):
        out = tmp_path / f"p{page}-{width}.webp"
        await pool.render(pdf, page, width, out)
        assert image(out).size == (width, round(width * A4[1] / A4[0]))
    assert pool.renders == 3
    assert not hidden(tmp_path), "no temporary file left behind"


async def test_sizes_are_as_shown_turned_pages_included(pool: RenderPool, tmp_path: Path) -> None:
    pdf = FPDF(unit="pt")
    pdf.add_page(format=(595, 842))
    pdf.add_page(format=(842, 595))
    info = await pool.inspect(write(tmp_path, "two.pdf", bytes(pdf.output())))
    assert info.page_sizes == ((595, 842), (842, 595))
    # A portrait MediaBox with /Rotate 90 is shown, measured and rendered as landscape.
    turned = write(tmp_path, "turned.pdf", handmade_pdf([(595, 842)], rotate=90))
    assert (await pool.inspect(turned)).page_sizes == ((842, 595),)
    await pool.render(turned, 1, 320, tmp_path / "turned.webp")
    assert image(tmp_path / "turned.webp").size == (320, 226)


@pytest.mark.parametrize(
    "data",
    [
        random.Random(7).randbytes(4096),
        b"<!doctype html><html><body><h1>Nghi quyet</h1></body></html>\n",
        b"\x89PNG\r\n\x1a\n not a pdf at all",
        a4_pdf(3)[: len(a4_pdf(3)) // 2],
        b"%PDF-1.7\n%%EOF\n",
        handmade_pdf([]),
    ],
    ids=["random", "html", "png", "truncated", "empty-pdf", "no-pages"],
)
async def test_a_file_pdfium_cannot_open_is_not_a_pdf(
    pool: RenderPool, tmp_path: Path, data: bytes
) -> None:
    bad = write(tmp_path, "bad.pdf", data)
    with pytest.raises(RenderError) as refused:
        await pool.inspect(bad)
    assert refused.value.code == "not_a_pdf"
    assert refused.value.message
    with pytest.raises(RenderError):
        await pool.render(bad, 1, 320, tmp_path / "bad.webp")
    await still_works(pool, tmp_path)


async def test_too_many_pages_and_an_enormous_page_are_refused(
    pool: RenderPool, tmp_path: Path
) -> None:
    with pytest.raises(RenderError) as refused:
        await pool.inspect(write(tmp_path, "many.pdf", many_pages_pdf(60)))
    assert refused.value.code == "too_many_pages"
    assert "60" in refused.value.message
    assert "50" in refused.value.message
    assert (await pool.inspect(write(tmp_path, "fifty.pdf", many_pages_pdf(50)))).pages == 50
    with pytest.raises(RenderError) as refused:
        await pool.inspect(write(tmp_path, "huge.pdf", huge_page_pdf()))
    assert refused.value.code == "page_too_large"
    assert "100000" in refused.value.message
    await still_works(pool, tmp_path)


async def test_three_thousand_pages_are_refused_quickly_by_default(tmp_path: Path) -> None:
    default = RenderPool()
    await default.start()
    try:
        pdf = write(tmp_path, "thick.pdf", many_pages_pdf(3000))
        began = time.perf_counter()
        with pytest.raises(RenderError) as refused:
            await default.inspect(pdf)
        assert refused.value.code == "too_many_pages"
        assert time.perf_counter() - began < 2
    finally:
        await default.close()


async def test_a_page_out_of_range_is_no_such_page(pool: RenderPool, tmp_path: Path) -> None:
    pdf = write(tmp_path, "three.pdf", a4_pdf(3))
    for page in (0, 4):
        with pytest.raises(RenderError) as refused:
            await pool.render(pdf, page, 320, tmp_path / "x.webp")
        assert refused.value.code == "no_such_page"
    with pytest.raises(RenderError) as refused:
        await pool.text(pdf, 9)
    assert refused.value.code == "no_such_page"
    assert "1 to 3" in refused.value.message


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
        (first,) = hasty.worker_pids()
        began = time.perf_counter()
        with pytest.raises(RenderError) as refused:
            await hasty.render(heavy, 1, 2048, tmp_path / "heavy.webp")
        assert refused.value.code == "render_timeout"
        assert time.perf_counter() - began < 1, "answered at the limit, not when the page is done"
        assert hasty.replaced == 1
        assert first not in hasty.worker_pids()
        # The new worker serves the next job (a small one, well inside the limit).
        text = await hasty.text(write(tmp_path, "small.pdf", a4_pdf(1, "Ok")), 1)
        assert "Ok 1" in text
        assert gone(first)
    finally:
        await hasty.close()


async def test_a_worker_killed_while_idle_is_replaced(pool: RenderPool, tmp_path: Path) -> None:
    (pid,) = pool.worker_pids()
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(RenderError) as failed:
        await pool.text(write(tmp_path, "one.pdf", a4_pdf(1)), 1)
    assert failed.value.code == "render_failed"
    assert pool.replaced == 1
    await still_works(pool, tmp_path)


async def test_a_worker_gives_the_hub_the_cores_first(pool: RenderPool, tmp_path: Path) -> None:
    await still_works(pool, tmp_path)
    (pid,) = pool.worker_pids()
    hub = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, pid) == min(19, hub + worker.NICENESS)


async def test_a_worker_killed_mid_job_is_replaced(pool: RenderPool, tmp_path: Path) -> None:
    (pid,) = pool.worker_pids()
    idle = busy_seconds(pid)
    job = asyncio.create_task(
        pool.render(write(tmp_path, "heavy.pdf", heavy_pdf()), 1, 2048, tmp_path / "h.webp")
    )
    await rendering(pid, idle)
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(RenderError) as failed:
        await job
    assert failed.value.code == "render_failed"
    assert pool.replaced == 1
    await still_works(pool, tmp_path)


async def test_a_job_given_up_mid_render_costs_its_worker(pool: RenderPool, tmp_path: Path) -> None:
    (pid,) = pool.worker_pids()
    idle = busy_seconds(pid)
    job = asyncio.create_task(
        pool.render(write(tmp_path, "heavy.pdf", heavy_pdf()), 1, 2048, tmp_path / "h.webp")
    )
    await rendering(pid, idle)
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
    assert pool.replaced == 1
    await still_works(pool, tmp_path)
    assert gone(pid)


async def test_more_jobs_than_workers_wait_their_turn(tmp_path: Path) -> None:
    pair = RenderPool(RenderLimits(workers=2))
    await pair.start()
    try:
        pdf = write(tmp_path, "four.pdf", a4_pdf(4, "Trang"))
        outs = [tmp_path / f"{n}.webp" for n in range(1, 5)]
        texts = await asyncio.gather(
            *(pair.render(pdf, n, 320, outs[n - 1]) for n in range(1, 5)),
            *(pair.text(pdf, n) for n in range(1, 5)),
        )
        assert [t for t in texts[4:]] == [f"Trang {n}" for n in range(1, 5)]
        assert all(image(out).width == 320 for out in outs)
        assert pair.renders == 4
    finally:
        await pair.close()


async def test_the_watermark_is_faint_everywhere_and_absent_without_it(
    pool: RenderPool, tmp_path: Path
) -> None:
    pdf = write(tmp_path, "page.pdf", a4_pdf(1))
    plain, again, marked = (tmp_path / f"{n}.webp" for n in ("plain", "again", "marked"))
    await pool.render(pdf, 1, 1280, plain)
    await pool.render(pdf, 1, 1280, again)
    await pool.render(pdf, 1, 1280, marked, watermark=NAME)
    base = image(plain)
    assert ImageChops.difference(base, image(again)).getbbox() is None
    difference = ImageChops.difference(base, image(marked))
    width, height = base.size
    half_w, half_h = width // 2, height // 2
    for left, top in (
        (0, 0),
        (half_w, 0),
        (0, half_h),
        (half_w, half_h),
        (width // 4, height // 4),
    ):
        region = difference.crop((left, top, left + half_w, top + half_h))
        changed = region.point(lambda v: 255 if v > 4 else 0).histogram()[255]
        assert changed > 0.02 * region.width * region.height, "the name covers the whole page"
    counts = difference.histogram()
    changed_total = sum(counts[5:])
    mean = sum(v * n for v, n in enumerate(counts) if v > 4) / changed_total
    assert mean < 80, "faint: the page stays readable"
    assert max(v for v, n in enumerate(counts) if n) < 128, "nowhere near full contrast"


def test_the_watermark_font_has_vietnamese_glyphs() -> None:
    font = worker.watermark_font(40)
    if DEJAVU.exists():
        assert font.path == str(DEJAVU)
    missing = bytes(font.getmask("\U000f0000"))
    for glyph in "ễăâ·Nguyn":
        assert bytes(font.getmask(glyph)) != missing, f"{glyph!r} is drawn, not a box"
    assert bytes(font.getmask("ễ")) != bytes(font.getmask("e")), "the marks are drawn"


async def test_text_comes_back_with_its_diacritics(pool: RenderPool, tmp_path: Path) -> None:
    pdf = write(tmp_path, "bao-cao.pdf", vietnamese_pdf("Báo cáo chính trị"))
    assert "Báo cáo chính trị" in await pool.text(pdf, 1)


async def test_close_leaves_no_worker_alive() -> None:
    started = RenderPool(RenderLimits(workers=2))
    await started.start()
    pids = started.worker_pids()
    assert len(pids) == 2
    await started.close()
    assert all(gone(pid) for pid in pids)


async def test_close_ends_jobs_under_way_and_waiting_at_once(tmp_path: Path) -> None:
    single = RenderPool(RenderLimits(workers=1, render_seconds=30))
    await single.start()
    pids = single.worker_pids()
    idle = busy_seconds(pids[0])
    heavy = write(tmp_path, "heavy.pdf", heavy_pdf())
    under_way = asyncio.create_task(single.render(heavy, 1, 2048, tmp_path / "h.webp"))
    waiting = asyncio.create_task(single.text(heavy, 1))
    await rendering(pids[0], idle)
    began = time.perf_counter()
    await single.close()
    for job in (under_way, waiting):
        with pytest.raises(RenderError) as stopped:
            await job
        assert stopped.value.code == "render_failed"
    assert time.perf_counter() - began < 2
    assert all(gone(pid) for pid in pids)
    with pytest.raises(RenderError):
        await single.text(heavy, 1)


async def test_workers_replaced_again_and_again_mark_the_pool_failing(tmp_path: Path) -> None:
    hasty = RenderPool(RenderLimits(workers=1, render_seconds=0.05, failing_replacements=2))
    await hasty.start()
    try:
        heavy = write(tmp_path, "heavy.pdf", heavy_pdf())
        assert not hasty.failing()
        with pytest.raises(RenderError):
            await hasty.render(heavy, 1, 2048, tmp_path / "heavy.webp")
        assert not hasty.failing(), "one replacement is an accident"
        with pytest.raises(RenderError):
            await hasty.render(heavy, 1, 2048, tmp_path / "heavy.webp")
        assert hasty.failing()
        later = time.monotonic() + hasty.limits.failing_seconds + 1
        assert not hasty.failing(later), "old replacements stop counting"
    finally:
        await hasty.close()


def test_a_worker_marks_each_page_from_that_page_though_it_keeps_the_last_one_decoded(
    tmp_path: Path,
) -> None:
    pdf = write(tmp_path, "two.pdf", a4_pdf(2, "Trang"))
    bases = [str(tmp_path / f"base-{n}.webp") for n in (1, 2)]
    for n, base in enumerate(bases, start=1):
        worker.render(str(pdf), n, 320, base, None, 40_000_000)

    def marked(base: str, name: str) -> bytes:
        out = str(tmp_path / name)
        worker.mark(base, out, "Nguyễn Văn An · DB001")
        with Image.open(out) as image:
            return image.convert("RGB").tobytes()

    kept = [marked(bases[0], "a1"), marked(bases[1], "b1"), marked(bases[0], "a2")]
    worker._decoded.clear()
    fresh = [marked(bases[0], "a3"), marked(bases[1], "b2")]
    assert kept == [fresh[0], fresh[1], fresh[0]]
    assert fresh[0] != fresh[1]
