"""The presidium console guides the chair: it fits the screen, asks before what cannot be taken
back, offers undo, previews before it shows, and says what each audience sees."""

from __future__ import annotations

import dataclasses
import re

import pytest
from playwright.sync_api import expect

from session_server.core.commands import COMMAND_TYPES, GrantFloor, SuspendSession
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import Screens
from tests.browser.console_page import (
    SECOND,
    Console,
    connected,
    drive,
    grant_and_end,
    in_view,
    no_page_scroll,
    run,
    status_of,
    view_of,
    wait_view,
)
from tests.conftest import DemoTokens

VIEWPORTS = [(1920, 1080), (1366, 768)]

# The commands another engineer adds to the core in parallel: until they are in this
# branch the console's frames are checked as sent and the hub's refusal as shown; once
# they are, the same tests check the hub did it.
RESTORES = "restore_request" in COMMAND_TYPES
CANCELS_CHECK_IN = "cancel_check_in" in COMMAND_TYPES
SETS_TIMES = "set_speaking_times" in COMMAND_TYPES
INTERRUPTS = "interrupt" in {f.name for f in dataclasses.fields(GrantFloor)}
RESUMES_AT = "resumes_at" in {f.name for f in dataclasses.fields(SuspendSession)}


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_the_console_fits_the_screen_with_a_full_congress(
    screens: Screens, demo: DemoTokens, width: int, height: int
) -> None:
    drive(screens.hub, demo, requests=8, speaking=True)

    async def more() -> None:
        presidium = await connected(screens.hub, demo.presidium)
        try:
            await presidium.command("show_page", document_id="bao-cao-chinh-tri", page=2)
            for n in range(6):
                await presidium.command(
                    "post_announcement", text=f"Thông báo số {n + 1}: " + "nội dung " * 12
                )
            for _secret, delegate_id in demo.delegates[:12]:
                await presidium.command("check_in", delegate_id=delegate_id)
        finally:
            await presidium.close()

    run(more)
    console = Console(screens, demo.presidium, width, height)
    page = console.page
    expect(page.locator(".queue-entry")).to_have_count(7)
    page.wait_for_function(
        "[...document.images].every(i => i.complete && i.naturalWidth > 0)", timeout=15 * SECOND
    )
    no_page_scroll(page)
    for control in ("#next-item", "#session-status", "#status", "#grant-next", "#end", "#show"):
        in_view(page, control)
    expect(page.locator("#next-item")).to_have_text("Mở nội dung tiếp theo")
    # The queue scrolls inside its panel, the header stays where it is.
    page.locator(".queue-entry").last.scroll_into_view_if_needed()
    assert page.evaluate("document.scrollingElement.scrollTop") == 0
    in_view(page, ".topbar")
    assert_accessible(page, f"console {width}x{height}", touch=True)

    for tab, shown in (("#tab-announcements", "#announcements"), ("#tab-history", "#history")):
        page.click(tab)
        expect(page.locator(shown)).to_be_visible()
        no_page_scroll(page)
        assert_accessible(page, f"console {width}x{height} {tab}", touch=True)
    page.click("#adjourn")
    console.dialog()
    no_page_scroll(page)
    assert_accessible(page, f"console {width}x{height} adjourn dialog", touch=True)
    page.keyboard.press("Escape")
    expect(page.locator("#confirm")).to_be_hidden()

    # English, whole: the connection badge and the clock too; it still fits.
    page.click("#lang")
    expect(page.locator("#status")).to_have_text("Live")
    expect(page.locator("#next-item")).to_have_text("Open the next item")
    expect(page.locator("#session-status")).to_have_text("In session")
    assert page.evaluate("document.documentElement.lang") == "en"
    body = page.inner_text("body")
    # (The congress's own titles and names stay as the congress wrote them.)
    for vietnamese in ("Trực tuyến", "Mời phát biểu", "Đăng ký", "Đang trình chiếu", "Trang "):
        assert vietnamese not in body, vietnamese
    assert not re.search(r"\((public|delegates|presidium)\)", body), "raw access levels"
    assert re.fullmatch(r"\d\d:\d\d", page.inner_text("#clock")), page.inner_text("#clock")
    no_page_scroll(page)
    assert_accessible(page, f"console {width}x{height} English", touch=True)


