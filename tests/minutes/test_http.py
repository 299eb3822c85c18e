"""The minutes and tables over HTTP: made by a running hub for presidium and secretariat only."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from session_server.backends.base import LogRecord
from session_server.demo import DEMO_ROOM
from session_server.minutes.exports import rows
from session_server.minutes.model import build_minutes
from tests.conftest import UNIT, DemoTokens, HubProcess, copy_demo
from tests.minutes.conftest import Scripted
from tests.minutes.session import TZ
from tests.minutes.texts import board_may_not_see, leaks, pdf_text

ROOM = DEMO_ROOM

# One hub for the module: its tests run on one worker (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("tests/minutes/test_http.py")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


@pytest.fixture(scope="module")
def target(
    scripted_template: Scripted, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HubProcess]:
    hub = HubProcess(
        copy_demo(scripted_template.data_dir, tmp_path_factory.mktemp("http") / "data")
    )
    hub.start()
    try:
        yield hub
    finally:
        hub.stop()


@pytest.fixture(scope="module")
def demo(target: HubProcess) -> DemoTokens:
    return target.tokens()


def get(hub: HubProcess, path: str, token: str | None) -> Answer:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    call = urllib.request.Request(hub.http + path, headers=headers)
    try:
        with urllib.request.urlopen(call, timeout=60 * UNIT) as answer:
            return Answer(answer.status, dict(answer.headers.items()), answer.read())
    except urllib.error.HTTPError as refused:
        with refused:
            return Answer(refused.code, dict(refused.headers.items()), refused.read())


async def fetch(hub: HubProcess, path: str, token: str | None) -> Answer:
    return await asyncio.to_thread(get, hub, path, token)


async def test_presidium_and_secretariat_download_either_copy(
    target: HubProcess, demo: DemoTokens, tmp_path: Path
) -> None:
    full, public = await asyncio.gather(
        fetch(target, f"/api/rooms/{ROOM}/minutes.pdf", demo.presidium),
        fetch(target, f"/api/rooms/{ROOM}/minutes.pdf?copy=public&lang=en", demo.secretariat),
    )
    for answer in (full, public):
        assert answer.status == 200, answer.body[:200]
        assert answer.headers["content-type"] == "application/pdf"
        assert answer.headers["cache-control"] == "no-store"
        assert answer.body.startswith(b"%PDF-")
    assert 'filename="camau-2025-bien-ban-public-en.pdf"' in public.headers["content-disposition"]
    (tmp_path / "full.pdf").write_bytes(full.body)
    (tmp_path / "public.pdf").write_bytes(public.body)
    secrets = board_may_not_see()
    assert leaks(pdf_text(tmp_path / "public.pdf"), secrets) == []
    assert leaks(pdf_text(tmp_path / "full.pdf"), secrets)
    assert "BIÊN BẢN" in pdf_text(tmp_path / "full.pdf")


async def test_the_tables_match_the_minutes(
    target: HubProcess, demo: DemoTokens, scripted_records: list[LogRecord]
) -> None:
    minutes = build_minutes(ROOM, scripted_records, "full")
    answer = await fetch(target, f"/api/rooms/{ROOM}/exports/speeches.json", demo.secretariat)
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/json"
    assert json.loads(answer.body)["rows"] == rows(minutes, "speeches", TZ)
    answer = await fetch(target, f"/api/rooms/{ROOM}/exports/attendance.csv", demo.presidium)
    assert answer.status == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.body.startswith(b"\xef\xbb\xbfsitting,")
    assert answer.body.count(b"\r\n") == 1 + len(rows(minutes, "attendance", TZ))


PATHS = (
    f"/api/rooms/{ROOM}/minutes.pdf",
    f"/api/rooms/{ROOM}/minutes.pdf?copy=public",
    f"/api/rooms/{ROOM}/exports/attendance.csv",
    f"/api/rooms/{ROOM}/exports/speeches.json",
)


async def test_delegates_boards_and_the_hall_are_refused(
    target: HubProcess, demo: DemoTokens
) -> None:
    for token in (demo.delegates[0][0], demo.boards[0], demo.hall):
        for path in PATHS:
            answer = await fetch(target, path, token)
            assert answer.status == 403, (path, answer.status)
            assert json.loads(answer.body)["error"] == "forbidden"
            assert not answer.body.startswith(b"%PDF")
    for path in PATHS:
        assert (await fetch(target, path, None)).status == 401
        assert (await fetch(target, path, "not-a-token")).status == 401
        # A staff token of this room is no token for another.
        elsewhere = path.replace(ROOM, "another-room")
        assert (await fetch(target, elsewhere, demo.presidium)).status == 401


async def test_bad_requests_are_refused_with_a_reason(target: HubProcess, demo: DemoTokens) -> None:
    for query in ("copy=secret", "lang=fr", "tz=Mars/Base"):
        answer = await fetch(target, f"/api/rooms/{ROOM}/minutes.pdf?{query}", demo.presidium)
        assert answer.status == 400, query
        assert json.loads(answer.body)["error"] == "bad_request"
    for name in ("ballots.csv", "speeches.xlsx", "speeches"):
        answer = await fetch(target, f"/api/rooms/{ROOM}/exports/{name}", demo.presidium)
        assert answer.status == 404, name
