"""A page on another port of the hub's host cannot make a signed-in browser change anything."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from tests.conftest import UNIT, DemoTokens, HubProcess, free_port
from tests.documents.pdfs import a4_pdf
from tests.documents.test_http import ROOM, request

PLAN = "de-an-nhan-su"


class AttackerSite:
    """Serves one attacker page from another port of 127.0.0.1: same site, other origin."""

    def __init__(self) -> None:
        self.page = b""
        self.port = free_port()
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(site.page)))
                self.end_headers()
                self.wfile.write(site.page)

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def attacker() -> Iterator[AttackerSite]:
    site = AttackerSite()
    try:
        yield site
    finally:
        site.close()


def plan_access(hub: HubProcess, demo: DemoTokens) -> tuple[str, int]:
    answer = request(hub, f"/api/rooms/{ROOM}/documents/{PLAN}", token=demo.presidium)
    described = answer.json()
    return described["access"], described["version"]


def forged_upload_page(hub: HubProcess) -> bytes:
    """The attack as it was found: a form post and a no-cors fetch carrying a real PDF."""
    target = f"{hub.http}/api/rooms/{ROOM}/documents?id={PLAN}&access=public&title=Forged"
    pdf = json.dumps(list(a4_pdf(1, "Forged")))
    return f"""<!doctype html><html><body>
<form id="form" method="POST" action="{target}" enctype="text/plain" target="sink">
<input name="x" value="y"></form><iframe name="sink"></iframe>
<script>
fetch("{target}", {{method: "POST", mode: "no-cors", credentials: "include",
                     body: new Uint8Array({pdf})}})
  .finally(() => {{ document.title = "sent"; document.getElementById("form").submit(); }});
</script></body></html>""".encode()


def test_a_same_site_page_cannot_upload_through_a_signed_in_console(
    target: HubProcess, demo: DemoTokens, attacker: AttackerSite, browser: Browser
) -> None:
    before = plan_access(target, demo)
    assert before[0] == "presidium"
    context = browser.new_context()
    try:
        signed = context.request.post(
            f"{target.http}/api/session",
            data=json.dumps({"token": demo.presidium}),
            headers={"Content-Type": "application/json", "X-Congress-Request": "1"},
        )
        assert signed.status == 200
        assert any(c["name"] == "congress_token" for c in context.cookies())
        attacker.page = forged_upload_page(target)
        page = context.new_page()
        with page.expect_response(
            lambda r: r.url.startswith(f"{target.http}/api/rooms/"), timeout=10_000 * UNIT
        ) as forged:
            page.goto(attacker.url)
        assert forged.value.status in (403, 415)
        page.wait_for_function("document.title === 'sent'", timeout=10_000 * UNIT)
        # The form's post is the second attempt; wait for its answer as well.
        page.wait_for_load_state("networkidle", timeout=10_000 * UNIT)
    finally:
        context.close()
    assert plan_access(target, demo) == before


def test_no_other_page_may_frame_a_screen(
    target: HubProcess, attacker: AttackerSite, browser: Browser
) -> None:
    attacker.page = f"""<!doctype html><html><body>
<iframe id="console" src="{target.http}/console/"></iframe>
<iframe id="delegate" src="{target.http}/delegate/"></iframe>
</body></html>""".encode()
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(attacker.url)
        page.wait_for_load_state("networkidle", timeout=10_000 * UNIT)
        framed = [f.url for f in page.frames if f.url.startswith(target.http)]
        assert framed == []
    finally:
        context.close()


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 403),
        ({"X-Congress-Request": "1", "Sec-Fetch-Site": "same-site"}, 403),
        ({"X-Congress-Request": "1", "Sec-Fetch-Site": "cross-site"}, 403),
        ({"X-Congress-Request": "1", "Origin": "http://127.0.0.1:1"}, 403),
        ({"X-Congress-Request": "1", "Content-Type": "text/plain"}, 415),
    ],
)
def test_a_change_without_proof_of_its_page_is_refused(
    target: HubProcess, demo: DemoTokens, headers: dict[str, str], status: int
) -> None:
    sent = {"Content-Type": "application/pdf", **headers}
    answer = request(
        target,
        f"/api/rooms/{ROOM}/documents?id={PLAN}&access=public&title=Forged",
        token=demo.presidium,
        method="POST",
        data=a4_pdf(1, "Forged"),
        headers=sent,
        proof=False,
    )
    assert answer.status == status, answer.body
    assert plan_access(target, demo)[0] == "presidium"


def test_every_page_and_answer_carries_the_security_headers(target: HubProcess) -> None:
    for path in ("/console/", "/delegate/", "/board/", "/healthz", "/api/session"):
        answer = request(target, path)
        headers = {name.lower(): value for name, value in answer.headers.items()}
        policy = headers.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in policy, path
        assert "script-src 'self'" in policy, path
        assert headers.get("x-content-type-options") == "nosniff", path
        assert headers.get("referrer-policy") == "no-referrer", path
