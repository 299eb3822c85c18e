"""The gate board during a vote: what is voted and the turnout, then the published result only."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import Screens
from tests.browser.driver import Driver, in_session
from tests.conftest import DemoTokens


def test_the_board_shows_a_vote_its_turnout_and_then_its_result(
    screens: Screens, demo: DemoTokens, drivers: list[Driver]
) -> None:
    presidium = Driver(screens.hub, demo.presidium)
    drivers.append(presidium)
    in_session(presidium)
    presidium.command("set_current_item", item_id=presidium.view["agenda"]["items"][0]["id"])
    board = screens.board(demo.boards[0])
    presidium.command("prepare_vote", kind="question", title="Thông qua Chương trình Đại hội")
    vote_id = presidium.view["votes"][-1]["id"]
    expect(board.locator("#vote")).to_be_hidden()  # a draft is not for the gate
    presidium.command("start_presence_check", vote_id=vote_id)
    expect(board.locator("#vote")).to_contain_text("Đang biểu quyết")
    expect(board.locator("#vote")).to_contain_text("Thông qua Chương trình Đại hội")
    voters = [Driver(screens.hub, token) for token, _ in demo.delegates[:3]]
    drivers.extend(voters)
    for voter in voters:
        voter.command("confirm_presence", vote_id=vote_id)
    expect(board.locator("#vote")).to_contain_text("3 đồng chí đã xác nhận")
    presidium.command("open_vote", vote_id=vote_id)
    for voter, choice in zip(voters, ("for", "for", "against"), strict=True):
        voter.command("cast_vote", vote_id=vote_id, choice=choice)
    expect(board.locator(".vote-turnout")).to_have_text("3 / 3")
    # Live totals were not chosen: the board shows how many voted, never how.
    expect(board.locator(".vote-counts")).to_have_count(0)
    content = board.content()
    assert not [d for _, d in demo.delegates[:3] if d in content]
    assert_accessible(board, "board, vote open")
    label = board.locator(".vote-base").first
    assert float(label.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 36
    presidium.command("close_vote", vote_id=vote_id)
    expect(board.locator(".vote-verdict")).to_have_count(0)  # counted, not yet published
    presidium.command("publish_result", vote_id=vote_id)
    # Two of forty convened is not more than half.
    expect(board.locator(".vote-verdict")).to_have_text("Không thông qua")
    expect(board.locator(".vote-counts")).to_contain_text("Tán thành: 2")
    expect(board.locator(".vote-counts")).to_contain_text("Không tán thành: 1")
    assert_accessible(board, "board, result published")
