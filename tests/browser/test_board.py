"""The welcome-gate board read from 5 m: sizes measured in the page, a queue never cut, an idle
board that shows the day, a ticker with no gap; driven through the Python client."""

from __future__ import annotations

import re
import time
from typing import Any

from playwright.sync_api import Page

from tests.browser import hub_commands as hub
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import SCREENSHOTS, Screens
from tests.conftest import DemoTokens

SECOND = 1000
LANDSCAPE = (1920, 1080)
PORTRAIT = (1080, 1920)
KEY_CAP_PX = 64
"""A capital about 4 cm high on a 55-inch 1080p panel (0.63 mm a pixel): read from 5 m."""
LABEL_PX = 36

SIZES = """() => {
    // The height of a capital H in the element's own font, as the page draws it.
    const canvas = document.createElement("canvas").getContext("2d");
    const measure = (element) => {
        const style = getComputedStyle(element);
        canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
        const box = element.getBoundingClientRect();
        return {
            text: element.textContent.trim().slice(0, 40),
            size: parseFloat(style.fontSize),
            cap: canvas.measureText("H").actualBoundingBoxAscent,
            top: box.top, bottom: box.bottom, left: box.left, right: box.right,
        };
    };
    const all = (selector) => [...document.querySelectorAll(selector)]
        .filter((e) => e.getClientRects().length && e.textContent.trim())
        .map(measure);
    return {
        key: all("#item, .speaker-name, #countdown"),
        labels: all(".board-main h2, .welcome, #session-status, .speaker-unit, .document-line, "
            + ".q-name, .q-unit, .pill, .more, .big-number small, .p-title, .p-status, "
            + ".idle-date, .idle-attendance, .ticker-unit"),
        clocks: all("#clock, #idle-clock, #idle-status"),
    };
}"""
"""Every key line's and label's font size, capital height and box, as drawn."""

CUT = """() => {
    // A text box that does not lie wholly inside its panel (or the screen) is cut.
    const cut = [];
    const screen = {left: 0, top: 0, right: innerWidth, bottom: innerHeight};
    for (const panel of document.querySelectorAll(".panel, .idle-now")) {
        if (!panel.getClientRects().length) continue;
        const outer = panel.getBoundingClientRect();
        for (const inner of panel.querySelectorAll("h2, div, li, p, span")) {
            if (!inner.getClientRects().length || !inner.textContent.trim()) continue;
            const box = inner.getBoundingClientRect();
            for (const frame of [outer, screen]) {
                if (box.top < frame.top - 0.5 || box.bottom > frame.bottom + 0.5
                        || box.left < frame.left - 0.5 || box.right > frame.right + 0.5) {
                    cut.push(`${inner.className || inner.tagName} "${inner.textContent.trim()
                        .slice(0, 30)}" ${Math.round(box.top)}-${Math.round(box.bottom)} in `
                        + `${Math.round(frame.top)}-${Math.round(frame.bottom)}`);
                }
            }
        }
    }
    return cut;
}"""

QUEUE = """() => {
    const list = document.querySelector("#queue").getBoundingClientRect();
    const panel = document.querySelector(".panel.queue").getBoundingClientRect();
    const more = document.querySelector("#queue-more");
    const entries = [...document.querySelectorAll("#queue li")].map((li) => {
        const box = li.getBoundingClientRect();
        return {name: li.querySelector(".q-name").textContent, top: box.top, bottom: box.bottom,
                left: box.left, right: box.right,
                margin: parseFloat(getComputedStyle(li).marginBottom)};
    });
    const moreBox = more.getBoundingClientRect();
    return {entries, list: {top: list.top, bottom: list.bottom, left: list.left, right: list.right},
            panel: {top: panel.top, bottom: panel.bottom},
            more: more.hidden ? null : {text: more.textContent, top: moreBox.top,
                                        bottom: moreBox.bottom}};
}"""


