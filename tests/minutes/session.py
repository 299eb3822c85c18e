"""A scripted session, played through the real writer onto the demo congress's SQLite log.

Every command goes through `RoomWriter.submit` (decide, conditional append, durable) with
the writer's clock set to the script's instants, so each time in the minutes is known here.
The writer holds a signing key, as a hub started with `--signing-key`: each item's end, the
vote's close and the adjournment are followed by a signed checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from session_server.backends.sqlite import SQLiteBackend
from session_server.ballots import ballot, committee, proofs, transport
from session_server.core import commands as c
from session_server.core import vote_commands as vc
from session_server.core.decide import Actor
from session_server.core.state import RequestKind, Role
from session_server.core.vote_state import Candidate, Choice, VoteKind
from session_server.core.voting import Base, Threshold
from session_server.demo import DEMO_ROOM
from session_server.record.keys import Signer
from session_server.writer import Refused, RoomWriter

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = int(datetime(2025, 10, 15, 8, 0, 0, tzinfo=TZ).timestamp() * 1000)
"""08:00:00 on 15 October 2025, Vietnam's time: the first sitting opens."""

PRESIDIUM = Actor(Role.PRESIDIUM)
SECRETARIAT = Actor(Role.SECRETARIAT)

CONFIDENTIAL = ("de-an-nhan-su", "Đề án nhân sự Ban Chấp hành (MẬT)")
FOR_DELEGATES = ("bao-cao-chinh-tri", "Dự thảo Báo cáo chính trị")
PUBLIC_DOCUMENT = ("chuong-trinh", "Chương trình Đại hội")
ANNOUNCEMENT = "Mời các đồng chí đại biểu nghỉ giải lao 15 phút."
SHORT_NOTICE = "Xe đón đại biểu chờ ở cổng số 2."
LATE_NOTICE = "Phiên họp thứ hai bắt đầu."


def at(seconds: float) -> int:
    """The instant `seconds` after T0, in ms."""
    return T0 + round(seconds * 1000)


@dataclass(frozen=True)
class ExpectedSpeech:
    delegate_id: str
    item: int
    kind: str
    granted: float
    ended: float
    duration: int
    allowed: int
    extensions: tuple[int, ...]


SPEECHES = (
    ExpectedSpeech("DB003", 1, "speech", 110, 475, 365, 300, (60, 30)),
    # Ended by moving to the next item at 623.4 s: 123.4 s, written as 123.
    ExpectedSpeech("DB011", 1, "point_of_order", 500, 623.4, 123, 180, ()),
    ExpectedSpeech("DB015", 2, "speech", 1820, 2000, 180, 240, ()),
)
ITEMS = ((10, 623.4), (623.4, 2150))
"""Items 1 and 2 of the agenda: opened and closed at these seconds after T0."""
SITTINGS = (
    # opened, closed, how, present at opening, present at the end, total
    (0, 900, "suspended", 25, 30, 40),
    (1800, 2200, "adjourned", 30, 31, 40),
)
PENDING = "DB007"
"""Asks for the floor and is never accepted: a request the public may not see."""
SILENT = "DB028"
"""Checked in, never speaks: on the roll of the full copy alone."""


@dataclass(frozen=True)
class ExpectedVote:
    title: str
    threshold: Threshold
    base: Base
    opened: float
    closed: float
    voters: tuple[str, ...]
    """Who confirmed their presence: the electorate, and the base (`present`)."""
    choices: tuple[Choice, ...]
    """What the first of `voters` cast, in order; the rest cast nothing."""

    @property
    def counts(self) -> tuple[int, int, int]:
        """For, against, not voting: the result's counts."""
        return tuple(self.choices.count(c) for c in Choice)  # type: ignore[return-value]


VOTE = ExpectedVote(
    "Thông qua Quy chế làm việc của Đại hội",
    Threshold.TWO_THIRDS,
    Base.PRESENT,
    opened=2030,
    closed=2050,
    # Ten confirm; nine cast (seven for, one against, one not voting); one casts nothing.
    voters=tuple(f"DB{n:03d}" for n in range(1, 11)),
    choices=(Choice.FOR,) * 7 + (Choice.AGAINST, Choice.ABSTAIN),
)
ELECTION_TITLE = "Bầu Ban Kiểm tra Đảng ủy"
CANDIDATES = (
    Candidate("c1", "Trương Minh Khôi", "Huyện ủy Năm Căn"),
    Candidate("c2", "Hà Thị Ngọc Bích", "Thành ủy Cà Mau"),
    Candidate("c3", "Lưu Quốc Vĩnh", "Huyện ủy U Minh"),
)
"""Named on the boards with the result: public, unlike the roll (none is a demo delegate)."""
ELECTORS = tuple(f"DB{n:03d}" for n in range(1, 7))
KEPT = (
    (True, True, False),
    (True, True, False),
    (True, False, True),
    (True, True, False),
    (False, True, True),
    (True, False, True),
)
"""Each elector's ballot, candidate by candidate: c1 keeps 5, c2 4, c3 3 of 6."""
COMMITTEE = ("DB012", "DB013")
"""The Ban kiểm phiếu, both needed to open a total."""
CHECKPOINT_REASONS = (
    "item_closed",
    "vote_closed",
    "vote_closed",
    "vote_counted",
    "item_closed",
    "adjourned",
)
"""The checkpoints the script's log holds, in order: item 1 ends, the question closes, the
election closes and is counted, item 2 ends, the session is adjourned."""


