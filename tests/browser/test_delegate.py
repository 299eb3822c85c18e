"""The delegate display tells its delegate, on a tablet or a phone, in either language."""

from __future__ import annotations

import asyncio
import math
import re
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from playwright.sync_api import Page, expect

from presidium_console.client import Ack
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import SCREENSHOTS, Screens, wait_live
from tests.browser.driver import Driver
from tests.browser.test_comfort import touch_tablet
from tests.browser.test_screens import SECOND, seconds_shown
from tests.conftest import UNIT, DemoTokens, HubProcess

OPENING = "item-1"
"""The demo's first agenda item, "Khai mạc Đại hội"."""

VIETNAMESE = re.compile(r"[À-ỹĐđ]")
"""Any letter with a Vietnamese accent (or đ): none may be left in English mode."""


class Presidium:
    """The presidium's commands, sent from Python over the hub's socket, each on its own."""

    def __init__(self, hub: HubProcess, token: str) -> None:
        self.hub = hub
        self.token = token

    def __call__(self, name: str, **args: Any) -> Ack:
        async def send() -> Ack:
            client = self.hub.client(self.token)
            await client.connect(timeout=10 * UNIT)
            try:
                return await client.command(name, timeout=10 * UNIT, **args)
            finally:
                await client.close()

        # Playwright's sync API holds this thread's event loop: the client runs on another.
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, send()).result()


def presidium(screens: Screens, demo: DemoTokens) -> Presidium:
    chair = Presidium(screens.hub, demo.presidium)
    chair("open_session")
    chair("set_current_item", item_id=OPENING)
    return chair


def wait_notice(page: Page, title: str) -> None:
    page.wait_for_function(
        """(title) => {
            const banner = document.querySelector("#notice");
            return !banner.hidden && document.querySelector("#notice-title").textContent === title;
        }""",
        arg=title,
        timeout=5 * SECOND,
    )


def spoken(page: Page, region: str, words: str) -> None:
    """The live region says `words` (it is emptied, then filled on the next frame)."""
    page.wait_for_function(
        "([region, words]) => document.getElementById(region).textContent.includes(words)",
        arg=[region, words],
        timeout=5 * SECOND,
    )


def ask(page: Page, kind: str = "speech") -> None:
    page.wait_for_function(
        "kind => !document.querySelector(`[data-kind=${kind}]`).disabled",
        arg=kind,
        timeout=5 * SECOND,
    )
    page.click(f"[data-kind={kind}]")
    page.wait_for_selector("#queue li.me", timeout=5 * SECOND)


def test_each_notice_is_a_banner_and_spoken_and_a_reload_replays_none(
    screens: Screens, demo: DemoTokens
) -> None:
    token, me = demo.delegates[2]
    chair = presidium(screens, demo)
    tablet = touch_tablet(screens, token, 1280, 800)
    assert tablet.is_hidden("#notice")
    ask(tablet)
    assert tablet.inner_text("#mine") == "Thứ tự của đồng chí: 1 / 1 · chờ duyệt"
    assert tablet.inner_text("#request-why") == "Đồng chí đã đăng ký; có thể rút đăng ký"

    chair("accept_request", delegate_id=me)
    accepted = "Đoàn Chủ tịch đã duyệt đăng ký phát biểu của đồng chí"
    wait_notice(tablet, accepted)
    spoken(tablet, "say-polite", accepted)
    assert tablet.inner_text("#mine").endswith("đã duyệt")
    assert_accessible(tablet, "tablet, request accepted", touch=True)

    chair("close_list")
    wait_notice(tablet, "Đã khóa danh sách")
    assert tablet.inner_text("#notice-detail") == "Chỉ còn có thể nêu ý kiến thủ tục"
    spoken(tablet, "say-polite", "Đã khóa danh sách. Chỉ còn có thể nêu ý kiến thủ tục")

    chair("grant_floor", delegate_id=me)
    wait_notice(tablet, "Mời đồng chí phát biểu")
    assert tablet.get_attribute("#notice", "data-kind") == "floor"
    assert tablet.inner_text("#notice-detail") == "Thời gian phát biểu: 7:00"
    spoken(tablet, "say-urgent", "Mời đồng chí phát biểu")
    assert tablet.get_attribute("#say-urgent", "aria-live") == "assertive"
    assert tablet.get_attribute("#say-polite", "aria-live") == "polite"
    assert tablet.inner_text("#mine") == "Đồng chí đang phát biểu"
    box = tablet.locator("#notice").bounding_box()
    assert box is not None
    assert box["y"] < 120, "the banner is at the top, under the bar"
    assert box["width"] >= 1200, "across the screen, not a side card"
    assert_accessible(tablet, "tablet, on the floor", touch=True)

    # What was already so when the page loaded is no news.
    tablet.reload()
    wait_live(tablet)
    tablet.wait_for_function(
        "document.querySelector('#mine').textContent === 'Đồng chí đang phát biểu'",
        timeout=5 * SECOND,
    )
    tablet.wait_for_timeout(500)
    assert tablet.is_hidden("#notice")
    assert tablet.inner_text("#say-urgent") == ""
    assert tablet.inner_text("#say-polite") == ""

    chair("end_speech")
    wait_notice(tablet, "Phần phát biểu của đồng chí đã kết thúc")
    spoken(tablet, "say-polite", "Phần phát biểu của đồng chí đã kết thúc")

    chair("reopen_list")
    wait_notice(tablet, "Đã mở lại danh sách đăng ký phát biểu")
    tablet.click("#notice-dismiss")
    assert tablet.is_hidden("#notice")
    assert_accessible(tablet, "tablet, notice dismissed", touch=True)


