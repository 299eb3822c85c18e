"""The hall's screens: the delegates' documents marked for the hall, never a presidium paper."""

from __future__ import annotations

import contextlib

import pytest
from PIL import Image, ImageChops, ImageStat

from presidium_console.client import CommandRefused
from session_server.documents.marks import HALL_MARK
from session_server.documents.worker import _mark
from tests.conftest import UNIT, DemoTokens, HubProcess, cli
from tests.documents.pdfs import a4_pdf
from tests.documents.test_http import (
    DOCS,
    ROOM,
    TITLES,
    endpoints,
    fetch,
    page_path,
    pixels,
    upload,
)

MISSING = "khong-co-tai-lieu-nay"


async def hall_token(hub: HubProcess, label: str) -> str:
    """A hall token from the CLI, as the secretariat issues one for a new screen."""
    code, out, err = await cli(hub, "tokens", "issue", "--role", "hall", "--label", label)
    assert code == 0, err
    first, second = out.splitlines()[:2]
    assert first.split("\t")[1:] == ["hall", label]
    return second.rsplit(" ", 1)[1]


async def test_a_hall_token_reads_the_delegates_documents_and_no_presidium_paper(
    target: HubProcess, demo: DemoTokens
) -> None:
    hall = await hall_token(target, "Màn hình trái")
    for access, document in DOCS.items():
        for name, path in endpoints(document).items():
            answer = await fetch(target, path, token=hall)
            if access != "presidium":
                assert answer.status == 200, (access, name, answer.body[:200])
                continue
            # Exactly as a document that does not exist: nothing says the id is there.
            missing = await fetch(
                target, path.replace(f"/documents/{document}", f"/documents/{MISSING}"), token=hall
            )
            assert answer.status == missing.status == 404, name
            assert answer.body == missing.body, name
            assert answer.headers["content-type"] == missing.headers["content-type"]
            body = answer.body.decode()
            assert document not in body
            assert not [title for title in TITLES.values() if title in body]
    listed = await fetch(target, f"/api/rooms/{ROOM}/documents", token=hall)
    demo_documents = {d["id"] for d in listed.json()["documents"]} & set(DOCS.values())
    assert demo_documents == {DOCS["public"], DOCS["delegates"]}
    tokens = await cli(target, "tokens", "list")
    assert "\thall\tactive\t-\tMàn hình trái" in tokens[1]


async def test_a_presidium_draft_published_for_the_delegates_stays_off_the_hall(
    target: HubProcess, demo: DemoTokens
) -> None:
    draft = await upload(
        target, demo.presidium, a4_pdf(1, "Du thao mat"), id="nq-hall", access="presidium"
    )
    assert draft.status == 201, draft.body
    published = await upload(
        target, demo.presidium, a4_pdf(1, "Ban cong bo"), id="nq-hall", access="delegates"
    )
    assert published.status == 201, published.body
    hall = demo.hall
    assert (await fetch(target, page_path("nq-hall", version=2), token=hall)).status == 200
    base = f"/api/rooms/{ROOM}/documents/nq-hall"
    for path in (page_path("nq-hall", version=1), f"{base}/versions/1/pages/1/text"):
        answer = await fetch(target, path, token=hall)
        never = await fetch(target, path.replace("/versions/1/", "/versions/9/"), token=hall)
        assert answer.status == never.status == 404
        assert answer.body == never.body
    described = await fetch(target, base, token=hall)
    assert [v["version"] for v in described.json()["versions"]] == [2]


def difference(first: Image.Image, second: Image.Image, where: Image.Image) -> float:
    """The mean difference of two images' grey levels over the pixels set in `where`."""
    return float(ImageStat.Stat(ImageChops.difference(first, second).convert("L"), where).mean[0])


async def test_a_confidential_page_on_the_hall_is_marked_for_the_hall_alone(
    target: HubProcess, demo: DemoTokens
) -> None:
    page = page_path(DOCS["delegates"], 1, 1280)
    plain = await fetch(target, page, token=demo.presidium)
    halls = [await fetch(target, page, token=demo.hall)]
    halls.append(await fetch(target, page, token=await hall_token(target, "Màn hình phải")))
    delegate = await fetch(target, page, token=demo.delegates[0][0])
    assert {a.status for a in (plain, *halls, delegate)} == {200}
    # Every hall screen shows one copy, which is not a delegate's.
    assert halls[0].body == halls[1].body
    assert halls[0].headers["etag"] == halls[1].headers["etag"]
    assert halls[0].body != delegate.body
    # The mark is the hall's words: where they are written, the page marked here with them
    # matches what was served (up to the image's encoding) far better than the page unmarked
    # or marked with other words.
    served, base = pixels(halls[0].body), pixels(plain.body)
    expected = _mark(base, HALL_MARK)
    written = ImageChops.difference(expected, base).convert("L").point(lambda v: v > 6 and 255)
    near = difference(served, expected, written)
    assert near < 0.5 * difference(served, base, written)
    assert near < 0.5 * difference(served, _mark(base, "Nguyễn Văn An · DB001"), written)
    # A public page is the same for everyone: no mark.
    public = page_path(DOCS["public"], 1, 1280)
    hall_public = await fetch(target, public, token=demo.hall)
    assert hall_public.body == (await fetch(target, public, token=demo.presidium)).body


async def test_a_hall_screen_sends_no_command_and_is_sent_no_confidential_paper(
    target: HubProcess, demo: DemoTokens
) -> None:
    presidium = target.client(demo.presidium)
    hall = target.client(demo.hall)
    delegate = target.client(demo.delegates[5][0])
    try:
        for client in (presidium, hall, delegate):
            await client.connect(timeout=10 * UNIT)
        assert hall.welcome["role"] == "hall"
        assert hall.welcome["delegate_id"] is None
        # Refused on the role, before the name: the hall learns nothing of what exists.
        for name in ("show_page", "no_such_command"):
            with pytest.raises(CommandRefused) as refused:
                await hall.command(name, document_id="chuong-trinh", page=1)
            assert refused.value.code == "forbidden", name
        items = presidium.view["agenda"]["items"]
        await presidium.command("set_current_item", item_id=items[0]["id"])
        await delegate.wait_for(lambda view: view["speakers"] is not None, timeout=5 * UNIT)
        await delegate.command("request_floor", kind="speech")
        ack = await presidium.command("show_page", document_id=DOCS["presidium"], page=1)
        await hall.wait_for(lambda view: view.seq >= ack.seq, timeout=5 * UNIT)
        assert hall.view["document"] == {"hidden": True}
        assert hall.view["speakers"]["queue"] == [], "a pending request is not for the hall"
        shown = await presidium.command("show_page", document_id=DOCS["delegates"], page=2)
        await hall.wait_for(lambda view: view.seq >= shown.seq, timeout=5 * UNIT)
        assert hall.view["document"]["id"] == DOCS["delegates"]
        # Nothing the hall was ever sent names the presidium's paper or a delegate id.
        sent = repr(hall.frames)
        assert DOCS["presidium"] not in sent
        assert "Đề án nhân sự Ban Chấp hành (MẬT)" not in sent
        assert demo.delegates[5][1] not in sent
    finally:
        for client in (presidium, hall, delegate):
            with contextlib.suppress(Exception):
                await client.close()
