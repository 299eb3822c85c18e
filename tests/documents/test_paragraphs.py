"""Paragraph anchors: found in the PDF's text layer, stable per file, kept across versions."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from session_server import demo_pdfs
from session_server.demo import DEMO_TITLE, DOCUMENTS
from session_server.demo import demo_pdfs as all_demo_pdfs
from session_server.documents.paragraphs import (
    Block,
    Line,
    Paragraph,
    group,
    identify,
    normalised,
    paragraphs_of,
)
from session_server.documents.render import RenderLimits, RenderPool
from tests.conftest import DemoTokens, HubProcess, copy_demo
from tests.documents.test_http import ROOM, fetch, upload


@pytest.fixture
async def pool() -> AsyncIterator[RenderPool]:
    started = RenderPool(RenderLimits(workers=1))
    try:
        yield started
    finally:
        await started.close()


async def paragraphs(pool: RenderPool, tmp_path: Path, data: bytes) -> list[list[Paragraph]]:
    """The file's paragraphs as the hub finds them at import: a fresh extraction each call."""
    path = tmp_path / "file.pdf"
    path.write_bytes(data)
    pages = (await pool.inspect(path)).pages
    found = await pool.paragraphs(path, 1, pages)
    return paragraphs_of([[Block(text, box) for text, box in page] for page in found])


def ids(found: list[list[Paragraph]]) -> list[list[str]]:
    return [[p.id for p in page] for page in found]


# --- the grouping, on lines made by hand ---------------------------------------------------


def line(text: str, bottom: float, height: float = 11.0) -> Line:
    return Line(text, 60.0, bottom, 500.0, bottom + height)


def test_lines_at_the_usual_spacing_stay_together_and_a_wider_gap_starts_anew() -> None:
    lines = [
        line("Trong nhiệm kỳ qua, Đảng bộ", 700),
        line("đã vượt qua nhiều khó khăn.", 683),
        line("Kinh tế biển tiếp tục", 659),  # 24 points below: a blank line between
        line("là thế mạnh.", 642),
    ]
    blocks = group(lines, 600.0, 800.0)
    assert [b.text for b in blocks] == [
        "Trong nhiệm kỳ qua, Đảng bộ đã vượt qua nhiều khó khăn.",
        "Kinh tế biển tiếp tục là thế mạnh.",
    ]
    # Boxes are fractions of the page from its top-left corner.
    assert blocks[0].box == (0.1, round((800 - 711) / 800, 4), round(500 / 600, 4), 0.1462)


@pytest.mark.parametrize("start", ["1. ", "1.1. ", "2.3.4 ", "a) ", "đ) ", "IV. ", "- ", "Điều 3 "])
def test_a_numbered_heading_or_entry_starts_a_paragraph_at_the_usual_spacing(start: str) -> None:
    lines = [
        line("Các chỉ tiêu chủ yếu gồm", 700),
        line("những nội dung sau:", 683),
        line(start + "Tăng trưởng", 666),
    ]
    assert len(group(lines, 600.0, 800.0)) == 2


def test_the_same_text_twice_on_a_page_gets_a_suffix_and_ids_ignore_spacing() -> None:
    first = identify(3, ["Đồng ý.", "Khác", "Đồng  ý. "])
    assert first[0].startswith("p3-")
    assert first[2] == first[0] + "-2"
    assert first[1] != first[0]
    assert identify(3, [" Đồng ý.\n"])[0] == first[0]


# --- the demo's documents through PDFium ---------------------------------------------------


async def test_the_same_file_gives_the_same_ids_every_time(
    pool: RenderPool, tmp_path: Path
) -> None:
    data = demo_pdfs.draft_resolution(DEMO_TITLE)
    once = await paragraphs(pool, tmp_path, data)
    again = await paragraphs(pool, tmp_path, data)
    assert once == again
    assert len(once) >= 4
    assert sum(map(len, once)) >= 30


@pytest.mark.parametrize("document", [doc_id for doc_id, _, _ in DOCUMENTS])
async def test_paragraphs_hold_the_text_layer_of_each_page_in_order(
    pool: RenderPool, tmp_path: Path, document: str
) -> None:
    data = all_demo_pdfs()[document]
    found = await paragraphs(pool, tmp_path, data)
    path = tmp_path / "file.pdf"
    texts = await pool.texts(path, 1, len(found))
    for page, (text, paragraphs_on_page) in enumerate(zip(texts, found, strict=True), start=1):
        assert " ".join(p.text for p in paragraphs_on_page) == normalised(text), page
        for p in paragraphs_on_page:
            x0, y0, x1, y1 = p.box
            assert 0 <= x0 < x1 <= 1, p
            assert 0 <= y0 < y1 <= 1, p


