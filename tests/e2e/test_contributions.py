"""Written contributions on a real hub: sent over HTTP, read only by their readers, decided
over the sockets, made a document that then reaches the screens by its access."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from presidium_console.client import CommandRefused, CongressClient
from tests.conftest import UNIT, DemoTokens, HubProcess, copy_demo
from tests.documents.pdfs import a4_pdf
from tests.documents.test_http import Answer, fetch

ROOM = "camau-2025"
BASE = f"/api/rooms/{ROOM}/contributions"
TEXT = "Kính thưa Đoàn Chủ tịch,\nĐồng chí xin phát biểu về chuyển đổi số trong công tác Đảng."


@pytest.fixture(scope="module")
def contributions_hub(
    demo_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HubProcess]:
    data_dir = copy_demo(demo_template, tmp_path_factory.mktemp("contributions") / "data")
    hub = HubProcess(data_dir, prerender=False)
    # A 2 MiB limit for documents keeps contributions under it too: a 3 MiB file is refused.
    hub.start("--max-document-mb", "2")
    try:
        yield hub
    finally:
        hub.stop()


@pytest.fixture(scope="module")
def demo(contributions_hub: HubProcess) -> DemoTokens:
    return contributions_hub.tokens()


@pytest.fixture
async def screens(
    contributions_hub: HubProcess, demo: DemoTokens
) -> AsyncIterator[dict[str, CongressClient]]:
    """The author's tablet, another delegate's, the secretariat's console and a board."""
    opened: dict[str, CongressClient] = {}
    for name, token in {
        "author": demo.delegates[0][0],
        "other": demo.delegates[1][0],
        "secretariat": demo.secretariat,
        "board": demo.boards[0],
    }.items():
        client = contributions_hub.client(token)
        await client.connect(timeout=10 * UNIT)
        await client.wait_for(lambda view: view.seq > 0, timeout=10 * UNIT)
        opened[name] = client
    try:
        yield opened
    finally:
        for client in opened.values():
            await client.close()


async def submit(
    hub: HubProcess,
    token: str,
    body: bytes,
    *,
    title: str = "Tham luận về chuyển đổi số",
    content_type: str = "application/pdf",
    **more: str,
) -> Answer:
    query = urlencode({"title": title, **more})
    return await fetch(
        hub,
        f"{BASE}?{query}",
        token=token,
        method="POST",
        data=body,
        headers={"Content-Type": content_type},
    )


def readers(demo: DemoTokens) -> dict[str, str]:
    return {
        "author": demo.delegates[0][0],
        "secretariat": demo.secretariat,
        "presidium": demo.presidium,
        "other": demo.delegates[1][0],
        "board": demo.boards[0],
        "hall": demo.hall,
    }


def staff_titles(view: object) -> list[str]:
    return [entry["title"] for entry in (view["contributions"] or [])]  # type: ignore[index]


