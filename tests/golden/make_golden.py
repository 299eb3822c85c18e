"""Writes a golden log: a whole congress session as the backends store it, for replay tests.

Run only to make a NEW golden log when the stored format changes; a committed golden log
is never regenerated (it stands for the logs written by the code of its day, which must
replay for ever). Usage: ``python -m tests.golden.make_golden tests/golden/NAME.msgpack``;
with ``group-room`` after the path, the log of a discussion group's own room instead.

The file is one msgpack map ``{"room": ROOM, "records": [[seq, body], ...]}``; each body is
the bytes `encode_record` gives, exactly what SQLite keeps in ``log.body`` and Redis in the
stream entry's ``body`` field. Beside it, ``NAME.snapshot`` holds the room's snapshot at
its last seq, the bytes SQLite keeps in ``snapshots.state`` and Redis in the snapshot's
``state`` field. The script prints the hash of the state the log replays to.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import msgpack

from session_server.backends.base import LogRecord, encode_record, encode_snapshot
from session_server.ballots import ballot, committee, proofs, transport
from session_server.core import commands as c
from session_server.core import contribution_commands as cc
from session_server.core import group_commands as gc
from session_server.core import opinion_commands as oc
from session_server.core import vote_commands as vc
from session_server.core.contribution_state import ContributionKind
from session_server.core.decide import Actor, create_room, decide
from session_server.core.events import CheckpointRecorded
from session_server.core.evolve import apply
from session_server.core.group_state import group_room
from session_server.core.opinion_state import OpinionKind
from session_server.core.replay import state_bytes
from session_server.core.state import (
    Access,
    Delegate,
    DocumentInfo,
    DocumentVersion,
    PageSize,
    RequestKind,
    Role,
    RoomState,
    SessionStatus,
)
from session_server.core.vote_state import Candidate, Choice, VoteKind
from session_server.record import chain
from session_server.record.checkpoints import ADJOURNED, seal
from session_server.record.keys import Signer

ROOM = "golden-congress"
START = 1_764_547_200_000
"""1 December 2025, 00:00 UTC: every instant in the log is counted from here."""

PRESIDIUM = Actor(Role.PRESIDIUM)
SECRETARIAT = Actor(Role.SECRETARIAT)
DELEGATES = {
    f"DB{n:03d}": (name, unit, seat)
    for n, (name, unit, seat) in enumerate(
        (
            ("Nguyễn Văn An", "Đoàn Thành phố Cà Mau", "A01"),
            ("Trần Thị Bình", "Đoàn huyện Năm Căn", "A02"),
            ("Lê Minh Châu", "Đoàn huyện Ngọc Hiển", "A03"),
            ("Phạm Hoàng Dũng", "Đoàn huyện Đầm Dơi", "A04"),
            ("Huỳnh Thanh Hà", "Đoàn huyện U Minh", "B01"),
            ("Võ Quốc Hải", "Đoàn huyện Trần Văn Thời", "B02"),
            ("Đặng Ngọc Lan", "Đoàn huyện Cái Nước", "B03"),
            ("Bùi Hữu Long", "Đoàn huyện Thới Bình", "B04"),
        ),
        start=1,
    )
}


def delegate(delegate_id: str) -> Actor:
    return Actor(Role.DELEGATE, delegate_id)


class Session:
    """A room driven as the hub drives it, keeping each record's body as a backend stores it."""

    def __init__(self, title: str, room: str = ROOM) -> None:
        self.room = room
        self.now = START
        self.commands = 0
        self.bodies: list[tuple[int, bytes]] = []
        created = create_room(room, title)
        assert isinstance(created, tuple), created
        self.state = RoomState(room=room)
        self._write(LogRecord(seq=1, at=self.now, events=created, actor="system"))

    def _write(self, record: LogRecord) -> None:
        self.state = apply(self.state, record.seq, record.events)
        self.bodies.append((record.seq, encode_record(record)))

    def checkpoint(self, reason: str) -> None:
        """A signed checkpoint over the head, as the hub's writer appends it."""
        self.wait(1)
        head = chain.head_of(self.room, self.bodies)
        unsealed = (CheckpointRecorded(reason=reason, head_seq=self.state.seq),)
        events = seal(self.state, unsealed, head, golden_signer())
        seq = self.state.seq + 1
        self._write(
            LogRecord(seq, self.now, events, "system", origin=f"checkpoint:{self.state.seq}")
        )

    def wait(self, seconds: int) -> None:
        self.now += seconds * 1000

    def do(self, command: c.Command, actor: Actor = PRESIDIUM) -> None:
        self.wait(2)
        self.commands += 1
        decision = decide(self.state, command, actor, self.now)
        assert isinstance(decision, tuple), (command, decision)
        assert decision, f"{command} changes nothing"
        token = actor.delegate_id or f"tok-{actor.role.value}"
        self._write(
            LogRecord(
                seq=self.state.seq + 1,
                at=self.now,
                events=decision,
                actor=f"{actor.role.value}:{token}",
                origin=f"{token}:cmd-{self.commands}",
            )
        )


