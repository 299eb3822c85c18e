"""The votes in the minutes: settings, turnout and result, in both copies, from a real log."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from session_server.backends.base import LogRecord, decode_record
from session_server.minutes.model import build_minutes
from session_server.minutes.pdf import render_pdf
from tests.golden.test_golden import golden
from tests.minutes.texts import pdf_text, squeezed

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def records() -> tuple[str, list[LogRecord]]:
    """The fifth golden log: a question, a withdrawn draft and an election, all published."""
    room, bodies = golden("congress-2026-12-01-votes.msgpack")
    return room, [decode_record(seq, body) for seq, body in bodies]


def test_each_vote_put_to_the_congress_is_in_the_minutes_with_its_result() -> None:
    room, log = records()
    full = build_minutes(room, log, "full")
    assert [v.title for v in full.votes] == ["Thông qua Quy chế làm việc", "Bầu Ban Chấp hành"]
    question, election = full.votes
    assert (question.issued, question.cast, question.not_cast) == (7, 7, 0)
    assert question.result is not None
    assert question.result["counts"] == [5, 1, 1]
    assert question.result["passed"] is True
    assert election.result is not None
    assert election.result["counts"] == [5, 5, 6, 6, 6]
    assert election.result["elected"] == ["c3", "c4", "c5"]
    assert election.result["tied"] == ["c1", "c2"]
    # The public copy has them too (published), and never who voted.
    public = build_minutes(room, log, "public")
    assert [v.result for v in public.votes] == [v.result for v in full.votes]
    text = squeezed(pdf_text(render_pdf(public, lang="vi", tz=TZ)))
    assert "Thôngqua" in text
    assert "Trúngcử" in text
    assert "Sốphiếuphátra7=sốphiếuthuvề7+sốphiếukhôngthuvề0." in text
    assert "DB001" not in text


def test_a_result_not_yet_published_is_in_the_full_copy_only() -> None:
    room, log = records()
    published_at = next(
        i
        for i, record in enumerate(log)
        if any(
            e.kind == "result_published" and getattr(e, "vote_id", "") == "vote-3"
            for e in record.events
        )
    )
    before = log[:published_at]
    full = build_minutes(room, before, "full")
    public = build_minutes(room, before, "public")
    assert full.votes[1].result is not None
    assert public.votes[1].result is None
    assert "Chưacókếtquảđượccôngbố" in squeezed(pdf_text(render_pdf(public, lang="vi", tz=TZ)))


def test_the_votes_and_timeline_tables_hold_each_option_and_each_step() -> None:
    import json

    from session_server.minutes.exports import export, rows

    room, log = records()
    full = build_minutes(room, log, "full")
    votes = rows(full, "votes", TZ)
    question = [r for r in votes if r["vote_id"] == "vote-1"]
    assert [(r["option"], r["count"], r["outcome"]) for r in question] == [
        ("for", 5, "passed"),
        ("against", 1, "passed"),
        ("abstain", 1, "passed"),
    ]
    election = {
        r["option_id"]: (r["count"], r["outcome"]) for r in votes if r["vote_id"] == "vote-3"
    }
    assert election == {
        "c1": (5, "tied"),
        "c2": (5, "tied"),
        "c3": (6, "elected"),
        "c4": (6, "elected"),
        "c5": (6, "elected"),
    }
    timeline = json.loads(export(full, "timeline", "json", TZ))["rows"]
    whats = [r["what"] for r in timeline]
    assert whats.index("question_opened") < whats.index("question_closed")
    assert (
        whats.index("election_opened")
        < whats.index("election_closed")
        < whats.index("session_adjourned")
    )
    assert [r["at"] for r in timeline] == sorted(r["at"] for r in timeline)
    assert any(r["what"] == "checkpoint" for r in timeline)
    assert export(full, "votes", "csv", TZ).startswith(b"\xef\xbb\xbfvote_id,kind,title")
