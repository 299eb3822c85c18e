"""The screens in a real Chromium against a real hub: what people see, and when."""

from __future__ import annotations

import re
import time
from pathlib import Path

from playwright.sync_api import Page, Request

from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import SCREENSHOTS, Screens, wait_live
from tests.browser.console_page import show_document
from tests.conftest import DemoTokens
from tests.documents.pdfs import a4_pdf

SECOND = 1000
"""Playwright waits in milliseconds: the issue's "within 1 s"."""


def seconds_shown(page: Page) -> int:
    text = page.inner_text("#countdown").replace("\u2212", "-")
    match = re.fullmatch(r"(-?)(\d+):(\d\d)", text.strip())
    assert match, text
    value = int(match[2]) * 60 + int(match[3])
    return -value if match[1] else value


def open_item(console: Page, title: str) -> None:
    item = console.locator(".agenda-item", has_text=title)
    item.get_by_role("button", name="Mở").click()


def test_an_item_and_a_page_turn_reach_the_delegate_and_the_board_within_a_second(
    screens: Screens, demo: DemoTokens
) -> None:
    console = screens.console(demo.presidium)
    delegate = screens.delegate(demo.delegates[0][0])
    board = screens.board(demo.boards[0])

    open_item(console, "Báo cáo chính trị của Ban Chấp hành")
    board.wait_for_function(
        "document.querySelector('#item').textContent.startsWith('Báo cáo chính trị')",
        timeout=SECOND,
    )
    delegate.wait_for_function(
        "document.querySelector('#item').textContent.startsWith('Báo cáo chính trị')",
        timeout=SECOND,
    )

    show_document(console, "chuong-trinh")
    delegate.wait_for_function(
        "document.querySelector('#page-label').textContent.includes('1 / 2')", timeout=SECOND
    )
    console.locator("body").press("ArrowRight")
    delegate.wait_for_function(
        "document.querySelector('#page-label').textContent.includes('2 / 2')", timeout=SECOND
    )
    board.wait_for_function(
        "document.querySelector('#document').textContent.includes('2/2')", timeout=SECOND
    )
    # The tablet shows the page itself, at the tablet's width, from the hub (the new image
    # replaces the old one once it has loaded).
    delegate.wait_for_function(
        """() => {
            const image = document.querySelector("#page img");
            return image !== null && image.complete && image.naturalWidth === 2048
                && image.src.includes("/documents/chuong-trinh/versions/1/pages/2.webp");
        }""",
        timeout=10 * SECOND,
    )


def test_a_request_granted_shows_one_countdown_on_all_three_screens(
    screens: Screens, demo: DemoTokens
) -> None:
    console = screens.console(demo.presidium)
    delegate = screens.delegate(demo.delegates[3][0])
    board = screens.board(demo.boards[0])
    # The floor is given only once the session is open (docs/protocol.md §7).
    console.click("#open-session")
    open_item(console, "Khai mạc Đại hội")
    delegate.wait_for_function(
        "!document.querySelector('[data-kind=speech]').disabled", timeout=5 * SECOND
    )

    delegate.click("[data-kind=point_of_order]")
    entry = console.locator(".queue-entry", has_text="Ý kiến thủ tục")
    entry.wait_for(timeout=SECOND)
    name = entry.locator("strong").inner_text()
    delegate.wait_for_function(
        "document.querySelector('#mine').textContent.includes('1 / 1')", timeout=SECOND
    )

    entry.get_by_role("button", name="Mời phát biểu").click()
    board.wait_for_selector("#countdown", timeout=SECOND)
    assert board.inner_text(".speaker-name") == name
    delegate.wait_for_selector("#countdown", timeout=SECOND)
    shown = [seconds_shown(page) for page in (console, delegate, board)]
    assert max(shown) - min(shown) <= 1, shown
    assert 100 <= shown[0] <= 120, "a point of order has 120 s"
    assert delegate.inner_text("#mine") == "Đồng chí đang phát biểu"