def test_adjourning_and_suspending_ask_first_and_cancel_changes_nothing(
    screens: Screens, demo: DemoTokens
) -> None:
    hub = screens.hub
    drive(hub, demo)
    console = Console(screens, demo.presidium, 1366, 768)
    page = console.page
    adjourn, suspend = page.locator("#adjourn"), page.locator("#suspend")
    # Set apart: not the break's neighbour, not its look.
    assert adjourn.evaluate("b => b.previousElementSibling.className") == "divider"
    assert adjourn.evaluate("b => getComputedStyle(b).backgroundColor") != suspend.evaluate(
        "b => getComputedStyle(b).backgroundColor"
    )

    # An item is edited in the same dialog, every field labelled; cancel sends nothing.
    item = page.locator(".agenda-item").first
    item.get_by_role("button", name=re.compile("^Sửa")).click()
    console.dialog().locator("#edit-title").fill("Khai mạc")
    page.click("#confirm-cancel")
    assert console.sent == []
    item.get_by_role("button", name=re.compile("^Sửa")).click()
    console.dialog().locator("#edit-title").fill("Khai mạc trọng thể Đại hội")
    page.locator("#edit-minutes").fill("25")
    page.click("#confirm-ok")
    edited = wait_view(
        hub,
        demo.secretariat,
        lambda v: v["agenda"]["items"][0]["title"] == "Khai mạc trọng thể Đại hội",
    )
    assert edited["agenda"]["items"][0]["planned_minutes"] == 25

    adjourn.click()
    console.dialog()
    expect(page.locator("#confirm-title")).to_have_text("Bế mạc phiên họp?")
    # The safe choice has the focus.
    assert page.evaluate("document.activeElement.id") == "confirm-cancel"
    page.click("#confirm-cancel")
    expect(page.locator("#confirm")).to_be_hidden()
    assert page.evaluate("document.activeElement.id") == "adjourn", "focus goes back"
    suspend.click()
    console.dialog()
    page.fill("#resumes-at", "10:00")
    page.keyboard.press("Escape")
    expect(page.locator("#confirm")).to_be_hidden()
    assert "adjourn_session" not in console.commands()
    assert "suspend_session" not in console.commands()
    assert status_of(view_of(hub, demo.secretariat)) == "in_session"

    # A break without a resume time.
    suspend.click()
    console.dialog().click("#confirm-ok")
    wait_view(hub, demo.secretariat, lambda v: status_of(v) == "suspended")
    assert console.wait_sent("suspend_session")["args"] == {}
    expect(page.locator("#session-status")).to_have_text("Tạm nghỉ")
    page.click("#open-session")
    wait_view(hub, demo.secretariat, lambda v: status_of(v) == "in_session")

    # A resume time already past is refused in the dialog, nothing sent.
    sent = len(console.sent)
    suspend.click()
    console.dialog().fill("#resumes-at", "00:00")
    page.click("#confirm-ok")
    expect(page.locator("#confirm-error")).to_have_text("Giờ họp lại phải sau giờ hiện tại.")
    assert len(console.sent) == sent
    # A resume time later today: the server's instant in ms, as every instant is.
    later = page.evaluate(
        """() => {
            const at = new Date(Date.now() + 90 * 60000);
            if (at.getDate() !== new Date().getDate()) {
                at.setTime(new Date().setHours(23, 59, 0, 0));
            }
            const two = (n) => String(n).padStart(2, "0");
            const text = `${two(at.getHours())}:${two(at.getMinutes())}`;
            at.setSeconds(0, 0);
            return [text, at.getTime()];
        }"""
    )
    page.fill("#resumes-at", later[0])
    page.click("#confirm-ok")
    expect(page.locator("#confirm")).to_be_hidden()
    assert console.wait_sent("suspend_session")["args"] == {"resumes_at": later[1]}
    if RESUMES_AT:
        view = wait_view(hub, demo.secretariat, lambda v: status_of(v) == "suspended")
        assert view["session"]["resumes_at"] == later[1]
        expect(page.locator("#resumes")).to_contain_text(later[0])
    else:
        expect(page.locator("#toast")).to_contain_text("Bị từ chối")
        assert status_of(view_of(hub, demo.secretariat)) == "in_session"
        page.click("#suspend")
        console.dialog().click("#confirm-ok")
        view = wait_view(hub, demo.secretariat, lambda v: status_of(v) == "suspended")

    # In the break, what the hub would refuse is greyed out and says why.
    on_break = "Đại hội đang tạm nghỉ"
    stopped = ["#next-item", "#grant-next", ".agenda-item.pending >> text=Mở"]
    for selector in stopped:
        expect(page.locator(selector).first).to_be_disabled()
        assert page.locator(selector).first.get_attribute("title") == on_break, selector
    expect(page.locator("#open-session")).to_be_enabled()
    # The break's button changes the time the session resumes (a second suspend_session).
    expect(suspend).to_be_enabled()
    expect(suspend).to_have_text("Đổi giờ họp lại")
    assert_accessible(page, "console on a break", touch=True)
    if RESUMES_AT:
        since = view["session"]["since"]
        suspend.click()
        console.dialog()
        expect(page.locator("#confirm-title")).to_have_text("Đổi giờ họp lại?")
        expect(page.locator("#resumes-at")).to_have_value(later[0])
        sooner = page.evaluate(
            """(later) => {
                const at = new Date(later - 30 * 60000);
                const two = (n) => String(n).padStart(2, "0");
                return [`${two(at.getHours())}:${two(at.getMinutes())}`, at.getTime()];
            }""",
            later[1],
        )
        page.fill("#resumes-at", sooner[0])
        page.click("#confirm-ok")
        changed = wait_view(
            hub, demo.secretariat, lambda v: v["session"]["resumes_at"] == sooner[1]
        )
        assert status_of(changed) == "suspended"
        assert changed["session"]["since"] == since, "the break began when it began"
        expect(page.locator("#resumes")).to_contain_text(sooner[0])

    adjourn.click()
    console.dialog().click("#confirm-ok")
    wait_view(hub, demo.secretariat, lambda v: status_of(v) == "adjourned")
    expect(adjourn).to_be_disabled()
    assert adjourn.get_attribute("title") == "Phiên họp đã bế mạc"
    for selector in [*stopped, "#suspend"]:
        expect(page.locator(selector).first).to_be_disabled()
        assert page.locator(selector).first.get_attribute("title") == "Phiên họp đã bế mạc"
    expect(suspend).to_have_text("Tạm nghỉ")
    assert_accessible(page, "console adjourned", touch=True)