def board_at(screens: Screens, token: str, size: tuple[int, int]) -> Page:
    return screens.board(token, *size)


def wait_shows(page: Page, selector: str, text: str) -> None:
    page.wait_for_function(
        "([selector, text]) => (document.querySelector(selector)?.textContent || '')"
        ".includes(text)",
        arg=[selector, text],
        timeout=5 * SECOND,
    )


def settled(page: Page) -> None:
    """The next frame drawn: what the page measured after the last change is on screen."""
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done)))")


def test_the_item_the_speaker_and_the_countdown_are_read_from_five_metres(
    screens: Screens, demo: DemoTokens
) -> None:
    boards = [board_at(screens, demo.boards[0], LANDSCAPE)]
    boards.append(board_at(screens, demo.boards[1], PORTRAIT))
    # The longest title of the demo, a document line, a point of order in the queue.
    hub.send(
        screens.hub,
        *hub.open_item(demo, "item-3"),
        (demo.presidium, "show_page", {"document_id": "chuong-trinh", "page": 1}),
        *hub.accepted_speakers(demo, 4),
        (demo.delegates[4][0], "request_floor", {"kind": "point_of_order"}),
        (demo.presidium, "accept_request", {"delegate_id": demo.delegates[4][1]}),
        *hub.grant(demo, 0),
    )
    for page in boards:
        page.wait_for_selector("#countdown:not(:empty)", timeout=5 * SECOND)
        wait_shows(page, "#document", "Chương trình Đại hội")
        settled(page)
        where = f"board {page.viewport_size}"
        sizes: dict[str, list[dict[str, Any]]] = page.evaluate(SIZES)
        assert len(sizes["key"]) == 3, sizes["key"]
        for line in sizes["key"]:
            assert line["cap"] >= KEY_CAP_PX, (where, line)
            assert line["size"] >= KEY_CAP_PX, (where, line)
        shown = {label["text"] for label in sizes["labels"]}
        assert "Ý kiến thủ tục" in shown, "the point-of-order pill is on the board"
        assert len(sizes["labels"]) >= 10, sizes["labels"]
        for label in sizes["labels"]:
            assert label["size"] >= LABEL_PX, (where, label)
        assert page.evaluate(CUT) == [], where
        print(
            where,
            {line["text"][:12]: (line["size"], round(line["cap"], 1)) for line in sizes["key"]},
        )
        assert_accessible(page, where)


def queue_is_whole(page: Page, accepted: list[str]) -> int:
    """Every entry shown lies inside the list and its panel; the rest are counted. Returns
    how many are shown."""
    queue: dict[str, Any] = page.evaluate(QUEUE)
    where = f"board {page.viewport_size}, {len(accepted)} accepted"
    entries = queue["entries"]
    assert [entry["name"] for entry in entries] == accepted[: len(entries)], where
    for entry in entries:
        assert entry["top"] >= queue["list"]["top"] - 0.5, (where, entry)
        assert entry["bottom"] <= queue["list"]["bottom"] + 0.5, (where, entry)
        assert entry["right"] <= queue["list"]["right"] + 0.5, (where, entry)
    hidden = len(accepted) - len(entries)
    if hidden:
        assert entries, f"{where}: not one speaker shown"
        assert queue["more"] is not None, where
        assert queue["more"]["text"] == f"và {hidden} đồng chí khác", where
        assert queue["more"]["bottom"] <= queue["panel"]["bottom"] + 0.5, where
        assert queue["more"]["top"] >= entries[-1]["bottom"], where
        # As many as fit: the room left under the last one is less than one more (the
        # entries here are alike: a name and a delegation, a line each).
        last = entries[-1]
        room = queue["list"]["bottom"] - last["bottom"]
        assert room < last["margin"] + min(e["bottom"] - e["top"] for e in entries), (where, room)
    else:
        assert queue["more"] is None, where
    assert page.evaluate(CUT) == [], where
    return len(entries)


