"""Delegate tablets that hold their documents: offline reading and search, per-delegate caches."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any, Literal

import pytest
from playwright.sync_api import BrowserContext, Page, Request, Response, Route

from session_server.demo import DEMO_ROOM
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, Screens, wait_live
from tests.browser.console_page import show_document
from tests.browser.test_screens import SECOND, open_item
from tests.conftest import UNIT, DemoTokens, HubProcess

REPORT = "bao-cao-chinh-tri"
"""The demo's delegates-level political report: six pages, each marked for its reader."""
PROGRAMME = "chuong-trinh"
"""The demo's public programme: two pages."""
HELD = (8 + 4) * 2
"""What a delegate's tablet holds of the demo: every page's image and text of the three
documents a delegate reads (the programme, the report and the four-page draft resolution)."""
QUERY = "RUNG  NGAP MAN"
"""Found in the report as "rừng ngập mặn": case, accents and spacing ignored."""

IMAGE_SHOWN = """(part) => {
    const image = document.querySelector("#page img");
    return image !== null && image.complete && image.naturalWidth > 0 && image.src.includes(part);
}"""

CACHES = """async () => {
    const found = {};
    for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        found[name] = [];
        for (const request of await cache.keys()) {
            const answer = await cache.match(request);
            found[name].push({url: new URL(request.url).pathname + new URL(request.url).search,
                              status: answer.status, etag: answer.headers.get("ETag")});
        }
    }
    return found;
}"""


def delegate_key(delegate_id: str) -> str:
    """The name offline.js gives a delegate's cache (never the token)."""
    text = f"congress-delegate\n{DEMO_ROOM}\n{delegate_id}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def page_path(document: str, page: int) -> str:
    return f"/api/rooms/{DEMO_ROOM}/documents/{document}/versions/1/pages/{page}.webp"


def tablet_context(screens: Screens, **options: Any) -> BrowserContext:
    """One tablet's browser profile: a touch screen of 1280x800."""
    context = screens.browser.new_context(
        viewport={"width": 1280, "height": 800},
        locale="vi-VN",
        bypass_csp=True,
        has_touch=True,
        **options,
    )
    screens.contexts.append(context)
    return context


def open_tablet(screens: Screens, context: BrowserContext, token: str | None) -> Page:
    page = context.new_page()
    page.on("pageerror", lambda error: screens.script_errors.append(f"/delegate/: {error}"))
    page.goto(f"{screens.hub.http}/delegate/" + (f"#token={token}" if token else ""))
    return page


def wait_held(page: Page) -> None:
    """Every page of every document the delegate reads is on the tablet."""
    # A selector, not a script: it works under the pages' policy too (no eval).
    page.wait_for_selector('html[data-offline="ready"]', state="attached", timeout=90 * SECOND)
    assert page.evaluate("document.documentElement.dataset.offlinePages") == f"{HELD}/{HELD}"


def caches_of(page: Page) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = page.evaluate(CACHES)
    return found


def delegate_caches(page: Page) -> dict[str, list[dict[str, Any]]]:
    return {
        name: entries
        for name, entries in caches_of(page).items()
        if name.startswith("congress-delegate-")
    }


def search(page: Page, query: str) -> list[str]:
    page.evaluate("document.querySelector('#search-results').replaceChildren()")
    page.fill("#search-q", query)
    page.press("#search-q", "Enter")
    page.wait_for_selector("#search-results > *", timeout=10 * SECOND)
    return [text.strip() for text in page.locator("#search-results > *").all_inner_texts()]


def etag_for(hub: HubProcess, token: str, path: str) -> str:
    """The tag the hub gives this token's copy of a page image (it names the copy's mark).

    A copy still being made is answered 503 with Retry-After and asked for again then, as the
    screens do (protocol §14, Preparing): on a busy machine a delegate's copies may be queued.
    """
    request = urllib.request.Request(
        f"{hub.http}{path}?width=2048", headers={"Authorization": f"Bearer {token}"}
    )
    deadline = time.monotonic() + 60 * UNIT
    while True:
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return str(answer.headers["ETag"])
        except urllib.error.HTTPError as error:
            with error:
                wait = error.headers.get("Retry-After")
                if error.code != 503 or wait is None or time.monotonic() > deadline:
                    raise
            time.sleep(float(wait))