def test_the_floor_asks_before_closing_the_list_removing_or_interrupting(
    screens: Screens, demo: DemoTokens
) -> None:
    hub = screens.hub
    drive(hub, demo, requests=3, speaking=True)
    console = Console(screens, demo.presidium, 1920, 1080)
    page = console.page
    expect(page.locator(".queue-entry")).to_have_count(2)
    before = view_of(hub, demo.secretariat)["speakers"]
    speaking = before["floor"]["delegate_id"]

    # Closing the list: cancel, then confirm.
    page.click("#list-toggle")
    expect(console.dialog().locator("#confirm-title")).to_have_text(
        "Khóa danh sách đăng ký phát biểu?"
    )
    page.click("#confirm-cancel")
    assert view_of(hub, demo.secretariat)["speakers"]["closed"] is False
    page.click("#list-toggle")
    console.dialog().click("#confirm-ok")
    wait_view(hub, demo.secretariat, lambda v: v["speakers"]["closed"] is True)
    expect(page.locator("#list-toggle")).to_have_text("Mở lại danh sách")

    # Giving the floor while someone speaks: the chair is told who is cut off.
    entry = page.locator(".queue-entry").first
    name = entry.locator("strong").inner_text()
    entry.get_by_role("button", name="Mời phát biểu").click()
    console.dialog()
    expect(page.locator("#confirm-text")).to_contain_text(before["floor"]["name"])
    expect(page.locator("#confirm-text")).to_contain_text(name)
    page.keyboard.press("Escape")
    assert "grant_floor" not in console.commands()
    assert view_of(hub, demo.secretariat)["speakers"]["floor"]["delegate_id"] == speaking
    entry.get_by_role("button", name="Mời phát biểu").click()
    console.dialog().click("#confirm-ok")
    grant = console.wait_sent("grant_floor")
    assert grant["args"]["interrupt"] is True
    chosen = grant["args"]["delegate_id"]
    assert chosen == before["queue"][0]["delegate_id"]
    if INTERRUPTS:
        wait_view(hub, demo.secretariat, lambda v: v["speakers"]["floor"]["delegate_id"] == chosen)
    else:
        expect(page.locator("#toast")).to_contain_text("Bị từ chối")
        assert view_of(hub, demo.secretariat)["speakers"]["floor"]["delegate_id"] == speaking

    # Removing a request: cancel keeps it; confirm removes it; "Hoàn tác" asks it back.
    queue = view_of(hub, demo.secretariat)["speakers"]["queue"]
    last = page.locator(".queue-entry").last
    removed = queue[-1]["delegate_id"]
    last.get_by_role("button", name="Bỏ").click()
    expect(console.dialog().locator("#confirm-text")).to_contain_text(queue[-1]["name"])
    page.click("#confirm-cancel")
    assert view_of(hub, demo.secretariat)["speakers"]["queue"] == queue
    last.get_by_role("button", name="Bỏ").click()
    console.dialog().click("#confirm-ok")
    wait_view(
        hub,
        demo.secretariat,
        lambda v: removed not in [e["delegate_id"] for e in v["speakers"]["queue"]],
    )
    expect(page.locator("#undo")).to_be_visible()
    expect(page.locator("#undo-text")).to_contain_text(queue[-1]["name"])
    assert_accessible(page, "console undo offered", touch=True)
    page.get_by_role("button", name="Hoàn tác").click()
    assert console.wait_sent("restore_request")["args"] == {"delegate_id": removed}
    expect(page.locator("#undo")).to_be_hidden()
    if RESTORES:
        wait_view(
            hub,
            demo.secretariat,
            # Read as it comes: the queue may still be empty before the restore is applied.
            lambda v: [e["delegate_id"] for e in v["speakers"]["queue"]][-1:] == [removed],
        )
    else:
        expect(page.locator("#toast")).to_contain_text("Bị từ chối")


