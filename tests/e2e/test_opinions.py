"""Opinions on a real hub: recorded over the socket, read back over HTTP by who may, exported."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from presidium_console.client import CommandRefused
from tests.conftest import UNIT, DemoTokens, HubProcess, cli, copy_demo, run_cli
from tests.documents.test_http import ROOM, fetch

DRAFT = "du-thao-nghi-quyet"


@pytest.fixture(scope="module")
def opinions_hub(
    demo_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HubProcess]:
    hub = HubProcess(copy_demo(demo_template, tmp_path_factory.mktemp("opinions") / "data"))
    hub.start()
    try:
        yield hub
    finally:
        hub.stop()


async def paragraph_ids(hub: HubProcess, token: str, page: int) -> list[str]:
    path = f"/api/rooms/{ROOM}/documents/{DRAFT}/versions/1/pages/{page}/paragraphs"
    answer = await fetch(hub, path, token=token)
    assert answer.status == 200, answer.body
    return [p["id"] for p in answer.json()["paragraphs"]]


def rollup_path(suffix: str = "", **query: str) -> str:
    path = f"/api/rooms/{ROOM}/opinions/{DRAFT}{suffix}"
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return path


async def test_opinions_are_recorded_by_whom_the_rules_allow_and_read_by_whom_they_may(
    opinions_hub: HubProcess,
) -> None:
    tokens: DemoTokens = opinions_hub.tokens()
    (anh_token, anh), (binh_token, binh) = tokens.delegates[0], tokens.delegates[1]
    ids = await paragraph_ids(opinions_hub, anh_token, 2)
    target = next(i for i in ids if i.startswith("p2-"))
    anh_client = opinions_hub.client(anh_token)
    secretariat = opinions_hub.client(tokens.secretariat)
    board = opinions_hub.client(tokens.boards[0])
    for client in (anh_client, secretariat, board):
        await client.connect(timeout=10 * UNIT)
    try:
        await anh_client.command(
            "record_opinion",
            document_id=DRAFT,
            version=1,
            paragraph_id=target,
            kind="amend",
            text="Nên nêu chỉ tiêu cao hơn.",
            wording="Tốc độ tăng trưởng bình quân từ 8% trở lên.",
        )
        await anh_client.wait_for(
            lambda v: v.you is not None and v.you["opinions"] == ["opinion-1"], timeout=5 * UNIT
        )
        # A delegate may not record for another: there is no group whose secretary they are.
        with pytest.raises(CommandRefused) as refused:
            await anh_client.command(
                "record_opinion",
                document_id=DRAFT,
                version=1,
                paragraph_id=target,
                kind="other",
                text="Thay mặt",
                on_behalf_of=binh,
            )
        assert (refused.value.code, refused.value.reason) == ("forbidden", "not_group_secretary")
        # A board may send none.
        with pytest.raises(CommandRefused) as refused:
            await board.command(
                "record_opinion",
                document_id=DRAFT,
                version=1,
                paragraph_id=target,
                kind="agree",
            )
        assert refused.value.code == "forbidden"
        await secretariat.command(
            "record_opinion",
            document_id=DRAFT,
            version=1,
            paragraph_id=target,
            kind="add",
            text="Bổ sung chỉ tiêu về chuyển đổi số.",
            on_behalf_of=binh,
        )
        await secretariat.wait_for(
            lambda v: (v["opinions"] or {}).get("total") == 2, timeout=5 * UNIT
        )
        assert board.view["opinions"] is None
        assert "Bổ sung" not in repr(board.view.sections)

        staff = await fetch(opinions_hub, rollup_path(), token=tokens.presidium)
        assert staff.status == 200, staff.body
        rolled = staff.json()
        assert rolled["total"] == 2
        (paragraph,) = [p for p in rolled["paragraphs"] if p["id"] == target]
        assert paragraph["kinds"]["amend"] == paragraph["kinds"]["add"] == 1
        assert paragraph["groups"] == {"": 2}
        assert {q["author"]["delegate_id"] for q in paragraph["quotes"]} == {anh, binh}

        seen = await fetch(opinions_hub, rollup_path(), token=binh_token)
        assert seen.status == 200
        assert seen.json()["total"] == 2
        assert '"author":' not in seen.body.decode()
        assert seen.json()["authors_shown"] is False
        names = [q["author"]["name"] for q in paragraph["quotes"]]
        assert not any(name in seen.body.decode() for name in names)
        for refused_token in (tokens.boards[0], tokens.hall):
            answer = await fetch(opinions_hub, rollup_path(), token=refused_token)
            assert answer.status == 404
        assert (await fetch(opinions_hub, rollup_path())).status == 401

        mine = await fetch(opinions_hub, f"/api/rooms/{ROOM}/my-opinions", token=binh_token)
        assert [o["kind"] for o in mine.json()["opinions"]] == ["add"]
        assert (
            await fetch(opinions_hub, f"/api/rooms/{ROOM}/my-opinions", token=tokens.presidium)
        ).status == 403

        await anh_client.command("withdraw_opinion", opinion_id="opinion-1")
        await anh_client.wait_for(
            lambda v: v.you is not None and v.you["opinions"] == [], timeout=5 * UNIT
        )
        with pytest.raises(CommandRefused) as refused:
            await anh_client.command("withdraw_opinion", opinion_id="opinion-2")
        assert refused.value.reason == "opinion_not_found"
    finally:
        for client in (anh_client, secretariat, board):
            await client.close()


async def test_the_exports_open_and_only_the_staff_take_them(opinions_hub: HubProcess) -> None:
    tokens = opinions_hub.tokens()
    token = tokens.delegates[5][0]
    ids = await paragraph_ids(opinions_hub, token, 1)
    client = opinions_hub.client(token)
    await client.connect(timeout=10 * UNIT)
    try:
        await client.command(
            "record_opinion",
            document_id=DRAFT,
            version=1,
            paragraph_id=ids[-2],
            kind="other",
            text="=cmd|' /C calc'!A0 và ý kiến về đoạn này",
        )
    finally:
        await client.close()
    pdf = await fetch(opinions_hub, rollup_path("/rollup.pdf"), token=tokens.secretariat)
    assert pdf.status == 200, pdf.body
    assert pdf.headers["content-type"] == "application/pdf"
    assert "attachment" in pdf.headers["content-disposition"]
    document = pdfium.PdfDocument(pdf.body)
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    assert "TỔNG HỢP Ý KIẾN" in text
    assert "Dự thảo Nghị quyết Đại hội" in text
    assert tokens.delegates[5][1] not in text  # the name is shown, not the id
    english = await fetch(
        opinions_hub, rollup_path("/rollup.pdf", lang="en"), token=tokens.presidium
    )
    assert english.status == 200

    answer = await fetch(opinions_hub, rollup_path("/rollup.csv"), token=tokens.secretariat)
    assert answer.status == 200
    assert answer.body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(answer.body.decode("utf-8-sig"))))
    quoted = [r for r in rows if r["opinion_id"]]
    assert any(r["text"].startswith("'=cmd") for r in quoted)
    assert all(r["author"] for r in quoted)
    assert {r["paragraph_id"] for r in rows} >= set(ids)

    for refused in (tokens.delegates[0][0], tokens.boards[0]):
        for suffix in ("/rollup.pdf", "/rollup.csv"):
            status = (await fetch(opinions_hub, rollup_path(suffix), token=refused)).status
            assert status in (403, 404), (refused, suffix, status)
    assert (
        await fetch(opinions_hub, rollup_path("/rollup.csv"), token=tokens.delegates[0][0])
    ).status == 403
    filtered = await fetch(
        opinions_hub, rollup_path(kind="other", q="y+kien+ve+doan"), token=tokens.presidium
    )
    assert [p["id"] for p in filtered.json()["paragraphs"]] == [ids[-2]]
    assert (
        await fetch(opinions_hub, rollup_path(kind="nope"), token=tokens.presidium)
    ).status == 400


async def test_the_cli_exports_the_roll_up_from_the_log(
    opinions_hub: HubProcess, tmp_path: Path
) -> None:
    tokens = opinions_hub.tokens()
    token = tokens.delegates[7][0]
    ids = await paragraph_ids(opinions_hub, token, 3)
    client = opinions_hub.client(token)
    await client.connect(timeout=10 * UNIT)
    try:
        await client.command(
            "record_opinion",
            document_id=DRAFT,
            version=1,
            paragraph_id=ids[1],
            kind="add",
            text="Bổ sung chỉ tiêu về điện gió ngoài khơi.",
        )
    finally:
        await client.close()
    out = tmp_path / "tong-hop.csv"
    printed = await run_cli(
        opinions_hub,
        "opinions",
        "export",
        "--document",
        DRAFT,
        "--format",
        "csv",
        "--out",
        str(out),
    )
    assert f"wrote the roll-up of {DRAFT} v1" in printed
    assert out.stat().st_mode & 0o077 == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    (row,) = [r for r in rows if r["text"] == "Bổ sung chỉ tiêu về điện gió ngoài khơi."]
    assert (row["paragraph_id"], row["kind"]) == (ids[1], "Bổ sung")
    assert row["author"]
    pdf = tmp_path / "tong-hop.pdf"
    await run_cli(opinions_hub, "opinions", "export", "--document", DRAFT, "--out", str(pdf))
    assert len(pdfium.PdfDocument(pdf)) >= 1
    code, _, err = await cli(
        opinions_hub, "opinions", "export", "--document", "none", "--out", str(pdf)
    )
    assert code == 2
    assert "no document" in err
