"""Reading comfort on the delegate display: zoom of the page (buttons, keys, pinch), larger text."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import CDPSession, Locator, Page

from tests.browser.accessibility import assert_accessible, small_targets
from tests.browser.conftest import Screens, wait_live
from tests.browser.console_page import show_document
from tests.browser.test_screens import SECOND, open_item
from tests.conftest import DemoTokens

REPORT = "bao-cao-chinh-tri"
"""The demo's delegates-level political report: six pages."""

IMAGE_SHOWN = """() => {
    const image = document.querySelector("#page img");
    return image !== null && image.complete && image.naturalWidth > 0;
}"""

# Where the image's point under the frame's visible centre lies, as fractions of the image.
UNDER_CENTRE = """() => {
    const frame = document.querySelector("#page").getBoundingClientRect();
    const image = document.querySelector("#page img").getBoundingClientRect();
    const x = frame.left + frame.width / 2;
    const y = (Math.max(frame.top, 0) + Math.min(frame.bottom, innerHeight)) / 2;
    return {x, y, u: (x - image.left) / image.width, v: (y - image.top) / image.height};
}"""


def zoom_of(page: Page) -> float:
    return float(page.get_attribute("#page", "data-zoom") or "nan")


def wait_zoom(page: Page, zoom: str) -> None:
    page.wait_for_function(
        "zoom => document.querySelector('#page').dataset.zoom === zoom", arg=zoom, timeout=SECOND
    )


def image_width(page: Page) -> float:
    width: float = page.evaluate("document.querySelector('#page img').offsetWidth")
    return width


def assert_target(button: Locator, what: object) -> None:
    """A touch target of at least 44 by 44 CSS pixels."""
    box = button.bounding_box()
    assert box is not None, what
    assert box["width"] >= 44, (what, box)
    assert box["height"] >= 44, (what, box)


def show_report(screens: Screens, demo: DemoTokens) -> Page:
    console = screens.console(demo.presidium)
    show_document(console, REPORT)
    return console


def touch_tablet(screens: Screens, token: str, width: int = 1280, height: int = 800) -> Page:
    """A delegate's page on a touch screen (Screens.delegate's, with touch events on)."""
    context = screens.browser.new_context(
        viewport={"width": width, "height": height},
        locale="vi-VN",
        bypass_csp=True,
        has_touch=True,
    )
    screens.contexts.append(context)
    page = context.new_page()
    page.on("pageerror", lambda error: screens.script_errors.append(f"/delegate/: {error}"))
    page.goto(f"{screens.hub.http}/delegate/#token={token}")
    wait_live(page)
    return page


def touch(cdp: CDPSession, kind: str, *points: tuple[float, float]) -> None:
    cdp.send(
        "Input.dispatchTouchEvent",
        {
            "type": kind,
            "touchPoints": [{"x": x, "y": y, "id": n} for n, (x, y) in enumerate(points)],
        },
    )


def test_the_buttons_and_the_keys_zoom_the_page_and_fit_it_again(
    screens: Screens, demo: DemoTokens
) -> None:
    show_report(screens, demo)
    tablet = screens.delegate(demo.delegates[0][0])
    tablet.wait_for_function(IMAGE_SHOWN, timeout=10 * SECOND)
    source = tablet.get_attribute("#page img", "src")
    fit = image_width(tablet)
    assert zoom_of(tablet) == 1
    assert tablet.get_by_role("group", name="Thu phóng trang").is_visible()
    zoom_in = tablet.get_by_role("button", name="Phóng to")
    zoom_out = tablet.get_by_role("button", name="Thu nhỏ")
    reset = tablet.get_by_role("button", name="Vừa khung")
    for button in (zoom_in, zoom_out, reset):
        assert_target(button, button)
    assert zoom_out.is_disabled(), "nothing to zoom out of at fit"
    assert reset.is_disabled()

    zoom_in.click()
    zoom_in.click()
    assert zoom_of(tablet) == 1.5
    assert tablet.inner_text("#zoom-level") == "150%"
    assert abs(image_width(tablet) - 1.5 * fit) < 2
    # Wider than its frame, the page scrolls inside it; the screen itself does not.
    assert tablet.evaluate("(f => f.scrollWidth > f.clientWidth)(document.querySelector('#page'))")
    assert tablet.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert_accessible(tablet, "tablet, page zoomed to 150 %", touch=True)
    zoom_out.click()
    assert zoom_of(tablet) == 1.25
    reset.click()
    assert zoom_of(tablet) == 1
    assert abs(image_width(tablet) - fit) < 1

    body = tablet.locator("body")
    for key, expected in (("+", 1.25), ("+", 1.5), ("=", 2), ("-", 1.5), ("0", 1)):
        body.press(key)
        assert zoom_of(tablet) == expected, key
    for _ in range(10):
        body.press("+")
    assert zoom_of(tablet) == 4, "at most four times"
    assert zoom_in.is_disabled()
    # Typing in the search box is typing, not zooming.
    tablet.fill("#search-q", "")
    tablet.press("#search-q", "-")
    assert zoom_of(tablet) == 4
    # The same image, already at the widest the hub serves: zooming asks for nothing new.
    assert tablet.get_attribute("#page img", "src") == source
    assert source is not None
    assert "width=2048" in source

    tablet.click("#lang")
    for name in ("Zoom in", "Zoom out", "Fit width"):
        assert tablet.get_by_role("button", name=name).count() == 1, name
    assert tablet.get_by_role("group", name="Page zoom").count() == 1


