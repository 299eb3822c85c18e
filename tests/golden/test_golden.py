"""Logs written by earlier releases replay, through each backend, to the state they recorded."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import ClassVar

import msgpack
import pytest
import redis.asyncio as redis

from session_server.backends.base import Backend, decode_record, decode_snapshot
from session_server.backends.redis import RedisBackend
from session_server.backends.sqlite import SQLiteBackend
from session_server.core import evolve as evolve_module
from session_server.core import replay as replay_module
from session_server.core.events import EVENT_TYPES, AgendaItemAdded, Event
from session_server.core.evolve import evolve
from session_server.core.plain import ADDED_LATER, PlainError
from session_server.core.replay import replay, state_bytes, state_from_bytes
from session_server.core.state import RoomState, SessionStatus
from session_server.core.upcasting import UPCASTERS, Fields, UpcastError
from session_server.hub.room import Room
from tests.redis_server import RedisServer

HERE = Path(__file__).parent

GOLDEN_STATES = {
    # Written by make_golden.py on 1 December 2026, before events carried a version.
    # State format 3 (document versions keep their access; revoked tokens): checked by
    # hand, the three documents' versions keep the access they were registered with and
    # no token is revoked. Fields added later (format 4) stay out of the bytes at their
    # default, so the hash is format 3's.
    "congress-2026-12-01.msgpack": (
        "f87981f0fc080f343a5a02c7e937356c6540ae50a882dd7b0dee9b971fa06ddb"
    ),
    # Written by make_golden.py the same day, after the token_revoked event was added.
    "congress-2026-12-01-revoked.msgpack": (
        "ddc314e3eaf7c739fe290d704d6a40ea5058f5bd8a45851a3487fc0ece3516d6"
    ),
    # Written by make_golden.py the same day, with the hash chain: the signing key registered
    # and the adjournment's signed checkpoint. Checked by hand: the checkpoint is the
    # golden key's over seq 71, and the state is the second log's plus that checkpoint.
    "congress-2026-12-01-signed.msgpack": (
        "32f3b00bbb2e38cfab851798244ae4ab76dafd1f7949691953fb1046534dd27c"
    ),
    # Written by make_golden.py the same day, with the session rules (state format 4): a
    # check-in undone, speaking-time presets, a removed request restored, a break with
    # its end, and an adjournment that ends the speech, empties the queue, hides the page.
    "congress-2026-12-01-rules.msgpack": (
        "59ec6c877be7c41d8161f91946c8745f7ec2faa6382f54e5b78ad20d462ce7d7"
    ),
    # Written by make_golden.py the same day, with the votes. Checked by hand: the question
    # passed 5-1-1 of the 8 convened; a draft withdrawn; the election of 4 from 5, each of
    # the 7 voters striking one name, opened by the two-member committee: 5, 5, 6, 6, 6
    # votes, c3, c4 and c5 elected, c1 and c2 tied for the last seat.
    "congress-2026-12-01-votes.msgpack": (
        "3ccc6b40564d18fe652036038dfbf230e480162225b46c6b80db8087c470b2e0"
    ),
    # Written by make_golden.py the same day, with written contributions. Checked by hand:
    # tl-1 (DB004's PDF) returned with its reason, sent again as version 2, accepted and
    # made the delegates' document tham-luan-1 from the second file; tl-2 (DB005's text)
    # accepted only.
    "congress-2026-12-01-contributions.msgpack": (
        "7f661ce4370e82bd994e92eeeb7d03ead42f90541c8a8af2dfda5d3ea6a90e2c"
    ),
    # Written by make_golden.py the same day, with the discussion groups. Checked by hand:
    # g1 holds DB001 (chair), DB003 and DB004, its secretary DB002 having moved to g2 (which
    # holds DB005, DB006, DB007 and DB002); DB008 is in no group; g3 removed; g1 reported in
    # session on page 2 of the political report; the last item is the group session.
    "congress-2026-12-01-groups.msgpack": (
        "64055b6ce43759d1577f15b7692a9da3ab41fc6ae088fd5f884d6269a822308b"
    ),
    # Written by make_golden.py the same day: group 1's own room. Checked by hand: its roll
    # is its three members, DB004 its secretary after the last sync, which dropped the
    # report and so hid the page; the speech of DB003 recorded; adjourned.
    "congress-2026-12-01-group-room.msgpack": (
        "9015d89c8f6df4d6f239f6b83a50a511a79892c427a3dfe691cee5ff6d1c597b"
    ),
    # Written by make_golden.py the same day, with the opinions. Checked by hand: the draft
    # resolution's version 1 keeps its four paragraph ids; four opinions stand (agree by
    # DB001, amend with its wording by DB002, add by DB003, remove by the secretariat for
    # DB004, none in a group), DB005's withdrawn; the authors shown to the delegates.
    "congress-2026-12-01-opinions.msgpack": (
        "213c9ab80ab2851efe596c32e08d3f0b6915b01efb55a49a72f0cfacd6cfdc81"
    ),
}
"""Each golden log and the SHA-256 of `state_bytes` of the state it replays to.