async def test_a_pdf_and_a_text_reach_their_readers_and_no_one_else(
    contributions_hub: HubProcess, demo: DemoTokens, screens: dict[str, CongressClient]
) -> None:
    author = demo.delegates[0][0]
    sent = await submit(contributions_hub, author, a4_pdf(2, "Tham luan"))
    assert sent.status == 201, sent.body
    pdf = sent.json()
    assert (pdf["kind"], pdf["pages"], pdf["status"], pdf["version"]) == ("pdf", 2, "submitted", 1)
    sent = await submit(
        contributions_hub,
        author,
        TEXT.encode(),
        title="Ý kiến về công tác cán bộ",
        content_type="text/plain; charset=utf-8",
    )
    assert sent.status == 201, sent.body
    text = sent.json()
    assert (text["kind"], text["status"]) == ("text", "submitted")
    assert text["pages"] >= 1

    await screens["author"].wait_for(
        lambda view: len((view.you or {}).get("contributions", [])) >= 2, timeout=10 * UNIT
    )
    staff = await screens["secretariat"].wait_for(
        lambda view: {pdf["id"], text["id"]} <= {k["id"] for k in view["contributions"] or []},
        timeout=10 * UNIT,
    )
    entry = next(k for k in staff["contributions"] if k["id"] == pdf["id"])
    assert (entry["name"], entry["delegate_id"]) == (
        next(d["name"] for d in staff["roll"] if d["id"] == demo.delegates[0][1]),
        demo.delegates[0][1],
    )
    # Neither the body nor the title reaches a screen that may not read it.
    for name in ("other", "board"):
        view = screens[name].view
        assert view["contributions"] is None
        assert "chuyển đổi số" not in repr(view.sections)
    assert (screens["other"].view.you or {}).get("contributions") == []

    paths = {
        "describe": f"{BASE}/{pdf['id']}",
        "page": f"{BASE}/{pdf['id']}/pages/1.webp?width=320",
        "text": f"{BASE}/{text['id']}/text",
        "text page": f"{BASE}/{text['id']}/pages/1.webp",
    }
    for who, token in readers(demo).items():
        for what, path in paths.items():
            answer = await fetch(contributions_hub, path, token=token)
            allowed = who in ("author", "secretariat", "presidium")
            assert answer.status == (200 if allowed else 404), (who, what, answer.body[:200])
            if not allowed:
                # The same answer as for a contribution that does not exist.
                missing = await fetch(contributions_hub, f"{BASE}/tl-999", token=token)
                assert answer.json() == missing.json()
    read = await fetch(contributions_hub, paths["text"], token=demo.secretariat)
    assert read.json() == {"title": "Ý kiến về công tác cán bộ", "text": TEXT}
    image = await fetch(contributions_hub, paths["page"], token=author)
    assert image.headers["content-type"] == "image/webp"
    assert (await fetch(contributions_hub, paths["describe"])).status == 401
    # No document was made of them: the documents' list holds none for anyone.
    listed = await fetch(contributions_hub, f"/api/rooms/{ROOM}/documents", token=demo.presidium)
    assert not any(d["id"].startswith("tham-luan-") for d in listed.json()["documents"])


async def test_the_secretariat_returns_accepts_and_publishes_by_access(
    contributions_hub: HubProcess, demo: DemoTokens, screens: dict[str, CongressClient]
) -> None:
    author = demo.delegates[0][0]
    sent = await submit(contributions_hub, author, a4_pdf(3, "Ban dau"), title="Kinh tế biển")
    assert sent.status == 201, sent.body
    made = sent.json()
    console = screens["secretariat"]
    await console.wait_for(
        lambda view: made["id"] in {k["id"] for k in view["contributions"] or []},
        timeout=10 * UNIT,
    )
    with pytest.raises(CommandRefused) as refused:
        await screens["author"].command("accept_contribution", contribution_id=made["id"])
    assert refused.value.code == "forbidden"
    # Nor does a delegate record a submission on the socket: the hub does, from the file.
    with pytest.raises(CommandRefused) as refused:
        await screens["author"].command(
            "submit_contribution",
            title="Không có tệp",
            kind="pdf",
            sha256="0" * 64,
            size=1,
            pdf_sha256="0" * 64,
            page_sizes=[{"width": 595, "height": 842}],
        )
    assert refused.value.code == "forbidden"
    await console.command(
        "return_contribution", contribution_id=made["id"], reason="Đề nghị bổ sung số liệu"
    )

    def own(view: object) -> dict[str, object]:
        mine = (screens["author"].view.you or {}).get("contributions", [])
        return next((k for k in mine if k["id"] == made["id"]), {})

    await screens["author"].wait_for(
        lambda view: own(view).get("status") == "returned", timeout=10 * UNIT
    )
    assert own(None)["reason"] == "Đề nghị bổ sung số liệu"
    # Another delegate cannot send a new version of it.
    stolen = await submit(
        contributions_hub, demo.delegates[1][0], a4_pdf(1), replaces=str(made["id"])
    )
    assert (stolen.status, stolen.json()["error"]) == (404, "not_found")
    again = await submit(
        contributions_hub, author, a4_pdf(3, "Ban sua"), title="Kinh tế biển (bản sửa)",
        replaces=str(made["id"]),
    )  # fmt: skip
    assert again.status == 201, again.body
    assert (again.json()["id"], again.json()["version"]) == (made["id"], 2)

    await console.command("accept_contribution", contribution_id=made["id"])
    with pytest.raises(CommandRefused) as refused:
        await console.command("return_contribution", contribution_id=made["id"], reason="")
    assert refused.value.reason == "contribution_reason_length"
    ack = await console.command(
        "make_contribution_document", contribution_id=made["id"], access="delegates"
    )

    def published(view: object) -> bool:
        return own(view).get("status") == "published"

    await screens["author"].wait_for(published, timeout=10 * UNIT)
    document_id = own(None)["document_id"]
    assert isinstance(document_id, str)
    seen = await screens["other"].wait_for(
        lambda view: any(d["id"] == document_id for d in view["documents"]), timeout=10 * UNIT
    )
    assert seen.seq >= ack.seq
    doc = next(d for d in seen["documents"] if d["id"] == document_id)
    assert (doc["access"], doc["pages"]) == ("delegates", 3)
    assert doc["title"].startswith("Kinh tế biển (bản sửa) — ")
    assert not any(d["id"] == document_id for d in screens["board"].view["documents"])
    page = f"/api/rooms/{ROOM}/documents/{document_id}/versions/1/pages/1.webp?width=320"
    for token, status in (
        (demo.delegates[1][0], 200),
        (demo.hall, 200),
        (demo.boards[0], 404),
    ):
        answer = await fetch(contributions_hub, page, token=token)
        assert answer.status == status, answer.body[:200]
    # The contribution itself stays its readers' alone, document or not.
    assert (
        await fetch(contributions_hub, f"{BASE}/{made['id']}", token=demo.delegates[1][0])
    ).status == 404