def show_report(screens: Screens, demo: DemoTokens) -> Page:
    console = screens.console(demo.presidium)
    show_document(console, REPORT)
    return console


def test_a_tablet_reads_and_searches_with_the_hub_down_then_follows_live_again(
    screens: Screens, demo: DemoTokens
) -> None:
    console = show_report(screens, demo)
    tablet = open_tablet(screens, tablet_context(screens), demo.delegates[0][0])
    wait_live(tablet)
    tablet.wait_for_function(IMAGE_SHOWN, arg=page_path(REPORT, 1), timeout=30 * SECOND)
    wait_held(tablet)
    online = search(tablet, QUERY)
    assert online, "the hub finds it"
    assert online[0].startswith("Trang "), online
    tablet.evaluate("window.notReloaded = true")
    images: list[Response] = []
    tablet.on("response", lambda r: images.append(r) if ".webp" in r.url else None)

    screens.hub.stop()
    tablet.wait_for_selector(
        '#status[data-status="reconnecting"]', state="attached", timeout=10 * SECOND
    )
    assert tablet.is_visible("#offline")
    assert_accessible(tablet, "delegate tablet with the hub down", touch=True)

    # Page turns: each page is already on the tablet, shown at once.
    for page in (2, 3):
        tablet.click("#next")
        tablet.wait_for_function(IMAGE_SHOWN, arg=page_path(REPORT, page), timeout=5 * SECOND)
    tablet.select_option("#doc-pick", PROGRAMME)
    tablet.wait_for_function(IMAGE_SHOWN, arg=page_path(PROGRAMME, 1), timeout=5 * SECOND)
    tablet.click("#next")
    tablet.wait_for_function(IMAGE_SHOWN, arg=page_path(PROGRAMME, 2), timeout=5 * SECOND)
    assert images, "the pages were shown"
    assert all(r.ok for r in images), [(r.url, r.status) for r in images]
    assert all(r.from_service_worker for r in images), [r.url for r in images]
    # The search over the texts on the tablet finds what the hub found, as the hub shows it.
    tablet.select_option("#doc-pick", REPORT)
    assert search(tablet, QUERY) == online
    assert search(tablet, "không có trong tài liệu") == ["Không tìm thấy"]

    screens.hub.start()
    wait_live(tablet, timeout=30 * SECOND)
    assert tablet.evaluate("window.notReloaded") is True
    assert not tablet.is_visible("#offline")
    tablet.click("#live")
    wait_live(console, timeout=30 * SECOND)
    console.locator("body").press("ArrowRight")
    tablet.wait_for_function(
        "document.querySelector('#page-label').textContent.includes('2 / 6')", timeout=SECOND
    )
    tablet.wait_for_function(IMAGE_SHOWN, arg=page_path(REPORT, 2), timeout=5 * SECOND)


def test_the_next_start_with_no_network_shows_the_kept_documents_and_the_last_view(
    screens: Screens, demo: DemoTokens
) -> None:
    console = show_report(screens, demo)
    open_item(console, "Báo cáo chính trị của Ban Chấp hành")
    console.locator("body").press("ArrowRight")
    context = tablet_context(screens)
    tablet = open_tablet(screens, context, demo.delegates[0][0])
    wait_live(tablet)
    tablet.wait_for_function(IMAGE_SHOWN, arg=page_path(REPORT, 2), timeout=30 * SECOND)
    wait_held(tablet)
    key = delegate_key(demo.delegates[0][1])
    tablet.wait_for_function(
        "async (name) => Boolean(await (await caches.open(name)).match('/delegate/offline/state'))",
        arg=f"congress-delegate-{key}",
        timeout=10 * SECOND,
    )
    tablet.close()

    screens.hub.stop()
    again = open_tablet(screens, context, None)
    again.wait_for_selector("#offline:not([hidden])", timeout=10 * SECOND)
    again.wait_for_function(IMAGE_SHOWN, arg=page_path(REPORT, 2), timeout=10 * SECOND)
    assert "2 / 6" in again.inner_text("#page-label")
    assert again.inner_text("#item").startswith("Báo cáo chính trị")
    assert again.get_attribute("#status", "data-status") == "reconnecting"
    assert_accessible(again, "delegate tablet started with no network", touch=True)
    # Browsing the kept documents works too.
    again.click("#next")
    again.wait_for_function(IMAGE_SHOWN, arg=page_path(REPORT, 3), timeout=5 * SECOND)
    again.click("#live")
    again.evaluate("window.notReloaded = true")

    screens.hub.start()
    wait_live(again, timeout=30 * SECOND)
    wait_live(console, timeout=30 * SECOND)
    console.locator("body").press("ArrowRight")
    again.wait_for_function(
        "document.querySelector('#page-label').textContent.includes('3 / 6')", timeout=SECOND
    )
    assert again.evaluate("window.notReloaded") is True
    assert not again.is_visible("#offline")