class Script:
    def __init__(self, writer: RoomWriter | None) -> None:
        self.writer = writer
        self.now = T0
        self.sent = 0

    def clock(self) -> int:
        return self.now

    async def do(self, when: float, actor: Actor, command: c.Command) -> None:
        self.now = at(when)
        assert self.writer is not None
        self.sent += 1
        # Numbered, not random: the same script writes the same bytes, so the same hashes.
        outcome = await self.writer.submit(
            command, actor, command_id=f"cmd-{self.sent}", token_id="script"
        )
        assert not isinstance(outcome, Refused), f"{command.name}: {outcome}"


async def play(data_dir: Path, signer: Signer) -> list[str]:
    """Play the session onto the demo room in `data_dir`, its checkpoints signed by `signer`;
    the agenda's item ids in order."""
    backend = await SQLiteBackend.open(data_dir / "congress.db")
    try:
        script = Script(None)
        writer = await RoomWriter.open(DEMO_ROOM, backend, clock=script.clock)
        writer.signer = signer
        script.writer = writer
        items = [i.id for i in writer.state.agenda]
        do = script.do
        for n in range(1, 26):
            await do(-600 + n, SECRETARIAT, c.CheckIn(delegate_id=f"DB{n:03d}"))
        await do(0, PRESIDIUM, c.OpenSession())
        await do(10, PRESIDIUM, c.SetCurrentItem(item_id=items[0]))
        await do(20, PRESIDIUM, c.ShowPage(document_id=PUBLIC_DOCUMENT[0], page=1))
        await do(30, PRESIDIUM, c.ShowPage(document_id=PUBLIC_DOCUMENT[0], page=2))
        await do(40, PRESIDIUM, c.ShowPage(document_id=CONFIDENTIAL[0], page=1))
        await do(50, PRESIDIUM, c.ShowPage(document_id=CONFIDENTIAL[0], page=2))
        await do(60, PRESIDIUM, c.ShowPage(document_id=FOR_DELEGATES[0], page=1))
        await do(70, PRESIDIUM, c.HideDocument())
        await do(100, Actor(Role.DELEGATE, "DB003"), c.RequestFloor())
        await do(110, PRESIDIUM, c.GrantFloor(delegate_id="DB003", seconds=300))
        await do(400, PRESIDIUM, c.ExtendTime(seconds=60))
        await do(430, PRESIDIUM, c.ExtendTime(seconds=30))
        await do(475, PRESIDIUM, c.EndSpeech())
        await do(480, Actor(Role.DELEGATE, PENDING), c.RequestFloor())
        await do(485, Actor(Role.DELEGATE, "DB011"), c.RequestFloor(RequestKind.POINT_OF_ORDER))
        await do(490, PRESIDIUM, c.AcceptRequest(delegate_id="DB011"))
        await do(500, PRESIDIUM, c.GrantFloor(delegate_id="DB011", seconds=180))
        await do(623.4, PRESIDIUM, c.SetCurrentItem(item_id=items[1]))
        await do(700, PRESIDIUM, c.PostAnnouncement(text=ANNOUNCEMENT, minutes=30))
        await do(760, PRESIDIUM, c.PostAnnouncement(text=SHORT_NOTICE, minutes=1))
        for n in range(26, 31):
            await do(715 + n, SECRETARIAT, c.CheckIn(delegate_id=f"DB{n:03d}"))
        await do(900, PRESIDIUM, c.SuspendSession())
        await do(1800, PRESIDIUM, c.OpenSession())
        await do(1810, SECRETARIAT, c.CheckIn(delegate_id="DB031"))
        # Posting tidies away the short notice, past its time: not a withdrawal.
        await do(1815, PRESIDIUM, c.PostAnnouncement(text=LATE_NOTICE, minutes=60))
        await do(1820, PRESIDIUM, c.GrantFloor(delegate_id="DB015", seconds=240))
        await do(2000, PRESIDIUM, c.EndSpeech())
        await vote(script)
        await election(script)
        announcement = next(a.id for a in writer.state.announcements if a.text == ANNOUNCEMENT)
        await do(2100, PRESIDIUM, c.WithdrawAnnouncement(announcement_id=announcement))
        await do(2150, PRESIDIUM, c.SetCurrentItem(item_id=None))
        await do(2200, PRESIDIUM, c.AdjournSession())
        return items
    finally:
        await backend.close()