A hash changes only when RoomState's shape does (then the new one is recorded here, with
the state checked by hand); never because a stored event is read differently.
"""


def golden_snapshot(name: str) -> bytes:
    """The room's snapshot at the log's last seq, as a backend stored it on the log's day."""
    return (HERE / name).with_suffix(".snapshot").read_bytes()


def golden(name: str) -> tuple[str, list[tuple[int, bytes]]]:
    """The room and its records (seq, body as a backend stores it) of one golden log."""
    data = msgpack.unpackb((HERE / name).read_bytes(), raw=False)
    return data["room"], [(seq, bytes(body)) for seq, body in data["records"]]


def replayed(room: str, bodies: list[tuple[int, bytes]]) -> RoomState:
    records = [decode_record(seq, body) for seq, body in bodies]
    return replay(room, ((r.seq, r.events) for r in records))


def state_hash(state: RoomState) -> str:
    return hashlib.sha256(state_bytes(state)).hexdigest()


def test_every_golden_log_is_recorded() -> None:
    assert sorted(p.name for p in HERE.glob("*.msgpack")) == sorted(GOLDEN_STATES)


@pytest.mark.parametrize("name", sorted(GOLDEN_STATES))
def test_a_golden_log_replays_to_its_recorded_state(name: str) -> None:
    room, bodies = golden(name)
    assert [seq for seq, _ in bodies] == list(range(1, len(bodies) + 1))
    assert state_hash(replayed(room, bodies)) == GOLDEN_STATES[name]


def test_the_golden_logs_hold_every_kind_of_event() -> None:
    kinds: set[str] = set()
    for name in GOLDEN_STATES:
        for seq, body in golden(name)[1]:
            kinds.update(event.kind for event in decode_record(seq, body).events)
    missing = set(EVENT_TYPES) - kinds
    assert not missing, f"no golden log holds {sorted(missing)}: add them to make_golden.py"


def test_the_first_golden_log_replays_to_the_session_it_recorded() -> None:
    """What the session did, read through the state's own accessors, whatever its shape."""
    state = replayed(*golden("congress-2026-12-01.msgpack"))
    assert state.seq == 70
    assert state.status is SessionStatus.ADJOURNED
    assert [i.id for i in state.agenda] == ["item-1", "item-2", "item-3", "item-5", "item-4"]
    assert state.agenda[1].title == "Báo cáo chính trị của Ban Chấp hành"
    assert (state.agenda[2].presenter, state.agenda[2].planned_minutes) == ("Đoàn Thư ký", 45)
    assert state.current_item == "item-3"
    assert state.speaking() is None
    report = state.document("bao-cao-chinh-tri")
    assert report is not None
    assert report.current is not None
    assert (report.title, report.pages, report.current.version) == ("Báo cáo chính trị", 4, 2)
    assert state.showing is not None
    assert state.showing.document_id == "de-an-nhan-su"
    assert len(state.delegates) == 8
    assert state.delegates["DB008"].seat == "C01"
    assert sorted(state.present) == [f"DB00{n}" for n in range(1, 9)]
    assert [a.id for a in state.announcements] == ["a-3"]
    item_2 = state.speakers["item-2"]
    assert [(r.delegate_id, r.kind.value) for r in item_2.requests] == [
        ("DB007", "point_of_order"),
        ("DB003", "reply"),
        ("DB002", "speech"),
    ]
    assert [s.delegate_id for s in item_2.speeches] == ["DB004", "DB001", "DB008"]
    assert [s.delegate_id for s in state.speakers["item-3"].speeches] == ["DB002"]


