"""Written contributions on two hubs over one real Redis: sent to one node, read and decided
on the other (the files come from the log's store), the author's tablet told on the first."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.conftest import UNIT, HubProcess, stop_all
from tests.documents.pdfs import a4_pdf
from tests.documents.test_http import fetch
from tests.redis_server import RedisServer

pytestmark = pytest.mark.slow

BASE = "/api/rooms/camau-2025/contributions"


@pytest.fixture
def two_nodes(tmp_path: Path, redis_server: RedisServer) -> Iterator[list[HubProcess]]:
    started: list[HubProcess] = []
    try:
        for n in range(2):
            node = HubProcess(tmp_path / f"node-{n}")
            node.launch("--backend", redis_server.url, *([] if n == 0 else ["--no-demo"]))
            started.append(node)
        for node in started:
            node.wait_ready()
        yield started
    finally:
        stop_all(started)


async def test_sent_to_one_node_read_and_published_on_another(
    two_nodes: list[HubProcess],
) -> None:
    first, second = two_nodes
    demo = first.tokens()
    author = first.client(demo.delegates[0][0])
    console = second.client(demo.secretariat)
    for client in (author, console):
        await client.connect(timeout=10 * UNIT)
        await client.wait_for(lambda view: view.seq > 0, timeout=10 * UNIT)
    try:
        words = "Tham luận gửi qua nút thứ nhất."
        sent = await fetch(
            first,
            f"{BASE}?{urlencode({'title': 'Văn bản'})}",
            token=demo.delegates[0][0],
            method="POST",
            data=words.encode(),
            headers={"Content-Type": "text/plain; charset=utf-8"},
        )
        assert sent.status == 201, sent.body
        pdf = await fetch(
            first,
            f"{BASE}?{urlencode({'title': 'Tệp PDF'})}",
            token=demo.delegates[0][0],
            method="POST",
            data=a4_pdf(2),
            headers={"Content-Type": "application/pdf"},
        )
        assert pdf.status == 201, pdf.body
        text_id, pdf_id = sent.json()["id"], pdf.json()["id"]
        await console.wait_for(
            lambda view: {text_id, pdf_id} <= {k["id"] for k in view["contributions"] or []},
            timeout=10 * UNIT,
        )
        # The second node has neither file on its disk: both come from Redis.
        read = await fetch(second, f"{BASE}/{text_id}/text", token=demo.secretariat)
        assert read.json()["text"] == words
        page = await fetch(second, f"{BASE}/{pdf_id}/pages/2.webp", token=demo.secretariat)
        assert (page.status, page.headers["content-type"]) == (200, "image/webp")
        other = await fetch(second, f"{BASE}/{pdf_id}/pages/2.webp", token=demo.delegates[1][0])
        assert other.status == 404

        await console.command("accept_contribution", contribution_id=pdf_id)
        await console.command(
            "make_contribution_document", contribution_id=pdf_id, access="delegates"
        )

        def published(view: object) -> bool:
            mine = (author.view.you or {}).get("contributions", [])
            return any(k["id"] == pdf_id and k["status"] == "published" for k in mine)

        await author.wait_for(published, timeout=10 * UNIT)
        mine = (author.view.you or {}).get("contributions", [])
        document = next(k["document_id"] for k in mine if k["id"] == pdf_id)
        assert any(d["id"] == document for d in author.view["documents"])
    finally:
        await author.close()
        await console.close()
