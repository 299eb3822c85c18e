"""The console page and the hub's view for the console's browser tests: frames the page
sends, the room as a fresh screen reads it, and the room driven by the Python client."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgpack
from playwright.sync_api import Page, WebSocket, expect

from presidium_console.client import CongressClient
from tests.browser.conftest import Screens, wait_live
from tests.conftest import UNIT, DemoTokens, HubProcess

SECOND = 1000
T = TypeVar("T")


def run(make: Callable[[], Awaitable[T]]) -> T:
    """An async step (the Python client) from a sync Playwright test, on its own loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, make()).result()  # type: ignore[arg-type]


async def connected(hub: HubProcess, token: str) -> CongressClient:
    client = hub.client(token)
    await client.connect(timeout=10 * UNIT)
    await client.wait_for(lambda view: view.seq > 0, timeout=10 * UNIT)
    return client


def view_of(hub: HubProcess, token: str) -> dict[str, Any]:
    """The room as a fresh screen with this token is told it now."""

    async def read() -> dict[str, Any]:
        client = await connected(hub, token)
        try:
            return dict(client.view.sections)
        finally:
            await client.close()

    return run(read)


def wait_view(
    hub: HubProcess, token: str, holds: Callable[[dict[str, Any]], bool], timeout: float = 10
) -> dict[str, Any]:
    """The room once `holds` is true of it (the hub recorded what the console sent)."""

    async def read() -> dict[str, Any]:
        client = await connected(hub, token)
        try:
            view = await client.wait_for(lambda v: holds(v.sections), timeout=timeout * UNIT)
            return dict(view.sections)
        finally:
            await client.close()

    return run(read)


def drive(hub: HubProcess, demo: DemoTokens, *, requests: int = 0, speaking: bool = False) -> None:
    """The session opened, the report's item open with `requests` requests to speak (the
    first `speaking` of them given the floor)."""

    async def steps() -> None:
        presidium = await connected(hub, demo.presidium)
        speakers: list[CongressClient] = []
        try:
            items = presidium.view["agenda"]["items"]
            await presidium.command("open_session")
            await presidium.command("set_current_item", item_id=items[1]["id"])
            kinds = ["speech", "point_of_order", "reply"]
            for n in range(requests):
                speakers.append(await connected(hub, demo.delegates[n][0]))
                await speakers[-1].command("request_floor", kind=kinds[n % 3])
            if speaking:
                await presidium.command("grant_floor")
        finally:
            for client in (presidium, *speakers):
                await client.close()

    run(steps)


class Console:
    """The console page with every command frame it sends kept, in order."""

    def __init__(self, screens: Screens, token: str, width: int, height: int) -> None:
        self.sent: list[dict[str, Any]] = []
        self.page = screens.open("/console/", width, height)
        self.page.on("websocket", self._watch)
        self.page.fill("#token", token)
        self.page.click("#sign-in button")
        self.page.wait_for_selector("#desk:not([hidden])")
        wait_live(self.page)

    def _watch(self, socket: WebSocket) -> None:
        def sent(payload: str | bytes) -> None:
            if isinstance(payload, bytes):
                frame = msgpack.unpackb(payload, raw=False)
                if frame.get("type") == "command":
                    self.sent.append({"name": frame["name"], "args": frame["args"]})

        socket.on("framesent", sent)

    def commands(self) -> list[str]:
        return [c["name"] for c in self.sent]

    def wait_sent(self, name: str) -> dict[str, Any]:
        for _ in range(100):
            found = [c for c in self.sent if c["name"] == name]
            if found:
                return found[-1]
            self.page.wait_for_timeout(50)
        raise AssertionError(f"{name} not sent: {self.commands()}")

    def dialog(self) -> Page:
        expect(self.page.locator("#confirm")).to_be_visible(timeout=2 * SECOND)
        return self.page


def status_of(view: dict[str, Any]) -> str:
    return str(view["session"]["status"])


def no_page_scroll(page: Page) -> None:
    sizes = page.evaluate(
        "() => [document.scrollingElement.scrollHeight, innerHeight,"
        " document.scrollingElement.scrollWidth, innerWidth]"
    )
    assert sizes[0] <= sizes[1], f"the page scrolls: {sizes[0]} px tall for {sizes[1]}"
    assert sizes[2] <= sizes[3], f"the page scrolls sideways: {sizes[2]} px for {sizes[3]}"


def in_view(page: Page, selector: str) -> None:
    box = page.locator(selector).bounding_box()
    size = page.viewport_size
    assert box is not None, selector
    assert size is not None
    assert box["y"] >= 0, (selector, box)
    assert box["y"] + box["height"] <= size["height"], (selector, box)
    assert box["x"] >= 0, (selector, box)
    assert box["x"] + box["width"] <= size["width"], (selector, box)


async def grant_and_end(hub: HubProcess, token: str, delegate_id: str) -> None:
    presidium = await connected(hub, token)
    try:
        await presidium.command("grant_floor", delegate_id=delegate_id)
        await presidium.command("end_speech")
    finally:
        await presidium.close()


def show_document(console: Page, document_id: str) -> None:
    """Choose a document (a preview at the desk alone), then put its first page live."""
    console.select_option("#doc-pick", document_id)
    console.get_by_role("button", name="Trình chiếu", exact=True).click()
