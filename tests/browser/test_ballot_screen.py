"""A delegate votes on the tablet and on the phone: presence, an open vote, a secret ballot."""

from __future__ import annotations

from playwright.sync_api import expect

from session_server.ballots import committee as keys
from session_server.ballots import proofs, transport
from session_server.demo import DEMO_ROOM
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import Screens
from tests.browser.driver import Driver, in_session, vote_in
from tests.conftest import DemoTokens


class Committee:
    """Two members' devices in Python: the key ceremony and the opening, over the socket."""

    def __init__(self, members: list[Driver], vote_id: str) -> None:
        self.members, self.vote_id = members, vote_id
        self.ceremony = proofs.context_of(DEMO_ROOM, vote_id, "committee")
        self.made = [keys.deal(n, 2, self.ceremony) for n in (1, 2)]
        self.seals = [transport.new_key() for _ in members]
        self.shares: list[bytes] = []
        for (dealing, _), seal, member in zip(self.made, self.seals, members, strict=True):
            member.command(
                "join_committee",
                vote_id=vote_id,
                seal_key=seal[1],
                commitments=list(dealing.commitments),
                proofs=list(dealing.proofs),
            )
        view = members[0].wait_for(
            lambda v: all(m["seal_key"] for m in vote_in(v, vote_id)["committee"]["members"])
        )
        listed = vote_in(view, vote_id)["committee"]["members"]
        for number, member in ((1, members[0]), (2, members[1])):
            polynomial = self.made[number - 1][1]
            sealed = [
                b""
                if m["number"] == number
                else transport.seal(
                    polynomial.share_for(m["number"]),
                    m["seal_key"],
                    self.ceremony,
                    number,
                    m["number"],
                )
                for m in listed
            ]
            member.command("deliver_shares", vote_id=vote_id, sealed=sealed)
        for number, member in ((1, members[0]), (2, members[1])):
            other = 2 if number == 1 else 1
            received = {
                number: self.made[number - 1][1].share_for(number),
                other: self.made[other - 1][1].share_for(number),
            }
            self.shares.append(keys.secret_share(received))
            member.command("confirm_shares", vote_id=vote_id)

    def open_totals(self) -> None:
        for number, member in ((1, self.members[0]), (2, self.members[1])):
            view = member.wait_for(lambda v: bool(vote_in(v, self.vote_id).get("tally")))
            made = keys.decrypt_tally(
                number, self.shares[number - 1], vote_in(view, self.vote_id)["tally"], self.ceremony
            )
            member.command(
                "submit_decryption",
                vote_id=self.vote_id,
                shares=[s.value for s in made],
                proofs=[s.proof for s in made],
            )


def test_an_open_vote_on_the_phone(
    screens: Screens, demo: DemoTokens, drivers: list[Driver]
) -> None:
    presidium = Driver(screens.hub, demo.presidium)
    drivers.append(presidium)
    in_session(presidium)
    presidium.command(
        "prepare_vote", kind="question", title="Thông qua Quy chế làm việc", allow_abstain=True
    )
    vote_id = presidium.view["votes"][-1]["id"]
    token, delegate_id = demo.delegates[5]
    phone = screens.delegate(token, 390, 844)
    presidium.command("start_presence_check", vote_id=vote_id)
    sheet = phone.get_by_role("dialog")
    expect(sheet).to_contain_text("Thông qua Quy chế làm việc")
    assert_accessible(phone, "phone, presence check", touch=True)
    sheet.get_by_role("button", name="Tôi có mặt").click()
    expect(sheet).to_contain_text("đã xác nhận có mặt")
    presidium.command("open_vote", vote_id=vote_id)
    sheet.get_by_role("button", name="Không biểu quyết").wait_for()
    assert_accessible(phone, "phone, open vote", touch=True)
    sheet.get_by_role("button", name="Tán thành", exact=True).click()
    expect(sheet).to_contain_text("Đồng chí chọn: Tán thành. Xác nhận?")
    sheet.get_by_role("button", name="Xác nhận").click()
    expect(sheet).to_contain_text("Đồng chí đã biểu quyết: Tán thành.")
    view = presidium.wait_for(lambda v: bool(v["voters"]))
    assert {"vote": vote_id, "delegate": delegate_id, "choice": "for"} in view["voters"]
    sheet.get_by_role("button", name="Về màn hình tài liệu").click()
    expect(phone.locator("#voting")).to_be_hidden()


def test_a_secret_ballot_struck_on_the_tablet_is_counted_as_struck(
    screens: Screens, demo: DemoTokens, drivers: list[Driver]
) -> None:
    presidium = Driver(screens.hub, demo.presidium)
    drivers.append(presidium)
    in_session(presidium)
    candidates = [{"id": f"c{i}", "name": f"Ứng cử viên {i}", "unit": "Huyện ủy"} for i in range(5)]
    presidium.command(
        "prepare_vote",
        kind="election",
        title="Bầu Ban Chấp hành",
        seats=4,
        surplus_percent=30,
        base="present",
        candidates=candidates,
    )
    vote_id = presidium.view["votes"][-1]["id"]
    members = [Driver(screens.hub, token) for token, _ in demo.delegates[:2]]
    drivers.extend(members)
    presidium.command(
        "set_committee", vote_id=vote_id, members=[d for _, d in demo.delegates[:2]], threshold=2
    )
    committee = Committee(members, vote_id)
    token, delegate_id = demo.delegates[6]
    voter = Driver(screens.hub, token)
    drivers.append(voter)
    voter.command("check_in")
    tablet = screens.delegate(token, 1280, 800)
    presidium.command("start_presence_check", vote_id=vote_id)
    sheet = tablet.get_by_role("dialog")
    sheet.get_by_role("button", name="Tôi có mặt").click()
    expect(sheet).to_contain_text("đã xác nhận có mặt")
    presidium.command("open_vote", vote_id=vote_id)
    expect(sheet.locator(".vote-counter")).to_have_text("Giữ lại 5 / 4")
    review = sheet.get_by_role("button", name="Xem lại phiếu")
    expect(review).to_be_disabled()
    expect(sheet).to_contain_text("đề nghị gạch thêm 1 tên")
    assert_accessible(tablet, "tablet, secret ballot", touch=True)
    sheet.locator("[data-candidate=c2]").click()
    expect(sheet.locator("[data-candidate=c2]")).to_have_attribute("aria-pressed", "true")
    expect(sheet.locator(".vote-counter")).to_have_text("Giữ lại 4 / 4")
    review.click()
    expect(sheet).to_contain_text("Đã gạch (1)")
    sheet.get_by_role("button", name="Bỏ phiếu").click()
    expect(sheet).to_contain_text("Đồng chí đã bỏ phiếu. Mã phiếu:")
    view = presidium.wait_for(lambda v: any(x["delegate"] == delegate_id for x in v["voters"]))
    receipt = next(x["receipt"] for x in view["voters"] if x["delegate"] == delegate_id)
    expect(sheet).to_contain_text(receipt)
    presidium.command("close_vote", vote_id=vote_id)
    committee.open_totals()
    view = presidium.wait_for(lambda v: vote_in(v, vote_id)["status"] == "counted")
    assert vote_in(view, vote_id)["result"]["counts"] == [1, 1, 0, 1, 1]
