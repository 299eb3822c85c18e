"""The hub's own address is a page people can use, and its links carry the public address."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from tests.conftest import UNIT, HubProcess


def get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=10 * UNIT) as answer:
        return answer.status, answer.headers.get("content-type", ""), answer.read()


def test_the_front_page_links_the_three_screens(hub: HubProcess) -> None:
    status, kind, body = get(f"{hub.http}/")
    assert status == 200
    assert kind.startswith("text/html")
    page = body.decode()
    for screen in ("/console/", "/delegate/", "/board/"):
        assert f'href="{screen}"' in page
    assert "đồng chí" in page, "Vietnamese first, as the congress speaks"
    # The machine-readable health stays where monitoring looks for it.
    status, kind, body = get(f"{hub.http}/healthz")
    assert kind.startswith("application/json")
    assert json.loads(body)["status"] == "ok"


def test_printed_links_and_cards_carry_the_public_url(tmp_path: Path) -> None:
    hub = HubProcess(tmp_path / "data")
    public = "http://daihoi.camau.example:8123"
    hub.start("--public-url", public + "/")
    try:
        cards = (hub.data_dir / "demo-cards.html").read_text(encoding="utf-8")
        printed = hub.log_path.read_text(encoding="utf-8")
    finally:
        hub.stop()
    assert f"{public}/delegate/#token=" in cards
    assert f"{public}/board/#token=" in cards
    assert "127.0.0.1" not in cards
    assert f"{public}/console/" in printed
    assert f"Hub:        {public}/" in printed
