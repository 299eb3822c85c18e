"""The demo congress loaded on a fresh data directory: agenda, documents, 40 delegates, tokens."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from pathlib import Path

from .auth import IssuedToken, issue_token
from .backends.base import Backend, SeqConflict
from .cards import Card
from .core import commands as c
from .core.decide import Actor
from .core.state import Access, Role
from .documents.importing import import_document
from .documents.store import DocumentStore
from .hub.node import wall_clock_ms
from .private_files import write_private
from .writer import Refused, RoomWriter

DEMO_ROOM = "camau-2025"
DEMO_TITLE = "Đại hội đại biểu Đảng bộ tỉnh Cà Mau lần thứ I, nhiệm kỳ 2025 - 2030"

AGENDA: tuple[tuple[str, str, int], ...] = (
    ("Khai mạc Đại hội", "Đoàn Chủ tịch", 20),
    ("Báo cáo chính trị của Ban Chấp hành Đảng bộ tỉnh", "Bí thư Tỉnh ủy", 60),
    (
        "Báo cáo kiểm điểm sự lãnh đạo, chỉ đạo của Ban Chấp hành nhiệm kỳ 2020 - 2025",
        "Phó Bí thư Thường trực Tỉnh ủy",
        45,
    ),
    ("Thảo luận Đề án nhân sự Ban Chấp hành nhiệm kỳ mới", "Đoàn Chủ tịch", 60),
    ("Thông qua Dự thảo Nghị quyết và Chương trình hành động", "Đoàn Thư ký", 45),
    ("Bế mạc Đại hội", "Đoàn Chủ tịch", 20),
)

DOCUMENTS: tuple[tuple[str, str, Access], ...] = (
    ("chuong-trinh", "Chương trình Đại hội", Access.PUBLIC),
    ("bao-cao-chinh-tri", "Dự thảo Báo cáo chính trị", Access.DELEGATES),
    ("de-an-nhan-su", "Đề án nhân sự Ban Chấp hành (MẬT)", Access.PRESIDIUM),
    ("du-thao-nghi-quyet", "Dự thảo Nghị quyết Đại hội", Access.DELEGATES),
)


def demo_pdfs() -> dict[str, bytes]:
    """The demo documents' files, by document id, written from the demo's own text."""
    # Imported here: the PDF maker and its fonts are memory the hub's process would
    # otherwise hold all day, for files it makes once.
    from . import demo_pdfs as demo_pdfs_module

    candidates = [(d.name, d.unit) for d in demo_delegates()[:12]]
    return {
        "chuong-trinh": demo_pdfs_module.programme(DEMO_TITLE, AGENDA),
        "bao-cao-chinh-tri": demo_pdfs_module.political_report(DEMO_TITLE),
        "de-an-nhan-su": demo_pdfs_module.personnel_plan(DEMO_TITLE, candidates),
        "du-thao-nghi-quyet": demo_pdfs_module.draft_resolution(DEMO_TITLE),
    }


DELEGATIONS = (
    "Đoàn Thành phố Cà Mau",
    "Đoàn huyện Năm Căn",
    "Đoàn huyện Ngọc Hiển",
    "Đoàn huyện Đầm Dơi",
    "Đoàn huyện U Minh",
    "Đoàn huyện Trần Văn Thời",
    "Đoàn huyện Cái Nước",
    "Đoàn huyện Thới Bình",
)
_FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi", "Dương", "Lâm")
_MIDDLE = ("Văn", "Thị", "Minh", "Hoàng", "Thanh", "Quốc", "Ngọc", "Hữu")
_GIVEN = (
    "An",
    "Bình",
    "Châu",
    "Dũng",
    "Hà",
    "Hải",
    "Hùng",
    "Lan",
    "Long",
    "Mai",
    "Nam",
    "Phúc",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trang",
    "Tuấn",
    "Việt",
    "Yến",
)

DELEGATE_COUNT = 40


@dataclass(frozen=True, slots=True)
class DemoDelegate:
    id: str
    name: str
    unit: str
    seat: str


def demo_delegates(count: int = DELEGATE_COUNT) -> list[DemoDelegate]:
    names = (f"{f} {m} {g}" for f, m, g in itertools.product(_FAMILY, _MIDDLE, _GIVEN))
    picked = itertools.islice(itertools.islice(names, 0, None, 37), count)
    return [
        DemoDelegate(
            id=f"DB{n:03d}",
            name=name,
            unit=DELEGATIONS[(n - 1) % len(DELEGATIONS)],
            seat=f"{chr(ord('A') + (n - 1) // 10)}{(n - 1) % 10 + 1:02d}",
        )
        for n, name in enumerate(picked, start=1)
    ]


@dataclass(frozen=True, slots=True)
class DemoTokens:
    presidium: IssuedToken
    secretariat: IssuedToken
    boards: tuple[IssuedToken, ...]
    hall: IssuedToken
    """The hall's big screens share one token: they all show the same thing."""
    delegates: tuple[IssuedToken, ...]


