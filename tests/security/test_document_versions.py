"""Widening a document's access never opens its older versions to a wider audience."""

from __future__ import annotations

from tests.conftest import DemoTokens, HubProcess
from tests.documents.pdfs import a4_pdf
from tests.documents.test_http import ROOM, fetch, page_path, upload

DRAFT_TEXT = "Phuong an nhan su du thao"
PUBLISHED_TEXT = "Danh sach cong bo"


async def test_a_confidential_draft_published_under_its_id_stays_confidential(
    target: HubProcess, demo: DemoTokens
) -> None:
    draft = await upload(
        target, demo.presidium, a4_pdf(2, DRAFT_TEXT), id="nhan-su-moi", access="presidium"
    )
    assert draft.status == 201, draft.body
    published = await upload(
        target, demo.presidium, a4_pdf(1, PUBLISHED_TEXT), id="nhan-su-moi", access="public"
    )
    assert published.status == 201, published.body
    assert published.json()["version"] == 2
    board, delegate = demo.boards[0], demo.delegates[0][0]
    base = f"/api/rooms/{ROOM}/documents/nhan-su-moi"
    for token in (board, delegate):
        # The public version is readable...
        assert (await fetch(target, page_path("nhan-su-moi", version=2), token=token)).status == 200
        text = await fetch(target, f"{base}/versions/2/pages/1/text", token=token)
        assert PUBLISHED_TEXT in text.json()["text"]
        # ...the presidium's draft is not, by any route, and is not even listed.
        image = await fetch(target, page_path("nhan-su-moi", version=1), token=token)
        words = await fetch(target, f"{base}/versions/1/pages/1/text", token=token)
        for answer in (image, words):
            assert answer.status == 404, answer.body
            assert DRAFT_TEXT not in answer.body.decode(errors="replace")
        described = await fetch(target, base, token=token)
        assert described.status == 200
        assert [v["version"] for v in described.json()["versions"]] == [2]
        listed = await fetch(target, f"/api/rooms/{ROOM}/documents", token=token)
        (entry,) = [d for d in listed.json()["documents"] if d["id"] == "nhan-su-moi"]
        assert [v["version"] for v in entry["versions"]] == [2]
    # The presidium still reads both.
    for version in (1, 2):
        answer = await fetch(
            target, page_path("nhan-su-moi", version=version), token=demo.presidium
        )
        assert answer.status == 200


async def test_a_delegates_draft_stays_with_the_delegates_after_it_is_published(
    target: HubProcess, demo: DemoTokens
) -> None:
    first = await upload(target, demo.presidium, a4_pdf(1, DRAFT_TEXT), id="du-thao-nq")
    assert first.status == 201  # delegates' access, the helper's default
    second = await upload(
        target, demo.presidium, a4_pdf(1, PUBLISHED_TEXT), id="du-thao-nq", access="public"
    )
    assert second.status == 201
    old = page_path("du-thao-nq", version=1)
    assert (await fetch(target, old, token=demo.delegates[0][0])).status == 200
    assert (await fetch(target, old, token=demo.boards[0])).status == 404