def golden_signer() -> Signer:
    """The golden logs' signing key, the same every run (Ed25519 signs deterministically)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    seed = hashlib.sha256(b"paperless-congress golden signing key").digest()
    return Signer(Ed25519PrivateKey.from_private_bytes(seed))


def sizes(count: int, width: int = 595, height: int = 842) -> tuple[PageSize, ...]:
    return tuple(PageSize(width, height) for _ in range(count))


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def congress() -> Session:
    """Set-up, a morning of debate with every kind of event, and the adjournment."""
    s = Session("Đại hội đại biểu Đảng bộ tỉnh Cà Mau lần thứ I, nhiệm kỳ 2025 - 2030")
    for delegate_id, (name, unit, seat) in DELEGATES.items():
        s.do(c.RegisterDelegate(delegate_id, name, unit, seat), SECRETARIAT)
    s.do(c.RegisterDelegate("DB008", "Bùi Hữu Long", "Đoàn huyện Thới Bình", "C01"), SECRETARIAT)

    s.do(c.AddAgendaItem("Khai mạc Đại hội", "Đoàn Chủ tịch", 20))
    s.do(c.AddAgendaItem("Báo cáo chính trị", "Bí thư Tỉnh ủy", 60))
    s.do(c.AddAgendaItem("Thảo luận Đề án nhân sự", "Đoàn Chủ tịch", 60))
    s.do(c.AddAgendaItem("Bế mạc Đại hội", "Đoàn Chủ tịch", 20))
    s.do(c.AddAgendaItem("Báo cáo kiểm điểm", "Phó Bí thư Thường trực", 45, position=2))
    s.do(c.AddAgendaItem("Mục tạm", planned_minutes=5))
    s.do(c.EditAgendaItem("item-2", title="Báo cáo chính trị của Ban Chấp hành"))
    s.do(c.EditAgendaItem("item-3", presenter="Đoàn Thư ký", planned_minutes=45))
    s.do(c.MoveAgendaItem("item-5", 3))
    s.do(c.RemoveAgendaItem("item-6"))

    s.do(c.RegisterDocument("chuong-trinh", "Chương trình Đại hội", Access.PUBLIC, 2))
    s.do(
        c.RegisterDocument(
            "chuong-trinh", "Chương trình Đại hội", Access.PUBLIC, 2, sha("programme"), sizes(2)
        ),
        SECRETARIAT,
    )
    s.do(
        c.RegisterDocument(
            "bao-cao-chinh-tri",
            "Dự thảo Báo cáo chính trị",
            Access.DELEGATES,
            3,
            sha("report, draft 1"),
            (PageSize(595, 842), PageSize(842, 595), PageSize(595, 842)),
        ),
        SECRETARIAT,
    )
    s.do(
        c.RegisterDocument(
            "bao-cao-chinh-tri",
            "Báo cáo chính trị",
            Access.DELEGATES,
            4,
            sha("report, draft 2"),
            sizes(4),
        ),
        SECRETARIAT,
    )
    s.do(
        c.RegisterDocument(
            "de-an-nhan-su",
            "Đề án nhân sự (MẬT)",
            Access.PRESIDIUM,
            1,
            sha("personnel"),
            sizes(1, 612, 792),
        ),
        SECRETARIAT,
    )
    s.do(c.PostAnnouncement("Kính mời các đại biểu ổn định chỗ ngồi.", minutes=1), SECRETARIAT)
    s.do(c.PostAnnouncement("Đại hội khai mạc lúc 8 giờ 00.", minutes=240))

    for delegate_id in ("DB001", "DB002", "DB003", "DB004", "DB005"):
        s.do(c.CheckIn(delegate_id), SECRETARIAT)
    s.do(c.CheckIn(), delegate("DB006"))
    s.do(c.CheckIn("DB007"), PRESIDIUM)
    # Since the third golden log: a check-in undone and made again, the presets.
    s.do(c.CancelCheckIn("DB007"), SECRETARIAT)
    s.do(c.CheckIn("DB007"), SECRETARIAT)
    s.do(c.SetSpeakingTimes(360, 120, 150))

    s.wait(120)
    s.do(c.OpenSession())
    # The first announcement has expired: the next one takes it down in the same record.
    s.do(c.PostAnnouncement("Đại hội bắt đầu phiên thảo luận.", minutes=30), SECRETARIAT)
    s.do(c.WithdrawAnnouncement("a-2"))
    s.do(c.SetCurrentItem("item-1"))
    s.do(c.ShowPage("chuong-trinh", 1))
    s.do(c.ShowPage("chuong-trinh", 2))
    s.do(c.SetCurrentItem("item-2"))
    s.do(c.ShowPage("bao-cao-chinh-tri", 3))
    s.do(c.HideDocument())

    s.do(c.RequestFloor(RequestKind.SPEECH), delegate("DB001"))
    s.do(c.RequestFloor(RequestKind.SPEECH), delegate("DB002"))
    s.do(c.RequestFloor(RequestKind.REPLY), delegate("DB003"))
    s.do(c.RequestFloor(RequestKind.POINT_OF_ORDER), delegate("DB004"))
    s.do(c.RequestFloor(RequestKind.SPEECH), delegate("DB005"))
    s.do(c.RequestFloor(RequestKind.SPEECH), delegate("DB006"))
    s.do(c.AcceptRequest("DB004"))
    s.do(c.AcceptRequest("DB001"))
    s.do(c.MoveRequest("DB002", 3))
    s.do(c.RemoveRequest("DB005"))
    s.do(c.RestoreRequest("DB005"))
    s.do(c.RemoveRequest("DB005"))
    s.do(c.WithdrawRequest(), delegate("DB006"))
    s.do(c.GrantFloor())
    s.wait(100)
    s.do(c.GrantFloor("DB001", interrupt=True))
    s.wait(400)
    s.do(c.ExtendTime(90))
    s.wait(60)
    s.do(c.EndSpeech())
    s.do(c.CloseList())
    s.do(c.RequestFloor(RequestKind.POINT_OF_ORDER), delegate("DB007"))
    s.do(c.ReopenList())
    s.do(c.GrantFloor("DB008", seconds=240))
    s.wait(30)

    s.do(c.SuspendSession(resumes_at=s.now + 900_000))
    s.wait(900)
    s.do(c.OpenSession())
    s.do(c.CheckIn(), delegate("DB008"))
    s.do(c.ShowPage("de-an-nhan-su", 1))
    s.do(c.SetCurrentItem("item-3"))
    s.do(c.RequestFloor(RequestKind.SPEECH), delegate("DB002"))
    s.do(c.GrantFloor(seconds=300))
    s.wait(200)
    # Since the second golden log: a token revoked while the room runs.
    s.do(c.RevokeToken("tk-0a1b2c3d"), SECRETARIAT)
    s.do(c.RequestFloor(RequestKind.SPEECH), delegate("DB003"))
    # Since the fifth golden log: a question, a withdrawn draft and a secret election.
    votes(s)
    # Since the sixth golden log: written contributions, sent, returned, sent again, taken
    # and made a document; one accepted only.
    contributions(s)
    # Since the seventh golden log: the discussion groups, and a group session.
    groups(s)
    # Since the sixth golden log: opinions on a draft's paragraphs, one withdrawn.
    opinions(s)
    s.do(c.AdjournSession())
    # Since the third golden log: the key registered and the adjournment's checkpoint.
    s.checkpoint(ADJOURNED)
    return s


def opinions(s: Session) -> None:
    """A draft resolution registered with its paragraphs; opinions of every kind, one by
    the secretariat for a delegate, one withdrawn; the authors shown to the delegates."""
    paragraphs = (("p1-11111111", "p1-22222222"), ("p2-33333333", "p2-33333333-2"))
    s.do(
        c.RegisterDocument(
            "du-thao-nghi-quyet",
            "Dự thảo Nghị quyết",
            Access.DELEGATES,
            2,
            sha("resolution, draft 1"),
            sizes(2),
            paragraphs,
        ),
        SECRETARIAT,
    )
    s.do(
        oc.RecordOpinion("du-thao-nghi-quyet", 1, "p1-11111111", OpinionKind.AGREE),
        delegate("DB001"),
    )
    s.do(
        oc.RecordOpinion(
            "du-thao-nghi-quyet",
            1,
            "p1-22222222",
            OpinionKind.AMEND,
            "Nên nêu rõ chỉ tiêu.",
            "Tốc độ tăng trưởng bình quân từ 8% trở lên.",
        ),
        delegate("DB002"),
    )
    s.do(
        oc.RecordOpinion(
            "du-thao-nghi-quyet", 1, "p2-33333333", OpinionKind.ADD, "Bổ sung chuyển đổi số."
        ),
        delegate("DB003"),
    )
    s.do(
        oc.RecordOpinion(
            "du-thao-nghi-quyet",
            1,
            "p2-33333333-2",
            OpinionKind.REMOVE,
            on_behalf_of="DB004",
        ),
        SECRETARIAT,
    )
    s.do(
        oc.RecordOpinion("du-thao-nghi-quyet", 1, "p1-11111111", OpinionKind.OTHER, "Ý kiến khác."),
        delegate("DB005"),
    )
    s.do(oc.WithdrawOpinion("opinion-5"), delegate("DB005"))
    s.do(oc.ShowOpinionAuthors(shown=True))


def votes(s: Session) -> None:
    """An open vote with a presence check, a withdrawn draft, and a secret election whose
    two-member committee makes the key, opens the totals, and sees the result published."""
    voters = [d for d in DELEGATES if d != "DB007"]
    s.do(vc.PrepareVote(VoteKind.QUESTION, "Thông qua Quy chế làm việc", allow_abstain=True))
    s.do(vc.StartPresenceCheck("vote-1"))
    for voter in voters:
        s.do(vc.ConfirmPresence("vote-1"), delegate(voter))
    s.do(vc.OpenVote("vote-1"))
    for voter, choice in zip(
        voters, [Choice.FOR] * 5 + [Choice.AGAINST, Choice.ABSTAIN], strict=True
    ):
        s.do(vc.CastVote("vote-1", choice), delegate(voter))
    s.do(vc.CloseVote("vote-1"))
    s.do(vc.PublishResult("vote-1"))
    s.do(vc.PrepareVote(VoteKind.QUESTION, "Biểu quyết nháp"))
    s.do(vc.WithdrawVote("vote-2"))
    candidates = tuple(
        Candidate(f"c{n}", name, unit)
        for n, (name, unit, _) in enumerate(list(DELEGATES.values())[:5], start=1)
    )
    s.do(
        vc.PrepareVote(
            VoteKind.ELECTION,
            "Bầu Ban Chấp hành",
            seats=4,
            surplus_percent=30,
            candidates=candidates,
        )
    )
    members = ("DB007", "DB008")
    s.do(vc.SetCommittee("vote-3", members, 2))
    ceremony = proofs.context_of(ROOM, "vote-3", "committee")
    dealt = [committee.deal(n, 2, ceremony) for n in (1, 2)]
    seals = [transport.new_key() for _ in members]
    for (dealing, _), seal_key, member in zip(dealt, seals, members, strict=True):
        s.do(
            vc.JoinCommittee("vote-3", seal_key[1], dealing.commitments, dealing.proofs),
            delegate(member),
        )
    for number, member in enumerate(members, start=1):
        other = 3 - number
        sealed = [b"", b""]
        sealed[other - 1] = transport.seal(
            dealt[number - 1][1].share_for(other), seals[other - 1][1], ceremony, number, other
        )
        s.do(vc.DeliverShares("vote-3", tuple(sealed)), delegate(member))
    for member in members:
        s.do(vc.ConfirmShares("vote-3"), delegate(member))
    vote = s.state.votes["vote-3"]
    assert vote.committee is not None
    key = vote.committee.key
    s.do(vc.StartPresenceCheck("vote-3"))
    for voter in voters:
        s.do(vc.ConfirmPresence("vote-3"), delegate(voter))
    s.do(vc.OpenVote("vote-3"))
    for n, voter in enumerate(voters):
        kept = [i != n % 5 for i in range(5)]
        made = ballot.make(kept, key, 4, proofs.context_of(ROOM, "vote-3", voter))
        s.do(vc.CastBallot("vote-3", made.to_plain()), delegate(voter))
    s.do(vc.CloseVote("vote-3"))
    tally = s.state.votes["vote-3"].tally
    for number, member in enumerate(members, start=1):
        secret = committee.secret_share({d: dealt[d - 1][1].share_for(number) for d in (1, 2)})
        shares = committee.decrypt_tally(number, secret, tally, ceremony)
        s.do(
            vc.SubmitDecryption(
                "vote-3", tuple(x.value for x in shares), tuple(x.proof for x in shares)
            ),
            delegate(member),
        )
    s.do(vc.PublishResult("vote-3"))


def contributions(s: Session) -> None:
    """A PDF returned and sent again, then accepted and made a delegates' document; a text
    accepted."""
    one_page = sizes(1)
    s.do(
        cc.SubmitContribution(
            "Tham luận về kinh tế biển",
            ContributionKind.PDF,
            sha("tl-1"),
            48_213,
            sha("tl-1"),
            sizes(3),
        ),
        delegate("DB004"),
    )
    s.do(
        cc.SubmitContribution(
            "Ý kiến về công tác cán bộ",
            ContributionKind.TEXT,
            sha("tl-2 text"),
            2_417,
            sha("tl-2 pdf"),
            one_page,
        ),
        delegate("DB005"),
    )
    s.do(cc.ReturnContribution("tl-1", "Đề nghị bổ sung số liệu năm 2025"), SECRETARIAT)
    s.do(
        cc.SubmitContribution(
            "Tham luận về kinh tế biển (bản sửa)",
            ContributionKind.PDF,
            sha("tl-1 v2"),
            51_007,
            sha("tl-1 v2"),
            sizes(3),
            replaces="tl-1",
        ),
        delegate("DB004"),
    )
    s.do(cc.AcceptContribution("tl-1"), SECRETARIAT)
    s.do(cc.AcceptContribution("tl-2"), SECRETARIAT)
    s.do(cc.MakeContributionDocument("tl-1", Access.DELEGATES), SECRETARIAT)


def groups(s: Session) -> None:
    """Three groups defined, one renamed and one removed; delegates assigned, one moved out
    of an office, one unassigned; an item that is a group session, and a group's status."""
    s.do(c.AddAgendaItem("Thảo luận tổ", "Đoàn Chủ tịch", 90, group_session=True))
    item = f"item-{s.state.items_created}"
    s.do(c.EditAgendaItem(item, title="Thảo luận tổ về Báo cáo chính trị"))
    s.do(gc.DefineGroup("Tổ 1", "Phòng họp A"), SECRETARIAT)
    s.do(gc.DefineGroup("Tổ 2", "Phòng họp B"), SECRETARIAT)
    s.do(gc.DefineGroup("Tổ 3"), SECRETARIAT)
    s.do(gc.EditGroup("g3", place="Phòng họp C"))
    s.do(gc.AssignToGroup("g1", ("DB001", "DB002", "DB003", "DB004")), SECRETARIAT)
    s.do(gc.AssignToGroup("g2", ("DB005", "DB006", "DB007", "DB008")), SECRETARIAT)
    s.do(gc.SetGroupOfficers("g1", chair="DB001", secretary="DB002"), SECRETARIAT)
    s.do(gc.AssignToGroup("g2", ("DB002",)), SECRETARIAT)
    s.do(gc.UnassignFromGroup(("DB008",)), SECRETARIAT)
    s.do(gc.RemoveGroup("g3"), SECRETARIAT)
    s.do(c.SetCurrentItem(item))
    s.do(gc.ReportGroupStatus("g1", SessionStatus.IN_SESSION, "bao-cao-chinh-tri", 2), SECRETARIAT)


