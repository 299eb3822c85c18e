"""Opinions on the screens: a paragraph chosen and an opinion sent by touch on the tablet;
the roll-up in the console's opinions tab, filtered, with its exports."""

from __future__ import annotations

import csv
import io

import pypdfium2 as pdfium
from playwright.sync_api import expect

from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import Screens
from tests.browser.console_page import no_page_scroll
from tests.browser.driver import Driver, in_session
from tests.browser.test_comfort import touch_tablet
from tests.conftest import DemoTokens
from tests.documents.test_http import request

DRAFT = "du-thao-nghi-quyet"


def test_a_delegate_touches_a_paragraph_and_sends_an_amendment(
    screens: Screens, demo: DemoTokens, drivers: list[Driver]
) -> None:
    presidium = Driver(screens.hub, demo.presidium)
    drivers.append(presidium)
    in_session(presidium)
    token, delegate_id = demo.delegates[0]
    tablet = touch_tablet(screens, token)
    tablet.select_option("#doc-pick", DRAFT)
    tablet.tap("#opinions-open")
    sheet = tablet.locator("#opinions")
    expect(sheet).to_be_visible()
    paragraph = sheet.locator("button.paragraph", has_text="1.1. Về phát triển kinh tế")
    expect(paragraph).to_be_visible()
    assert_accessible(tablet, "tablet, the paragraphs of a page", touch=True)
    # The paragraph starting "a) Tốc độ tăng trưởng kinh tế": touched, then the kind.
    sheet.locator("button.paragraph", has_text="a) Tốc độ tăng trưởng kinh tế").tap()
    expect(sheet.locator(".chosen-paragraph")).to_contain_text("6,8%")
    sheet.get_by_role("button", name="Sửa đổi").tap()
    expect(sheet.get_by_role("button", name="Sửa đổi")).to_have_attribute("aria-pressed", "true")
    sheet.get_by_label("Đề nghị sửa thành").fill("Tốc độ tăng trưởng kinh tế bình quân đạt 7%.")
    sheet.get_by_label("Nội dung ý kiến").fill("Số liệu cần cập nhật theo niên giám.")
    assert_accessible(tablet, "tablet, the opinion sheet", touch=True)
    sheet.get_by_role("button", name="Gửi ý kiến").tap()
    mine = sheet.locator(".mine-list li")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("Số liệu cần cập nhật")
    assert_accessible(tablet, "tablet, the delegate's own opinions", touch=True)

    rolled = request(
        screens.hub, f"/api/rooms/camau-2025/opinions/{DRAFT}", token=demo.presidium
    ).json()
    (quote,) = [q for p in rolled["paragraphs"] for q in p["quotes"]]
    assert (quote["kind"], quote["author"]["delegate_id"]) == ("amend", delegate_id)
    assert quote["wording"] == "Tốc độ tăng trưởng kinh tế bình quân đạt 7%."

    tablet.once("dialog", lambda dialog: dialog.accept())
    mine.get_by_role("button", name="Rút ý kiến").tap()
    expect(sheet.locator(".opinions-mine")).to_contain_text("chưa gửi ý kiến nào")
    sheet.get_by_role("button", name="Đóng").tap()
    expect(sheet).to_be_hidden()
    assert not screens.script_errors


def test_the_console_shows_the_roll_up_filters_it_and_hands_out_its_exports(
    screens: Screens, demo: DemoTokens, drivers: list[Driver]
) -> None:
    presidium = Driver(screens.hub, demo.presidium)
    drivers.append(presidium)
    in_session(presidium)
    delegates = [Driver(screens.hub, token) for token, _ in demo.delegates[:3]]
    drivers.extend(delegates)
    page = f"/api/rooms/camau-2025/documents/{DRAFT}/versions/1/pages/2/paragraphs"
    ids = [
        p["id"] for p in request(screens.hub, page, token=demo.delegates[0][0]).json()["paragraphs"]
    ]
    target = next(i for i in ids if i != ids[0])
    for n, (driver, kind) in enumerate(zip(delegates, ("agree", "other", "other"), strict=True)):
        driver.command(
            "record_opinion",
            document_id=DRAFT,
            version=1,
            paragraph_id=target,
            kind=kind,
            text="" if kind == "agree" else f"Ý kiến số {n} về chỉ tiêu",
        )
    console = screens.console(demo.secretariat, 1920, 1080)
    console.get_by_role("tab", name="Ý kiến").click()
    table = console.locator("#opinions-table")
    row = table.locator(f"tr[data-paragraph='{target}']")
    expect(row).to_be_visible()
    expect(row.locator("td.num").first).to_have_text("1")
    expect(console.locator("#opinions-summary")).to_contain_text("Tổng số ý kiến: 3")
    row.locator("summary").click()
    expect(row.locator(".quotes li")).to_have_count(3)
    # The secretariat sees who said what.
    name = next(d["name"] for d in presidium.view["roll"] if d["id"] == demo.delegates[1][1])
    expect(row.locator(".quotes")).to_contain_text(name)
    assert_accessible(console, "console, opinions tab")
    no_page_scroll(console)
    console.get_by_label("Loại").select_option("other")
    console.get_by_label("Tìm trong ý kiến").fill("y kien so 2")
    console.get_by_role("button", name="Lọc").click()
    expect(console.locator("#opinions-summary")).to_contain_text("Tổng số ý kiến: 1")
    expect(table.locator("tbody tr")).to_have_count(1)
    # A new opinion arrives while the tab is open: the roll-up is read again.
    delegates[2].command(
        "record_opinion",
        document_id=DRAFT,
        version=1,
        paragraph_id=target,
        kind="other",
        text="Ý kiến số 2 thêm một lần",
    )
    expect(console.locator("#opinions-summary")).to_contain_text("Tổng số ý kiến: 2")
    pdf_href = console.locator("#opinions-pdf").get_attribute("href")
    csv_href = console.locator("#opinions-csv").get_attribute("href")
    assert pdf_href is not None
    assert csv_href is not None
    pdf = console.request.get(f"{screens.hub.http}{pdf_href}")
    assert pdf.status == 200
    document = pdfium.PdfDocument(pdf.body())
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    assert "Ý kiến số 2 thêm một lần" in text
    spreadsheet = console.request.get(f"{screens.hub.http}{csv_href}")
    assert spreadsheet.status == 200
    rows = list(csv.DictReader(io.StringIO(spreadsheet.body().decode("utf-8-sig"))))
    assert len(rows) == 2
    assert all(r["kind"] == "Ý kiến khác" for r in rows)
    assert not screens.script_errors