def test_a_check_in_can_be_undone(screens: Screens, demo: DemoTokens) -> None:
    hub = screens.hub
    console = Console(screens, demo.secretariat, 1366, 768)
    page = console.page
    delegate_id = demo.delegates[4][1]
    row = page.locator("#roll li").nth(4)
    name = row.locator(".roll-who").inner_text().split(" · ")[0]
    row.get_by_role("button", name="Điểm danh").click()
    wait_view(hub, demo.presidium, lambda v: v["attendance"]["present"] == 1)
    expect(page.locator("#undo-text")).to_have_text(f"Đã điểm danh đồng chí {name}")
    page.get_by_role("button", name="Hoàn tác").click()
    assert console.wait_sent("cancel_check_in")["args"] == {"delegate_id": delegate_id}
    if CANCELS_CHECK_IN:
        wait_view(hub, demo.presidium, lambda v: v["attendance"]["present"] == 0)
    else:
        expect(page.locator("#toast")).to_contain_text("Bị từ chối")
    # The offer goes away by itself.
    expect(page.locator("#undo")).to_be_hidden(timeout=15 * SECOND)


def test_a_document_is_previewed_at_the_desk_alone_until_shown(
    screens: Screens, demo: DemoTokens
) -> None:
    console = Console(screens, demo.presidium, 1920, 1080)
    page = console.page
    delegate = screens.delegate(demo.delegates[0][0])
    board = screens.board(demo.boards[0])
    asked: list[str] = []
    # The tablet fetches every page it may read in the background (offline.js): what it
    # shows is the test there; a board fetches no page at all.
    board.on("request", lambda request: asked.append(request.url))
    board_before = board.inner_text("#document")
    delegate_before = delegate.inner_text("#page")

    page.select_option("#doc-pick", "bao-cao-chinh-tri")
    expect(page.locator("#preview-badge")).to_have_text("Xem trước")
    expect(page.locator("#preview img")).to_have_attribute("data-document", "bao-cao-chinh-tri")
    page.locator(".thumb", has_text="3").click()
    expect(page.locator("#preview img")).to_have_attribute("data-page", "3")
    expect(page.locator("#show")).to_be_enabled()
    assert console.sent == [], "a preview sends nothing"
    # An event after the preview reaches both screens; the preview, had it been sent
    # before it, would have too.
    page.locator(".agenda-item", has_text="Khai mạc Đại hội").get_by_role(
        "button", name="Mở"
    ).click()
    for screen in (delegate, board):
        screen.wait_for_function(
            "document.querySelector('#item').textContent === 'Khai mạc Đại hội'",
            timeout=SECOND,
        )
    assert board.inner_text("#document") == board_before
    assert delegate.inner_text("#page") == delegate_before
    assert not [url for url in asked if "bao-cao-chinh-tri" in url], asked
    shown = delegate.evaluate("() => document.querySelector('#page img')?.dataset.source || ''")
    assert "bao-cao-chinh-tri" not in shown, shown
    assert_accessible(page, "console previewing", touch=True)

    page.get_by_role("button", name="Trình chiếu", exact=True).click()
    assert console.wait_sent("show_page")["args"] == {"document_id": "bao-cao-chinh-tri", "page": 3}
    delegate.wait_for_function(
        "document.querySelector('#page-label').textContent.includes('3 /')", timeout=SECOND
    )
    board.wait_for_function(
        "document.querySelector('#document').textContent.includes('màn hình đại biểu')",
        timeout=SECOND,
    )
    expect(page.locator("#preview-badge")).to_have_text("Đang trình chiếu")
    expect(page.locator("#show")).to_be_disabled()
    assert page.get_attribute("#show", "title") == "Trang này đang được trình chiếu"
    # What each audience sees of a delegates' document.
    audiences = page.locator("#audiences")
    expect(audiences.locator("[data-audience=delegate]")).to_have_text("Đại biểu: thấy trang 3")
    expect(audiences.locator("[data-audience=hall]")).to_have_text(
        "Màn hình hội trường: thấy trang 3"
    )
    expect(audiences.locator("[data-audience=board]")).to_have_text(
        "Bảng điện tử: chỉ thấy đang có tài liệu trình chiếu"
    )

    # Previewing another page while one is live: both marked, and ← → move the preview.
    shown = len(console.sent)
    page.locator(".thumb", has_text="4").click()
    expect(page.locator("#preview-badge")).to_have_text("Xem trước")
    expect(page.locator(".thumb.live")).to_contain_text("Đang trình chiếu")
    page.locator("body").press("ArrowRight")
    expect(page.locator("#preview img")).to_have_attribute("data-page", "5")
    assert len(console.sent) == shown
    page.get_by_role("button", name="Về trang đang chiếu").click()
    expect(page.locator("#preview-badge")).to_have_text("Đang trình chiếu")
    # Following the live page, ← → turn it live, as before.
    page.locator("body").press("ArrowRight")
    delegate.wait_for_function(
        "document.querySelector('#page-label').textContent.includes('4 /')", timeout=SECOND
    )

    # The presidium's paper: the delegates, the hall and the boards learn only that
    # something is presented.
    page.select_option("#doc-pick", "de-an-nhan-su")
    page.get_by_role("button", name="Trình chiếu", exact=True).click()
    expect(audiences.locator("[data-audience=delegate]")).to_have_text(
        "Đại biểu: chỉ thấy đang có tài liệu trình chiếu"
    )
    expect(audiences.locator("[data-audience=presidium]")).to_have_text(
        "Đoàn Chủ tịch: thấy trang 1"
    )
    option = page.locator("#doc-pick option[value=de-an-nhan-su]").inner_text()
    assert option == "Đề án nhân sự Ban Chấp hành (MẬT) · Đoàn Chủ tịch (mật)"
    assert_accessible(page, "console live confidential", touch=True)


