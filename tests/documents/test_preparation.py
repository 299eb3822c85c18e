"""Marked pages prepared ahead: which, in what order, and served from the cache once made."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import urllib.error
import urllib.parse
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
from session_server.documents.preparation import (
    HALL_WIDTHS,
    PREPARED_WIDTH,
    Job,
    ShownDuringItem,
    plan,
)
from tests.conftest import UNIT, HubProcess
from tests.documents.pdfs import a4_pdf


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
            # The first delegate's copy (the hall's come first within a page).
            jobs = plan(state, await log.list_tokens(DEMO_ROOM))
            first = next(j for j in jobs if j.watermark != HALL_MARK)
        finally:
            await log.close()
        async with asyncio.timeout(60 * UNIT):
            while True:
                status, body = get(progress, tokens.presidium)
                assert status == 200
                done = json.loads(body)
                # Made one at a time, in the plan's order: the hall's two, then this one.
                if done["following"] and done["prepared"] > jobs.index(first):
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


def test_the_hall_screens_share_one_copy_of_each_page_at_each_width_they_ask_for() -> None:
    halls = [token("h1", Role.HALL), token("h2", Role.HALL)]
    jobs = plan(ROOM, [*READERS, *halls])
    hall_jobs = [j for j in jobs if j.watermark == HALL_MARK]
    assert [(j.sha256, j.page, j.width) for j in hall_jobs] == [
        (sha256, page, width)
        for sha256, page in (
            ("draft" * 4, 1),
            ("draft" * 4, 2),
            ("draft" * 4, 3),
            ("resolution" * 4, 1),
        )
        for width in (1280, 2048)
    ], "one copy a page for every hall screen, never of the presidium's plan"
    assert HALL_WIDTHS == (1280, 2048)
    first_page = [(j.watermark, j.width) for j in jobs if (j.sha256, j.page) == ("draft" * 4, 1)]
    assert first_page == [
        (HALL_MARK, 1280),
        (HALL_MARK, 2048),
        ("db001 · DB001", PREPARED_WIDTH),
        ("db002 · DB002", PREPARED_WIDTH),
    ], "the hall's copies of a page first: the one screen the whole hall reads"


def test_documents_shown_earlier_in_the_item_come_after_the_live_one_and_before_the_rest() -> None:
    documents = (
        *ROOM.documents,
        document("annex", Access.DELEGATES, 1),
        document("report", Access.DELEGATES, 1),
    )
    state = RoomState(
        room="r",
        documents=documents,
        current_item="item-2",
        showing=DocumentPointer("report", 1),
    )
    order = list(dict.fromkeys(j.sha256 for j in plan(state, READERS, ["report", "annex"])))
    assert order == ["report" * 4, "annex" * 4, "draft" * 4, "resolution" * 4]


def test_the_preparer_notes_what_was_shown_since_the_item_became_current() -> None:
    shown = ShownDuringItem()
    steps = [
        ("item-1", "draft"),
        ("item-1", "resolution"),
        ("item-1", "draft"),
        ("item-1", None),
    ]
    for item, doc_id in steps:
        pointer = DocumentPointer(doc_id, 1) if doc_id else None
        shown.note(RoomState(room="r", current_item=item, showing=pointer))
    assert shown.documents == ["draft", "resolution"], "the latest first, each once"
    shown.note(RoomState(room="r", current_item="item-2", showing=None))
    assert shown.documents == [], "a new item starts afresh"
    shown.note(RoomState(room="r", current_item="item-2", showing=DocumentPointer("plan", 2)))
    assert shown.documents == ["plan"]


def test_a_new_version_replaces_the_old_ones_copies_and_a_new_token_adds_its_own() -> None:
    draft = ROOM.documents[1]
    assert draft.current is not None
    newer = dataclasses.replace(draft.current, version=2, sha256="new" * 20, page_sizes=())
    newer = dataclasses.replace(newer, page_sizes=(PageSize(595, 842),) * 2)
    revised = dataclasses.replace(draft, pages=2, versions=(draft.current, newer))
    state = RoomState(room="r", documents=(ROOM.documents[0], revised, *ROOM.documents[2:]))
    sha256s = {j.sha256 for j in plan(state, READERS)}
    assert sha256s == {"new" * 20, "resolution" * 4}, "only the current version is prepared"
    more = plan(state, [*READERS, token("t9", Role.DELEGATE, "DB009")])
    added = [j for j in more if j not in plan(state, READERS)]
    assert [(j.sha256, j.page) for j in added] == [
        ("new" * 20, 1),
        ("new" * 20, 2),
        ("resolution" * 4, 1),
    ]
    assert {j.watermark for j in added} == {"db009 · DB009"}


# --- a real hub: progress, re-planning, and a restart ---------------------------------


def figures(hub: HubProcess) -> dict[str, float]:
    """The preparation's and the page images' figures from `/metrics` (this machine asks)."""
    status, body = get(f"{hub.http}/metrics", None)
    assert status == 200
    wanted = {
        f'congress_marked_pages{{room="{DEMO_ROOM}",state="prepared"}}': "prepared",
        f'congress_marked_pages{{room="{DEMO_ROOM}",state="total"}}': "total",
        'congress_page_images_total{source="render"}': "rendered",
        'congress_page_images_total{source="cache"}': "cached",
        'congress_marking_jobs{state="running"}': "running",
        'congress_marking_jobs{state="ahead"}': "ahead",
    }
    found: dict[str, float] = {}
    for line in body.decode().splitlines():
        name, _, value = line.rpartition(" ")
        if name in wanted:
            found[wanted[name]] = float(value)
    return found


def healthz(hub: HubProcess) -> dict[str, object]:
    documents: dict[str, object] = json.loads(get(f"{hub.http}/healthz", None)[1])["documents"]
    return documents


async def all_prepared(hub: HubProcess, presidium: str, total: int) -> None:
    """Wait until the hub plans `total` copies and has every one of them."""
    progress = f"{hub.http}/api/rooms/{DEMO_ROOM}/preparation"
    async with asyncio.timeout(180 * UNIT):
        while True:
            done = json.loads(get(progress, presidium)[1])
            if done["following"] and done["total"] == total and done["prepared"] == total:
                return
            await asyncio.sleep(0.2)


async def keep_only_first_delegate(data_dir: Path) -> None:
    """Revoke every demo delegate's token but the first's: a small congress, prepared in
    seconds (one delegate and the hall's screens)."""
    log = await SQLiteBackend.open(data_dir / "congress.db")
    try:
        delegates = [t for t in await log.list_tokens(DEMO_ROOM) if t.role is Role.DELEGATE]
        for record in sorted(delegates, key=lambda t: t.delegate_id or "")[1:]:
            assert await log.revoke_token(DEMO_ROOM, record.token_id, at=1)
    finally:
        await log.close()


def upload(hub: HubProcess, presidium: str, doc_id: str, title: str, data: bytes) -> int:
    query = f"id={doc_id}&title={urllib.parse.quote(title)}&access=delegates"
    call = urllib.request.Request(
        f"{hub.http}/api/rooms/{DEMO_ROOM}/documents?{query}",
        data=data,
        method="POST",
        headers={
            "Authorization": f"Bearer {presidium}",
            "Content-Type": "application/pdf",
            "X-Congress-Request": "1",
        },
    )
    try:
        with urllib.request.urlopen(call) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return refused.code


async def test_progress_moves_with_new_tokens_and_versions_and_survives_a_restart(
    demo_data: Path,
) -> None:
    await keep_only_first_delegate(demo_data)
    hub = HubProcess(demo_data, prerender=True)
    hub.start()
    try:
        tokens = hub.tokens()
        first_id = sorted(d for _, d in tokens.delegates)[0]
        first = next(s for s, d in tokens.delegates if d == first_id)
        # One delegate's copy at the tablet's width and the hall's at its two, of every page
        # of the two delegates-level drafts (6 and 4 pages).
        await all_prepared(hub, tokens.presidium, 3 * (6 + 4))
        shown = figures(hub)
        assert (shown["prepared"], shown["total"]) == (30, 30)
        assert healthz(hub)["marked_pages_prepared"] == {DEMO_ROOM: {"prepared": 30, "total": 30}}

        # A second delegate's token (issued outside the log) and a two-page version of the
        # four-page draft resolution: the upload's record makes the hub plan again.
        second_id = sorted(d for _, d in tokens.delegates)[1]
        second = await hub.issue(Role.DELEGATE, second_id)
        new_draft = a4_pdf(2, "Du thao sua doi")
        assert upload(hub, tokens.presidium, "du-thao-nghi-quyet", "Dự thảo (2)", new_draft) == 201
        # 4 copies a page now, of 6 + 2 pages: without the new token 24, without the new
        # version 40.
        await all_prepared(hub, tokens.presidium, 4 * (6 + 2))
        moved = figures(hub)
        assert (moved["prepared"], moved["total"]) == (32, 32), "the metric moved with them"
        assert healthz(hub)["marked_pages_prepared"] == {DEMO_ROOM: {"prepared": 32, "total": 32}}
        page = f"{hub.http}/api/rooms/{DEMO_ROOM}/documents/du-thao-nghi-quyet/versions/2"
        status, image = get(f"{page}/pages/2.webp?width={PREPARED_WIDTH}", second)
        assert status == 200
        assert image[:4] == b"RIFF"
        served = figures(hub)
        assert served["rendered"] == 0, "the new delegate's copy of the new version was ready"
        assert served["cached"] == moved["cached"] + 1
    finally:
        hub.stop()

    # The same data directory, a new process: the copies are found, none is made again.
    hub.start()
    try:
        await all_prepared(hub, tokens.presidium, 32)
        assert healthz(hub)["renders"] == 0, "nothing rendered or marked since the start"
        restarted = figures(hub)
        assert (restarted["prepared"], restarted["total"]) == (32, 32)
        assert (restarted["running"], restarted["ahead"]) == (0, 0)
        asked = [
            (secret, doc, version, number, PREPARED_WIDTH)
            for secret in (first, second)
            for doc, version, pages in (("bao-cao-chinh-tri", 1, 6), ("du-thao-nghi-quyet", 2, 2))
            for number in range(1, pages + 1)
        ]
        asked += [
            (tokens.hall, "bao-cao-chinh-tri", 1, number, width)
            for number in (1, 6)
            for width in HALL_WIDTHS
        ]
        for secret, doc, version, number, width in asked:
            address = f"/api/rooms/{DEMO_ROOM}/documents/{doc}/versions/{version}"
            status, _ = get(f"{hub.http}{address}/pages/{number}.webp?width={width}", secret)
            assert status == 200, (doc, number, width)
        after = figures(hub)
        assert after["rendered"] == 0, "every copy came from the cache kept across the restart"
        assert after["cached"] == len(asked)
        assert healthz(hub)["renders"] == 0
    finally:
        hub.stop()
