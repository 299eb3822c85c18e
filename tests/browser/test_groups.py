"""The tablet follows its discussion group: the group's room while the plenary meets in
groups, a banner naming the group and its place, and a way back to the plenary and again."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from playwright.sync_api import Page

from presidium_console.client import Ack, CongressClient
from session_server.core.group_state import group_room
from session_server.demo import DEMO_ROOM
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import Screens
from tests.browser.test_comfort import touch_tablet
from tests.browser.test_screens import SECOND
from tests.conftest import UNIT, DemoTokens, HubProcess

GROUP = group_room(DEMO_ROOM, "g1")


class Sender:
    """One token's commands to one room, each over a socket of its own (as Presidium does in
    test_delegate), from a thread: Playwright's sync API holds this one's event loop."""

    def __init__(self, hub: HubProcess, token: str, room: str = DEMO_ROOM) -> None:
        self.hub, self.token, self.room = hub, token, room

    def __call__(self, name: str, **args: Any) -> Ack:
        async def send() -> Ack:
            client = CongressClient(self.hub.url, self.token, self.room)
            await client.connect(timeout=10 * UNIT)
            try:
                return await client.command(name, timeout=10 * UNIT, **args)
            finally:
                await client.close()

        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, send()).result()


def text_is(page: Page, selector: str, text: str) -> None:
    page.wait_for_function(
        "([selector, text]) => document.querySelector(selector).textContent.trim() === text",
        arg=[selector, text],
        timeout=10 * SECOND,
    )


def test_the_tablet_follows_its_group_and_back(screens: Screens, demo: DemoTokens) -> None:
    member_token, member = demo.delegates[2]
    chair_token, chair_id = demo.delegates[3]
    secretariat = Sender(screens.hub, demo.secretariat)
    presidium = Sender(screens.hub, demo.presidium)
    secretariat("define_group", group_name="Tổ 3", place="Phòng họp B")
    secretariat("assign_to_group", group_id="g1", delegate_ids=[member, chair_id])
    secretariat("set_group_officers", group_id="g1", chair=chair_id)
    presidium("open_session")
    presidium("add_agenda_item", title="Thảo luận tại tổ", group_session=True)
    tablet = touch_tablet(screens, member_token, 1280, 800)
    board = screens.board(demo.boards[0])
    assert tablet.is_hidden("#group-banner")
    congress_title = tablet.inner_text("#title")

    # The demo's agenda has six items: the group session is the seventh.
    presidium("set_current_item", item_id="item-7")
    text_is(tablet, "#group-name", "Tổ 3 — Phòng họp B")
    text_is(tablet, "#title", "Tổ 3")
    assert tablet.inner_text("#group-toggle") == "Về phiên toàn thể"

    # The group's chair steers the group's room; the tablet shows its item and page, the
    # page read at the plenary's document address.
    chair = Sender(screens.hub, chair_token, GROUP)
    chair("add_agenda_item", title="Góp ý Báo cáo chính trị")
    chair("set_current_item", item_id="item-1")
    chair("open_session")
    chair("show_page", document_id="chuong-trinh", page=2)
    text_is(tablet, "#item", "Góp ý Báo cáo chính trị")
    # The gate's board shows every group's status, and the public page it discusses...
    text_is(board, "[data-group=g1] .groups-doc", "Chương trình Đại hội — Trang 2")
    text_is(board, "[data-group=g1] .groups-status", "Đang họp")
    assert board.get_attribute("body", "data-mode") == "groups"
    assert_accessible(board, "board while the groups meet")
    # ... and of a page only delegates read, that the group is in discussion.
    chair("show_page", document_id="bao-cao-chinh-tri", page=1)
    text_is(board, "[data-group=g1] .groups-doc", "Đang thảo luận")
    tablet.wait_for_selector("#page img[data-source*=bao-cao-chinh-tri]", timeout=10 * SECOND)
    source = tablet.get_attribute("#page img", "src") or ""
    assert f"/api/rooms/{DEMO_ROOM}/documents/bao-cao-chinh-tri/" in source
    # Asking for the floor there puts the delegate on the group's list.
    tablet.click("[data-kind=speech]")
    text_is(tablet, "#mine", "Thứ tự của đồng chí: 1 / 1 · chờ duyệt")
    assert_accessible(tablet, "tablet in its group's room", touch=True)

    # Back to the plenary's view, and to the group again.
    tablet.click("#group-toggle")
    text_is(tablet, "#title", congress_title)
    assert tablet.get_attribute("#group-banner", "data-where") == "plenary"
    assert tablet.inner_text("#group-toggle") == "Đến phòng họp tổ"
    assert_accessible(tablet, "tablet looking at the plenary during a group session", touch=True)
    tablet.click("#group-toggle")
    text_is(tablet, "#title", "Tổ 3")
    text_is(tablet, "#mine", "Thứ tự của đồng chí: 1 / 1 · chờ duyệt")

    # The plenary moves on: the tablet is back in the plenary, no banner.
    presidium("set_current_item", item_id="item-1")
    tablet.wait_for_selector("#group-banner", state="hidden", timeout=10 * SECOND)
    text_is(tablet, "#title", congress_title)


def test_the_console_defines_groups_assigns_delegates_and_opens_a_group_s_console(
    screens: Screens, demo: DemoTokens
) -> None:
    console = screens.console(demo.secretariat)
    console.click("#tab-groups")
    console.fill("#group-new-name", "Tổ 1")
    console.fill("#group-new-place", "Phòng họp A")
    console.click(".group-define button")
    console.wait_for_selector("[data-group=g1]", timeout=10 * SECOND)
    # Several delegates found by the search, ticked, and assigned at once.
    first, second = demo.delegates[0][1], demo.delegates[1][1]
    for delegate_id in (first, second):
        console.fill("#group-roll-q", delegate_id)
        console.check(f"#group-pick-{delegate_id}")
    console.select_option("#group-target", "g1")
    console.click("#group-assign")
    console.wait_for_function(
        "document.querySelector('[data-group=g1] .group-members').textContent.includes('(2)')",
        timeout=10 * SECOND,
    )
    console.select_option("#group-g1-chair", first)
    # Saved: the chair's own console below signs in as the group's presidium.
    console.click("[data-group=g1] .group-officers button")
    console.fill("#group-roll-q", "")
    assert_accessible(console, "console, discussion groups")
    assert console.get_attribute("[data-group=g1] a", "href") == f"/console/?room={GROUP}"

    # The group's chair opens that link with their delegate token: the group's console.
    chair = screens.open(f"/console/?room={GROUP}", 1600, 1000)
    chair.fill("#token", demo.delegates[0][0])
    chair.click("#sign-in button")
    chair.wait_for_selector("#desk:not([hidden])", timeout=10 * SECOND)
    text_is(chair, "#title", "Tổ 1")
    assert chair.is_hidden("#tab-groups")
    chair.click("#open-session")
    text_is(console, "[data-group=g1] .pill", "Đang họp")
