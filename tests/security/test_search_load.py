"""Searches of a 2,000-page document never hold up the hall's page turns; each token is limited."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import stat
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode

import pytest

from presidium_console.client import CongressClient
from session_server.core.state import Role
from tests.conftest import UNIT, DemoTokens, HubProcess
from tests.documents.pdfs import worded_pdf
from tests.documents.test_http import ROOM, Answer, request, upload

PAGES = 2000
DOCUMENT = "so-tay-2000"
SEARCHES = 16
TURN_EVERY = 0.1
"""Seconds between the presidium's page turns, as a speaker leafing through slides."""


@pytest.fixture(scope="module")
def search_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    hub = HubProcess(tmp_path_factory.mktemp("search") / "data")
    hub.start()
    try:
        yield hub
    finally:
        hub.stop()


@pytest.fixture(scope="module")
def demo(search_hub: HubProcess) -> DemoTokens:
    return search_hub.tokens()


def search_path(document: str, query: str) -> str:
    return f"/api/rooms/{ROOM}/documents/{document}/search?{urlencode({'q': query})}"


def expected(query: str) -> tuple[list[int], str]:
    """The pages of `worded_pdf` holding a query used here, and what their snippets show."""
    if query.startswith("Điều"):
        page = int(query.split()[1])
        return [page], f"Dieu {page} quy dinh"
    return list(range(1, 51)), "ke hoach phat trien kinh te"


class Turns:
    """The presidium turns a page every `TURN_EVERY` s; the board's arrival of each is timed."""

    def __init__(self, presidium: CongressClient) -> None:
        self.presidium = presidium
        self.sent: dict[int, float] = {}
        self.shown: dict[int, float] = {}

    def on_board_frame(self, frame: dict[str, Any]) -> None:
        sections = frame.get("set") or frame.get("state") or {}
        document = sections.get("document")
        if document and document.get("id") == DOCUMENT:
            self.shown.setdefault(document["page"], time.monotonic())

    async def run(self, stop: asyncio.Event) -> None:
        page = 1
        while not stop.is_set():
            page += 1
            started = time.monotonic()
            self.sent[page] = started
            # A hub too busy to answer makes this turn late, which the test reports.
            with contextlib.suppress(TimeoutError):
                await self.presidium.command(
                    "show_page", document_id=DOCUMENT, page=page, timeout=30 * UNIT
                )
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, started + TURN_EVERY - time.monotonic())):
                    await stop.wait()

    def late(self) -> list[tuple[int, float]]:
        """Turns that reached the board more than 1 s after they were sent, or never."""
        return [
            (page, self.shown.get(page, float("inf")) - sent)
            for page, sent in self.sent.items()
            if self.shown.get(page, float("inf")) - sent > 1.0
        ]


async def test_sixteen_searches_of_2000_pages_do_not_delay_a_page_turn(
    search_hub: HubProcess, demo: DemoTokens
) -> None:
    # Importing 2,000 pages is the set-up, not what is measured: a busy machine may take long.
    stored = await upload(
        search_hub, demo.presidium, worded_pdf(PAGES), wait=120, id=DOCUMENT, access="public"
    )
    assert stored.status == 201, stored.body[:300]
    presidium = search_hub.client(demo.presidium)
    await presidium.connect(timeout=10 * UNIT)
    turns = Turns(presidium)
    board = search_hub.client(demo.boards[0], record_frames=False, on_frame=turns.on_board_frame)
    await board.connect(timeout=10 * UNIT)
    await presidium.command("show_page", document_id=DOCUMENT, page=1)
    await board.wait_for(lambda v: (v["document"] or {}).get("page") == 1, timeout=10 * UNIT)

    # Several readers, so that each token's rate limit is not what keeps searches out.
    readers = [demo.boards[1], *(secret for secret, _ in demo.delegates[:7])]
    queries = [
        f"Điều {125 * n + 7} quy định" if n % 2 else "kế hoạch phát triển kinh tế"
        for n in range(SEARCHES)
    ]
    loop = asyncio.get_running_loop()

    async def searches(pool: ThreadPoolExecutor) -> list[Answer | BaseException]:
        """Every search at once, each with its own time limit (`request`'s)."""
        return await asyncio.gather(
            *(
                loop.run_in_executor(
                    pool,
                    functools.partial(
                        request,
                        search_hub,
                        search_path(DOCUMENT, queries[n]),
                        token=readers[n % len(readers)],
                    ),
                )
                for n in range(SEARCHES)
            ),
            return_exceptions=True,
        )

    stop = asyncio.Event()
    turning = asyncio.create_task(turns.run(stop))
    try:
        with ThreadPoolExecutor(SEARCHES) as pool:
            # The first round waits for the index being built since the upload; the second
            # reads the one built.
            rounds = [await searches(pool), await searches(pool)]
        await asyncio.sleep(5 * TURN_EVERY)
    finally:
        stop.set()
        await turning
        # The presidium's ack of the last turn can come before the board's frame.
        with contextlib.suppress(TimeoutError):
            await board.wait_for(
                lambda v: (v["document"] or {}).get("page") == max(turns.sent), timeout=5 * UNIT
            )
        await board.close()
        await presidium.close()

    assert len(turns.sent) >= 10
    assert turns.late() == [], "every turn on the board within 1 s of the command"
    for answers in rounds:
        for query, answer in zip(queries, answers, strict=True):
            assert isinstance(answer, Answer), (query, answer)
            assert answer.status == 200, (query, answer.body[:300])
            results = answer.json()["results"]
            pages, shown = expected(query)
            assert [r["page"] for r in results] == pages, query
            assert all(shown in r["snippet"] for r in results), query
    index = search_hub.data_dir / "documents" / "index"
    sha256 = stored.json()["versions"][0]["sha256"]
    names = [p.name for p in index.iterdir()]
    assert f"{sha256}.sqlite" in names
    assert not [name for name in names if name.startswith(".")], "no file half written"
    assert stat.S_IMODE((index / f"{sha256}.sqlite").stat().st_mode) == 0o600


async def test_a_token_past_its_burst_of_searches_is_told_to_wait(
    search_hub: HubProcess,
) -> None:
    greedy, patient = await search_hub.issue(Role.BOARD), await search_hub.issue(Role.BOARD)
    path = search_path("chuong-trinh", "chương trình")

    async def search(token: str) -> Answer:
        return await asyncio.to_thread(request, search_hub, path, token=token)

    burst = [await search(greedy) for _ in range(10)]
    assert [a.status for a in burst] == [200] * 10
    past = await asyncio.gather(*(search(greedy) for _ in range(5)))
    refused = [a for a in past if a.status == 429]
    assert refused, [a.status for a in past]
    assert refused[0].json()["error"] == "rate_limited"
    assert 1 <= int(refused[0].headers["retry-after"]) <= 2
    assert (await search(patient)).status == 200, "another token has its own allowance"