def test_the_rules_golden_log_replays_to_the_session_it_recorded() -> None:
    state = replayed(*golden("congress-2026-12-01-rules.msgpack"))
    assert state.status is SessionStatus.ADJOURNED
    assert state.resumes_at is None
    assert state.speaking_times is not None
    assert (state.speaking_times.speech, state.speaking_times.reply) == (360, 150)
    assert state.speaking() is None
    assert state.showing is None
    assert sorted(state.present) == [f"DB00{n}" for n in range(1, 9)]
    item_2, item_3 = state.speakers["item-2"], state.speakers["item-3"]
    assert [r.request.delegate_id for r in item_2.removed] == ["DB005"]
    # The adjournment emptied the open item's queue; its request can be restored.
    assert item_3.requests == ()
    assert [r.request.delegate_id for r in item_3.removed] == ["DB003"]
    assert [s.delegate_id for s in item_3.speeches] == ["DB002"]


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


Snapshot = tuple[int, bytes]


async def sqlite_holding(
    path: Path, room: str, bodies: list[tuple[int, bytes]], snapshot: Snapshot | None
) -> Backend:
    """A SQLite backend holding `bodies` and `snapshot` byte for byte, as stored on their day."""
    backend = await SQLiteBackend.open(path)
    with sqlite3.connect(path) as db:
        for seq, body in bodies:
            envelope = msgpack.unpackb(body, raw=False)
            db.execute(
                "INSERT INTO log (room, seq, at, origin, body) VALUES (?, ?, ?, ?, ?)",
                (room, seq, envelope["at"], envelope["origin"], body),
            )
        if snapshot is not None:
            db.execute(
                "INSERT INTO snapshots (room, seq, state) VALUES (?, ?, ?)", (room, *snapshot)
            )
    return backend


async def redis_holding(
    url: str, room: str, bodies: list[tuple[int, bytes]], snapshot: Snapshot | None
) -> Backend:
    """A Redis backend holding `bodies` and `snapshot` byte for byte, as stored on their day."""
    client = redis.Redis.from_url(url)
    try:
        await client.flushall()
        for seq, body in bodies:
            await client.xadd(f"congress:{{{room}}}:log", {"body": body}, id=f"{seq}-1")
        if snapshot is not None:
            seq, state = snapshot
            await client.hset(f"congress:{{{room}}}:snapshot", mapping={"seq": seq, "state": state})
    finally:
        await client.aclose()
    return await RedisBackend.open(url)


@pytest.fixture(params=["sqlite", "redis"])
async def golden_backend(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[Backend, str, str]]:
    """A backend holding the first golden log, its room, and the hash it must replay to."""
    name = "congress-2026-12-01.msgpack"
    room, bodies = golden(name)
    snapshot = (len(bodies), golden_snapshot(name))
    if request.param == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        backend = await redis_holding(server.url, room, bodies, snapshot)
    else:
        backend = await sqlite_holding(tmp_path / "log.db", room, bodies, snapshot)
    try:
        yield backend, room, GOLDEN_STATES[name]
    finally:
        await backend.close()


async def test_each_backend_reads_a_golden_log_back_to_its_state(
    golden_backend: tuple[Backend, str, str],
) -> None:
    backend, room, expected = golden_backend
    records = await backend.read(room, 0)
    assert state_hash(replay(room, ((r.seq, r.events) for r in records))) == expected


@pytest.mark.parametrize("name", sorted(GOLDEN_STATES))
def test_a_golden_snapshot_is_ignored_or_equals_its_log(name: str) -> None:
    """A RoomState whose shape changed without raising STATE_FORMAT fails here."""
    stored = decode_snapshot(golden_snapshot(name))
    if stored is None:
        assert replay_module.STATE_FORMAT > 1
    else:
        assert state_hash(state_from_bytes(stored)) == GOLDEN_STATES[name]


async def test_each_backend_reads_a_golden_snapshot_as_it_was_stored(
    golden_backend: tuple[Backend, str, str],
) -> None:
    backend, room, _ = golden_backend
    state = decode_snapshot(golden_snapshot("congress-2026-12-01.msgpack"))
    assert await backend.load_snapshot(room) == (None if state is None else (70, state))