def test_the_queue_shows_whole_entries_and_counts_the_others(
    screens: Screens, demo: DemoTokens
) -> None:
    landscape = board_at(screens, demo.boards[0], LANDSCAPE)
    portrait = board_at(screens, demo.boards[1], PORTRAIT)
    # One speaker on the floor; the accepted ones wait behind.
    hub.send(screens.hub, *hub.open_item(demo, "item-2"), *hub.accepted_speakers(demo, 1))
    hub.send(screens.hub, *hub.grant(demo, 0))
    names = delegate_names(screens, demo)
    accepted: list[str] = []
    shown: dict[tuple[int, int], list[int]] = {LANDSCAPE: [], PORTRAIT: []}
    for total in (4, 8, 20):
        first, more = 1 + len(accepted), total - len(accepted)
        hub.send(screens.hub, *hub.accepted_speakers(demo, more, first))
        accepted += [names[delegate_id] for _, delegate_id in demo.delegates[first : first + more]]
        for page in (landscape, portrait):
            page.wait_for_function(
                "(n) => document.querySelectorAll('#queue li').length"
                " + Number((document.querySelector('#queue-more').textContent.match(/\\d+/)"
                " || [0])[0]) === n",
                arg=total,
                timeout=5 * SECOND,
            )
            settled(page)
            size = LANDSCAPE if page is landscape else PORTRAIT
            shown[size].append(queue_is_whole(page, accepted))
    print("speakers shown of 4, 8, 20:", shown)
    # The portrait board has the room for more of them than the landscape one.
    assert shown[PORTRAIT][-1] >= shown[LANDSCAPE][-1] >= 2, shown

    # Turned: measured again for the new shape.
    landscape.set_viewport_size({"width": PORTRAIT[0], "height": PORTRAIT[1]})
    landscape.wait_for_function(
        "(n) => document.querySelectorAll('#queue li').length === n",
        arg=shown[PORTRAIT][-1],
        timeout=5 * SECOND,
    )
    queue_is_whole(landscape, accepted)
    assert_accessible(landscape, "board turned to portrait, 20 accepted")


def delegate_names(screens: Screens, demo: DemoTokens) -> dict[str, str]:
    """Each demo delegate's name by id, from the presidium's roll."""
    view = hub.view_of(screens.hub, demo.presidium)
    return {entry["id"]: entry["name"] for entry in view["roll"]}


def noon_zone() -> str:
    """A time zone where it is about midday now: a resume time later "today" on the pages'
    wall clock then never crosses midnight, whenever the test runs."""
    offset = (12 - time.gmtime().tm_hour) % 24
    if offset > 14:
        offset -= 24
    # The IANA "Etc/GMT" zones count the other way: Etc/GMT-7 is seven hours ahead of UTC.
    return f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"


def in_zone(page: Page, zone: str) -> Page:
    page.context.new_cdp_session(page).send("Emulation.setTimezoneOverride", {"timezoneId": zone})
    return page


