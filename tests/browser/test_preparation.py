"""The console shows how far the hub is with the delegates' marked copies made ahead."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import Screens
from tests.conftest import HubProcess


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