def test_the_last_thirty_seconds_are_told_once(screens: Screens, demo: DemoTokens) -> None:
    token, me = demo.delegates[3]
    chair = presidium(screens, demo)
    phone = touch_tablet(screens, token, 390, 844)
    chair("grant_floor", delegate_id=me, seconds=36)
    wait_notice(phone, "Mời đồng chí phát biểu")
    assert phone.inner_text("#notice-detail") == "Thời gian phát biểu: 0:36"
    phone.wait_for_function(
        "document.querySelector('#notice-title').textContent === 'Còn 30 giây phát biểu'",
        timeout=15 * SECOND,
    )
    spoken(phone, "say-polite", "Còn 30 giây phát biểu")
    assert phone.get_attribute("#notice", "data-kind") == "lastSeconds"
    assert_accessible(phone, "phone, last seconds", touch=True)


def test_new_announcements_are_counted_until_seen(screens: Screens, demo: DemoTokens) -> None:
    token, _ = demo.delegates[4]
    chair = presidium(screens, demo)
    phone = touch_tablet(screens, token, 390, 844)
    # The demo's welcome, posted before this tablet was first opened: not read yet either.
    phone.wait_for_selector("#unread:not([hidden])", timeout=5 * SECOND)
    assert phone.inner_text("#unread-count") == "1"
    phone.click("#unread")
    assert phone.is_hidden("#unread")
    phone.evaluate("window.scrollTo(0, 0)")

    chair("post_announcement", text="Mời các đồng chí về phòng họp tổ 3", minutes=30)
    phone.wait_for_selector("#unread:not([hidden])", timeout=5 * SECOND)
    assert phone.inner_text("#unread-count") == "1"
    spoken(phone, "say-polite", "Thông báo mới: Mời các đồng chí về phòng họp tổ 3")
    chair("post_announcement", text="Nghỉ giải lao 15 phút", minutes=30)
    phone.wait_for_function(
        "document.querySelector('#unread-count').textContent === '2'", timeout=5 * SECOND
    )
    assert phone.get_by_role("button", name="Thông báo: 2 chưa đọc").is_visible()
    assert phone.inner_text("#announcements-count") == "2 chưa đọc"
    assert_accessible(phone, "phone, two unread announcements", touch=True)

    # Unread stays unread across a reload, and is not spoken again.
    phone.reload()
    wait_live(phone)
    phone.wait_for_selector("#unread:not([hidden])", timeout=5 * SECOND)
    assert phone.inner_text("#unread-count") == "2"
    phone.wait_for_timeout(500)
    assert phone.inner_text("#say-polite") == ""

    phone.click("#unread")
    assert phone.is_hidden("#unread")
    assert phone.is_hidden("#announcements-count")
    # Scrolled to, clear of the sticky bar.
    card = phone.evaluate(BOX, "#announcements-card")
    assert phone.evaluate(BOX, ".topbar")["bottom"] <= card["top"] < 844, card
    phone.reload()
    wait_live(phone)
    phone.wait_for_selector("#announcements li:has-text('Nghỉ giải lao')", timeout=5 * SECOND)
    assert phone.is_hidden("#unread")

    # One that arrives while the list is in view is read after a moment there.
    phone.locator("#announcements-card").scroll_into_view_if_needed()
    chair("post_announcement", text="Đoàn Thư ký thu phiếu góp ý", minutes=30)
    phone.wait_for_selector("#announcements li:has-text('thu phiếu')", timeout=5 * SECOND)
    phone.wait_for_selector("#unread", state="hidden", timeout=10 * SECOND)
    assert phone.is_hidden("#announcements-count")


