"""The hall's screens during a vote: the gate board's panel over the stage, totals only."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import Screens
from tests.browser.driver import Driver, in_session
from tests.conftest import DemoTokens


def test_the_hall_shows_a_running_vote_over_the_page_and_then_its_result(
    screens: Screens, demo: DemoTokens, drivers: list[Driver]
) -> None:
    presidium = Driver(screens.hub, demo.presidium)
    drivers.append(presidium)
    in_session(presidium)
    presidium.command("set_current_item", item_id=presidium.view["agenda"]["items"][0]["id"])
    hall = screens.hall(demo.hall)
    presidium.command("prepare_vote", kind="question", title="Thông qua Quy chế làm việc")
    vote_id = presidium.view["votes"][-1]["id"]
    expect(hall.locator("#vote")).to_be_hidden()  # a draft is the presidium's alone
    presidium.command("start_presence_check", vote_id=vote_id)
    expect(hall.locator("#vote")).to_contain_text("Thông qua Quy chế làm việc")
    expect(hall.locator("#slide")).to_be_hidden()
    voters = [Driver(screens.hub, token) for token, _ in demo.delegates[:2]]
    drivers.extend(voters)
    for voter in voters:
        voter.command("confirm_presence", vote_id=vote_id)
    presidium.command("open_vote", vote_id=vote_id)
    for voter in voters:
        voter.command("cast_vote", vote_id=vote_id, choice="for")
    expect(hall.locator(".vote-turnout")).to_have_text("2 / 2")
    expect(hall.locator(".vote-counts")).to_have_count(0)  # live totals were not chosen
    assert not [d for _, d in demo.delegates[:2] if d in hall.content()]
    assert_accessible(hall, "hall, vote open")
    presidium.command("close_vote", vote_id=vote_id)
    presidium.command("publish_result", vote_id=vote_id)
    expect(hall.locator(".vote-counts")).to_contain_text("Tán thành: 2")
    size = hall.locator(".vote-counts").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert float(size) >= 50, "the hall's back row reads the totals"
    # The next item takes the result off the stage.
    presidium.command("set_current_item", item_id=presidium.view["agenda"]["items"][1]["id"])
    expect(hall.locator("#vote")).to_be_hidden()