async def test_a_room_starts_from_a_golden_snapshot_and_log(
    golden_backend: tuple[Backend, str, str],
) -> None:
    backend, room, expected = golden_backend
    loaded = Room(room, backend, clock=lambda: 0)
    await loaded.load()
    await loaded.close()
    assert loaded.failure is None
    assert state_hash(loaded.state) == expected


async def test_a_snapshot_of_another_state_format_is_ignored_for_the_log(
    golden_backend: tuple[Backend, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A release that changes RoomState's shape raises STATE_FORMAT: old snapshots go unused."""
    backend, room, expected = golden_backend
    # A stored snapshot that would show if it were used: the room's state with a wrong title.
    name = "congress-2026-12-01.msgpack"
    wrong = replace(replayed(*golden(name)), title="?")
    await backend.save_snapshot(room, 71, state_bytes(wrong))
    monkeypatch.setattr(replay_module, "STATE_FORMAT", replay_module.STATE_FORMAT + 1)
    assert await backend.load_snapshot(room) is None
    loaded = Room(room, backend, clock=lambda: 0)
    await loaded.load()
    await loaded.close()
    assert loaded.failure is None
    assert state_hash(loaded.state) == expected


# --- A later release changing an event's fields ------------------------------------------


@dataclass(frozen=True, slots=True)
class AgendaItemAddedV2(Event):
    """agenda_item_added as a later release might have it: `presenter` is now `rapporteur`."""

    kind: ClassVar[str] = "agenda_item_added"
    class_version: ClassVar[int] = 2
    item_id: str
    title: str
    rapporteur: str
    planned_minutes: int
    position: int
    group_session: bool = field(default=False, metadata=ADDED_LATER)


def evolve_v2(state: RoomState, event: AgendaItemAddedV2) -> RoomState:
    """That release's rule: the same change to the room, read from the renamed field."""
    today = AgendaItemAdded(
        event.item_id,
        event.title,
        event.rapporteur,
        event.planned_minutes,
        event.position,
        event.group_session,
    )
    return evolve(state, today)


def upcast_agenda_item_added_v1_v2(fields: Fields) -> Fields:
    fields["rapporteur"] = fields.pop("presenter")
    return fields


@pytest.fixture
def renamed_field(monkeypatch: pytest.MonkeyPatch) -> None:
    """This code as that release would be, on a copy of the registries: no upcaster yet."""
    monkeypatch.setitem(EVENT_TYPES, "agenda_item_added", AgendaItemAddedV2)
    monkeypatch.setitem(evolve_module._RULES, AgendaItemAddedV2, evolve_v2)
    monkeypatch.setattr(UPCASTERS, "steps", dict(UPCASTERS.steps))


@pytest.mark.usefixtures("renamed_field")
@pytest.mark.parametrize("name", sorted(GOLDEN_STATES))
def test_a_changed_event_without_an_upcaster_breaks_the_golden_replay(name: str) -> None:
    missing = "no upcaster brings event 'agenda_item_added' from version 1 to 2"
    with pytest.raises(UpcastError, match=missing):
        replayed(*golden(name))


@pytest.mark.usefixtures("renamed_field")
def test_a_changed_event_whose_version_was_not_raised_breaks_the_golden_replay(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(AgendaItemAddedV2, "class_version", 1)
    with pytest.raises(PlainError, match="unknown field 'presenter'"):
        replayed(*golden("congress-2026-12-01.msgpack"))


@pytest.mark.usefixtures("renamed_field")
@pytest.mark.parametrize("name", sorted(GOLDEN_STATES))
def test_a_changed_event_with_its_upcaster_replays_the_golden_log(name: str) -> None:
    UPCASTERS.register("agenda_item_added", 1)(upcast_agenda_item_added_v1_v2)
    room, bodies = golden(name)
    added = [
        event
        for seq, body in bodies
        for event in decode_record(seq, body).events
        if event.kind == "agenda_item_added"
    ]
    assert added
    assert all(isinstance(event, AgendaItemAddedV2) for event in added)
    assert state_hash(replayed(room, bodies)) == GOLDEN_STATES[name]