NO_SIDEWAYS = """() => ({
    scroll: document.documentElement.scrollWidth, width: document.documentElement.clientWidth,
})"""

BOX = "selector => document.querySelector(selector).getBoundingClientRect().toJSON()"


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["right"] <= b["left"]
        or b["right"] <= a["left"]
        or a["bottom"] <= b["top"]
        or b["bottom"] <= a["top"]
    )


def test_every_width_from_a_phone_to_a_wall_without_sideways_scroll(
    screens: Screens, demo: DemoTokens
) -> None:
    token, me = demo.delegates[5]
    chair = presidium(screens, demo)
    chair("show_page", document_id="bao-cao-chinh-tri", page=1)
    chair("post_announcement", text="Kính mời các đồng chí đại biểu ổn định chỗ ngồi", minutes=30)
    page = touch_tablet(screens, token, 390, 844)
    ask(page, "point_of_order")
    chair("accept_request", delegate_id=me)
    wait_notice(page, "Đoàn Chủ tịch đã duyệt đăng ký phát biểu của đồng chí")
    chair("grant_floor", delegate_id=demo.delegates[6][1])
    page.wait_for_selector("#countdown", timeout=5 * SECOND)

    for width, height in ((360, 740), (390, 844), (768, 1024), (1280, 800), (1920, 1080)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(200)
        found = page.evaluate(NO_SIDEWAYS)
        assert found["scroll"] <= found["width"], (width, found)
        bar = page.evaluate(BOX, ".topbar")
        title = page.evaluate(BOX, ".topbar .title")
        for pill in ("#session-status", "#status"):
            assert not overlaps(title, page.evaluate(BOX, pill)), (width, pill)
        # Never a word a line: the title is at most two lines (one on a phone).
        lines = page.evaluate(
            """() => {
                const title = document.querySelector("#title");
                return title.getBoundingClientRect().height
                    / parseFloat(getComputedStyle(title).lineHeight);
            }"""
        )
        assert lines <= 2.1, (width, lines)
        if width <= 390:
            assert bar["height"] <= 120, (width, bar)
            for control in ("#floor", "[data-kind=speech]", "[data-kind=point_of_order]"):
                box = page.evaluate(BOX, control)
                assert box["bottom"] <= height, (width, control, box)
    page.set_viewport_size({"width": 390, "height": 844})
    assert_accessible(page, "phone, queued, someone on the floor", touch=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    assert_accessible(page, "tablet, queued, someone on the floor", touch=True)


HEADER_WORDS = """() => {
    const bar = document.querySelector(".topbar").cloneNode(true);
    // The congress's title and the delegate's name are data; the switch names its language.
    for (const data of bar.querySelectorAll("#title, #who, #lang")) data.remove();
    return bar.textContent;
}"""


PRESS_ANYWAY = """() => {
    const button = document.querySelector("[data-kind=speech]");
    button.disabled = false;
    button.click();
}"""
"""The speech button pressed as if it were enabled (the display re-disables it each tick)."""

UI_WORDS = """() => [...document.querySelectorAll(
    "main h2, main button, main label, #mine, #request-why, .eyebrow, #notice")]
    .map((e) => e.textContent.trim()).filter(Boolean)"""
"""The screen's own words in the page (headings, buttons, labels, states), not its data."""


def test_english_mode_is_english_and_refusals_are_translated(
    screens: Screens, demo: DemoTokens
) -> None:
    token, _ = demo.delegates[7]
    chair = Presidium(screens.hub, demo.presidium)
    chair("open_session")
    tablet = touch_tablet(screens, token, 1280, 800)
    assert tablet.inner_text("#request-why") == "Chưa mở nội dung thảo luận nên chưa thể đăng ký"
    assert tablet.locator("[data-kind=speech]").is_disabled()

    # A request the rules refuse (no item open): the screen says why in its words.
    tablet.evaluate(PRESS_ANYWAY)
    tablet.wait_for_selector('#toast[data-kind="error"]', timeout=5 * SECOND)
    said = tablet.inner_text("#toast")
    assert said.startswith("Không thực hiện được: "), said
    assert "no agenda item" not in said, said
    assert VIETNAMESE.search(said.removeprefix("Không thực hiện được: ")), said

    tablet.click("#lang")
    assert tablet.evaluate("document.documentElement.lang") == "en"
    assert tablet.title() == "Delegate display"
    words = tablet.evaluate(HEADER_WORDS)
    assert "Live" in words
    assert "In session" in words
    assert not VIETNAMESE.search(words), words
    assert tablet.inner_text("#lang") == "Tiếng Việt"
    assert tablet.inner_text("#request-why") == "No item is open, so no request can be made yet"
    assert tablet.get_by_label("Search this document").count() == 1
    assert tablet.get_by_label("Choose a document").count() == 1
    tablet.evaluate(PRESS_ANYWAY)
    tablet.wait_for_function(
        "document.querySelector('#toast').textContent.startsWith('Not done: ')",
        timeout=5 * SECOND,
    )
    said = tablet.inner_text("#toast")
    assert not VIETNAMESE.search(said), said
    assert "no agenda item" not in said, said

    chair("set_current_item", item_id=OPENING)
    tablet.wait_for_function(
        "!document.querySelector('[data-kind=speech]').disabled", timeout=5 * SECOND
    )
    labels = tablet.evaluate(UI_WORDS)
    assert not [words for words in labels if VIETNAMESE.search(words)], labels
    assert_accessible(tablet, "tablet, English", touch=True)
    # Kept on the device: the page loaded again is English from the start, on a phone too.
    tablet.set_viewport_size({"width": 390, "height": 844})
    tablet.reload()
    wait_live(tablet)
    assert tablet.evaluate("document.documentElement.lang") == "en"
    assert tablet.locator("#lang .lang-short").is_visible()
    assert tablet.inner_text("#lang .lang-short") == "VI"
    assert tablet.get_by_role("button", name="Tiếng Việt").is_visible()
    words = tablet.evaluate(HEADER_WORDS)
    assert not VIETNAMESE.search(words), words
    assert_accessible(tablet, "phone, English", touch=True)


def test_a_phone_screenshot(screens: Screens, demo: DemoTokens) -> None:
    """delegate-phone.png, for the README (scripts/screenshots): a delegate's turn, on a phone."""
    token, me = demo.delegates[1]
    chair = presidium(screens, demo)
    chair("show_page", document_id="bao-cao-chinh-tri", page=1)
    for other, _ in demo.delegates[8:10]:
        ask(touch_tablet(screens, other, 390, 844))
    chair("post_announcement", text="Kính mời các đồng chí đại biểu ổn định chỗ ngồi", minutes=30)
    phone = touch_tablet(screens, token, 390, 844)
    ask(phone)
    chair("grant_floor", delegate_id=me)
    wait_notice(phone, "Mời đồng chí phát biểu")
    phone.wait_for_function(
        "[...document.images].every(i => i.complete && i.naturalWidth > 0)", timeout=60 * SECOND
    )
    phone.wait_for_selector("#toast", state="hidden", timeout=10 * SECOND)
    path = SCREENSHOTS / "delegate-phone.png"
    phone.screenshot(path=str(path))
    assert path.stat().st_size > 20_000


REFUSALS = """async () => {
    const { describeRefusal } = await import("/static/common/ui.js");
    return [
        describeRefusal({ code: "invalid_state", message: "no agenda item is open" }),
        describeRefusal({ error: "not_a_pdf", message: "not a PDF file" }),
        describeRefusal({ code: "offline" }),
        describeRefusal({ code: "invalid_state", reason: "no_such_reason_yet" }),
        describeRefusal({ code: "a_code_of_tomorrow", message: "what the hub said" }),
        describeRefusal(null),
    ];
}"""


def test_a_refusal_is_told_by_its_code_and_the_message_only_as_a_last_resort(
    screens: Screens, demo: DemoTokens
) -> None:
    tablet = screens.delegate(demo.delegates[8][0])
    state = "Thao tác không phù hợp với diễn biến phiên họp lúc này"
    assert tablet.evaluate(REFUSALS) == [
        state,
        "Tệp không phải là PDF",
        "Mất kết nối: thao tác chưa được gửi",
        state,
        "what the hub said",
        "Không thực hiện được",
    ]
    tablet.click("#lang")
    told = tablet.evaluate(REFUSALS)
    assert told[0] == "This does not apply to the session as it is now"
    assert told[-1] == "This could not be done"


def pill(page: Page, text: str) -> None:
    expect(page.locator("#session-status")).to_have_text(text, timeout=5 * SECOND)


def test_a_break_stops_the_countdown_and_the_requests_and_a_refused_vote_is_told_by_its_code(
    screens: Screens, demo: DemoTokens, drivers: list[Driver]
) -> None:
    token, me = demo.delegates[4]
    speaker_token, speaker = demo.delegates[5]
    chair = Driver(screens.hub, demo.presidium)
    speaking = Driver(screens.hub, speaker_token)
    drivers.extend([chair, speaking])
    chair.command("open_session")
    chair.command("set_current_item", item_id=OPENING)
    speaking.command("request_floor", kind="speech")
    chair.command("grant_floor", delegate_id=speaker, seconds=300)
    tablet = touch_tablet(screens, token, 1280, 800)
    console = screens.console(demo.presidium)
    for page in (tablet, console):
        page.wait_for_selector("#countdown", timeout=5 * SECOND)
    assert tablet.locator("[data-kind=speech]").is_enabled()

    # A break: the countdown stands still where the break found it (docs/protocol.md §11),
    # on the tablet and at the desk, and nobody may ask for the floor.
    chair.command("suspend_session")
    pill(tablet, "Tạm nghỉ")
    frozen = [seconds_shown(page) for page in (tablet, console)]
    tablet.wait_for_timeout(2 * SECOND)
    assert [seconds_shown(page) for page in (tablet, console)] == frozen
    for kind in ("speech", "point_of_order", "reply"):
        expect(tablet.locator(f"[data-kind={kind}]")).to_be_disabled()
    on_break = "Đại hội đang tạm nghỉ nên chưa thể đăng ký phát biểu"
    assert tablet.inner_text("#request-why") == on_break
    assert_accessible(tablet, "tablet, on a break", touch=True)

    # Resumed: the speaker has the break's time back, and the countdown goes on from there.
    chair.command("open_session")
    pill(tablet, "Đang họp")
    floor = chair.wait_for(lambda v: v["session"]["status"] == "in_session")["speakers"]["floor"]
    tablet.wait_for_timeout(300)  # a tick of the display (250 ms)
    said = math.ceil((floor["granted_at"] + floor["allowed_seconds"] * 1000) / 1000 - time.time())
    shown = seconds_shown(tablet)
    assert abs(shown - said) <= 2, (shown, said)
    # The break's length is given back in whole seconds: at most one more than was left.
    assert frozen[0] - 3 <= shown <= frozen[0] + 1, (shown, frozen)
    tablet.wait_for_function(
        "left => document.querySelector('#countdown').textContent !== left",
        arg=tablet.inner_text("#countdown"),
        timeout=3 * SECOND,
    )
    assert seconds_shown(tablet) < shown
    expect(tablet.locator("[data-kind=speech]")).to_be_enabled()

    # Adjourned: no request either, and the screen says why.
    chair.command("adjourn_session")
    pill(tablet, "Bế mạc")
    expect(tablet.locator("[data-kind=speech]")).to_be_disabled()
    assert tablet.inner_text("#request-why") == (
        "Phiên họp đã bế mạc nên không thể đăng ký phát biểu"
    )

    # Reconvened, a question put; the break comes between the choice and its confirmation:
    # the hub's refusal is told on the ballot sheet by its reason, in the sheet's language.
    chair.command("open_session")
    chair.command("check_in", delegate_id=me)
    chair.command("prepare_vote", kind="question", title="Thông qua Quy chế làm việc")
    vote_id = chair.view["votes"][-1]["id"]
    chair.command("open_vote", vote_id=vote_id)
    sheet = tablet.get_by_role("dialog")
    sheet.get_by_role("button", name="Tán thành", exact=True).click()
    expect(sheet).to_contain_text("Đồng chí chọn: Tán thành. Xác nhận?")
    chair.command("suspend_session")
    pill(tablet, "Tạm nghỉ")
    sheet.get_by_role("button", name="Xác nhận").click()
    refusal = sheet.locator(".vote-error")
    expect(refusal).to_have_text("Đại hội đang tạm nghỉ; xin đồng chí chờ phiên họp tiếp tục.")
    assert_accessible(tablet, "tablet, a vote refused on a break", touch=True)
    sheet.get_by_role("button", name="English").click()
    expect(refusal).to_have_text("The session is suspended; please wait until it resumes.")