@pytest.mark.parametrize(
    ("body", "content_type", "status", "error"),
    [
        (b"%PDF-1.7\n this is not a PDF at all", "application/pdf", 422, "not_a_pdf"),
        (b"Hello, not a PDF", "application/pdf", 422, "not_a_pdf"),
        (b"\xff\xfe not utf-8", "text/plain", 400, "bad_request"),
        (b"   ", "text/plain", 400, "bad_request"),
        (("x" * 30_001).encode(), "text/plain", 400, "bad_request"),
        (b"{}", "application/json", 415, "bad_request"),
        (b"%PDF-" + b"0" * (3 * 2**20), "application/pdf", 413, "file_too_large"),
    ],
)
async def test_bad_input_is_refused_with_a_clear_error_and_records_nothing(
    contributions_hub: HubProcess,
    demo: DemoTokens,
    screens: dict[str, CongressClient],
    body: bytes,
    content_type: str,
    status: int,
    error: str,
) -> None:
    before = screens["secretariat"].view["contributions"]
    refused = await submit(contributions_hub, demo.delegates[2][0], body, content_type=content_type)
    assert refused.status == status, refused.body[:300]
    assert refused.json()["error"] == error
    assert refused.json()["message"]
    # A command after it: once its record is applied, any record before it was too.
    head = await screens["secretariat"].command("post_announcement", text="Kiểm tra", minutes=1)
    await screens["secretariat"].wait_for(lambda view: view.seq >= head.seq, timeout=10 * UNIT)
    assert screens["secretariat"].view["contributions"] == before


async def test_only_a_delegate_submits_and_a_title_is_needed(
    contributions_hub: HubProcess, demo: DemoTokens
) -> None:
    for token in (demo.secretariat, demo.boards[0], demo.hall):
        answer = await submit(contributions_hub, token, a4_pdf(1))
        assert (answer.status, answer.json()["error"]) == (403, "forbidden")
    answer = await submit(contributions_hub, demo.delegates[3][0], a4_pdf(1), title="  ")
    assert (answer.status, answer.json()["error"]) == (422, "invalid_args")
    unproven = await fetch(
        contributions_hub,
        f"{BASE}?title=x",
        token=demo.delegates[3][0],
        method="POST",
        data=a4_pdf(1),
        headers={"Content-Type": "application/pdf"},
        proof=False,
    )
    assert unproven.status == 403