def test_the_screens_reconnect_after_a_hub_restart_without_a_reload(
    screens: Screens, demo: DemoTokens
) -> None:
    console = screens.console(demo.presidium)
    delegate = screens.delegate(demo.delegates[1][0])
    board = screens.board(demo.boards[1])
    open_item(console, "Khai mạc Đại hội")
    board.wait_for_function(
        "document.querySelector('#item').textContent === 'Khai mạc Đại hội'", timeout=SECOND
    )
    for page in (console, delegate, board):
        page.evaluate("window.notReloaded = true")

    screens.hub.stop()
    for page in (console, delegate, board):
        page.wait_for_selector(
            '#status[data-status="reconnecting"]', state="attached", timeout=5 * SECOND
        )
    assert board.inner_text("#item") == "Khai mạc Đại hội", "the last state stays on screen"
    assert delegate.is_visible("#offline")

    screens.hub.start()
    for page in (console, delegate, board):
        wait_live(page, timeout=30 * SECOND)
        assert page.evaluate("window.notReloaded") is True
    open_item(console, "Bế mạc Đại hội")
    for page in (delegate, board):
        page.wait_for_function(
            "document.querySelector('#item').textContent === 'Bế mạc Đại hội'", timeout=SECOND
        )
    assert not delegate.is_visible("#offline")
    # What each screen shows after the restart, scanned as it is.
    assert_accessible(console, "console after a hub restart")
    assert_accessible(delegate, "delegate display after a hub restart", touch=True)
    assert_accessible(board, "board after a hub restart")


def test_a_board_never_asks_for_a_confidential_page_nor_shows_its_title(
    screens: Screens, demo: DemoTokens
) -> None:
    console = screens.console(demo.presidium)
    board = screens.board(demo.boards[0])
    requested: list[str] = []
    board.on("request", lambda request: requested.append(request.url))
    delegate = screens.delegate(demo.delegates[0][0])
    images: list[Request] = []
    delegate.on("request", lambda request: images.append(request))

    def board_hides(document: str) -> None:
        board.wait_for_function(
            "document.querySelector('#document').textContent.includes('màn hình đại biểu')",
            timeout=SECOND,
        )
        html = board.content()
        # The documents' titles; the agenda's items (the idle board's programme) are public.
        assert "Dự thảo Báo cáo chính trị" not in html
        assert "Đề án nhân sự Ban Chấp hành (MẬT)" not in html
        assert document not in html

    # Each change is seen on the tablet first (it asks for the page; it says the page is
    # hidden): the board got the same change, and had it asked for a page, it would have.
    with delegate.expect_request(
        lambda request: "/documents/bao-cao-chinh-tri/" in request.url, timeout=10 * SECOND
    ):
        show_document(console, "bao-cao-chinh-tri")
    board_hides("bao-cao-chinh-tri")
    show_document(console, "de-an-nhan-su")
    delegate.wait_for_function(
        "document.querySelector('#page').textContent.includes('màn hình đại biểu')",
        timeout=5 * SECOND,
    )
    board_hides("de-an-nhan-su")
    assert not [url for url in requested if "/documents/" in url], requested
    # The delegate got the delegates' report (marked with their name), not the plan.
    assert any("bao-cao-chinh-tri" in r.url for r in images)
    assert not any("de-an-nhan-su" in r.url for r in images)
    assert delegate.inner_text("#page") == "Đang trình chiếu trên màn hình đại biểu"


HALL_IMAGE = """(page) => {
    const image = document.querySelector("#page img");
    return image !== null && image.complete && image.naturalWidth > 0
        && image.dataset.page === String(page);
}"""
"""The hall shows the live page's image itself, loaded, not a placeholder."""


def finished(requests: list[Request], part: str) -> bool:
    return any(part in request.url for request in requests)


def test_the_hall_follows_the_live_page_within_a_second_and_asks_for_no_presidium_paper(
    screens: Screens, demo: DemoTokens
) -> None:
    console = screens.console(demo.presidium)
    hall = screens.hall(demo.hall)
    asked: list[Request] = []
    loaded: list[Request] = []
    hall.on("request", lambda request: asked.append(request))
    hall.on("requestfinished", lambda request: loaded.append(request))

    open_item(console, "Báo cáo chính trị của Ban Chấp hành")
    hall.wait_for_function(
        "document.querySelector('#item').textContent.startsWith('Báo cáo chính trị')",
        timeout=SECOND,
    )
    show_document(console, "bao-cao-chinh-tri")
    # The first page is made for the hall on demand (marked), so it may take a while; the
    # page after it is fetched once the first is up, and a page turn then shows at once.
    hall.wait_for_function(HALL_IMAGE, arg=1, timeout=60 * SECOND)
    deadline = time.monotonic() + 60
    while not finished(loaded, "/bao-cao-chinh-tri/versions/1/pages/2.webp"):
        assert time.monotonic() < deadline, [r.url for r in asked]
        hall.wait_for_timeout(100)

    console.locator("body").press("ArrowRight")
    turned = time.monotonic()
    hall.wait_for_function(HALL_IMAGE, arg=2, timeout=SECOND)
    print(f"hall: page 2 on screen {time.monotonic() - turned:.3f} s after the turn was sent")
    hall.wait_for_function(
        "document.querySelector('#document').textContent.includes('2/')", timeout=SECOND
    )
    source = hall.get_attribute("#page img", "src") or ""
    assert "/documents/bao-cao-chinh-tri/versions/1/pages/2.webp?width=" in source

    # The presidium's paper: the hall goes to the congress's title, and asks for nothing.
    show_document(console, "de-an-nhan-su")
    hall.wait_for_selector('#stage[data-state="hidden"]', state="attached", timeout=SECOND)
    console.locator("body").press("ArrowRight")
    console.wait_for_function(
        "document.querySelector('#page-label').textContent.includes('2')", timeout=5 * SECOND
    )
    hall.wait_for_load_state("networkidle", timeout=10 * SECOND)
    assert hall.is_visible("#slide")
    assert not hall.is_visible("#page")
    html = hall.content()
    assert "Đề án nhân sự Ban Chấp hành" not in html
    assert "de-an-nhan-su" not in html
    documents = [r.url for r in asked if "/documents/" in r.url]
    assert documents, "the hall did ask for the delegates' report"
    assert not [url for url in documents if "de-an-nhan-su" in url], documents


