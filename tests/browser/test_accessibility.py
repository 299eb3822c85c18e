"""The accessibility scan (axe-core, 44 px targets on touch screens) on every screen and state
these tests reach: the gate board in each state and shape, the hall, the front page and the
sign-in pages. The console's and the delegate's signed-in states are scanned in their own tests."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.browser import hub_commands as hub
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import Screens
from tests.conftest import DemoTokens

SECOND = 1000
TABLET = (1280, 800)
PHONE = (390, 844)


BAND_SIZES = """() => [...document.querySelectorAll(".band *, #status")]
    .filter((e) => e.getClientRects().length && [...e.childNodes].some(
        (n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim()))
    .map((e) => ({id: e.id || e.className, size: parseFloat(getComputedStyle(e).fontSize)}))"""
"""The font size of every text drawn in the hall's band."""


def board_in_each_shape(screens: Screens, demo: DemoTokens) -> list[Page]:
    return [
        screens.board(demo.boards[0], 1920, 1080),
        screens.board(demo.boards[1], 1080, 1920),
    ]


def scan(pages: list[Page], state: str) -> None:
    for page in pages:
        # The state drawn, and the next frame too (the lists are measured after a change).
        page.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done)))")
        assert_accessible(page, f"board {page.viewport_size} {state}")


def test_the_board_in_every_state_and_shape(screens: Screens, demo: DemoTokens) -> None:
    boards = board_in_each_shape(screens, demo)
    for page in boards:
        page.wait_for_selector("#idle:not([hidden]) #programme li", timeout=5 * SECOND)
    scan(boards, "idle, not started")

    hub.send(
        screens.hub,
        *hub.open_item(demo, "item-2"),
        (demo.presidium, "show_page", {"document_id": "bao-cao-chinh-tri", "page": 1}),
        *hub.accepted_speakers(demo, 6),
        (demo.delegates[6][0], "request_floor", {"kind": "point_of_order"}),
        (demo.presidium, "accept_request", {"delegate_id": demo.delegates[6][1]}),
        *hub.grant(demo, 0),
    )
    for page in boards:
        page.wait_for_selector("#live:not([hidden]) #countdown:not(:empty)", timeout=5 * SECOND)
        page.wait_for_selector(".hidden-doc", timeout=5 * SECOND)
    scan(boards, "a speaker, a queue, a document for delegates")

    hub.send(screens.hub, (demo.presidium, "suspend_session", {}))
    for page in boards:
        page.wait_for_function(
            "document.querySelector('#idle-status').textContent === 'Tạm nghỉ'",
            timeout=5 * SECOND,
        )
    scan(boards, "a break")

    hub.send(screens.hub, (demo.presidium, "adjourn_session", {}))
    for page in boards:
        page.wait_for_function(
            "document.querySelector('#idle-status').textContent === 'Bế mạc'",
            timeout=5 * SECOND,
        )
    scan(boards, "adjourned")


def test_the_hall_screen(screens: Screens, demo: DemoTokens) -> None:
    hall = screens.hall(demo.hall)
    hall.wait_for_selector("#slide", timeout=5 * SECOND)
    assert_accessible(hall, "hall, nothing shown")
    hub.send(screens.hub, *hub.open_item(demo, "item-1"), *hub.accepted_speakers(demo, 1))
    hub.send(screens.hub, *hub.grant(demo, 0))
    hall.wait_for_selector("#countdown:not([hidden])", timeout=5 * SECOND)
    assert_accessible(hall, "hall, a speaker")
    # Read from the back of the hall: as on the gate board, no text under 36 px at 1080.
    sizes = hall.evaluate(BAND_SIZES)
    assert {entry["id"] for entry in sizes} >= {"item", "speaker-name", "speaker-unit"}, sizes
    for entry in sizes:
        assert entry["size"] >= 36, entry
    hub.send(screens.hub, (demo.presidium, "suspend_session", {}))
    hall.wait_for_selector('#stage[data-session="suspended"]', state="attached", timeout=5 * SECOND)
    assert_accessible(hall, "hall, a break")


def test_the_front_page_and_the_sign_in_pages(screens: Screens) -> None:
    for width, height in (TABLET, PHONE):
        front = screens.open("/", width, height)
        front.wait_for_selector("nav.screens a")
        assert_accessible(front, f"front page {width}x{height}", touch=True)

    console = screens.open("/console/", 1920, 1080)
    console.wait_for_selector("#sign-in:not([hidden])")
    assert_accessible(console, "console sign-in")

    for width, height in (TABLET, PHONE):
        delegate = screens.open("/delegate/", width, height)
        delegate.wait_for_selector('#status[data-status="stopped"]', state="attached")
        assert_accessible(delegate, f"delegate sign-in {width}x{height}", touch=True)