def group_meeting() -> Session:
    """Group 1's own room: the plenary's copy synced, a meeting with a page and a speaker,
    and the page hidden when the plenary's copy no longer holds its document."""
    s = Session("Tổ 1", group_room(ROOM, "g1"))
    members = tuple(Delegate(d, *DELEGATES[d]) for d in ("DB001", "DB003", "DB004"))
    report = DocumentInfo(
        "bao-cao-chinh-tri",
        "Báo cáo chính trị",
        Access.DELEGATES,
        4,
        (DocumentVersion(1, sha("report, draft 2"), sizes(4), START, Access.DELEGATES),),
    )
    sync = gc.SyncGroup("g1", "Tổ 1", "Phòng họp A", members, "DB001", None, (report,))
    s.do(sync, SECRETARIAT)
    s.do(c.OpenSession())
    s.do(c.AddAgendaItem("Thảo luận Báo cáo chính trị"))
    s.do(c.SetCurrentItem("item-1"))
    s.do(c.ShowPage("bao-cao-chinh-tri", 2))
    s.do(c.RequestFloor(RequestKind.SPEECH), delegate("DB003"))
    s.do(c.GrantFloor(seconds=300))
    s.wait(120)
    s.do(c.EndSpeech())
    s.do(gc.SyncGroup("g1", "Tổ 1", "Phòng họp A", members, "DB001", "DB004", ()), SECRETARIAT)
    s.do(c.AdjournSession())
    return s


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 2) or argv[1:] not in ([], ["group-room"]):
        print(__doc__, file=sys.stderr)
        return 2
    path = Path(argv[0])
    snapshot = path.with_suffix(".snapshot")
    if path.exists() or snapshot.exists():
        print(f"{path} exists: a golden log is never regenerated", file=sys.stderr)
        return 1
    session = group_meeting() if argv[1:] else congress()
    path.write_bytes(
        msgpack.packb(
            {"room": session.room, "records": [list(record) for record in session.bodies]},
            use_bin_type=True,
        )
    )
    snapshot.write_bytes(encode_snapshot(state_bytes(session.state)))
    digest = hashlib.sha256(state_bytes(session.state)).hexdigest()
    print(f"{path}: {len(session.bodies)} records, {path.stat().st_size} bytes")
    print(f"state at seq {session.state.seq}: sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