async def test_the_draft_resolution_is_cut_at_its_numbered_sections(
    pool: RenderPool, tmp_path: Path
) -> None:
    found = await paragraphs(pool, tmp_path, demo_pdfs.draft_resolution(DEMO_TITLE))
    starts = [p.text.split(" ")[0] for page in found for p in page]
    for number in ("1.", "1.1.", "1.2.", "2.", "2.1.", "2.2.", "3.1.", "4.2."):
        assert number in starts, number
    assert starts.count("a)") >= 5


async def test_a_new_version_with_one_paragraph_changed_keeps_every_other_id(
    pool: RenderPool, tmp_path: Path
) -> None:
    old = ids(await paragraphs(pool, tmp_path, demo_pdfs.draft_resolution(DEMO_TITLE)))
    new_found = await paragraphs(
        pool, tmp_path, demo_pdfs.draft_resolution(DEMO_TITLE, revised=True)
    )
    new = ids(new_found)
    assert len(old) == len(new)
    changed = [
        (page, a, b)
        for page, (old_page, new_page) in enumerate(zip(old, new, strict=True), start=1)
        for a, b in zip(old_page, new_page, strict=True)
        if a != b
    ]
    assert len(changed) == 1, changed
    page, _, new_id = changed[0]
    (paragraph,) = [p for p in new_found[page - 1] if p.id == new_id]
    assert paragraph.text == demo_pdfs.RESOLUTION_REVISED[0]


# --- over HTTP, on a real hub ------------------------------------------------------------


@pytest.fixture(scope="module")
def paragraphs_hub(
    demo_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HubProcess]:
    hub = HubProcess(copy_demo(demo_template, tmp_path_factory.mktemp("paragraphs") / "data"))
    hub.start()
    try:
        yield hub
    finally:
        hub.stop()


def paragraphs_path(document: str, page: int, version: int = 1) -> str:
    return f"/api/rooms/{ROOM}/documents/{document}/versions/{version}/pages/{page}/paragraphs"


async def test_a_page_s_paragraphs_are_read_as_its_text_is(paragraphs_hub: HubProcess) -> None:
    tokens: DemoTokens = paragraphs_hub.tokens()
    delegate, board = tokens.delegates[0][0], tokens.boards[0]
    read = await fetch(paragraphs_hub, paragraphs_path("du-thao-nghi-quyet", 1), token=delegate)
    assert read.status == 200, read.body
    listed = read.json()["paragraphs"]
    assert any(p["text"].startswith("1.1. Về phát triển kinh tế") for p in listed)
    assert all(p["id"].startswith("p1-") and len(p["box"]) == 4 for p in listed)
    # A board may not read a delegates' draft; a delegate may not read the presidium's plan.
    refused = await fetch(paragraphs_hub, paragraphs_path("du-thao-nghi-quyet", 1), token=board)
    assert refused.status == 404
    secret = await fetch(paragraphs_hub, paragraphs_path("de-an-nhan-su", 1), token=delegate)
    assert secret.status == 404
    assert (await fetch(paragraphs_hub, paragraphs_path("de-an-nhan-su", 1))).status == 401
    assert (
        await fetch(paragraphs_hub, paragraphs_path("du-thao-nghi-quyet", 9), token=delegate)
    ).status == 404


async def test_registering_the_same_file_again_keeps_its_version_and_its_ids(
    paragraphs_hub: HubProcess,
) -> None:
    tokens = paragraphs_hub.tokens()
    data = demo_pdfs.draft_resolution(DEMO_TITLE)

    async def register(data: bytes) -> int:
        answer = await upload(
            paragraphs_hub,
            tokens.secretariat,
            data,
            id="nq",
            title="Nghị quyết",
            access="delegates",
        )
        assert answer.status == 201, answer.body
        return int(answer.json()["version"])

    async def page_two(version: int) -> list[dict[str, object]]:
        answer = await fetch(
            paragraphs_hub, paragraphs_path("nq", 2, version), token=tokens.presidium
        )
        assert answer.status == 200, answer.body
        listed: list[dict[str, object]] = answer.json()["paragraphs"]
        return listed

    assert await register(data) == 1
    before = await page_two(1)
    assert await register(data) == 1
    assert await page_two(1) == before
    assert await register(demo_pdfs.draft_resolution(DEMO_TITLE, revised=True)) == 2
    old_ids = {p["id"] for p in before}
    new_ids = {p["id"] for p in await page_two(2)}
    assert len(old_ids - new_ids) == 1
    assert len(new_ids - old_ids) == 1
    assert len(new_ids & old_ids) >= 6