async def run_as(writer: RoomWriter, actor: Actor, command: c.Command) -> None:
    """Apply a set-up command through the same path as a client's, or fail loudly."""
    outcome = await writer.submit(command, actor, command_id=uuid.uuid4().hex, token_id="setup")
    if isinstance(outcome, Refused):
        raise RuntimeError(f"set-up command {command.name} {outcome}")


async def load_demo(
    backend: Backend, store: DocumentStore, room_name: str = DEMO_ROOM
) -> DemoTokens | None:
    """Create the demo congress unless the room exists; returns the tokens made (shown once)."""
    if await backend.head(room_name) > 0:
        return None
    writer = await RoomWriter.open(room_name, backend, clock=wall_clock_ms)
    try:
        await writer.create(DEMO_TITLE)
    except SeqConflict:
        # Another node, started at the same instant on the same log, is loading it: this
        # one serves what that one writes, as every node follows the log.
        return None
    presidium = Actor(Role.PRESIDIUM)
    secretariat = Actor(Role.SECRETARIAT)
    for title, presenter, minutes in AGENDA:
        await run_as(
            writer,
            presidium,
            c.AddAgendaItem(title=title, presenter=presenter, planned_minutes=minutes),
        )
    # The congress's speaking times, as its rules of procedure set them: seven minutes for a
    # speech, two for a point of order, three for a reply (a custom time at the grant when
    # the presidium must).
    await run_as(writer, presidium, c.SetSpeakingTimes(speech=420, point_of_order=120, reply=180))
    files = demo_pdfs()
    for doc_id, title, access in DOCUMENTS:
        await import_document(
            store,
            writer,
            files[doc_id],
            document_id=doc_id,
            title=title,
            access=access,
            actor=secretariat,
            token_id="setup",
        )
    delegates = demo_delegates()
    for d in delegates:
        await run_as(
            writer,
            secretariat,
            c.RegisterDelegate(delegate_id=d.id, full_name=d.name, unit=d.unit, seat=d.seat),
        )
    await run_as(
        writer,
        presidium,
        c.PostAnnouncement(
            text="Kính mời các đại biểu ổn định chỗ ngồi. Đại hội sẽ khai mạc lúc 8 giờ 00.",
            minutes=240,
        ),
    )
    now = wall_clock_ms()

    async def token(role: Role, label: str, delegate_id: str | None = None) -> IssuedToken:
        return await issue_token(
            backend, room=room_name, role=role, now=now, delegate_id=delegate_id, label=label
        )

    return DemoTokens(
        presidium=await token(Role.PRESIDIUM, "Đoàn Chủ tịch"),
        secretariat=await token(Role.SECRETARIAT, "Đoàn Thư ký"),
        boards=(
            await token(Role.BOARD, "Bảng cổng chính"),
            await token(Role.BOARD, "Bảng hội trường"),
        ),
        hall=await token(Role.HALL, "Màn hình hội trường"),
        delegates=tuple([await token(Role.DELEGATE, d.name, d.id) for d in delegates]),
    )


def write_token_file(path: Path, tokens: DemoTokens) -> None:
    """Keep the demo's tokens beside its data so a restarted demo can still be toured."""
    lines = [
        "# Demo tokens: shown once at creation, kept here only because this is the demo.",
        f"presidium\t{tokens.presidium.secret}",
        f"secretariat\t{tokens.secretariat.secret}",
        *(f"board\t{t.secret}\t{t.record.label}" for t in tokens.boards),
        f"hall\t{tokens.hall.secret}\t{tokens.hall.record.label}",
        *(
            f"delegate\t{t.secret}\t{t.record.delegate_id}\t{t.record.label}"
            for t in tokens.delegates
        ),
    ]
    write_private(path, ("\n".join(lines) + "\n").encode("utf-8"))


def demo_cards(tokens: DemoTokens) -> list[Card]:
    """The demo's sign-in cards: every delegate, then the boards, then the hall's screens."""
    people = {d.id: d for d in demo_delegates()}
    cards = []
    for token in tokens.delegates:
        person = people.get(token.record.delegate_id or "")
        detail = f"{person.unit} · ghế {person.seat}" if person else ""
        cards.append(Card(token.record.label, detail, token.secret, "delegate"))
    for board in tokens.boards:
        cards.append(Card(board.record.label, "Bảng điện tử", board.secret, "board"))
    hall = tokens.hall
    cards.append(Card(hall.record.label, "Màn hình lớn trong hội trường", hall.secret, "hall"))
    return cards