def test_a_pinch_zooms_around_its_centre_and_one_finger_pans(
    screens: Screens, demo: DemoTokens
) -> None:
    show_report(screens, demo)
    tablet = touch_tablet(screens, demo.delegates[0][0])
    tablet.wait_for_function(IMAGE_SHOWN, timeout=10 * SECOND)
    cdp = tablet.context.new_cdp_session(tablet)
    before: dict[str, Any] = tablet.evaluate(UNDER_CENTRE)
    x, y = before["x"], before["y"]

    touch(cdp, "touchStart", (x - 50, y), (x + 50, y))
    for step in range(1, 11):
        spread = 50 + 5 * step
        touch(cdp, "touchMove", (x - spread, y), (x + spread, y))
    touch(cdp, "touchEnd")

    assert abs(zoom_of(tablet) - 2) < 0.05, zoom_of(tablet)
    after: dict[str, Any] = tablet.evaluate(UNDER_CENTRE)
    # The words under the fingers stayed under them.
    assert abs(after["u"] - before["u"]) < 0.01, (before, after)
    assert abs(after["v"] - before["v"]) < 0.01, (before, after)
    # The page zoomed, not the screen: no browser zoom, the session bar where it was.
    assert tablet.evaluate("visualViewport.scale") == 1
    assert tablet.evaluate("document.querySelector('.topbar').getBoundingClientRect().top") == 0

    scrolled = tablet.evaluate("document.querySelector('#page').scrollLeft")
    touch(cdp, "touchStart", (x, y))
    for step in range(1, 7):
        touch(cdp, "touchMove", (x - 20 * step, y))
    touch(cdp, "touchEnd")
    moved = tablet.evaluate("document.querySelector('#page').scrollLeft") - scrolled
    assert abs(moved - 120) < 3, moved
    assert abs(zoom_of(tablet) - 2) < 0.05, "one finger pans, it does not zoom"
    assert tablet.evaluate("scrollX") == 0


def test_a_page_turned_by_the_presidium_is_shown_at_fit_unless_the_delegate_browses(
    screens: Screens, demo: DemoTokens
) -> None:
    console = show_report(screens, demo)
    tablet = screens.delegate(demo.delegates[0][0])
    tablet.wait_for_function(IMAGE_SHOWN, timeout=10 * SECOND)
    zoom_in = tablet.get_by_role("button", name="Phóng to")
    zoom_in.click()
    zoom_in.click()
    assert zoom_of(tablet) == 1.5

    console.locator("body").press("ArrowRight")
    tablet.wait_for_function(
        "document.querySelector('#page-label').textContent.includes('2 / 6')", timeout=SECOND
    )
    wait_zoom(tablet, "1")

    # Browsing on their own, the delegate keeps the zoom they read with, page after page,
    # and the presidium's turns leave it alone.
    tablet.click("#next")
    zoom_in.click()
    tablet.click("#next")
    assert tablet.inner_text("#page-label") == "Trang 4 / 6"
    assert zoom_of(tablet) == 1.25
    console.locator("body").press("ArrowRight")
    open_item(console, "Khai mạc Đại hội")
    # Events arrive in order: once the item is shown, the page turn before it was applied.
    tablet.wait_for_function(
        "document.querySelector('#item').textContent === 'Khai mạc Đại hội'", timeout=SECOND
    )
    assert tablet.inner_text("#page-label") == "Trang 4 / 6"
    assert zoom_of(tablet) == 1.25

    tablet.get_by_role("button", name="Trở lại trực tiếp").click()
    assert tablet.inner_text("#page-label") == "Trang 3 / 6"
    assert zoom_of(tablet) == 1


FONT_SIZES = """() => Object.fromEntries(
    ["html", "#title", "#item", ".card > h2", "#announcements", "#page-label", "#zoom-level",
     ".btn"]
        .map((selector) => [selector, getComputedStyle(document.querySelector(selector)).fontSize])
        .map(([selector, size]) => [selector, parseFloat(size)])
)"""

# Set before any of the page's scripts: the text size when the parser first made the body.
FIRST_BODY = """
new MutationObserver((records, observer) => {
    if (!document.body) return;
    observer.disconnect();
    window.firstBody = {
        font: parseFloat(getComputedStyle(document.documentElement).fontSize),
        step: document.documentElement.dataset.text,
    };
}).observe(document, { childList: true, subtree: true });
"""