def test_a_shared_tablet_never_shows_delegate_b_a_page_marked_for_a(
    screens: Screens, demo: DemoTokens
) -> None:
    show_report(screens, demo)
    (token_a, id_a), (token_b, id_b) = demo.delegates[0], demo.delegates[1]
    context = tablet_context(screens)
    first = open_tablet(screens, context, token_a)
    wait_live(first)
    wait_held(first)
    assert list(delegate_caches(first)) == [f"congress-delegate-{delegate_key(id_a)}"]
    first.close()

    # B signs in on the same profile, from B's own link.
    tag_a = {n: etag_for(screens.hub, token_a, page_path(REPORT, n)) for n in range(1, 7)}
    tag_b = {n: etag_for(screens.hub, token_b, page_path(REPORT, n)) for n in range(1, 7)}
    assert not set(tag_a.values()) & set(tag_b.values()), "each copy is marked for its reader"
    second = context.new_page()
    second.on("pageerror", lambda error: screens.script_errors.append(f"/delegate/: {error}"))
    seen: list[tuple[str, str | None]] = []

    def record(answer: Response) -> None:
        if REPORT in answer.url and ".webp" in answer.url and answer.ok:
            seen.append((answer.url, answer.header_value("etag")))

    second.on("response", record)
    second.goto(f"{screens.hub.http}/delegate/#token={token_b}")
    wait_live(second)
    second.wait_for_function(IMAGE_SHOWN, arg=page_path(REPORT, 1), timeout=30 * SECOND)
    wait_held(second)
    for n in range(2, 7):
        second.click("#next")
        second.wait_for_function(IMAGE_SHOWN, arg=page_path(REPORT, n), timeout=10 * SECOND)
    assert {re.search(r"pages/(\d)\.webp", url)[1] for url, _ in seen} == set("123456")  # type: ignore[index]
    for url, tag in seen:
        number = int(re.search(r"pages/(\d)\.webp", url)[1])  # type: ignore[index]
        assert tag == tag_b[number], (url, tag)

    held = caches_of(second)
    own = f"congress-delegate-{delegate_key(id_b)}"
    assert [name for name in held if name.startswith("congress-delegate-")] == [own]
    for entry in held[own]:
        match = re.search(rf"{REPORT}/versions/1/pages/(\d)\.webp", entry["url"])
        if match:
            assert entry["etag"] == tag_b[int(match[1])], entry
        assert entry["status"] == 200, entry
    assert all("/api/" not in e["url"] for e in held.get("congress-shell", []))
    who = second.evaluate(
        "async () => (await (await caches.open('congress-who')).match('/delegate/offline/who'))"
        ".json()"
    )
    assert who["key"] == delegate_key(id_b)
    assert token_b not in json.dumps(held) + json.dumps(who), "the token itself is never kept"

    # B signs out: nothing of B's is left.
    second.once("dialog", lambda dialog: dialog.accept())
    second.click("#sign-out")
    # Signing out replaces the page: while the new one loads there is no #page to read yet.
    second.wait_for_function(
        "document.querySelector('#page')?.textContent.includes('đường dẫn hoặc mã QR')",
        timeout=10 * SECOND,
    )
    held = caches_of(second)
    assert not [name for name in held if name.startswith("congress-delegate-")], list(held)
    assert held.get("congress-who", []) == []
    assert second.evaluate("localStorage.getItem('congress.delegate.token')") is None