def test_an_idle_board_shows_the_programme_the_clock_and_the_session(
    screens: Screens, demo: DemoTokens
) -> None:
    board = board_at(screens, demo.boards[0], LANDSCAPE)
    # Nothing open yet: the day's programme, the time, the session not started.
    board.wait_for_selector("#idle:not([hidden])", timeout=5 * SECOND)
    assert board.is_hidden("#live")
    assert board.inner_text("#idle-status") == "Chưa khai mạc"
    assert re.fullmatch(r"\d\d:\d\d", board.inner_text("#idle-clock")), board.inner_text(
        "#idle-clock"
    )
    assert board.inner_text("#programme-label").upper() == "CHƯƠNG TRÌNH ĐẠI HỘI"
    programme = board.locator("#programme li")
    more = board.inner_text("#programme-more") if board.is_visible("#programme-more") else ""
    counted = int(re.search(r"\d+", more)[0]) if more else 0  # type: ignore[index]
    assert programme.count() + counted == 6, (programme.count(), more)
    assert programme.first.inner_text().startswith("Khai mạc Đại hội")
    assert "Chưa thảo luận" in programme.first.inner_text()
    assert board.evaluate(CUT) == []
    sizes = board.evaluate(SIZES)
    for label in sizes["labels"]:
        assert label["size"] >= LABEL_PX, label
    assert min(c["cap"] for c in sizes["clocks"]) >= KEY_CAP_PX, sizes["clocks"]

    # In session with a speaker: the live board.
    hub.send(
        screens.hub,
        *hub.open_item(demo, "item-1"),
        *hub.accepted_speakers(demo, 2),
        *hub.grant(demo, 0),
    )
    board.wait_for_selector("#live:not([hidden]) #countdown:not(:empty)", timeout=5 * SECOND)
    speaker = board.inner_text(".speaker-name")

    # A break: the programme again, the current item marked, no speaker.
    hub.send(screens.hub, (demo.presidium, "suspend_session", {}))
    board.wait_for_selector("#idle:not([hidden])", timeout=5 * SECOND)
    assert board.inner_text("#idle-status") == "Tạm nghỉ"
    assert board.is_hidden("#idle-resume"), "no resume time unless the view carries one"
    assert speaker not in board.inner_text("body")
    opened = board.locator('#programme li[data-status="open"]')
    assert "Đang thảo luận" in opened.inner_text()
    assert board.evaluate(CUT) == []
    board.screenshot(path=str(SCREENSHOTS / "board-idle-1920x1080.png"))

    # English: the strings and the clock's date follow the language.
    board.locator("body").press("l")
    wait_shows(board, "#idle-status", "Break")
    assert "Programme" in board.inner_text("#programme-label").title()
    assert re.search(r"[A-Z][a-z]+day", board.inner_text("#idle-date")), board.inner_text(
        "#idle-date"
    )
    board.locator("body").press("l")

    # Adjourned: the programme and "Bế mạc", still no speaker.
    hub.send(screens.hub, (demo.presidium, "adjourn_session", {}))
    wait_shows(board, "#idle-status", "Bế mạc")
    assert speaker not in board.inner_text("body")
    assert board.evaluate(CUT) == []


def test_a_break_set_at_the_console_with_a_resume_time_shows_it_on_every_screen(
    screens: Screens, demo: DemoTokens
) -> None:
    hub.send(screens.hub, *hub.open_item(demo, "item-2"))
    zone = noon_zone()
    console = in_zone(screens.console(demo.presidium), zone)
    board = in_zone(board_at(screens, demo.boards[0], LANDSCAPE), zone)
    hall = in_zone(screens.hall(demo.hall), zone)
    tablet = in_zone(screens.delegate(demo.delegates[2][0]), zone)
    # The chair's own way: the break's button, a time in its dialog, confirmed.
    later = console.evaluate(
        """() => {
            const at = new Date(Date.now() + 45 * 60000);
            const two = (n) => String(n).padStart(2, "0");
            return `${two(at.getHours())}:${two(at.getMinutes())}`;
        }"""
    )
    console.click("#suspend")
    console.fill("#resumes-at", later)
    console.click("#confirm-ok")
    wait_shows(board, "#idle-resume", f"Tiếp tục lúc {later}")
    assert board.inner_text("#idle-status") == "Tạm nghỉ"
    assert board.evaluate(CUT) == []
    wait_shows(hall, "#slide-status", f"Tạm nghỉ · Tiếp tục lúc {later}")
    assert hall.is_visible("#slide-status")
    wait_shows(tablet, "#session-status", f"Tạm nghỉ — họp lại lúc {later}")
    assert_accessible(tablet, "tablet, a break with its resume time", touch=True)
    tablet.click("#lang")
    wait_shows(tablet, "#session-status", f"Break — resumes at {later}")
    # On the narrowest phone the longer pill wraps in the bar, the page never sideways.
    tablet.set_viewport_size({"width": 360, "height": 780})
    settled(tablet)
    assert tablet.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
    box = tablet.locator("#session-status").bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 360

    # Changed at the desk during the break: every screen follows.
    sooner = console.evaluate(
        """(later) => {
            const [hours, minutes] = later.split(":").map(Number);
            const at = new Date();
            at.setHours(hours, minutes - 15, 0, 0);
            const two = (n) => String(n).padStart(2, "0");
            return `${two(at.getHours())}:${two(at.getMinutes())}`;
        }""",
        later,
    )
    console.click("#suspend")
    console.fill("#resumes-at", sooner)
    console.click("#confirm-ok")
    wait_shows(board, "#idle-resume", f"Tiếp tục lúc {sooner}")
    wait_shows(hall, "#slide-status", f"Tiếp tục lúc {sooner}")
    wait_shows(tablet, "#session-status", f"Break — resumes at {sooner}")


