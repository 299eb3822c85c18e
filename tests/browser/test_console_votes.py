"""The console's votes tab: prepare, check presence, open and close with a confirmation, publish."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import Screens
from tests.browser.console_page import no_page_scroll
from tests.browser.driver import Driver, in_session
from tests.conftest import DemoTokens


def test_the_chair_runs_a_question_from_the_votes_tab(
    screens: Screens, demo: DemoTokens, drivers: list[Driver]
) -> None:
    presidium = Driver(screens.hub, demo.presidium)
    drivers.append(presidium)
    in_session(presidium)
    console = screens.console(demo.presidium, 1920, 1080)
    console.get_by_role("tab", name="Biểu quyết").click()
    panel = console.locator("#panel-votes")
    panel.get_by_text("Chuẩn bị biểu quyết hoặc bầu cử").click()
    panel.get_by_label("Nội dung biểu quyết / tên cuộc bầu cử").fill("Thông qua Quy chế làm việc")
    panel.get_by_role("button", name="Lưu bản chuẩn bị").click()
    card = panel.locator(".vote-card", has_text="Thông qua Quy chế làm việc")
    expect(card).to_contain_text("đang chuẩn bị")
    assert_accessible(console, "console, votes tab with a draft")
    no_page_scroll(console)
    card.get_by_role("button", name="Kiểm tra đại biểu có mặt").click()
    expect(card).to_contain_text("Đã xác nhận có mặt: 0")
    voters = [Driver(screens.hub, token) for token, _ in demo.delegates[:3]]
    drivers.extend(voters)
    vote_id = voters[0].view["votes"][-1]["id"]
    for voter in voters:
        voter.command("confirm_presence", vote_id=vote_id)
    expect(card).to_contain_text("Đã xác nhận có mặt: 3")
    # Opening asks first: cancelled, nothing changes.
    card.get_by_role("button", name="Mở biểu quyết").click()
    dialog = console.get_by_role("dialog")
    expect(dialog).to_contain_text("Danh sách đại biểu tham gia được chốt")
    dialog.get_by_role("button", name="Hủy").click()
    expect(card).to_contain_text("đang kiểm tra có mặt")
    card.get_by_role("button", name="Mở biểu quyết").click()
    console.get_by_role("dialog").get_by_role("button", name="Đồng ý").click()
    expect(card).to_contain_text("đang diễn ra")
    for voter, choice in zip(voters, ("for", "for", "against"), strict=True):
        voter.command("cast_vote", vote_id=vote_id, choice=choice)
    expect(card).to_contain_text("Đã bỏ phiếu: 3 / 3")
    expect(card.locator(".vote-totals")).to_contain_text("Tán thành: 2")
    card.get_by_role("button", name="Kết thúc").click()
    console.get_by_role("dialog").get_by_role("button", name="Đồng ý").click()
    expect(card.locator(".vote-result")).to_contain_text("Không thông qua")
    card.get_by_role("button", name="Công bố kết quả").click()
    console.get_by_role("dialog").get_by_role("button", name="Đồng ý").click()
    expect(card).to_contain_text("đã công bố")
    assert_accessible(console, "console, votes tab with a published result")


def test_the_record_tab_shows_the_timeline_and_hands_out_the_minutes(
    screens: Screens, demo: DemoTokens, drivers: list[Driver]
) -> None:
    presidium = Driver(screens.hub, demo.presidium)
    drivers.append(presidium)
    in_session(presidium)
    presidium.command("set_current_item", item_id=presidium.view["agenda"]["items"][0]["id"])
    presidium.command("prepare_vote", kind="question", title="Thông qua Chương trình")
    vote_id = presidium.view["votes"][-1]["id"]
    presidium.command("check_in", delegate_id=demo.delegates[0][1])
    presidium.command("open_vote", vote_id=vote_id)
    presidium.command("close_vote", vote_id=vote_id)
    console = screens.console(demo.presidium, 1920, 1080)
    console.get_by_role("tab", name="Biên bản").click()
    timeline = console.locator("#record-timeline")
    expect(timeline).to_contain_text("Mở biểu quyết — Thông qua Chương trình")
    expect(timeline).to_contain_text("Mở nội dung")
    console.get_by_label("Tìm trong diễn biến").fill("biểu quyết")
    expect(timeline.locator("li")).to_have_count(2)  # opened and closed
    assert_accessible(console, "console, record tab")
    no_page_scroll(console)
    for name, media in (
        ("Biên bản (bản đầy đủ, PDF)", "application/pdf"),
        ("Biểu quyết (CSV)", "text/csv; charset=utf-8"),
    ):
        href = console.get_by_role("link", name=name).get_attribute("href")
        assert href is not None
        answer = console.request.get(f"{screens.hub.http}{href}")
        assert answer.status == 200, (name, answer.status)
        assert answer.headers["content-type"] == media