async def vote(script: Script) -> None:
    """The vote on the rules, put to the ten who confirm their presence, and published."""
    do = script.do
    await do(
        2010,
        PRESIDIUM,
        vc.PrepareVote(
            VoteKind.QUESTION,
            VOTE.title,
            threshold=VOTE.threshold,
            base=VOTE.base,
            allow_abstain=True,
        ),
    )
    await do(2015, PRESIDIUM, vc.StartPresenceCheck("vote-1"))
    for n, voter in enumerate(VOTE.voters):
        await do(2016 + n, Actor(Role.DELEGATE, voter), vc.ConfirmPresence("vote-1"))
    await do(VOTE.opened, PRESIDIUM, vc.OpenVote("vote-1"))
    for n, (voter, choice) in enumerate(zip(VOTE.voters, VOTE.choices, strict=False)):
        await do(2031 + n, Actor(Role.DELEGATE, voter), vc.CastVote("vote-1", choice))
    await do(VOTE.closed, PRESIDIUM, vc.CloseVote("vote-1"))
    await do(2055, PRESIDIUM, vc.PublishResult("vote-1"))


async def election(script: Script) -> None:
    """Three seats, three candidates, six electors: two have more than half, one seat stays
    unfilled; the committee of two opens the totals."""
    do, room, vote_id = script.do, DEMO_ROOM, "vote-2"
    await do(
        2060,
        PRESIDIUM,
        vc.PrepareVote(
            VoteKind.ELECTION,
            ELECTION_TITLE,
            base=Base.PRESENT,
            seats=3,
            candidates=CANDIDATES,
        ),
    )
    await do(2061, PRESIDIUM, vc.SetCommittee(vote_id, COMMITTEE, 2))
    ceremony = proofs.context_of(room, vote_id, "committee")
    dealt = [committee.deal(n, 2, ceremony) for n in (1, 2)]
    seals = [transport.new_key() for _ in COMMITTEE]
    for (dealing, _), (_, seal_public), member in zip(dealt, seals, COMMITTEE, strict=True):
        await do(
            2062,
            Actor(Role.DELEGATE, member),
            vc.JoinCommittee(vote_id, seal_public, dealing.commitments, dealing.proofs),
        )
    for number, member in enumerate(COMMITTEE, start=1):
        other = 3 - number
        sealed = [b"", b""]
        sealed[other - 1] = transport.seal(
            dealt[number - 1][1].share_for(other), seals[other - 1][1], ceremony, number, other
        )
        await do(2063, Actor(Role.DELEGATE, member), vc.DeliverShares(vote_id, tuple(sealed)))
    for member in COMMITTEE:
        await do(2064, Actor(Role.DELEGATE, member), vc.ConfirmShares(vote_id))
    assert script.writer is not None
    box = script.writer.state.votes[vote_id].committee
    assert box is not None
    await do(2065, PRESIDIUM, vc.StartPresenceCheck(vote_id))
    for elector in ELECTORS:
        await do(2066, Actor(Role.DELEGATE, elector), vc.ConfirmPresence(vote_id))
    await do(2070, PRESIDIUM, vc.OpenVote(vote_id))
    for elector, kept in zip(ELECTORS, KEPT, strict=True):
        made = ballot.make(kept, box.key, 3, proofs.context_of(room, vote_id, elector))
        await do(2071, Actor(Role.DELEGATE, elector), vc.CastBallot(vote_id, made.to_plain()))
    await do(2080, PRESIDIUM, vc.CloseVote(vote_id))
    tally = script.writer.state.votes[vote_id].tally
    for number, member in enumerate(COMMITTEE, start=1):
        secret = committee.secret_share({d: dealt[d - 1][1].share_for(number) for d in (1, 2)})
        shares = committee.decrypt_tally(number, secret, tally, ceremony)
        await do(
            2085 + number,
            Actor(Role.DELEGATE, member),
            vc.SubmitDecryption(
                vote_id, tuple(x.value for x in shares), tuple(x.proof for x in shares)
            ),
        )
    await do(2090, PRESIDIUM, vc.PublishResult(vote_id))