def test_larger_text_scales_every_text_persists_per_device_and_is_there_before_the_first_paint(
    screens: Screens, demo: DemoTokens
) -> None:
    tablet = screens.delegate(demo.delegates[0][0])
    normal: dict[str, float] = tablet.evaluate(FONT_SIZES)
    toggle = tablet.get_by_role("button", name="Chữ lớn")
    assert toggle.get_attribute("aria-pressed") == "false"
    assert_target(toggle, "text size")

    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    large: dict[str, float] = tablet.evaluate(FONT_SIZES)
    toggle.click()
    larger: dict[str, float] = tablet.evaluate(FONT_SIZES)
    for selector, size in normal.items():
        assert abs(large[selector] - 1.25 * size) < 0.1, (selector, size, large[selector])
        assert abs(larger[selector] - 1.5 * size) < 0.1, (selector, size, larger[selector])
    assert toggle.get_attribute("aria-pressed") == "true"
    assert_accessible(tablet, "tablet, text at 150 %", touch=True)

    # Without the display's script at all the size is there, and was there when the body
    # was first made: the stored step is applied in <head>, before anything is drawn.
    tablet.add_init_script(FIRST_BODY)
    tablet.route("**/static/display/delegate.js", lambda route: route.abort())
    tablet.reload(wait_until="domcontentloaded")
    assert tablet.evaluate("window.firstBody") == {"font": 24, "step": "larger"}
    assert tablet.evaluate(FONT_SIZES) == larger
    tablet.unroute("**/static/display/delegate.js")

    tablet.reload()
    wait_live(tablet)
    assert tablet.evaluate(FONT_SIZES) == larger
    assert toggle.get_attribute("aria-pressed") == "true"
    # Kept for the device, not the token: another delegate signing in on it reads as large.
    other = tablet.context.new_page()
    other.goto(f"{screens.hub.http}/delegate/#token={demo.delegates[1][0]}")
    wait_live(other)
    assert other.evaluate(FONT_SIZES)["#item"] == larger["#item"]
    other.close()

    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "false"
    tablet.reload()
    wait_live(tablet)
    assert tablet.evaluate(FONT_SIZES) == normal


# Every element drawn past the left or right edge of the screen, or whose content is cut
# off by its own box (the page's frame excepted: it scrolls the zoomed page by design).
OVERFLOWING = """() => {
    const width = document.documentElement.clientWidth;
    const out = [];
    for (const element of document.querySelectorAll("body *")) {
        if (element.closest(".visually-hidden, .text-label, #toast")) continue;
        const box = element.getBoundingClientRect();
        if (!box.width || !box.height) continue;
        const name = `${element.tagName.toLowerCase()}#${element.id}.${element.className}`;
        if (box.left < -0.5 || box.right > width + 0.5) {
            out.push(`${name}: ${box.left}, ${box.right}`);
        }
        const overflow = getComputedStyle(element).overflowX;
        if (overflow !== "visible" && element.id !== "page"
            && element.scrollWidth > element.clientWidth + 1) {
            out.push(`${name}: cut, ${element.scrollWidth} > ${element.clientWidth}`);
        }
    }
    return {out, scrollWidth: document.documentElement.scrollWidth, width};
}"""


def test_the_largest_text_fits_a_phone_and_a_tablet_with_the_session_bar_in_view(
    screens: Screens, demo: DemoTokens
) -> None:
    console = show_report(screens, demo)
    open_item(console, "Báo cáo chính trị của Ban Chấp hành")
    for (width, height), (token, _) in zip(((390, 844), (1280, 800)), demo.delegates, strict=False):
        page = screens.delegate(token, width, height)
        toggle = page.get_by_role("button", name="Chữ lớn")
        toggle.click()
        toggle.click()
        assert page.evaluate("document.documentElement.dataset.text") == "larger"
        # Everything a delegate may have on screen: their place in the queue, checked in.
        page.click("[data-kind=point_of_order]")
        page.wait_for_selector("#queue li.me", timeout=5 * SECOND)
        page.click("#check-in")
        page.wait_for_selector("#check-in", state="hidden", timeout=5 * SECOND)
        page.wait_for_function(IMAGE_SHOWN, timeout=10 * SECOND)
        found: dict[str, Any] = page.evaluate(OVERFLOWING)
        assert found["out"] == [], (width, found)
        assert found["scrollWidth"] <= found["width"], (width, found)
        # Measured at one instant: the unread badge may go as its announcement is seen.
        assert small_targets(page) == [], width
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        assert page.evaluate("scrollY") > 0
        bar = page.evaluate("document.querySelector('.topbar').getBoundingClientRect().toJSON()")
        assert bar["top"] == 0, (width, bar)
        assert bar["bottom"] < height / 3, (width, bar)
        assert page.locator("#status").is_visible()
