"""Documents over HTTP on a real hub: upload, page images and text by access level, the cache."""

from __future__ import annotations

import asyncio
import io
import json
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from PIL import Image, ImageChops

from presidium_console.client import CongressClient
from tests.conftest import UNIT, DemoTokens, HubProcess, copy_demo, health
from tests.documents.pdfs import a4_pdf, heavy_pdf, huge_page_pdf, many_pages_pdf

ROOM = "camau-2025"
DOCS = {"public": "chuong-trinh", "delegates": "bao-cao-chinh-tri", "presidium": "de-an-nhan-su"}
TITLES = {
    "chuong-trinh": "Chương trình Đại hội",
    "bao-cao-chinh-tri": "Dự thảo Báo cáo chính trị",
    "de-an-nhan-su": "Đề án nhân sự",
}


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    hub: HubProcess,
    path: str,
    *,
    token: str | None = None,
    method: str = "GET",
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    proof: bool = True,
    wait: float = 30.0,
) -> Answer:
    """`proof`: a change carries the header the hub's own pages send (protocol §14); `wait`:
    seconds (times UNIT) the hub may take to answer."""
    sent = dict(headers or {})
    if proof and method not in ("GET", "HEAD"):
        sent.setdefault("X-Congress-Request", "1")
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    call = urllib.request.Request(hub.http + path, data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(call, timeout=wait * UNIT) as answer:
            return Answer(answer.status, dict(answer.headers.items()), answer.read())
    except urllib.error.HTTPError as refused:
        with refused:
            return Answer(refused.code, dict(refused.headers.items()), refused.read())


async def fetch(hub: HubProcess, path: str, **options: Any) -> Answer:
    return await asyncio.to_thread(request, hub, path, **options)


def page_path(document: str, page: int = 1, width: int = 320, version: int = 1) -> str:
    return (
        f"/api/rooms/{ROOM}/documents/{document}/versions/{version}/pages/{page}.webp?width={width}"
    )


@pytest.fixture(scope="module")
def documents_hub(
    demo_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HubProcess]:
    data_dir = copy_demo(demo_template, tmp_path_factory.mktemp("documents") / "data")
    hub = HubProcess(data_dir, prerender=False)
    hub.start("--max-document-mb", "2")
    try:
        yield hub
    finally:
        hub.stop()


@pytest.fixture(scope="module")
def demo(documents_hub: HubProcess) -> DemoTokens:
    return documents_hub.tokens()


def role_tokens(demo: DemoTokens) -> dict[str, str]:
    return {"board": demo.boards[0], "delegate": demo.delegates[0][0], "presidium": demo.presidium}


# --- the access matrix -----------------------------------------------------------------

ALLOWED = {
    "board": {"public"},
    "delegate": {"public", "delegates"},
    "presidium": {"public", "delegates", "presidium"},
}


def endpoints(document: str) -> dict[str, str]:
    base = f"/api/rooms/{ROOM}/documents/{document}"
    return {
        "metadata": base,
        "page": page_path(document),
        "text": f"{base}/versions/1/pages/1/text",
        "search": f"{base}/search?q=ai",
    }


@pytest.mark.parametrize("role", sorted(ALLOWED))
@pytest.mark.parametrize("access", sorted(DOCS))
async def test_exactly_the_allowed_roles_get_each_endpoint(
    documents_hub: HubProcess, demo: DemoTokens, role: str, access: str
) -> None:
    token = role_tokens(demo)[role]
    document = DOCS[access]
    for name, path in endpoints(document).items():
        answer = await fetch(documents_hub, path, token=token)
        expected = 200 if access in ALLOWED[role] else 404
        assert answer.status == expected, (role, access, name, answer.body[:200])
        if expected == 404:
            body = answer.body.decode()
            # Exactly as a document that does not exist: nothing confirms the id is there.
            assert answer.json() == {"error": "not_found", "message": "no such document"}
            for title in TITLES.values():
                assert title not in body
            assert document not in body


async def test_the_list_holds_only_what_the_caller_may_see(
    documents_hub: HubProcess, demo: DemoTokens
) -> None:
    for role, token in role_tokens(demo).items():
        answer = await fetch(documents_hub, f"/api/rooms/{ROOM}/documents", token=token)
        assert answer.status == 200
        listed = {d["id"] for d in answer.json()["documents"]}
        # The demo's draft resolution is a delegates-level paper like the report.
        draft = {"du-thao-nghi-quyet"} if "delegates" in ALLOWED[role] else set()
        assert listed == {DOCS[a] for a in ALLOWED[role]} | draft, role


async def test_no_token_a_bad_token_or_a_token_in_the_url_is_401(
    documents_hub: HubProcess, demo: DemoTokens
) -> None:
    path = page_path("chuong-trinh")
    assert (await fetch(documents_hub, path)).status == 401
    assert (await fetch(documents_hub, path, token="not-a-token")).status == 401
    in_url = f"{path}&token={demo.presidium}"
    assert (await fetch(documents_hub, in_url)).status == 401, "never from the query string"


async def test_a_signed_in_cookie_authorises_page_images(
    documents_hub: HubProcess, demo: DemoTokens
) -> None:
    body = json.dumps({"token": demo.delegates[0][0]}).encode()
    signed = await fetch(
        documents_hub,
        "/api/session",
        method="POST",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    assert signed.status == 200
    assert signed.json()["role"] == "delegate"
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "samesite=strict" in cookie.lower()
    value = cookie.split(";")[0]
    answer = await fetch(documents_hub, page_path("chuong-trinh"), headers={"Cookie": value})
    assert answer.status == 200
    refused = await fetch(
        documents_hub,
        "/api/session",
        method="POST",
        data=b'{"token": "nope"}',
        headers={"Content-Type": "application/json"},
    )
    assert refused.status == 401


# --- page images -------------------------------------------------------------------------


@pytest.mark.parametrize("width", [320, 1280, 2048])
async def test_a_page_image_has_the_width_asked_and_the_page_aspect(
    documents_hub: HubProcess, demo: DemoTokens, width: int
) -> None:
    answer = await fetch(documents_hub, page_path("chuong-trinh", 2, width), token=demo.presidium)
    assert answer.status == 200
    assert answer.headers["content-type"] == "image/webp"
    image = Image.open(io.BytesIO(answer.body))
    assert image.format == "WEBP"
    assert image.width == width
    assert abs(image.height - width * 841.89 / 595.28) <= 1, "A4 portrait"


async def test_a_second_request_is_served_from_the_cache_with_a_strong_etag(
    documents_hub: HubProcess, demo: DemoTokens
) -> None:
    path = page_path("bao-cao-chinh-tri", 3, 1280)
    before = (await health(documents_hub))["documents"]
    first = await fetch(documents_hub, path, token=demo.presidium)
    middle = (await health(documents_hub))["documents"]
    second = await fetch(documents_hub, path, token=demo.presidium)
    after = (await health(documents_hub))["documents"]
    assert first.status == second.status == 200
    assert middle["renders"] == before["renders"] + 1
    assert after["renders"] == middle["renders"], "no second render"
    assert after["served_from_cache"] == middle["served_from_cache"] + 1
    assert first.body == second.body
    tag = first.headers["etag"]
    assert tag.startswith('"'), "a strong tag, not W/"
    assert "immutable" in first.headers["cache-control"]
    again = await fetch(documents_hub, path, token=demo.presidium, headers={"If-None-Match": tag})
    assert again.status == 304


async def test_bad_page_version_and_width_are_clear_errors(
    documents_hub: HubProcess, demo: DemoTokens
) -> None:
    token = demo.presidium
    assert (await fetch(documents_hub, page_path("chuong-trinh", 3), token=token)).status == 404
    assert (await fetch(documents_hub, page_path("chuong-trinh", 0), token=token)).status == 404
    missing = await fetch(documents_hub, page_path("chuong-trinh", version=9), token=token)
    assert missing.status == 404
    assert "version" in missing.json()["message"]
    odd = await fetch(documents_hub, page_path("chuong-trinh", width=333), token=token)
    assert odd.status == 400
    assert "320" in odd.json()["message"]
    unknown = await fetch(documents_hub, page_path("khong-co"), token=token)
    assert unknown.status == 404


def pixels(body: bytes) -> Image.Image:
    return Image.open(io.BytesIO(body)).convert("RGB")


async def test_a_confidential_page_carries_the_delegate_name_and_a_public_page_does_not(
    documents_hub: HubProcess, demo: DemoTokens
) -> None:
    delegate = demo.delegates[0][0]
    plain = await fetch(
        documents_hub, page_path("bao-cao-chinh-tri", 1, 1280), token=demo.presidium
    )
    marked = await fetch(documents_hub, page_path("bao-cao-chinh-tri", 1, 1280), token=delegate)
    other = await fetch(
        documents_hub, page_path("bao-cao-chinh-tri", 1, 1280), token=demo.delegates[1][0]
    )
    assert plain.status == marked.status == other.status == 200
    difference = ImageChops.difference(pixels(plain.body), pixels(marked.body))
    changed = difference.convert("L").point(lambda v: 255 if v > 8 else 0).histogram()[255]
    assert changed > 0.002 * 1280 * 1811, "the name is written across the page"
    assert marked.body != other.body, "each delegate's own name"
    assert marked.headers["etag"] != other.headers["etag"]

    public_plain = await fetch(
        documents_hub, page_path("chuong-trinh", 1, 1280), token=demo.presidium
    )
    public_seen = await fetch(documents_hub, page_path("chuong-trinh", 1, 1280), token=delegate)
    assert public_plain.body == public_seen.body, "no mark on a public page"


async def test_text_and_search_within_a_document(
    documents_hub: HubProcess, demo: DemoTokens
) -> None:
    token = demo.delegates[0][0]
    base = f"/api/rooms/{ROOM}/documents/bao-cao-chinh-tri"
    text = await fetch(documents_hub, f"{base}/versions/1/pages/4/text", token=token)
    assert text.status == 200
    assert "Các chỉ tiêu chủ yếu" in text.json()["text"]
    query = urlencode({"q": "chi tieu"})
    found = await fetch(documents_hub, f"{base}/search?{query}", token=token)
    assert found.status == 200
    pages = [r["page"] for r in found.json()["results"]]
    assert pages == [2, 4], "the phrase, not its words apart (chính, tiêu cực)"
    assert all("chỉ tiêu" in r["snippet"].lower() for r in found.json()["results"])


# --- upload ----------------------------------------------------------------------------


@pytest.fixture
async def watcher(documents_hub: HubProcess, demo: DemoTokens) -> AsyncIterator[CongressClient]:
    """A board that must keep receiving while hostile files are uploaded."""
    client = documents_hub.client(demo.boards[1])
    await client.connect(timeout=10 * UNIT)
    yield client
    await client.close()


async def upload(
    hub: HubProcess, token: str, data: bytes, *, wait: float = 30.0, **params: str
) -> Answer:
    query = urlencode({"access": "delegates", "title": "Tài liệu", **params})
    return await fetch(
        hub,
        f"/api/rooms/{ROOM}/documents?{query}",
        token=token,
        method="POST",
        data=data,
        headers={"Content-Type": "application/pdf"},
        wait=wait,
    )


async def test_an_upload_registers_version_one_then_a_new_file_is_version_two(
    documents_hub: HubProcess, demo: DemoTokens
) -> None:
    first = await upload(documents_hub, demo.secretariat, a4_pdf(2), id="nghi-quyet")
    assert first.status == 201, first.body
    assert (first.json()["version"], first.json()["pages"]) == (1, 2)
    second = await upload(documents_hub, demo.secretariat, a4_pdf(3, "Ban 2"), id="nghi-quyet")
    assert second.status == 201
    described = second.json()
    assert described["version"] == 2
    assert [v["pages"] for v in described["versions"]] == [2, 3]
    old = await fetch(
        documents_hub, page_path("nghi-quyet", 2, 320, version=1), token=demo.presidium
    )
    assert old.status == 200, "the old version stays readable"
    delegate = documents_hub.client(demo.delegates[2][0])
    await delegate.connect(timeout=5 * UNIT)
    try:
        await delegate.wait_for(lambda v: v["documents"] is not None, timeout=5 * UNIT)
        listed = {d["id"]: d for d in delegate.view["documents"]}
        assert listed["nghi-quyet"]["version"] == 2
        assert len(listed["nghi-quyet"]["page_sizes"]) == 3
    finally:
        await delegate.close()


async def test_delegates_and_boards_may_not_upload(
    documents_hub: HubProcess, demo: DemoTokens
) -> None:
    for token in (demo.delegates[0][0], demo.boards[0]):
        answer = await upload(documents_hub, token, a4_pdf(1))
        assert answer.status == 403


@pytest.mark.parametrize(
    ("make", "status", "code"),
    [
        (lambda: b"<html>not a pdf</html>", 422, "not_a_pdf"),
        (lambda: a4_pdf(3)[: len(a4_pdf(3)) // 3], 422, "not_a_pdf"),
        (huge_page_pdf, 422, "page_too_large"),
        (lambda: many_pages_pdf(3000), 422, "too_many_pages"),
        (lambda: b"%PDF-1.7\n" + b"0" * (3 * 2**20), 413, "file_too_large"),
    ],
    ids=["not-a-pdf", "truncated", "enormous-mediabox", "3000-pages", "over-size-limit"],
)
async def test_a_hostile_file_is_refused_clearly_and_every_screen_keeps_receiving(
    documents_hub: HubProcess,
    demo: DemoTokens,
    watcher: CongressClient,
    make: Any,
    status: int,
    code: str,
) -> None:
    presidium = documents_hub.client(demo.presidium)
    await presidium.connect(timeout=5 * UNIT)
    try:
        before = watcher.view.seq
        answer = await upload(documents_hub, demo.presidium, make(), id="doc-doc")
        assert answer.status == status, answer.body[:300]
        assert answer.json()["error"] == code
        assert answer.json()["message"]
        # Nothing was registered, and the hall still follows the presidium.
        ack = await presidium.command("show_page", document_id="chuong-trinh", page=before % 2 + 1)
        await watcher.wait_for(lambda v: v.seq >= ack.seq, timeout=5 * UNIT)
        assert all(d["id"] != "doc-doc" for d in presidium.view["documents"])
    finally:
        await presidium.close()


async def test_a_page_that_renders_too_long_is_refused_and_the_hall_goes_on(
    demo_data: Path,
) -> None:
    hub = HubProcess(demo_data)
    hub.start("--render-timeout", "0.05")
    try:
        tokens = hub.tokens()
        board = hub.client(tokens.boards[0])
        presidium = hub.client(tokens.presidium)
        await board.connect(timeout=10 * UNIT)
        await presidium.connect(timeout=10 * UNIT)
        added = await upload(hub, tokens.presidium, heavy_pdf(), id="ban-do", access="public")
        assert added.status == 201, added.body
        refused = await fetch(hub, page_path("ban-do", 1, 2048), token=tokens.presidium)
        assert refused.status == 422
        assert refused.json()["error"] == "render_timeout"
        assert (await health(hub))["documents"]["workers_replaced"] >= 1
        ack = await presidium.command("show_page", document_id="ban-do", page=1)
        await board.wait_for(lambda v: v.seq >= ack.seq, timeout=5 * UNIT)
        assert board.view["document"]["id"] == "ban-do"
        small = await fetch(hub, page_path("chuong-trinh", 1, 320), token=tokens.boards[0])
        assert small.status == 200, "a new worker renders the next page"
        await board.close()
        await presidium.close()
    finally:
        hub.stop()
