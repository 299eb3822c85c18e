"""A screen that missed an event asks once for a snapshot and catches up (protocol §10.2)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import msgpack
from playwright.sync_api import Page, WebSocketRoute

from tests.browser.conftest import Screens, wait_live
from tests.browser.test_screens import SECOND, open_item
from tests.conftest import UNIT, DemoTokens


class Relay:
    """Stands between a page and the hub: loses an event when told to, holds syncs back."""

    def __init__(self) -> None:
        self.lose_next_event = False
        self.hold_syncs = False
        self.held: list[bytes] = []
        self.syncs = 0
        self.events_passed = 0
        self.connections = 0
        self.page_side: WebSocketRoute | None = None
        self.server: WebSocketRoute | None = None

    def __call__(self, page_side: WebSocketRoute) -> None:
        server = page_side.connect_to_server()
        self.connections += 1
        self.page_side = page_side
        self.server = server

        def from_page(message: str | bytes) -> None:
            if isinstance(message, bytes) and _type(message) == "sync":
                self.syncs += 1
                if self.hold_syncs:
                    self.held.append(message)
                    return
            server.send(message)

        def from_hub(message: str | bytes) -> None:
            if isinstance(message, bytes) and _type(message) == "event":
                if self.lose_next_event:
                    self.lose_next_event = False
                    return
                self.events_passed += 1
            page_side.send(message)

        page_side.on_message(from_page)
        server.on_message(from_hub)

    def release(self) -> None:
        assert self.server is not None
        self.hold_syncs = False
        for message in self.held:
            self.server.send(message)
        self.held.clear()

    def cut(self) -> None:
        """Closes the page's socket as a restarting hub would, forgetting the syncs held."""
        assert self.page_side is not None
        assert self.server is not None
        self.hold_syncs = False
        self.held.clear()
        self.server.close()
        self.page_side.close(code=1012, reason="restarting")


def _type(frame: bytes) -> Any:
    return msgpack.unpackb(frame, raw=False).get("type")


def wait_until(page: Page, reached: Callable[[], bool], what: str) -> None:
    """Lets Playwright relay the page's frames until `reached()`."""
    deadline = time.monotonic() + 5 * UNIT
    while not reached():
        assert time.monotonic() < deadline, what
        page.wait_for_timeout(20)


def shows_item(page: Page, title: str) -> None:
    page.wait_for_function(
        "title => document.querySelector('#item').textContent === title",
        arg=title,
        timeout=SECOND,
    )


def test_a_screen_that_missed_an_event_sends_one_sync_and_catches_up(
    screens: Screens, demo: DemoTokens
) -> None:
    console = screens.console(demo.presidium)
    relay = Relay()
    delegate = screens.delegate(demo.delegates[0][0], socket=relay)
    relay.lose_next_event = True
    relay.hold_syncs = True

    open_item(console, "Khai mạc Đại hội")
    open_item(console, "Báo cáo chính trị của Ban Chấp hành Đảng bộ tỉnh")
    wait_until(delegate, lambda: relay.syncs == 1, "the gap asks for a snapshot")
    # Events that reach the screen while the snapshot is on its way ask for nothing more.
    passed = relay.events_passed
    open_item(console, "Thảo luận Đề án nhân sự Ban Chấp hành nhiệm kỳ mới")
    open_item(console, "Bế mạc Đại hội")
    wait_until(delegate, lambda: relay.events_passed == passed + 2, "two more events")
    assert delegate.inner_text("#item") == "Chưa mở nội dung nào", "nothing applied after a gap"

    relay.release()
    shows_item(delegate, "Bế mạc Đại hội")
    open_item(console, "Khai mạc Đại hội")
    shows_item(delegate, "Khai mạc Đại hội")
    assert relay.syncs == 1


def test_a_sync_lost_with_its_connection_does_not_stop_the_screen_following(
    screens: Screens, demo: DemoTokens
) -> None:
    console = screens.console(demo.presidium)
    relay = Relay()
    delegate = screens.delegate(demo.delegates[0][0], socket=relay)
    relay.lose_next_event = True
    relay.hold_syncs = True
    open_item(console, "Khai mạc Đại hội")
    open_item(console, "Báo cáo chính trị của Ban Chấp hành Đảng bộ tỉnh")
    wait_until(delegate, lambda: relay.syncs == 1, "the gap asks for a snapshot")

    relay.cut()
    wait_until(delegate, lambda: relay.connections == 2, "the screen reconnects")
    wait_live(delegate)
    # Resumed from the last seq it applied, the screen takes the events it missed.
    shows_item(delegate, "Báo cáo chính trị của Ban Chấp hành Đảng bộ tỉnh")
    open_item(console, "Bế mạc Đại hội")
    shows_item(delegate, "Bế mạc Đại hội")