def luminance(colour: str) -> float:
    channels = [int(c) / 255 for c in re.findall(r"[\d.]+", colour)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


BAND_TEXT = """() => [...document.querySelectorAll(".band *")]
    .filter((e) => e.offsetParent !== null && [...e.childNodes].some(
        (n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim()))
    .map((e) => {
        let back = e;
        while (getComputedStyle(back).backgroundColor === "rgba(0, 0, 0, 0)") {
            back = back.parentElement;
        }
        const style = getComputedStyle(e);
        return {id: e.id || e.className, text: e.textContent.trim(), color: style.color,
                background: getComputedStyle(back).backgroundColor,
                size: parseFloat(style.fontSize)};
    })"""
"""Every text in the band as drawn: its colour, the colour behind it, its size in pixels."""


def test_the_hall_band_is_read_from_the_back_in_both_languages(
    screens: Screens, demo: DemoTokens
) -> None:
    console = screens.console(demo.presidium)
    delegate = screens.delegate(demo.delegates[6][0])
    hall = screens.hall(demo.hall)
    console.click("#open-session")
    open_item(console, "Khai mạc Đại hội")
    delegate.wait_for_function(
        "!document.querySelector('[data-kind=speech]').disabled", timeout=5 * SECOND
    )
    delegate.click("[data-kind=speech]")
    entry = console.locator(".queue-entry", has_text="Phát biểu")
    entry.wait_for(timeout=5 * SECOND)
    name = entry.locator("strong").inner_text()
    assert name not in hall.inner_text("body"), "a pending request is not for the hall"
    entry.get_by_role("button", name="Mời phát biểu").click()
    hall.wait_for_selector("#countdown:not([hidden])", timeout=SECOND)
    assert hall.inner_text("#speaker-name") == name
    assert hall.inner_text("#item") == "Khai mạc Đại hội"
    # One countdown in the hall and at the presidium's desk, each on its estimate of the
    # hub's clock (to a second); a speech has 420 s.
    shown = [seconds_shown(page) for page in (console, hall)]
    assert max(shown) - min(shown) <= 1, shown
    assert 395 <= shown[1] <= 421, shown

    # The band's changes are spoken; the countdown, a timer, is not read out every second.
    for region in ("#item", "#speaker", "#document"):
        assert hall.get_attribute(region, "aria-live") == "polite", region
    assert hall.get_attribute("#countdown", "role") == "timer"
    texts = hall.evaluate(BAND_TEXT)
    assert {t["id"] for t in texts} >= {"item", "speaker-name", "speaker-unit", "countdown"}
    for text in texts:
        ink, paper = luminance(text["color"]), luminance(text["background"])
        contrast = (max(ink, paper) + 0.05) / (min(ink, paper) + 0.05)
        assert contrast >= 4.5, text  # WCAG AA for text of any size
        assert text["size"] >= 20, text
    sizes = {t["id"]: t["size"] for t in texts}
    assert min(sizes["item"], sizes["speaker-name"]) >= 36, sizes
    assert sizes["countdown"] >= 72, sizes

    # English, complete: every string of the screen has its translation.
    hall.locator("body").press("l")
    hall.wait_for_function(
        "document.querySelector('.band-label').textContent === 'Current item'", timeout=SECOND
    )
    assert hall.evaluate("document.documentElement.lang") == "en"
    band = hall.text_content(".band") or ""
    assert "Has the floor" in band
    assert "In session" in band or "Not started" in band
    assert not re.search(r"\b(hall|agenda|speakers|session|document)\.[a-z]", band), band


def test_screenshots_of_the_demo_congress(screens: Screens, demo: DemoTokens) -> None:
    """The README's pictures (scripts/screenshots); look at them after a change to the UI."""
    console = screens.console(demo.presidium, 1600, 1000)
    console.get_by_role("button", name="Khai mạc / tiếp tục").click()
    open_item(console, "Báo cáo chính trị của Ban Chấp hành")
    show_document(console, "bao-cao-chinh-tri")
    console.locator("body").press("ArrowRight")
    tablets = [screens.delegate(secret) for secret, _ in demo.delegates[:3]]
    tablets[1].click("[data-kind=speech]")
    tablets[2].click("[data-kind=point_of_order]")
    tablets[0].click("[data-kind=speech]")
    console.locator(".queue-entry").nth(2).wait_for(timeout=5 * SECOND)
    console.locator(".queue-entry").first.get_by_role("button", name="Duyệt").click()
    console.get_by_role("button", name="Mời đại biểu tiếp theo").click()
    for entry in range(2):
        accept = console.locator(".queue-entry").nth(entry).get_by_role("button", name="Duyệt")
        if accept.count():
            accept.click()
    for tablet in tablets:
        tablet.click("#check-in")
    tablet = screens.delegate(demo.delegates[1][0], 1280, 800)
    board = screens.board(demo.boards[0], 1920, 1080)
    portrait = screens.board(demo.boards[1], 1080, 1920)
    hall = screens.hall(demo.hall, 1920, 1080)
    for page in (console, tablet):
        page.wait_for_function(
            "[...document.images].every(i => i.complete && i.naturalWidth > 0)",
            timeout=15 * SECOND,
        )
    board.wait_for_selector("#countdown")
    # Four tablets' marked pages and the hall's share two render workers on a busy machine.
    hall.wait_for_function(
        """() => {
            const frame = document.querySelector("#page");
            const image = frame.querySelector("img");
            return image !== null && image.complete && image.naturalWidth > 0
                && !frame.dataset.loading;
        }""",
        timeout=90 * SECOND,
    )
    hall.wait_for_selector("#countdown:not([hidden])")
    console.screenshot(path=str(SCREENSHOTS / "console.png"))
    tablet.screenshot(path=str(SCREENSHOTS / "delegate-tablet.png"))
    board.screenshot(path=str(SCREENSHOTS / "board-1920x1080.png"))
    portrait.screenshot(path=str(SCREENSHOTS / "board-1080x1920.png"))
    hall.screenshot(path=str(SCREENSHOTS / "hall-1920x1080.png"))
    names = ("console", "delegate-tablet", "board-1920x1080", "board-1080x1920", "hall-1920x1080")
    for name in names:
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 20_000


def test_the_console_uploads_a_document_that_reaches_the_delegates(
    screens: Screens, demo: DemoTokens, tmp_path: Path
) -> None:
    console = screens.console(demo.presidium)
    delegate = screens.delegate(demo.delegates[0][0])
    pdf = tmp_path / "nghi-quyet.pdf"
    pdf.write_bytes(a4_pdf(3, "Nghi quyet"))
    console.get_by_text("Thêm tài liệu (PDF)").click()
    console.set_input_files("#upload-file", str(pdf))
    console.fill("#upload-name", "Dự thảo Nghị quyết")
    console.select_option("#upload-access", "delegates")
    console.get_by_role("button", name="Tải lên").click()
    console.wait_for_selector('#toast[data-kind="ok"]', timeout=15 * SECOND)
    delegate.wait_for_selector(
        '#doc-pick option:text("Dự thảo Nghị quyết")', state="attached", timeout=5 * SECOND
    )


def test_the_console_refuses_a_delegate_token_and_a_wrong_one(
    screens: Screens, demo: DemoTokens
) -> None:
    page = screens.open("/console/", 1280, 800)
    for token in (demo.delegates[0][0], "not-a-token"):
        page.fill("#token", token)
        page.click("#sign-in button")
        page.wait_for_selector("#sign-in-error:not([hidden])", timeout=5 * SECOND)
        assert page.is_hidden("#desk")
        page.evaluate("document.querySelector('#sign-in-error').hidden = true")
    assert page.evaluate("localStorage.getItem('congress.console.token')") is None