def test_the_history_panel_lists_each_items_speeches_in_order(
    screens: Screens, demo: DemoTokens
) -> None:
    hub = screens.hub
    first, second = demo.delegates[0], demo.delegates[1]

    async def speeches() -> list[str]:
        presidium = await connected(hub, demo.presidium)
        try:
            items = presidium.view["agenda"]["items"]
            roll = {d["id"]: d["name"] for d in presidium.view["roll"]}
            await presidium.command("open_session")
            await presidium.command("set_current_item", item_id=items[0]["id"])
            await presidium.command("grant_floor", delegate_id=first[1])
            await presidium.command("end_speech")
            await presidium.command("grant_floor", delegate_id=second[1], seconds=60)
            await presidium.command("end_speech")
            await presidium.command("set_current_item", item_id=items[1]["id"])
            await presidium.command("grant_floor", delegate_id=second[1])
            await presidium.command("end_speech")
            return [items[0]["title"], items[1]["title"], roll[first[1]], roll[second[1]]]
        finally:
            await presidium.close()

    opening, report, one, two = run(speeches)
    console = Console(screens, demo.presidium, 1366, 768)
    page = console.page
    page.click("#tab-history")
    items = page.locator(".history-item")
    expect(items).to_have_count(2)
    expect(items.nth(0).locator("h3")).to_have_text(opening)
    expect(items.nth(1).locator("h3")).to_have_text(report)
    expect(items.nth(0).locator(".history-speech .who")).to_have_count(2)
    names = items.nth(0).locator(".history-speech .who").all_inner_texts()
    assert [n.split(" · ")[0] for n in names] == [one, two]
    assert items.nth(0).locator(".pill").all_inner_texts() == ["Phát biểu", "Phát biểu"]
    for text in items.nth(0).locator(".when").all_inner_texts():
        assert re.fullmatch(r"\d\d:\d\d", text), text
    for text in items.nth(0).locator(".long").all_inner_texts():
        assert re.fullmatch(r"\d+:\d\d", text), text
    assert_accessible(page, "console history", touch=True)

    # A speech given now on the open item joins its list once it ends.
    page.locator(".agenda-item", has_text=opening).get_by_role("button", name="Mở").click()
    wait_view(
        hub,
        demo.secretariat,
        lambda v: v["speakers"]["done"] and v["agenda"]["current"] == v["agenda"]["items"][0]["id"],
    )
    run(lambda: grant_and_end(hub, demo.presidium, first[1]))
    finished = items.nth(0).locator(".history-speech:not(.now) .who")
    expect(finished).to_have_text(
        [re.compile(f"^{name} · ") for name in (one, two, one)], timeout=5 * SECOND
    )


