"""`congress documents add` beside a running hub: stored, pre-rendered, live on every screen."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import UNIT, Clients, DemoTokens, HubProcess, cli, health
from tests.documents.pdfs import a4_pdf
from tests.documents.test_http import ROOM, fetch, page_path


async def test_a_document_added_by_the_cli_reaches_the_screens_already_rendered(
    hub: HubProcess, tokens: DemoTokens, clients: Clients, tmp_path: Path
) -> None:
    delegate = await clients.connect(tokens.delegates[0][0])
    board = await clients.connect(tokens.boards[0])
    pdf = tmp_path / "nghi-quyet.pdf"
    pdf.write_bytes(a4_pdf(2, "Nghi quyet"))
    code, out, err = await cli(
        hub,
        "documents",
        "add",
        str(pdf),
        "--title",
        "Dự thảo Nghị quyết",
        "--access",
        "delegates",
        "--id",
        "nghi-quyet",
    )
    assert code == 0, err
    assert out.startswith("nghi-quyet\tversion 1\t2 pages\tdelegates\tDự thảo Nghị quyết")
    assert "pre-rendered" in err

    def listed(view: object) -> bool:
        return any(d["id"] == "nghi-quyet" for d in delegate.view["documents"])

    await delegate.wait_for(listed, timeout=5 * UNIT)
    assert all(d["id"] != "nghi-quyet" for d in board.view["documents"]), "not public"
    before = (await health(hub))["documents"]["renders"]
    for width in (320, 1280, 2048):
        answer = await fetch(hub, page_path("nghi-quyet", 2, width), token=tokens.presidium)
        assert answer.status == 200
    assert (await health(hub))["documents"]["renders"] == before, "rendered at import"

    pdf.write_bytes(a4_pdf(3, "Ban 2"))
    code, out, _ = await cli(
        hub,
        "documents",
        "add",
        str(pdf),
        "--title",
        "Dự thảo Nghị quyết",
        "--access",
        "delegates",
        "--id",
        "nghi-quyet",
    )
    assert code == 0
    assert "\tversion 2\t3 pages\t" in out


async def test_the_cli_refuses_a_file_that_is_not_a_pdf_and_registers_nothing(
    hub: HubProcess, tokens: DemoTokens, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"PK\x03\x04 a zip, not a pdf")
    code, _, err = await cli(
        hub, "documents", "add", str(bad), "--title", "X", "--access", "public"
    )
    assert code == 1
    assert "refused: not_a_pdf: the file is not a PDF" in err
    answer = await fetch(hub, f"/api/rooms/{ROOM}/documents", token=tokens.presidium)
    assert len(answer.json()["documents"]) == 4, "the demo's four, nothing more"


async def test_the_cli_prints_why_the_room_refused_a_document(
    hub: HubProcess, tokens: DemoTokens, tmp_path: Path
) -> None:
    pdf = tmp_path / "ok.pdf"
    pdf.write_bytes(a4_pdf(1, "Ok"))
    code, out, err = await cli(
        hub, "documents", "add", str(pdf), "--title", "   ", "--access", "public"
    )
    assert code == 1
    assert out == ""
    assert f"{pdf}: refused: invalid_args: a document's title has 1 to 300 characters" in err
    answer = await fetch(hub, f"/api/rooms/{ROOM}/documents", token=tokens.presidium)
    assert len(answer.json()["documents"]) == 4, "the demo's four, nothing more"
