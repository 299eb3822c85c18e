"""`congress export` on both backends, restored onto the other; rehearsal-to-live; damage."""

from __future__ import annotations

import asyncio
import contextlib
import json
import stat
import tarfile
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from presidium_console.client import CongressClient, ConnectionRefused
from session_server.backends.base import Backend, DuplicateOrigin, LogRecord, SeqConflict
from session_server.backends.redis import RedisBackend
from session_server.backends.sqlite import SQLiteBackend
from session_server.core import events as e
from session_server.core import replay
from session_server.core.state import Access, ItemStatus, PageSize, RoomState, SessionStatus
from session_server.demo import DEMO_ROOM
from session_server.rehearsal import build_live_room
from session_server.transfer import read_room, rebuild, state_sha256
from tests.conftest import UNIT, Clients, DemoTokens, HubProcess, cli
from tests.documents.pdfs import a4_pdf
from tests.redis_server import RedisServer

pytestmark = pytest.mark.slow

SESSION_EVENTS = {
    "session_status_changed",
    "item_opened",
    "item_closed",
    "page_shown",
    "document_hidden",
    "floor_requested",
    "request_accepted",
    "request_moved",
    "request_removed",
    "floor_granted",
    "speaking_time_extended",
    "speech_ended",
    "list_closed_changed",
    "announcement_posted",
    "announcement_withdrawn",
    "delegate_checked_in",
}


@contextlib.asynccontextmanager
async def sqlite_log(data_dir: Path) -> AsyncIterator[Backend]:
    backend = await SQLiteBackend.open(data_dir / "congress.db")
    try:
        yield backend
    finally:
        await backend.close()


@contextlib.asynccontextmanager
async def redis_log(server: RedisServer) -> AsyncIterator[Backend]:
    backend = await RedisBackend.open(server.url)
    try:
        yield backend
    finally:
        await backend.close()


async def state_at(backend: Backend, seq: int) -> RoomState:
    return rebuild(DEMO_ROOM, await read_room(backend, DEMO_ROOM, seq))


def manifest_of(archive: Path) -> dict[str, Any]:
    with tarfile.open(archive) as tar:
        handle = tar.extractfile("manifest.json")
        assert handle is not None
        manifest: dict[str, Any] = json.load(handle)
    return manifest


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def agenda_titles(state: RoomState) -> set[str]:
    return {item.title for item in state.agenda}


class Stream:
    """Agenda items added one after another by the presidium; each title kept once acked."""

    def __init__(self, presidium: CongressClient) -> None:
        self.acknowledged: list[str] = []
        self.task = asyncio.create_task(self._run(presidium))

    async def _run(self, presidium: CongressClient) -> None:
        for n in range(10_000):
            await presidium.command("add_agenda_item", title=f"Mục bổ sung {n}")
            self.acknowledged.append(f"Mục bổ sung {n}")

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


async def export_during_stream(
    node: HubProcess, presidium: CongressClient, archive: Path, *options: str
) -> list[str]:
    """Export while commands stream in; the titles acknowledged before the export began."""
    stream = Stream(presidium)
    await asyncio.sleep(0.5)
    before = list(stream.acknowledged)
    code, out, err = await cli(node, *options, "export", str(archive))
    await asyncio.sleep(0.3)
    await stream.stop()
    assert code == 0, err
    assert "exported" in out
    assert len(before) > 5
    assert len(stream.acknowledged) > len(before), "commands kept coming during the export"
    assert mode_of(archive) == 0o600
    return before