def congress(hub: HubProcess, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "session_server.cli", "--data", str(hub.data_dir), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_a_refused_token_clears_the_tablet(screens: Screens, demo: DemoTokens) -> None:
    show_report(screens, demo)
    delegate_id = demo.delegates[2][1]
    issued = congress(
        screens.hub, "tokens", "issue", "--role", "delegate", "--delegate", delegate_id
    )
    token_id = issued.split("\t")[0]
    secret = re.search(r"secret \(shown once\): (\S+)", issued)
    assert secret is not None
    context = tablet_context(screens)
    tablet = open_tablet(screens, context, secret[1])
    wait_live(tablet)
    wait_held(tablet)
    assert list(delegate_caches(tablet)) == [f"congress-delegate-{delegate_key(delegate_id)}"]

    congress(screens.hub, "tokens", "revoke", token_id)
    tablet.wait_for_selector(
        '#status[data-status="stopped"]', state="attached", timeout=20 * SECOND
    )
    tablet.wait_for_function(
        "async () => !(await caches.keys()).some((n) => n.startsWith('congress-delegate-'))",
        timeout=5 * SECOND,
    )
    assert caches_of(tablet).get("congress-who", []) == []

    # Started again with the revoked token: refused at sign-in, nothing shown or kept.
    tablet.reload()
    tablet.wait_for_function(
        "document.querySelector('#page')?.textContent.includes('không hợp lệ')",
        timeout=15 * SECOND,
    )
    assert delegate_caches(tablet) == {}


@pytest.mark.parametrize("workers", ["allow", "block"])
def test_a_page_still_preparing_shows_so_then_the_page(
    screens: Screens, demo: DemoTokens, workers: Literal["allow", "block"]
) -> None:
    """With the service worker, and without (plain HTTP over the LAN has none)."""
    show_report(screens, demo)
    context = tablet_context(screens, service_workers=workers)
    asked: list[float] = []

    def preparing(route: Route) -> None:
        asked.append(time.monotonic())
        if len(asked) <= 3:
            route.fulfill(
                status=503,
                headers={"Retry-After": "1", "Content-Type": "application/json"},
                body=json.dumps({"error": "preparing", "message": "the page is being prepared"}),
            )
        else:
            route.continue_()

    context.route(f"**{page_path(REPORT, 1)}?width=2048", preparing)
    tablet = open_tablet(screens, context, demo.delegates[3][0])
    wait_live(tablet)
    shown = tablet.locator("#page .preparing")
    shown.wait_for(timeout=10 * SECOND)
    assert shown.inner_text() == "Đang chuẩn bị trang…"
    assert shown.get_attribute("role") == "status"
    assert shown.get_attribute("aria-live") == "polite"
    assert tablet.locator("#page img").count() == 0, "never a broken image"
    assert_accessible(tablet, "a page still preparing", touch=True)
    tablet.wait_for_function(IMAGE_SHOWN, arg=page_path(REPORT, 1), timeout=15 * SECOND)
    assert len(asked) >= 4
    # Asked again only after the Retry-After the hub gave (1 s), not at once: on average a
    # second apart (the background fetching may ask for the same page once in between).
    gaps = [later - earlier for earlier, later in itertools.pairwise(asked[1:])]
    assert sum(gaps) / len(gaps) >= 0.9, gaps


def test_the_background_fetching_follows_the_live_page_one_request_at_a_time_and_waits(
    screens: Screens, demo: DemoTokens
) -> None:
    show_report(screens, demo)
    context = tablet_context(screens)
    asked: list[float] = []
    order: list[str] = []
    in_flight: set[Request] = set()
    most = 0

    def preparing(route: Route) -> None:
        asked.append(time.monotonic())
        if len(asked) <= 2:
            route.fulfill(
                status=503,
                headers={"Retry-After": "1", "Content-Type": "application/json"},
                body=json.dumps({"error": "preparing", "message": "the page is being prepared"}),
            )
        else:
            route.continue_()

    def sent(request: Request) -> None:
        nonlocal most
        # What the worker asks the hub for, the only requests that reach the network.
        if request.service_worker is not None and "/versions/" in request.url:
            in_flight.add(request)
            most = max(most, len(in_flight))
            order.append(f"start {request.url}")

    def ended(request: Request) -> None:
        if request in in_flight:
            in_flight.discard(request)
            order.append(f"end {request.url}")

    context.on("request", sent)
    context.on("requestfinished", ended)
    context.on("requestfailed", ended)
    context.route(f"**{page_path(REPORT, 4)}?width=2048", preparing)
    tablet = open_tablet(screens, context, demo.delegates[4][0])
    wait_live(tablet)
    wait_held(tablet)

    live = f"{page_path(REPORT, 1)}?width=2048"
    # The live page first, alone; then the rest.
    assert order[:2] == [f"start {screens.hub.http}{live}", f"end {screens.hub.http}{live}"], order
    assert most == 1, order
    assert len(asked) == 3, "asked again until the page came, then kept"
    # A page preparing is asked again after the Retry-After the hub gave (1 s), not at once.
    assert all(later - earlier >= 0.9 for earlier, later in itertools.pairwise(asked)), asked
    held = delegate_caches(tablet)[f"congress-delegate-{delegate_key(demo.delegates[4][1])}"]
    assert len(held) == HELD + 1  # and the last view
    assert all(entry["status"] == 200 for entry in held), held


def test_the_worker_is_served_for_the_display_and_runs_under_the_pages_policy(
    screens: Screens, demo: DemoTokens
) -> None:
    with urllib.request.urlopen(f"{screens.hub.http}/delegate/sw.js", timeout=10) as answer:
        assert answer.headers["Content-Type"].startswith("text/javascript")
        assert answer.headers["Cache-Control"] == "no-cache"
        # Its scope is /delegate/, where it is served: no wider scope is asked for.
        assert answer.headers["Service-Worker-Allowed"] is None
        assert "worker-src 'self'" in answer.headers["Content-Security-Policy"]
    # The pages' own policy, not bypassed: the worker installs, serves, and nothing is refused.
    context = screens.browser.new_context(viewport={"width": 1280, "height": 800})
    screens.contexts.append(context)
    refused: list[str] = []
    tablet = context.new_page()
    tablet.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    tablet.goto(f"{screens.hub.http}/delegate/#token={demo.delegates[5][0]}")
    wait_live(tablet)
    wait_held(tablet)
    # Held means kept by the worker, which serves the page.
    assert tablet.evaluate("navigator.serviceWorker.controller.scriptURL").endswith(
        "/delegate/sw.js"
    )
    assert refused == []


def test_over_plain_http_to_a_lan_address_the_display_keeps_nothing_and_works_as_before(
    screens: Screens, demo: DemoTokens
) -> None:
    """A name that is not localhost makes http:// an insecure context, as 10.x.x.x is."""
    lan = screens.browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP congress.lan 127.0.0.1"],
    )
    try:
        context = lan.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
        tablet = context.new_page()
        errors: list[str] = []
        tablet.on("pageerror", lambda error: errors.append(str(error)))
        show_report(screens, demo)
        tablet.goto(
            f"http://congress.lan:{screens.hub.port}/delegate/#token={demo.delegates[6][0]}"
        )
        wait_live(tablet)
        tablet.wait_for_function(IMAGE_SHOWN, arg=page_path(REPORT, 1), timeout=30 * SECOND)
        assert tablet.evaluate("window.isSecureContext") is False
        assert tablet.evaluate("'caches' in window") is False
        assert tablet.evaluate("document.documentElement.dataset.offline") == "off"
        tablet.click("#next")
        tablet.wait_for_function(IMAGE_SHOWN, arg=page_path(REPORT, 2), timeout=30 * SECOND)
        assert search(tablet, QUERY)[0].startswith("Trang ")
        assert errors == []
    finally:
        lan.close()
