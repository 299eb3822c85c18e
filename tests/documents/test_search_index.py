"""The search index on its own: folding, phrase matching, one build per version, the rate."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from session_server.documents.render import RenderError
from session_server.documents.search_index import (
    FORMAT,
    SearchIndex,
    SearchRate,
    _folded_with_origin,
    _row,
    _span,
    fold_phrase,
    retry_after,
)

PAGES = [
    "Báo cáo chính trị\nCác  chỉ tiêu chủ yếu",
    'ĐIỀU 2. Quy định về "ngân sách"',
    "Tiêu cực và chính sách",
    "Mục tiêu: đề án nhân sự, ai làm",
]


class Texts:
    """Page texts as the render pool would give them, counting the jobs."""

    def __init__(self, pages: list[str]) -> None:
        self.pages = pages
        self.jobs = 0

    async def __call__(self, sha256: str, first: int, last: int) -> list[str]:
        self.jobs += 1
        await asyncio.sleep(0.01)
        return self.pages[first - 1 : last]


VIETNAMESE = st.text(
    alphabet=st.sampled_from(list('aăâbdđeêioôơuưyAĂÂĐƠƯ ̣̀́̉̃\t\n\u00a0.,"ạảấầẩẫậếềểễệ')),
    max_size=60,
)


# No deadline: the first example pays for compiling the folding tables, which took 385 ms
# on a loaded machine; the test is about equal results, not time.
@settings(deadline=None)
@given(VIETNAMESE)
def test_the_index_folds_a_text_as_the_snippet_finder_does(text: str) -> None:
    assert fold_phrase(text) == _folded_with_origin(text)[0].strip()


@given(VIETNAMESE, st.data())
def test_a_match_is_placed_in_the_original_text_as_folding_it_whole_would(
    text: str, data: st.DataObject
) -> None:
    _, folded, _, aligned = _row(1, text)
    start = data.draw(st.integers(0, max(0, len(folded) - 1)))
    phrase = folded[start : data.draw(st.integers(start, len(folded)))].strip()
    whole, origin = _folded_with_origin(text)
    at = whole.find(phrase)
    expected = (origin[at], origin[at + len(phrase) - 1] + 1) if phrase else None
    assert (_span(text, folded, aligned, phrase) if phrase else None) == expected


def test_folding_drops_case_accents_and_the_stroke_of_d() -> None:
    assert fold_phrase("  ĐIỀU   Đặc biệt\tđề án ") == "dieu dac biet de an"


async def test_a_phrase_is_found_accent_blind_with_a_snippet_from_the_original(
    tmp_path: Path,
) -> None:
    index = SearchIndex(tmp_path / "index", Texts(PAGES), concurrent=2)
    found = await index.search("a" * 64, len(PAGES), "chi tieu")
    assert found == [(1, "Báo cáo chính trị Các chỉ tiêu chủ yếu")]
    assert [p for p, _ in await index.search("a" * 64, len(PAGES), "Điều 2")] == [2]
    assert [p for p, _ in await index.search("a" * 64, len(PAGES), "tieu")] == [1, 3, 4]
    assert await index.search("a" * 64, len(PAGES), "tieu chinh") == [], "a phrase, not words"


async def test_short_queries_quotes_and_the_limit(tmp_path: Path) -> None:
    index = SearchIndex(tmp_path / "index", Texts(PAGES), concurrent=2)
    sha = "b" * 64
    assert [p for p, _ in await index.search(sha, len(PAGES), "ai")] == [4]
    assert [p for p, _ in await index.search(sha, len(PAGES), '"NGÂN sách"')] == [2]
    assert [p for p, _ in await index.search(sha, len(PAGES), "c", limit=2)] == [1, 2]
    assert await index.search(sha, len(PAGES), " \t") == []


async def test_many_first_searches_build_one_index_readable_by_its_owner_only(
    tmp_path: Path,
) -> None:
    texts = Texts(PAGES * 20)
    index = SearchIndex(tmp_path / "index", texts, concurrent=2)
    before = os.umask(0o022)
    try:
        answers = await asyncio.gather(
            *(index.search("c" * 64, len(texts.pages), "de an") for _ in range(16))
        )
    finally:
        os.umask(before)
    assert all([p for p, _ in found] == list(range(4, 81, 4)) for found in answers)
    assert texts.jobs == 4, "one build, 25 pages a job"
    assert index.built == 1
    files = list((tmp_path / "index").iterdir())
    assert [f.name for f in files] == ["c" * 64 + ".sqlite"]
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "index").stat().st_mode) == 0o700


async def test_an_index_on_disk_is_reused_and_one_of_another_format_rebuilt(
    tmp_path: Path,
) -> None:
    texts = Texts(PAGES)
    await SearchIndex(tmp_path, texts, concurrent=1).search("d" * 64, 4, "ngan sach")
    assert texts.jobs == 1
    again = SearchIndex(tmp_path, texts, concurrent=1)
    assert [p for p, _ in await again.search("d" * 64, 4, "ngan sach")] == [2]
    assert texts.jobs == 1, "read from the file another process built"
    with sqlite3.connect(tmp_path / ("d" * 64 + ".sqlite")) as db:
        db.execute(f"PRAGMA user_version = {FORMAT + 1}")
    rebuilt = SearchIndex(tmp_path, texts, concurrent=1)
    assert [p for p, _ in await rebuilt.search("d" * 64, 4, "ngan sach")] == [2]
    assert texts.jobs == 2


async def test_a_failed_build_leaves_no_file_and_the_next_search_builds_again(
    tmp_path: Path,
) -> None:
    texts = Texts(PAGES * 10)

    async def failing(sha256: str, first: int, last: int) -> list[str]:
        if first > 1:
            raise RenderError("render_timeout", "the file took too long")
        return await texts(sha256, first, last)

    index = SearchIndex(tmp_path, failing, concurrent=1)
    with pytest.raises(RenderError):
        await index.search("e" * 64, 40, "de an")
    assert os.listdir(tmp_path) == []
    index.page_texts = texts
    assert len(await index.search("e" * 64, 40, "de an")) == 10
    (tmp_path / ("e" * 64 + ".sqlite")).write_bytes(b"not an index")
    assert len(await index.search("e" * 64, 40, "de an")) == 10, "a damaged file is rebuilt"
    assert index.built == 2


def test_the_rate_allows_a_burst_then_one_search_per_refill() -> None:
    now = [100.0]
    rate = SearchRate(0.5, 3, clock=lambda: now[0])
    assert [rate.admit("t1") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert rate.admit("t1") == 2.0
    assert rate.admit("t2") == 0.0, "each token its own bucket"
    now[0] += 1.5
    assert rate.admit("t1") == 0.5
    now[0] += 0.5
    assert rate.admit("t1") == 0.0
    assert retry_after(0.2) == "1"
    assert retry_after(2.01) == "3"
