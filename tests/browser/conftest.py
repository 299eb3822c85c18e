"""Debian's headless Chromium driven by Playwright against a real hub, for the screens' tests."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, WebSocketRoute, sync_playwright

from tests.browser.driver import Driver
from tests.conftest import DemoTokens, HubProcess

# Debian's headless shell, the same Blink and V8 without the desktop browser around them:
# what Playwright itself launches for headless Chromium. On this project's two-core machines
# the browser tests took a third less CPU and time in it than in the full `chromium`
# (547 against 814 core-seconds, 2026-12-03).
CHROMIUM = shutil.which("chromium-headless-shell") or "/usr/bin/chromium-headless-shell"
# The machine's network is closed: without these Chromium keeps trying Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The README's pictures are taken on every run, into a directory outside the repository:
# `scripts/screenshots` names docs/screenshots/ to take them again after a change to the
# screens, so a test run leaves the tracked pictures as they were.
SCREENSHOTS = Path(
    os.environ.get("CONGRESS_SCREENSHOTS")
    or Path(tempfile.gettempdir()) / f"congress-screenshots-{os.getuid()}"
)
SCREENSHOTS.mkdir(parents=True, exist_ok=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def screens_hub(demo_data: Path) -> Iterator[HubProcess]:
    hub = HubProcess(demo_data)
    hub.start()
    try:
        yield hub
    finally:
        hub.stop()


@pytest.fixture
def demo(screens_hub: HubProcess) -> DemoTokens:
    return screens_hub.tokens()


class Screens:
    """Pages opened in separate browser contexts, as on separate devices.

    Every page's uncaught script errors are collected: a test that caused one fails at its end.
    """

    def __init__(self, browser: Browser, hub: HubProcess) -> None:
        self.browser = browser
        self.hub = hub
        self.contexts: list[BrowserContext] = []
        self.script_errors: list[str] = []

    def open(
        self,
        path: str,
        width: int = 1280,
        height: int = 800,
        socket: Callable[[WebSocketRoute], None] | None = None,
    ) -> Page:
        """`socket`, if given, stands between the page and the hub's /ws."""
        # Playwright's string predicates are evaluated in the page, which the pages'
        # Content-Security-Policy forbids (no eval); tests/security/test_page_policy.py
        # loads every screen under the policy itself.
        context = self.browser.new_context(
            viewport={"width": width, "height": height}, locale="vi-VN", bypass_csp=True
        )
        self.contexts.append(context)
        page = context.new_page()
        screen = path.split("#")[0]  # the fragment holds a token: not for reports
        page.on("pageerror", lambda error: self.script_errors.append(f"{screen}: {error}"))
        if socket is not None:
            page.route_web_socket("**/ws", socket)
        page.goto(f"{self.hub.http}{path}")
        return page

    def console(self, token: str, width: int = 1600, height: int = 1000) -> Page:
        page = self.open("/console/", width, height)
        page.fill("#token", token)
        page.click("#sign-in button")
        page.wait_for_selector("#desk:not([hidden])")
        wait_live(page)
        return page

    def delegate(
        self,
        token: str,
        width: int = 1280,
        height: int = 800,
        socket: Callable[[WebSocketRoute], None] | None = None,
    ) -> Page:
        page = self.open(f"/delegate/#token={token}", width, height, socket)
        wait_live(page)
        return page

    def board(self, token: str, width: int = 1920, height: int = 1080) -> Page:
        page = self.open(f"/board/#token={token}", width, height)
        wait_live(page)
        return page

    def hall(self, token: str, width: int = 1920, height: int = 1080) -> Page:
        page = self.open(f"/hall/#token={token}", width, height)
        wait_live(page)
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def wait_live(page: Page, timeout: float = 15_000) -> None:
    page.wait_for_selector('#status[data-status="live"]', state="attached", timeout=timeout)


@pytest.fixture
def screens(browser: Browser, screens_hub: HubProcess) -> Iterator[Screens]:
    opened = Screens(browser, screens_hub)
    try:
        yield opened
    finally:
        opened.close()
    assert not opened.script_errors, opened.script_errors


@pytest.fixture
def drivers(screens: Screens) -> Iterator[list[Driver]]:
    """Python clients a test opens beside its pages (tests/browser/driver.py), all closed."""
    opened: list[Driver] = []
    try:
        yield opened
    finally:
        for driver in opened:
            driver.close()