def get(node: HubProcess, path: str, token: str) -> tuple[int, bytes]:
    call = urllib.request.Request(node.http + path, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(call, timeout=60 * UNIT) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as refused:
        with refused:
            return refused.code, refused.read()


def page(document: str) -> str:
    return f"/api/rooms/{DEMO_ROOM}/documents/{document}/versions/1/pages/1.webp?width=320"


async def test_an_export_from_sqlite_during_a_stream_restores_onto_redis_and_serves(
    hub: HubProcess,
    tokens: DemoTokens,
    clients: Clients,
    tmp_path: Path,
    redis_server: RedisServer,
) -> None:
    presidium = await clients.connect(tokens.presidium)
    board = await clients.connect(tokens.boards[0])
    archive = tmp_path / "daihoi.congress"
    before = await export_during_stream(hub, presidium, archive)

    manifest = manifest_of(archive)
    assert manifest["source_backend"] == "sqlite"
    assert manifest["kind"] == "full"
    (room,) = manifest["rooms"]
    assert room["name"] == DEMO_ROOM
    exported_seq = room["last_seq"]
    assert len(manifest["parts"]) == 2 + 4  # the log, the tokens, the demo's four PDFs
    async with sqlite_log(hub.data_dir) as source:
        source_state = await state_at(source, exported_seq)
        assert await source.head(DEMO_ROOM) > exported_seq
        source_tokens = sorted(t.secret_hash for t in await source.all_tokens())
    assert state_sha256(source_state) == room["state_sha256"]
    assert set(before) <= agenda_titles(source_state)
    await board.wait_for(lambda view: view.seq >= presidium.view.seq, timeout=5 * UNIT)
    seen_by_board = board.view.seq

    restored = HubProcess(tmp_path / "restored")
    code, out, err = await cli(restored, "--backend", redis_server.url, "restore", str(archive))
    assert code == 0, err
    assert f"{DEMO_ROOM} at seq {exported_seq}" in out
    async with redis_log(redis_server) as target:
        assert await target.head(DEMO_ROOM) == exported_seq
        assert state_sha256(await state_at(target, exported_seq)) == room["state_sha256"]
        # The demo's: presidium, secretariat, boards, a hall, 40 delegates; hashes only.
        restored_tokens = sorted(t.secret_hash for t in await target.all_tokens())
        assert restored_tokens == source_tokens
        assert len(restored_tokens) > 40
    # Never over a congress without --force; with it, the same congress again.
    code, _, err = await cli(restored, "--backend", redis_server.url, "restore", str(archive))
    assert code == 1
    assert "--force" in err
    code, _, err = await cli(
        restored, "--backend", redis_server.url, "restore", "--force", str(archive)
    )
    assert code == 0, err

    restored.start("--backend", redis_server.url, "--no-demo")
    try:
        again = restored.client(tokens.presidium)
        await again.connect(timeout=10 * UNIT)
        try:
            await again.wait_for(lambda view: view.seq == exported_seq, timeout=5 * UNIT)
            titles = {item["title"] for item in again.view["agenda"]["items"]}
            assert set(before) <= titles
        finally:
            await again.close()
        # The board had seen more than the export holds: it resumes with a snapshot.
        assert seen_by_board > exported_seq
        board.url = restored.url
        await board.close()
        await board.connect(timeout=10 * UNIT)
        await board.wait_for(lambda view: view.seq == exported_seq, timeout=5 * UNIT)
        # The confidential draft reaches a delegate from the restored documents' files; the
        # presidium's personnel plan reaches the presidium, and for the delegate it still
        # does not exist.
        delegate = tokens.delegates[0][0]
        status, body = await asyncio.to_thread(get, restored, page("bao-cao-chinh-tri"), delegate)
        assert status == 200
        assert body[:4] == b"RIFF"
        assert body[8:12] == b"WEBP"
        plan = page("de-an-nhan-su")
        assert (await asyncio.to_thread(get, restored, plan, tokens.presidium))[0] == 200
        assert (await asyncio.to_thread(get, restored, plan, delegate))[0] == 404
    finally:
        restored.stop()


async def test_an_export_from_redis_during_a_stream_restores_onto_sqlite_and_serves(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    node = HubProcess(tmp_path / "node")
    node.start("--backend", redis_server.url)
    try:
        demo = node.tokens()
        presidium = node.client(demo.presidium)
        await presidium.connect(timeout=10 * UNIT)
        try:
            await presidium.wait_for(lambda view: view.seq > 0, timeout=10 * UNIT)
            archive = tmp_path / "daihoi.congress"
            before = await export_during_stream(
                node, presidium, archive, "--backend", redis_server.url
            )
        finally:
            await presidium.close()
    finally:
        node.stop()

    manifest = manifest_of(archive)
    assert manifest["source_backend"] == "redis"
    (room,) = manifest["rooms"]
    exported_seq = room["last_seq"]
    async with redis_log(redis_server) as source:
        assert state_sha256(await state_at(source, exported_seq)) == room["state_sha256"]
        assert await source.head(DEMO_ROOM) > exported_seq

    restored = HubProcess(tmp_path / "restored")
    code, _, err = await cli(restored, "restore", str(archive))
    assert code == 0, err
    assert mode_of(restored.data_dir / "congress.db") == 0o600
    async with sqlite_log(restored.data_dir) as target:
        assert await target.head(DEMO_ROOM) == exported_seq
        restored_state = await state_at(target, exported_seq)
        assert state_sha256(restored_state) == room["state_sha256"]
        assert set(before) <= agenda_titles(restored_state)

    restored.start("--no-demo")
    try:
        delegate = demo.delegates[0][0]
        screen = restored.client(delegate)
        await screen.connect(timeout=10 * UNIT)
        try:
            await screen.wait_for(lambda view: view.seq == exported_seq, timeout=5 * UNIT)
        finally:
            await screen.close()
        status, _ = await asyncio.to_thread(get, restored, page("bao-cao-chinh-tri"), delegate)
        assert status == 200
    finally:
        restored.stop()


async def test_an_sqlite_backup_restores_onto_redis(
    hub: HubProcess, tmp_path: Path, redis_server: RedisServer
) -> None:
    backup = tmp_path / "daihoi.backup"
    code, _, err = await cli(hub, "backup", str(backup))
    assert code == 0, err
    restored = HubProcess(tmp_path / "restored")
    code, _, err = await cli(restored, "--backend", redis_server.url, "restore", str(backup))
    assert code == 0, err
    async with sqlite_log(hub.data_dir) as source, redis_log(redis_server) as target:
        head = await target.head(DEMO_ROOM)
        assert head == await source.head(DEMO_ROOM)
        assert state_sha256(await state_at(target, head)) == state_sha256(
            await state_at(source, head)
        )
        assert await target.all_tokens() == await source.all_tokens()


async def test_a_damaged_archive_is_refused_and_nothing_is_restored(
    hub: HubProcess, tmp_path: Path
) -> None:
    archive = tmp_path / "daihoi.congress"
    code, _, err = await cli(hub, "export", str(archive))
    assert code == 0, err
    data = archive.read_bytes()
    restored = HubProcess(tmp_path / "restored")

    tampered = tmp_path / "tampered.congress"
    at = data.index(b"%PDF-") + 200
    tampered.write_bytes(data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :])
    code, _, err = await cli(restored, "restore", str(tampered))
    assert code == 2
    assert "damaged archive" in err
    assert "SHA-256" in err
    assert "nothing was restored" in err

    cut = tmp_path / "cut.congress"
    cut.write_bytes(data[: len(data) // 2])
    code, _, err = await cli(restored, "restore", str(cut))
    assert code == 2
    assert "damaged archive" in err
    assert not (restored.data_dir / "congress.db").exists()


async def test_rehearsal_to_live_keeps_the_preparation_and_drops_the_session(
    hub: HubProcess, tokens: DemoTokens, clients: Clients, tmp_path: Path
) -> None:
    # The rehearsal: a second version of a document, a session with its item opened, a
    # page shown, check-ins, a speech, an announcement, a token revoked.
    new_version = tmp_path / "chuong-trinh-v2.pdf"
    new_version.write_bytes(a4_pdf(pages=2))
    code, _, err = await cli(
        hub,
        "documents",
        "add",
        str(new_version),
        "--id",
        "chuong-trinh",
        "--title",
        "Chương trình Đại hội (sửa)",
        "--access",
        "public",
    )
    assert code == 0, err
    presidium = await clients.connect(tokens.presidium)
    secretariat = await clients.connect(tokens.secretariat)
    (speaker_token, speaker), (_, other), *_, (revoked_secret, revoked_id) = tokens.delegates
    speaker_screen = await clients.connect(speaker_token)
    await presidium.command("open_session")
    await presidium.command("set_current_item", item_id="item-1")
    await presidium.command("show_page", document_id="bao-cao-chinh-tri", page=1)
    await speaker_screen.command("check_in")
    await secretariat.command("check_in", delegate_id=other)
    await speaker_screen.command("request_floor")
    await presidium.command("grant_floor", delegate_id=speaker)
    await presidium.command("end_speech")
    await secretariat.command("post_announcement", text="Nghỉ giải lao 15 phút", minutes=30)
    listing = await cli(hub, "tokens", "list")
    revoked_token = next(
        line.split("\t")[0] for line in listing[1].splitlines() if f"\t{revoked_id}\t" in line
    )
    assert (await cli(hub, "tokens", "revoke", revoked_token))[0] == 0

    archive = tmp_path / "live.congress"
    code, out, err = await cli(hub, "export", "--rehearsal-to-live", str(archive))
    assert code == 0, err
    assert "fresh live log" in out
    assert mode_of(archive) == 0o600
    manifest = manifest_of(archive)
    assert manifest["kind"] == "rehearsal-to-live"
    async with sqlite_log(hub.data_dir) as source:
        rehearsal = await state_at(source, await source.head(DEMO_ROOM))
        rehearsal_tokens = await source.all_tokens()
    assert rehearsal.status is SessionStatus.IN_SESSION
    assert rehearsal.present

    live = HubProcess(tmp_path / "live")
    code, _, err = await cli(live, "restore", str(archive))
    assert code == 0, err
    async with sqlite_log(live.data_dir) as target:
        head = await target.head(DEMO_ROOM)
        records = await read_room(target, DEMO_ROOM, head)
        fresh = rebuild(DEMO_ROOM, records)
        assert await target.all_tokens() == rehearsal_tokens
    kinds = {event.kind for record in records for event in record.events}
    assert not kinds & SESSION_EVENTS
    assert head < rehearsal.seq
    # The same congress, prepared: roll, documents with their versions, agenda as planned.
    assert fresh.title == rehearsal.title
    assert fresh.delegates == rehearsal.delegates
    assert [
        (d.id, d.title, d.access, [(v.version, v.sha256, v.access) for v in d.versions])
        for d in fresh.documents
    ] == [
        (d.id, d.title, d.access, [(v.version, v.sha256, v.access) for v in d.versions])
        for d in rehearsal.documents
    ]
    programme = fresh.document("chuong-trinh")
    assert programme is not None
    assert [v.version for v in programme.versions] == [1, 2]
    assert [(i.title, i.presenter, i.planned_minutes) for i in fresh.agenda] == [
        (i.title, i.presenter, i.planned_minutes) for i in rehearsal.agenda
    ]
    assert all(item.status is ItemStatus.PENDING for item in fresh.agenda)
    # Nothing of the session.
    assert fresh.status is SessionStatus.NOT_STARTED
    assert fresh.current_item is None
    assert fresh.showing is None
    assert not fresh.present
    assert not fresh.announcements
    assert not fresh.speakers
    assert fresh.revoked_tokens == rehearsal.revoked_tokens

    live.start("--no-demo")
    try:
        # The same cards sign in and act; the revoked one stays refused.
        screen = live.client(speaker_token)
        await screen.connect(timeout=10 * UNIT)
        try:
            await screen.wait_for(lambda view: view.seq == head, timeout=5 * UNIT)
            await screen.command("check_in")
        finally:
            await screen.close()
        chair = live.client(tokens.presidium)
        await chair.connect(timeout=10 * UNIT)
        try:
            await chair.command("open_session")
        finally:
            await chair.close()
        with pytest.raises(ConnectionRefused):
            await live.client(revoked_secret).connect(timeout=10 * UNIT)
        status, _ = await asyncio.to_thread(
            get, live, page("bao-cao-chinh-tri"), tokens.delegates[1][0]
        )
        assert status == 200
    finally:
        live.stop()


async def test_the_live_room_is_the_rehearsals_preparation_in_every_detail(
    tmp_path: Path,
) -> None:
    """Items moved and removed, a document with versions under two accesses and a change
    made without a file: the fresh log prepares exactly the rehearsal's congress."""
    sizes = (PageSize(595, 842),)
    rehearsal = replay.replay(
        DEMO_ROOM,
        enumerate(
            [
                [e.RoomCreated(title="Hội nghị tổng duyệt")],
                [e.AgendaItemAdded("item-1", "Khai mạc", "Đoàn Chủ tịch", 20, 0)],
                [e.AgendaItemAdded("item-2", "Bỏ", "", 5, 1)],
                [e.AgendaItemAdded("item-3", "Thảo luận", "Đoàn Thư ký", 60, 2)],
                [e.AgendaItemRemoved("item-2")],
                [e.AgendaItemMoved("item-3", 0)],
                [e.DocumentRegistered("nq", "Nghị quyết", Access.PRESIDIUM, 1, 1, "a" * 64, sizes)],
                [e.DocumentRegistered("nq", "Nghị quyết", Access.DELEGATES, 1, 2, "a" * 64, sizes)],
                [e.DocumentRegistered("nq", "Nghị quyết", Access.PUBLIC, 1, 3, "b" * 64, sizes)],
                [e.DocumentRegistered("nq", "Nghị quyết (bản cuối)", Access.DELEGATES, 1)],
                [e.DocumentRegistered("so-do", "Sơ đồ hội trường", Access.PUBLIC, 2)],
                [e.DelegateRegistered("DB001", "Lê Văn An", "Đoàn A", "A01")],
                [e.SessionStatusChanged(SessionStatus.IN_SESSION, 1)],
                [e.ItemOpened("item-3")],
                [e.DelegateCheckedIn("DB001", 2)],
                [e.TokenRevoked("tk-00000001")],
            ],
            start=1,
        ),
    )
    backend = await SQLiteBackend.open(tmp_path / "live.db")
    try:
        await build_live_room(rehearsal, backend, clock=lambda: 1_000)
        live = await state_at(backend, await backend.head(DEMO_ROOM))
    finally:
        await backend.close()
    assert [(i.title, i.planned_minutes) for i in live.agenda] == [
        ("Thảo luận", 60),
        ("Khai mạc", 20),
    ]
    nq = live.document("nq")
    assert nq is not None
    assert (nq.title, nq.access) == ("Nghị quyết (bản cuối)", Access.DELEGATES)
    assert [(v.version, v.sha256[0], v.access) for v in nq.versions] == [
        (1, "a", Access.PRESIDIUM),
        (2, "a", Access.DELEGATES),
        (3, "b", Access.PUBLIC),
    ]
    assert live.delegates == rehearsal.delegates
    assert live.revoked_tokens == {"tk-00000001"}
    assert live.status is SessionStatus.NOT_STARTED
    assert not live.present


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
async def test_a_whole_log_is_appended_only_after_its_head_and_each_origin_once(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    def record(seq: int, origin: str | None = None) -> LogRecord:
        return LogRecord(seq, seq, (e.RoomCreated(title="x"),), "system", origin)

    async with contextlib.AsyncExitStack() as stack:
        if kind == "sqlite":
            backend = await stack.enter_async_context(sqlite_log(tmp_path))
        else:
            server = request.getfixturevalue("redis_server")
            backend = await stack.enter_async_context(redis_log(server))
        assert await backend.is_empty()
        await backend.append_many("r", [record(1, "a"), record(2, "b")])
        with pytest.raises(SeqConflict):
            await backend.append_many("r", [record(4)])
        with pytest.raises(DuplicateOrigin):
            await backend.append_many("r", [record(3, "a")])
        assert [r.seq for r in await backend.read("r", 0)] == [1, 2]
        assert not await backend.is_empty()