def test_speaking_time_presets_a_custom_time_at_grant_and_one_more_minute(
    screens: Screens, demo: DemoTokens
) -> None:
    hub = screens.hub
    drive(hub, demo, requests=2)
    console = Console(screens, demo.presidium, 1366, 768)
    page = console.page
    page.get_by_text("Thời gian phát biểu mặc định").click()
    expect(page.locator("#preset-speech")).to_have_value("7")
    expect(page.locator("#preset-point_of_order")).to_have_value("2")
    page.fill("#preset-speech", "5")
    page.get_by_role("button", name="Lưu thời gian").click()
    assert console.wait_sent("set_speaking_times")["args"] == {
        "speech": 300,
        "point_of_order": 120,
        "reply": 180,
    }
    if not SETS_TIMES:
        expect(page.locator("#toast")).to_contain_text("Bị từ chối")

    # A custom time at the grant: 3 minutes for this speaker.
    page.fill("#grant-minutes", "3")
    entry = page.locator(".queue-entry").first
    entry.get_by_role("button", name="Mời phát biểu").click()
    assert console.wait_sent("grant_floor")["args"]["seconds"] == 180
    view = wait_view(hub, demo.secretariat, lambda v: v["speakers"]["floor"] is not None)
    assert view["speakers"]["floor"]["allowed_seconds"] == 180
    expect(page.locator("#countdown")).to_have_text(re.compile(r"^(3:00|2:5\d)$"))
    expect(page.locator("#grant-minutes")).to_have_value("")
    page.get_by_role("button", name="+1 phút").click()
    wait_view(hub, demo.secretariat, lambda v: v["speakers"]["floor"]["allowed_seconds"] == 240)
    expect(page.locator("#countdown")).to_have_text(re.compile(r"^(4:00|3:5\d)$"))
    # Disabled controls say why.
    page.get_by_role("button", name="Kết thúc phát biểu").click()
    expect(page.locator("#end")).to_be_disabled()
    assert page.get_attribute("#end", "title") == "Chưa có đại biểu phát biểu"
    described = page.get_attribute("#end", "aria-describedby")
    assert described
    assert page.inner_text(f"#{described}") == "Chưa có đại biểu phát biểu"
    assert_accessible(page, "console speaking times", touch=True)
