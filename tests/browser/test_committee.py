"""The counting committee's screens make the ballot box's key and open the count, in Chromium."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from session_server.ballots import ballot as ballots
from session_server.ballots import proofs
from session_server.demo import DEMO_ROOM
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import Screens, wait_live
from tests.browser.driver import Driver, in_session, vote_in
from tests.conftest import DemoTokens

SEATS = 4
CANDIDATES = [{"id": f"c{i}", "name": f"Ứng cử viên {i}", "unit": "Tỉnh ủy"} for i in range(5)]


def committee_page(screens: Screens, token: str) -> Page:
    page = screens.open(f"/committee/#token={token}", 1280, 800)
    wait_live(page)
    return page


def test_three_members_make_the_key_and_two_open_the_count(
    screens: Screens, demo: DemoTokens, drivers: list[Driver]
) -> None:
    presidium = Driver(screens.hub, demo.presidium)
    drivers.append(presidium)
    in_session(presidium)
    presidium.command(
        "prepare_vote",
        kind="election",
        title="Bầu Ban Chấp hành Đảng bộ tỉnh",
        seats=SEATS,
        surplus_percent=30,
        base="present",
        candidates=CANDIDATES,
    )
    vote_id = presidium.view["votes"][-1]["id"]
    members = demo.delegates[:3]
    presidium.command(
        "set_committee", vote_id=vote_id, members=[d for _, d in members], threshold=2
    )
    pages = [committee_page(screens, token) for token, _ in members]
    expect(pages[0].locator("#code-fingerprint")).to_have_text(
        re.compile(r"^[0-9A-F]{4}(-[0-9A-F]{4}){4}$")
    )
    for page in pages:
        page.get_by_role("button", name="Tạo phần khóa").click()
    view = presidium.wait_for(lambda v: bool(vote_in(v, vote_id)["committee"]["key"]))
    key = vote_in(view, vote_id)["committee"]["key"]
    for page in pages:
        expect(page.locator(".steps li[data-state=done]")).to_have_count(4)
    assert_accessible(pages[0], "committee screen, key made", touch=True)
    voters = [Driver(screens.hub, token) for token, _ in demo.delegates[3:7]]
    drivers.extend(voters)
    presidium.command("start_presence_check", vote_id=vote_id)
    for driver in voters:
        driver.command("confirm_presence", vote_id=vote_id)
    presidium.command("open_vote", vote_id=vote_id)
    struck = [0, 1, 1, 2]  # each voter strikes one name
    for driver, (_, delegate_id), name in zip(voters, demo.delegates[3:7], struck, strict=True):
        made = ballots.make(
            [i != name for i in range(5)],
            key,
            SEATS,
            proofs.context_of(DEMO_ROOM, vote_id, delegate_id),
        )
        driver.command("cast_ballot", vote_id=vote_id, ballot=made.to_plain())
    presidium.command("close_vote", vote_id=vote_id)
    for page in pages[:2]:
        expect(page.locator(".turnout")).to_contain_text("Số phiếu phát ra 4 = số phiếu thu về 4")
        page.get_by_role("button", name="Gửi phần giải mã kết quả").click()
    view = presidium.wait_for(lambda v: vote_in(v, vote_id)["status"] == "counted")
    result = vote_in(view, vote_id)["result"]
    assert result["counts"] == [3, 2, 3, 4, 4]
    assert result["elected"] == ["c3", "c4", "c0", "c2"]
    presidium.command("publish_result", vote_id=vote_id)
    expect(pages[2].locator(".result-table tbody tr")).to_have_count(5)
    assert_accessible(pages[2], "committee screen, result published", touch=True)
