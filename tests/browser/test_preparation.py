"""The console shows how far the hub is with the delegates' marked copies made ahead."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import Screens
from tests.conftest import DemoTokens, HubProcess


@pytest.fixture
def preparing(browser: Browser, demo_data: Path) -> Iterator[Screens]:
    hub = HubProcess(demo_data, prerender=True)
    hub.start()
    opened = Screens(browser, hub)
    try:
        yield opened
    finally:
        opened.close()
        hub.stop()
    assert not opened.script_errors, opened.script_errors


def test_the_console_shows_the_marked_pages_made_ahead(preparing: Screens) -> None:
    console = preparing.console(preparing.hub.tokens().presidium)
    line = console.locator("#prepared")
    # "… đã chuẩn bị sẵn: 3 / 480 trang": counted while the hub makes them.
    expect(line).to_have_text(
        re.compile(r"chuẩn bị sẵn: (\d+ / \d+|đủ cả \d+) trang"), timeout=30_000
    )
    first = int(re.findall(r"\d+", line.inner_text())[0])
    expect(line).not_to_have_text(re.compile(rf"sẵn: {first} / "), timeout=30_000)


def test_signing_in_again_leaves_one_progress_loop_asking(
    screens: Screens, demo: DemoTokens
) -> None:
    console = screens.console(demo.presidium)
    asks: list[float] = []
    # The same console signed in a second time (its form sent again, as a double Enter
    # does), half a poll after the first: two loops would ask every 2.5 s between them.
    console.wait_for_timeout(2_500)
    console.on(
        "request",
        lambda request: asks.append(time.monotonic()) if "/preparation" in request.url else None,
    )
    console.evaluate("document.querySelector('#sign-in').requestSubmit()")
    console.wait_for_timeout(12_500)
    gaps = [later - earlier for earlier, later in itertools.pairwise(asks)]
    assert len(asks) >= 3, asks
    # One loop asks every 5 s; one short gap is allowed, the first loop's last ask.
    assert len([gap for gap in gaps if gap < 4.5]) <= 1, gaps
