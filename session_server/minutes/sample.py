"""`python -m session_server.minutes.sample DIR`: the sample minutes of the demo congress.

The demo's agenda, documents and delegates, and a morning's session with a vote played
through the real writer onto a scratch SQLite log, its checkpoints signed as a hub started
with `--signing-key` signs them. The clock, the command ids and the key are fixed, so the same
bytes are logged and the same files come out each time (Ed25519 signs deterministically):
docs/minutes-sample.pdf (full copy, Vietnamese) and docs/minutes-sample-public-en.pdf.
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from ..backends.sqlite import SQLiteBackend
from ..core import commands as c
from ..core import contribution_commands as cc
from ..core import vote_commands as vc
from ..core.contribution_state import ContributionKind
from ..core.decide import Actor
from ..core.state import PageSize, RequestKind, Role
from ..core.vote_state import Choice, VoteKind
from ..demo import AGENDA, DEMO_ROOM, DEMO_TITLE, DOCUMENTS, demo_delegates
from ..record.keys import Signer
from ..writer import Refused, RoomWriter
from .jobs import Wanted, produce, read_log
from .text import zone

PLACE = "Hội trường Trung tâm Hội nghị tỉnh Cà Mau"
START = datetime(2025, 10, 15, 7, 0, 0, tzinfo=zone("Asia/Ho_Chi_Minh"))
PRESIDIUM = Actor(Role.PRESIDIUM)
SECRETARIAT = Actor(Role.SECRETARIAT)
PDF, TEXT = ContributionKind.PDF, ContributionKind.TEXT
VOTE_TITLE = "Thông qua Chương trình hành động thực hiện Nghị quyết Đại hội"


def sample_signer() -> Signer:
    """The sample's signing key, made from a published seed: it proves nothing about any
    congress, and must never sign one (a congress's key comes from `congress keys init`)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    seed = hashlib.sha256(b"paperless-congress sample minutes signing key").digest()
    return Signer(Ed25519PrivateKey.from_private_bytes(seed))


class _Session:
    def __init__(self) -> None:
        self.now = int(START.timestamp() * 1000)
        self.writer: RoomWriter | None = None
        self.sent = 0

    def clock(self) -> int:
        return self.now

    async def do(self, hh_mm_ss: str, actor: Actor, command: c.Command) -> None:
        hours, minutes, seconds = (int(part) for part in hh_mm_ss.split(":"))
        when = START.replace(hour=hours, minute=minutes, second=seconds)
        self.now = int(when.timestamp() * 1000)
        assert self.writer is not None
        self.sent += 1
        outcome = await self.writer.submit(
            command, actor, command_id=f"cmd-{self.sent}", token_id="sample"
        )
        if isinstance(outcome, Refused):
            raise RuntimeError(f"{command.name} at {hh_mm_ss}: {outcome}")


async def play(backend: SQLiteBackend) -> None:
    """The demo congress set up, then its first morning."""
    session = _Session()
    writer = session.writer = RoomWriter(DEMO_ROOM, backend, clock=session.clock)
    writer.signer = sample_signer()
    await writer.create(DEMO_TITLE)
    do = session.do
    for title, presenter, minutes in AGENDA:
        await do("07:00:00", PRESIDIUM, c.AddAgendaItem(title, presenter, minutes))
    for doc_id, title, access in DOCUMENTS:
        await do("07:00:00", SECRETARIAT, c.RegisterDocument(doc_id, title, access, pages=6))
    delegates = demo_delegates()
    for d in delegates:
        await do("07:00:00", SECRETARIAT, c.RegisterDelegate(d.id, d.name, d.unit, d.seat))
    notice = "Kính mời các đại biểu ổn định chỗ ngồi. Đại hội sẽ khai mạc lúc 8 giờ 00."
    await do("07:15:00", PRESIDIUM, c.PostAnnouncement(text=notice, minutes=45))
    for n, d in enumerate(delegates[:36]):
        await do(f"07:{20 + n // 4:02d}:{(n * 13) % 60:02d}", SECRETARIAT, c.CheckIn(d.id))
    items = [i.id for i in writer.state.agenda]
    await do("08:00:00", PRESIDIUM, c.OpenSession())
    await do("08:00:30", PRESIDIUM, c.SetCurrentItem(items[0]))
    await do("08:01:00", PRESIDIUM, c.ShowPage("chuong-trinh", 1))
    await do("08:04:10", PRESIDIUM, c.ShowPage("chuong-trinh", 2))
    await do("08:18:40", PRESIDIUM, c.SetCurrentItem(items[1]))
    await do("08:19:00", PRESIDIUM, c.ShowPage("bao-cao-chinh-tri", 1))
    for page, at in ((2, "08:31:15"), (3, "08:44:02"), (4, "08:58:30"), (5, "09:10:45")):
        await do(at, PRESIDIUM, c.ShowPage("bao-cao-chinh-tri", page))
    await do("09:14:00", Actor(Role.DELEGATE, "DB005"), c.RequestFloor())
    await do("09:14:30", Actor(Role.DELEGATE, "DB012"), c.RequestFloor())
    await do("09:15:00", PRESIDIUM, c.AcceptRequest("DB005"))
    await do("09:15:20", PRESIDIUM, c.GrantFloor("DB005", seconds=420))
    await do("09:22:20", PRESIDIUM, c.ExtendTime(seconds=60))
    await do("09:23:05", PRESIDIUM, c.EndSpeech())
    await do("09:23:30", PRESIDIUM, c.GrantFloor("DB012", seconds=300))
    await do("09:27:48", PRESIDIUM, c.EndSpeech())
    await do("09:28:30", PRESIDIUM, c.HideDocument())
    await do("09:30:00", PRESIDIUM, c.SuspendSession())
    await do("09:30:10", PRESIDIUM, c.PostAnnouncement("Nghỉ giải lao 15 phút.", minutes=15))
    for d in delegates[36:39]:
        await do("09:38:00", SECRETARIAT, c.CheckIn(d.id))
    # Written contributions come in during the break; the sample's log names their files
    # by hash only, as the hub's does.
    await do("09:40:00", Actor(Role.DELEGATE, "DB012"), _sent("Phát triển kinh tế biển", TEXT))
    await do("09:41:00", SECRETARIAT, cc.AcceptContribution("tl-1"))
    await do("09:45:00", PRESIDIUM, c.OpenSession())
    await do("09:45:30", PRESIDIUM, c.SetCurrentItem(items[2]))
    await do("09:46:00", Actor(Role.DELEGATE, "DB021"), c.RequestFloor(RequestKind.POINT_OF_ORDER))
    await do("09:46:10", PRESIDIUM, c.GrantFloor("DB021", seconds=120))
    await do("09:47:52", PRESIDIUM, c.EndSpeech())
    await do("10:20:00", PRESIDIUM, c.SetCurrentItem(items[3]))
    await do("10:20:30", PRESIDIUM, c.ShowPage("de-an-nhan-su", 1))
    await do("10:26:00", PRESIDIUM, c.ShowPage("de-an-nhan-su", 2))
    await do("10:34:00", PRESIDIUM, c.GrantFloor("DB030", seconds=420))
    await do("10:40:00", PRESIDIUM, c.ExtendTime(seconds=120))
    await do("10:43:31", PRESIDIUM, c.EndSpeech())
    await do("10:45:00", PRESIDIUM, c.HideDocument())
    await do("10:50:00", Actor(Role.DELEGATE, "DB030"), _sent("Công tác cán bộ cơ sở", PDF))
    await do("11:05:00", SECRETARIAT, cc.ReturnContribution("tl-2", "Đề nghị rút gọn còn 5 trang."))
    await do("11:06:00", PRESIDIUM, c.SetCurrentItem(items[4]))
    await vote(session, [d.id for d in delegates[:39]])
    await do("11:20:00", PRESIDIUM, c.SetCurrentItem(None))
    await do("11:30:00", PRESIDIUM, c.AdjournSession())


async def vote(session: _Session, present: list[str]) -> None:
    """A question put to the delegates present: all but one confirm, all but one of those
    cast; counted on the convened delegates, more than half for."""
    do = session.do
    await do(
        "11:07:00", PRESIDIUM, vc.PrepareVote(VoteKind.QUESTION, VOTE_TITLE, allow_abstain=True)
    )
    await do("11:08:00", PRESIDIUM, vc.StartPresenceCheck("vote-1"))
    confirming = present[:-1]
    for n, delegate in enumerate(confirming):
        await do(
            f"11:08:{10 + n:02d}", Actor(Role.DELEGATE, delegate), vc.ConfirmPresence("vote-1")
        )
    await do("11:10:00", PRESIDIUM, vc.OpenVote("vote-1"))
    choices = [Choice.FOR] * 33 + [Choice.AGAINST] * 3 + [Choice.ABSTAIN]
    for n, (delegate, choice) in enumerate(zip(confirming, choices, strict=False)):
        await do(
            f"11:10:{10 + n:02d}", Actor(Role.DELEGATE, delegate), vc.CastVote("vote-1", choice)
        )
    await do("11:12:00", PRESIDIUM, vc.CloseVote("vote-1"))
    await do("11:13:00", PRESIDIUM, vc.PublishResult("vote-1"))


def _sent(title: str, kind: ContributionKind) -> cc.SubmitContribution:
    digest = hashlib.sha256(title.encode()).hexdigest()
    return cc.SubmitContribution(
        f"Tham luận: {title}", kind, digest, 20_480, digest, (PageSize(595, 842),) * 3
    )


async def make(out_dir: Path) -> list[Path]:
    with tempfile.TemporaryDirectory(prefix="congress-sample-") as scratch:
        backend = await SQLiteBackend.open(Path(scratch) / "congress.db")
        try:
            await play(backend)
            records = await read_log(backend, DEMO_ROOM)
        finally:
            await backend.close()
    files = {
        "minutes-sample.pdf": Wanted(copy="full", lang="vi", place=PLACE),
        "minutes-sample-public-en.pdf": Wanted(copy="public", lang="en", place=PLACE),
    }
    written = []
    for name, wanted in files.items():
        path = out_dir / name
        path.write_bytes(produce(DEMO_ROOM, records, wanted))
        written.append(path)
    return written


def main() -> int:
    out_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs")
    for path in asyncio.run(make(out_dir)):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
