"""Every screen works under its own Content-Security-Policy: nothing it loads is refused."""

from __future__ import annotations

from playwright.sync_api import Browser, ConsoleMessage

from tests.conftest import UNIT, DemoTokens, HubProcess


def test_every_screen_goes_live_with_nothing_refused_by_its_policy(
    target: HubProcess, demo: DemoTokens, browser: Browser
) -> None:
    refused: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            refused.append(message.text)

    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    try:
        console = context.new_page()
        console.on("console", watch)
        console.goto(f"{target.http}/console/")
        console.fill("#token", demo.presidium)
        console.click("#sign-in button")
        for path in (
            f"/delegate/#token={demo.delegates[0][0]}",
            f"/board/#token={demo.boards[0]}",
            f"/hall/#token={demo.hall}",
        ):
            page = context.new_page()
            page.on("console", watch)
            page.goto(f"{target.http}{path}")
            page.wait_for_selector(
                '#status[data-status="live"]', state="attached", timeout=15_000 * UNIT
            )
            if path.startswith("/delegate/"):
                # The tablet's service worker (worker-src) then every page it may read, kept
                # one at a time for offline reading (docs/protocol.md §15): all of them held.
                page.wait_for_selector(
                    'html[data-offline="ready"]', state="attached", timeout=90_000 * UNIT
                )
            else:
                # The page image of the live document loads too (img-src).
                page.wait_for_load_state("networkidle", timeout=15_000 * UNIT)
        console.wait_for_selector(
            '#status[data-status="live"]', state="attached", timeout=15_000 * UNIT
        )
    finally:
        context.close()
    assert refused == []
