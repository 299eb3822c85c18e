"""Written contributions on the screens: sent from the tablet (phone-sized too), its status
followed there; read, accepted, returned and published from the console's tab."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import Screens
from tests.browser.driver import Driver
from tests.conftest import UNIT, DemoTokens
from tests.documents.test_http import request

ROOM = "camau-2025"
SENDING_MS = 60_000 * UNIT
"""A text is laid out in a child process and checked by a render worker that may be
starting: a generous bound on a loaded machine, not a measure."""
WORDS = "Kính thưa Đoàn Chủ tịch Đại hội,\nTôi xin tham luận về chuyển đổi số ở cơ sở."


def test_a_delegate_sends_a_text_and_sees_its_status_change_on_a_phone(
    screens: Screens, demo: DemoTokens, drivers: list[Driver]
) -> None:
    token, _ = demo.delegates[0]
    phone = screens.delegate(token, 390, 844)
    card = phone.locator("#contributions")
    expect(card.get_by_role("heading", name="Tham luận", exact=True)).to_be_visible()
    expect(card).to_contain_text("Đồng chí chưa gửi tham luận nào.")
    # Nothing is sent without a title: said beside the form.
    card.get_by_label("Nội dung tham luận").fill(WORDS)
    card.get_by_role("button", name="Gửi tham luận").click()
    expect(card.get_by_role("status")).to_contain_text("Đề nghị đồng chí nhập tiêu đề")
    card.get_by_label("Tiêu đề tham luận").fill("Chuyển đổi số ở cơ sở")
    card.get_by_role("button", name="Gửi tham luận").click()
    expect(card.get_by_role("status")).to_contain_text(
        "Đã gửi tham luận tới Đoàn Thư ký.", timeout=SENDING_MS
    )
    entry = card.locator(".contrib-entry", has_text="Chuyển đổi số ở cơ sở")
    expect(entry).to_contain_text("Đã gửi, chờ Đoàn Thư ký xem xét")
    card.scroll_into_view_if_needed()
    assert_accessible(phone, "phone, a contribution sent", touch=True)

    secretariat = Driver(screens.hub, demo.secretariat)
    drivers.append(secretariat)
    sent = secretariat.wait_for(lambda view: bool(view["contributions"]))
    contribution_id = sent["contributions"][-1]["id"]
    secretariat.command("accept_contribution", contribution_id=contribution_id)
    expect(entry).to_contain_text("Đoàn Thư ký đã tiếp nhận")
    secretariat.command(
        "return_contribution", contribution_id=contribution_id, reason="Đề nghị viết ngắn hơn"
    )
    expect(entry).to_contain_text("Đoàn Thư ký đề nghị chỉnh sửa")
    expect(entry).to_contain_text("Lý do: Đề nghị viết ngắn hơn")
    # Sent again as its next version, from the entry's own button.
    entry.get_by_role("button", name="Gửi lại bản đã sửa").click()
    expect(card.get_by_label("Tiêu đề tham luận")).to_have_value("Chuyển đổi số ở cơ sở")
    card.get_by_label("Nội dung tham luận").fill("Bản ngắn hơn.")
    card.locator("form").get_by_role("button", name="Gửi lại bản đã sửa").click()
    expect(entry).to_contain_text("lần gửi 2", timeout=SENDING_MS)
    expect(entry).to_contain_text("Đã gửi, chờ Đoàn Thư ký xem xét")
    assert_accessible(phone, "phone, a contribution sent again", touch=True)
    # English too, whole.
    phone.locator("#lang").click()
    expect(card.get_by_role("heading", name="Written contributions")).to_be_visible()
    expect(entry).to_contain_text("Sent, awaiting the Secretariat")


def test_a_pdf_is_sent_from_the_tablet(screens: Screens, demo: DemoTokens) -> None:
    from tests.documents.pdfs import a4_pdf

    token, _ = demo.delegates[1]
    tablet = screens.delegate(token)
    card = tablet.locator("#contributions")
    card.get_by_role("button", name="Tệp PDF").click()
    card.get_by_label("Tiêu đề tham luận").fill("Tham luận bằng tệp")
    card.get_by_label("Chọn tệp PDF").set_input_files(
        {"name": "tham-luan.pdf", "mimeType": "application/pdf", "buffer": a4_pdf(2)}
    )
    card.get_by_role("button", name="Gửi tham luận").click()
    entry = card.locator(".contrib-entry", has_text="Tham luận bằng tệp")
    expect(entry).to_contain_text("Tệp PDF · 2 trang", timeout=SENDING_MS)
    # A file that is not a PDF is refused, and the tablet says why in its own words.
    card.get_by_label("Tiêu đề tham luận").fill("Không phải PDF")
    card.get_by_label("Chọn tệp PDF").set_input_files(
        {"name": "x.pdf", "mimeType": "application/pdf", "buffer": b"not a pdf"}
    )
    card.get_by_role("button", name="Gửi tham luận").click()
    expect(card.get_by_role("status")).to_contain_text("Chưa gửi được", timeout=SENDING_MS)
    expect(card.locator(".contrib-entry")).to_have_count(1)
    assert_accessible(tablet, "tablet, a PDF contribution", touch=True)


def test_the_next_contribution_begun_before_the_hubs_answer_is_not_wiped(
    screens: Screens, demo: DemoTokens
) -> None:
    from playwright.sync_api import Route

    token, _ = demo.delegates[3]
    tablet = screens.delegate(token)
    held: list[Route] = []

    def hold(route: Route) -> None:
        # The hub records the contribution now (and its `you` frame shows the entry); the
        # answer to the tablet's request is held back until the test lets it through.
        held.append(route)

    tablet.route("**/contributions?*", hold)
    card = tablet.locator("#contributions")
    card.get_by_label("Tiêu đề tham luận").fill("Tham luận thứ nhất")
    card.get_by_label("Nội dung tham luận").fill("Nội dung thứ nhất.")
    card.get_by_role("button", name="Gửi tham luận").click()
    for _ in range(200):
        if held:
            break
        tablet.wait_for_timeout(50)  # the route's handler runs while Playwright waits
    assert held, "the tablet sent its contribution"
    response = held[0].fetch()
    assert response.status == 201
    expect(card.locator(".contrib-entry", has_text="Tham luận thứ nhất")).to_be_visible()
    # The delegate begins the next one before the answer to the first arrives.
    card.get_by_label("Tiêu đề tham luận").fill("Tham luận thứ hai")
    card.get_by_label("Nội dung tham luận").fill("Nội dung thứ hai.")
    held[0].fulfill(response=response)
    expect(card.get_by_role("status")).to_contain_text("Đã gửi")
    expect(card.get_by_label("Tiêu đề tham luận")).to_have_value("Tham luận thứ hai")
    expect(card.get_by_label("Nội dung tham luận")).to_have_value("Nội dung thứ hai.")
    tablet.unroute("**/contributions?*")


def test_the_secretariat_reads_accepts_and_publishes_from_the_console(
    screens: Screens, demo: DemoTokens
) -> None:
    token, _ = demo.delegates[2]
    sent = request(
        screens.hub,
        f"/api/rooms/{ROOM}/contributions?title=Tham%20lu%E1%BA%ADn%20v%E1%BB%81%20n%C3%B4ng%20nghi%E1%BB%87p",
        token=token,
        method="POST",
        data=WORDS.encode(),
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )
    assert sent.status == 201, sent.body
    console = screens.console(demo.secretariat, 1920, 1080)
    console.get_by_role("tab", name="Tham luận").click()
    panel = console.locator("#panel-contributions")
    row = panel.locator(".contrib-row", has_text="Tham luận về nông nghiệp")
    expect(row).to_contain_text("Đã gửi, chờ Đoàn Thư ký xem xét")
    row.get_by_role("button", name="Đọc").click()
    reader = console.get_by_role("dialog", name="Tham luận về nông nghiệp")
    expect(reader.locator(".contrib-text")).to_contain_text("chuyển đổi số ở cơ sở")
    assert_accessible(console, "console, a contribution being read")
    reader.get_by_role("button", name="Tiếp nhận").click()
    expect(row).to_contain_text("Đoàn Thư ký đã tiếp nhận")
    reader.get_by_label("Quyền xem").select_option("public")
    reader.get_by_role("button", name="Phát hành thành tài liệu").click()
    confirm = console.locator("#confirm")
    expect(confirm).to_contain_text("Công khai")
    confirm.get_by_role("button", name="Phát hành thành tài liệu").click()
    expect(reader).to_contain_text("Đã phát hành thành tài liệu Đại hội (Công khai)")
    reader.get_by_role("button", name="Đóng").click()
    expect(reader).to_be_hidden()
    expect(row).to_contain_text("Đã phát hành thành tài liệu Đại hội (Công khai)")
    # It is a document now: a board lists it.
    board = screens.board(demo.boards[0])
    listed = request(screens.hub, f"/api/rooms/{ROOM}/documents", token=demo.boards[0])
    assert any(d["id"].startswith("tham-luan-") for d in listed.json()["documents"])
    assert board is not None
    assert_accessible(console, "console, a contribution published")
