"""The hall's page images: the copy prepared for its screen size, and "preparing" meanwhile."""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import json
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import Screens, wait_live
from tests.browser.driver import Driver
from tests.conftest import UNIT, DemoTokens, HubProcess
from tests.documents.test_preparation import all_prepared, figures, keep_only_first_delegate

SECOND = 1000
HALL_IMAGE = """(page) => {
    const image = document.querySelector("#page img");
    return image !== null && image.complete && image.naturalWidth > 0
        && image.dataset.page === String(page);
}"""
"""The hall shows the live page's image itself, loaded, not a placeholder."""
DOCUMENT = "bao-cao-chinh-tri"
"""The demo's delegates-level draft (6 pages): the hall's copy of a page is marked."""


def apart(work: Coroutine[Any, Any, None]) -> None:
    """An async helper run to its end in a thread of its own: Playwright's sync API keeps an
    event loop running in this one."""
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, work).result()


@pytest.fixture
def prepared(browser: Browser, demo_data: Path) -> Iterator[Screens]:
    """A hub that has prepared every marked copy: one delegate's and the hall's."""
    apart(keep_only_first_delegate(demo_data))
    hub = HubProcess(demo_data, prerender=True)
    hub.start()
    opened = Screens(browser, hub)
    try:
        apart(all_prepared(hub, hub.tokens().presidium, 3 * (6 + 4)))
        yield opened
    finally:
        opened.close()
        hub.stop()
    assert not opened.script_errors, opened.script_errors


def hall_on(screens: Screens, token: str, scale: float) -> Page:
    """A hall screen of 1920 x 1080 CSS pixels, `scale` device pixels to one."""
    context = screens.browser.new_context(
        viewport={"width": 1920, "height": 1080},
        device_scale_factor=scale,
        locale="vi-VN",
        bypass_csp=True,
    )
    screens.contexts.append(context)
    page = context.new_page()
    page.on("pageerror", lambda error: screens.script_errors.append(f"/hall/: {error}"))
    page.goto(f"{screens.hub.http}/hall/#token={token}")
    wait_live(page)
    return page


def test_each_hall_screen_gets_the_copy_prepared_for_its_size_from_the_cache(
    prepared: Screens,
) -> None:
    hub = prepared.hub
    tokens = hub.tokens()
    presidium = Driver(hub, tokens.presidium)
    try:
        presidium.command("show_page", document_id=DOCUMENT, page=3)
        # A 1080p screen (and a 4K one: an A4 page 1,130 px wide) takes the 1280 px copy;
        # a screen whose page is wider than 1280 device pixels, the 2048 px one.
        for scale, width in ((1, 1280), (2, 1280), (2.5, 2048)):
            hall = hall_on(prepared, tokens.hall, scale)
            hall.wait_for_function(HALL_IMAGE, arg=3, timeout=15 * SECOND * UNIT)
            source = hall.get_attribute("#page img", "src") or ""
            assert source.endswith(f"/documents/{DOCUMENT}/versions/1/pages/3.webp?width={width}")
        shown = figures(hub)
        assert shown["rendered"] == 0, "both hall copies were prepared before they were asked"
        assert shown["cached"] >= 3
        assert_accessible(hall, "hall, a prepared page")
    finally:
        presidium.close()


def test_the_hall_shows_preparing_and_asks_again_when_the_hub_says(
    screens: Screens, demo: DemoTokens, drivers: list[Driver]
) -> None:
    presidium = Driver(screens.hub, demo.presidium)
    drivers.append(presidium)
    hall = screens.hall(demo.hall)
    # Page 2's copy is "preparing" until the turn to it has been answered so three times
    # (the hall's prefetch of it, once page 1 is up, too): Retry-After 3 s each time.
    asked: list[tuple[float, str]] = []
    turned = [False]

    def page_two(route: Route) -> None:
        if len(asked) >= 3:
            route.continue_()
            return
        if turned[0]:
            asked.append((time.monotonic(), route.request.resource_type))
        route.fulfill(
            status=503,
            headers={"Retry-After": "3", "Cache-Control": "no-store"},
            content_type="application/json",
            body=json.dumps({"error": "preparing", "message": "this page is being prepared"}),
        )

    hall.route(f"**/documents/{DOCUMENT}/versions/1/pages/2.webp*", page_two)
    presidium.command("show_page", document_id=DOCUMENT, page=1)
    # The hall's copy is made on demand here (no pre-render): it may take a while.
    hall.wait_for_function(HALL_IMAGE, arg=1, timeout=60 * SECOND * UNIT)
    turned[0] = True
    presidium.command("show_page", document_id=DOCUMENT, page=2)

    notice = hall.locator("#page .preparing")
    expect(notice).to_have_text("Đang chuẩn bị trang…", timeout=10 * SECOND)
    expect(notice).to_have_attribute("role", "status")
    expect(hall.locator("#page img")).to_have_count(0)  # page 1 no longer stands for page 2
    expect(hall.locator("#document")).to_contain_text("2/6")
    assert_accessible(hall, "hall, a page being prepared")

    hall.wait_for_function(HALL_IMAGE, arg=2, timeout=30 * SECOND * UNIT)
    assert len(asked) == 3, asked
    # The image's own request may not reach the network (Chromium keeps the failed prefetch
    # of the same address): the asks that follow are the hall's, each waiting as long as the
    # hub said (3 s at least), not the old 2 s back-off.
    asks = [at for at, kind in asked if kind == "fetch"]
    assert len(asks) >= 2, asked
    gaps = [later - earlier for earlier, later in itertools.pairwise(asks)]
    assert all(gap >= 2.9 for gap in gaps), gaps
    expect(hall.locator("#page .preparing")).to_have_count(0)
