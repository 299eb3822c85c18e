"""Marked pages prepared ahead: which, in what order, and served from the cache once made."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from session_server.backends.base import TokenRecord
from session_server.backends.sqlite import SQLiteBackend
from session_server.core.replay import replay
from session_server.core.state import (
    Access,
    DocumentInfo,
    DocumentPointer,
    DocumentVersion,
    PageSize,
    Role,
    RoomState,
)
from session_server.demo import DEMO_ROOM
from session_server.documents.marks import HALL_MARK
from session_server.documents.preparation import PREPARED_WIDTH, Job, plan
from tests.conftest import UNIT, HubProcess


def token(token_id: str, role: Role, delegate_id: str | None = None) -> TokenRecord:
    return TokenRecord(
        token_id=token_id,
        secret_hash="h-" + token_id,
        room="r",
        role=role,
        delegate_id=delegate_id,
        label=(delegate_id or role.value).lower(),
        created_at=0,
    )


def document(doc_id: str, access: Access, pages: int) -> DocumentInfo:
    version = DocumentVersion(
        version=1,
        sha256=doc_id * 4,
        page_sizes=(PageSize(595, 842),) * pages,
        registered_at=0,
        access=access,
    )
    return DocumentInfo(doc_id, doc_id.title(), access, pages, (version,))


READERS = [
    token("t1", Role.DELEGATE, "DB002"),
    token("t2", Role.DELEGATE, "DB001"),
    token("t3", Role.BOARD),
    token("t4", Role.PRESIDIUM),
]
ROOM = RoomState(
    room="r",
    documents=(
        document("public", Access.PUBLIC, 2),
        document("draft", Access.DELEGATES, 3),
        document("plan", Access.PRESIDIUM, 2),
        document("resolution", Access.DELEGATES, 1),
    ),
)


def test_every_delegate_gets_every_confidential_page_they_may_read_page_by_page() -> None:
    jobs = plan(ROOM, READERS)
    marks = ["db001 · DB001", "db002 · DB002"]
    assert jobs == [
        *(Job("draft" * 4, page, mark) for page in (1, 2, 3) for mark in marks),
        *(Job("resolution" * 4, 1, mark) for mark in marks),
    ], "no public page, no presidium-level page, no board or console copy"


def test_the_document_on_screen_comes_first_from_the_page_shown() -> None:
    showing = RoomState(
        room="r", documents=ROOM.documents, showing=DocumentPointer("resolution", 1)
    )
    assert [j.sha256 for j in plan(showing, READERS)][:2] == ["resolution" * 4] * 2
    on_page_two = RoomState(room="r", documents=ROOM.documents, showing=DocumentPointer("draft", 2))
    pages = [j.page for j in plan(on_page_two, READERS) if j.sha256 == "draft" * 4]
    assert pages == [2, 2, 3, 3, 1, 1], "forward from the page shown, the pages before last"


def test_revoked_tokens_get_nothing_prepared() -> None:
    revoked = dataclasses.replace(token("t5", Role.DELEGATE, "DB003"), revoked_at=5)
    revoked_while_running = token("t6", Role.DELEGATE, "DB004")
    state = RoomState(room="r", documents=ROOM.documents, revoked_tokens=frozenset({"t6"}))
    marks = {j.watermark for j in plan(state, [*READERS, revoked, revoked_while_running])}
    assert marks == {"db001 · DB001", "db002 · DB002"}


def get(url: str, secret: str | None) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read()


@pytest.fixture
def preparing_hub(demo_data: Path) -> HubProcess:
    hub = HubProcess(demo_data, prerender=True)
    hub.start()
    return hub


async def test_a_hub_prepares_the_delegates_copies_and_serves_them_from_its_cache(
    preparing_hub: HubProcess, demo_data: Path
) -> None:
    hub = preparing_hub
    try:
        tokens = hub.tokens()
        progress = f"{hub.http}/api/rooms/{DEMO_ROOM}/preparation"
        assert get(progress, None)[0] == 401
        assert get(progress, tokens.boards[0])[0] == 403
        assert get(progress, tokens.delegates[0][0])[0] == 403
        # The plan the hub follows, from its own log and tokens.
        log = await SQLiteBackend.open(demo_data / "congress.db")
        try:
            records = await log.read(DEMO_ROOM, 0, limit=100_000)
            state = replay(DEMO_ROOM, [(r.seq, r.events) for r in records])
            first = plan(state, await log.list_tokens(DEMO_ROOM))[0]
        finally:
            await log.close()
        async with asyncio.timeout(60 * UNIT):
            while True:
                status, body = get(progress, tokens.presidium)
                assert status == 200
                done = json.loads(body)
                if done["following"] and done["prepared"] >= 1:
                    break
                await asyncio.sleep(0.2)
        assert done["total"] > done["prepared"] or done["total"] == done["prepared"] > 0
        doc = next(d for d in state.documents if d.current and d.current.sha256 == first.sha256)
        delegate_id = first.watermark.rsplit(" · ", 1)[1]
        secret = next(s for s, d in tokens.delegates if d == delegate_id)
        before = json.loads(get(f"{hub.http}/healthz", None)[1])["documents"]
        url = (
            f"{hub.http}/api/rooms/{DEMO_ROOM}/documents/{doc.id}/versions/1/pages/"
            f"{first.page}.webp?width={PREPARED_WIDTH}"
        )
        status, image = get(url, secret)
        assert status == 200
        assert image[:4] == b"RIFF"
        after = json.loads(get(f"{hub.http}/healthz", None)[1])["documents"]
        assert after["served_from_cache"] == before["served_from_cache"] + 1, (
            "the delegate's marked copy was there before the tablet asked"
        )
    finally:
        hub.stop()


def test_the_hall_screens_share_one_copy_of_each_delegates_page() -> None:
    halls = [token("h1", Role.HALL), token("h2", Role.HALL)]
    jobs = plan(ROOM, [*READERS, *halls])
    hall_jobs = [j for j in jobs if j.watermark == HALL_MARK]
    assert [(j.sha256, j.page) for j in hall_jobs] == [
        ("draft" * 4, 1),
        ("draft" * 4, 2),
        ("draft" * 4, 3),
        ("resolution" * 4, 1),
    ], "one copy a page for every hall screen, never of the presidium's plan"
