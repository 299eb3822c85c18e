"""The latest checkpoint's fingerprint on the console's and the board's header, in Chromium."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from session_server.record.keys import generate
from tests.browser.accessibility import blocking_violations
from tests.browser.conftest import Screens, browser, wait_live
from tests.conftest import HubProcess

__all__ = ["browser"]  # the module's Chromium, shared by the tests here

SECOND = 1000


@pytest.fixture
def signed_hub(demo_data: Path, tmp_path: Path) -> Iterator[HubProcess]:
    key = tmp_path / "signing-key.pem"
    generate(key)
    hub = HubProcess(demo_data)
    hub.start("--signing-key", str(key))
    try:
        yield hub
    finally:
        hub.stop()


async def close_an_item(hub: HubProcess) -> str:
    """Open item 2, then item 3 (item 2 ends: a checkpoint); the fingerprint it shows."""
    presidium = hub.client(hub.tokens().presidium)
    await presidium.connect()
    try:
        await presidium.command("set_current_item", item_id="item-2")
        closed = await presidium.command("set_current_item", item_id="item-3")
        view = await presidium.wait_for(lambda v: v.seq > closed.seq)
        fingerprint: str = view["session"]["checkpoint"]
        return fingerprint
    finally:
        await presidium.close()


def test_the_console_and_the_board_show_the_latest_checkpoint(
    browser: Browser, signed_hub: HubProcess
) -> None:
    screens = Screens(browser, signed_hub)
    try:
        tokens = signed_hub.tokens()
        console = screens.console(tokens.presidium)
        board = screens.board(tokens.boards[0])
        wait_live(console)
        wait_live(board)
        assert console.locator("#checkpoint").is_hidden(), "no checkpoint yet"
        # Both screens have findings of their own today (the console's upload form, the
        # board's muted text; being redesigned elsewhere): the checkpoint must add none.
        before = {page: set(blocking_violations(page)) for page in (console, board)}
        # Playwright's own loop runs in this thread: the presidium's client gets one apart.
        with ThreadPoolExecutor(1) as apart:
            fingerprint = apart.submit(asyncio.run, close_an_item(signed_hub)).result()
        for page in (console, board):
            page.wait_for_function(
                "(mark) => document.querySelector('#checkpoint').textContent.endsWith(mark)",
                arg=fingerprint,
                timeout=5 * SECOND,
            )
            assert page.locator("#checkpoint").is_visible()
        assert (board.text_content("#checkpoint") or "").startswith("Mã kiểm tra biên bản")
        for page in (console, board):
            found = blocking_violations(page)
            assert set(found) <= before[page], found
            assert not [f for f in found if "#checkpoint" in f], found
    finally:
        screens.close()
    assert not screens.script_errors, screens.script_errors