COVERAGE = """() => {
    // The ticker's track, at points through its pass, against the band it runs in.
    const band = document.querySelector("#ticker-band").getBoundingClientRect();
    const track = document.querySelector("#ticker");
    const animation = track.getAnimations()[0];
    if (!animation) {
        const box = track.getBoundingClientRect();
        return {moving: false, covered: [box.left >= band.left && box.right <= band.right]};
    }
    const duration = animation.effect.getComputedTiming().duration;
    const covered = [];
    for (const part of [0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999]) {
        animation.currentTime = part * duration;
        const box = track.getBoundingClientRect();
        covered.push(box.left <= band.left + 0.5 && box.right >= band.right - 0.5);
    }
    return {moving: true, covered, duration};
}"""


def test_the_ticker_band_is_never_empty_in_its_pass(screens: Screens, demo: DemoTokens) -> None:
    landscape = board_at(screens, demo.boards[0], LANDSCAPE)
    portrait = board_at(screens, demo.boards[1], PORTRAIT)
    # The demo's one announcement is longer than the band: it moves, with no gap.
    for page in (landscape, portrait):
        page.wait_for_selector('#ticker[data-mode="scroll"]', timeout=5 * SECOND)
        found = page.evaluate(COVERAGE)
        assert found["moving"], found
        assert all(found["covered"]), found
    # Two, one short: still no gap, the short one among the repeats.
    short = {"text": "Nghỉ giải lao 15 phút", "minutes": 30}
    hub.send(screens.hub, (demo.presidium, "post_announcement", short))
    for page in (landscape, portrait):
        wait_shows(page, "#ticker", "Nghỉ giải lao 15 phút")
        found = page.evaluate(COVERAGE)
        assert found["moving"], found
        assert all(found["covered"]), found
        assert page.inner_text("#ticker").count("Nghỉ giải lao") >= 2
    # One short announcement stands still, whole.
    hub.send(screens.hub, (demo.presidium, "withdraw_announcement", {"announcement_id": "a-1"}))
    for page in (landscape, portrait):
        page.wait_for_function(
            "!document.querySelector('#ticker').textContent.includes('Kính mời')",
            timeout=5 * SECOND,
        )
        page.wait_for_selector('#ticker[data-mode="static"]', timeout=5 * SECOND)
        found = page.evaluate(COVERAGE)
        assert not found["moving"], found
        assert all(found["covered"]), found
        assert page.inner_text("#ticker") == "Nghỉ giải lao 15 phút"
        ticker = [label for label in page.evaluate(SIZES)["labels"] if "giải lao" in label["text"]]
        assert ticker, "the ticker's text is measured"
        assert ticker[0]["size"] >= LABEL_PX, ticker
    # None: no band at all, rather than an empty one.
    hub.send(screens.hub, (demo.presidium, "withdraw_announcement", {"announcement_id": "a-2"}))
    for page in (landscape, portrait):
        page.wait_for_selector("#ticker-band", state="hidden", timeout=5 * SECOND)
        assert page.evaluate(CUT) == []
