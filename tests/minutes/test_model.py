"""The minutes model against the scripted session: every time, duration and figure, both copies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pypdfium2
import pytest

from session_server.backends.base import LogRecord
from session_server.core.events import Event, PageShown, SessionStatusChanged
from session_server.core.state import SessionStatus
from session_server.demo import DEMO_ROOM, DEMO_TITLE, demo_delegates
from session_server.minutes.entries import COPIES, Minutes
from session_server.minutes.model import build_minutes
from session_server.minutes.pdf import render_pdf
from tests.minutes.session import (
    ANNOUNCEMENT,
    CONFIDENTIAL,
    FOR_DELEGATES,
    ITEMS,
    LATE_NOTICE,
    PENDING,
    PUBLIC_DOCUMENT,
    SHORT_NOTICE,
    SILENT,
    SITTINGS,
    SPEECHES,
    TZ,
    at,
)
from tests.minutes.texts import board_may_not_see, model_leaks, pdf_text, squeezed

PEOPLE = {d.id: d for d in demo_delegates()}


@pytest.fixture(scope="module")
def full(scripted_records: list[LogRecord]) -> Minutes:
    return build_minutes(DEMO_ROOM, scripted_records, "full")


@pytest.fixture(scope="module")
def public(scripted_records: list[LogRecord]) -> Minutes:
    return build_minutes(DEMO_ROOM, scripted_records, "public")


def test_every_speech_with_its_speaker_times_and_extensions(full: Minutes) -> None:
    assert len(full.speeches) == len(SPEECHES)
    for got, want in zip(full.speeches, SPEECHES, strict=True):
        person = PEOPLE[want.delegate_id]
        assert (got.delegate_id, got.name, got.unit) == (want.delegate_id, person.name, person.unit)
        assert got.kind == want.kind
        assert got.granted_at == at(want.granted)
        assert got.ended_at == at(want.ended)
        assert got.duration_seconds == want.duration
        assert got.allowed_seconds == want.allowed
        assert got.extensions == want.extensions


def test_every_item_with_its_start_and_end(full: Minutes) -> None:
    taken = [item for item in full.agenda if item.periods]
    assert [(i.started_at, i.ended_at) for i in taken] == [(at(a), at(b)) for a, b in ITEMS]
    assert [s.item_id for s in full.speeches] == [taken[s.item - 1].item_id for s in SPEECHES]
    assert [s.item_title for s in full.speeches] == [taken[s.item - 1].title for s in SPEECHES]
    # The rest of the demo's agenda is listed, not taken up.
    assert len(full.agenda) == 6
    assert all(not item.periods for item in full.agenda[2:])


def test_openings_break_and_adjournment(full: Minutes) -> None:
    assert [(s.status, s.at) for s in full.status] == [
        ("in_session", at(0)),
        ("suspended", at(900)),
        ("in_session", at(1800)),
        ("adjourned", at(2200)),
    ]


def test_attendance_per_sitting_and_the_roll(full: Minutes) -> None:
    got = [
        (s.opened_at, s.closed_at, s.closed_as, s.present_at_opening, s.present, s.total)
        for s in full.sittings
    ]
    want = [(at(o), at(c), how, first, last, total) for o, c, how, first, last, total in SITTINGS]
    assert got == want
    roll = full.sittings[-1].roll
    assert roll is not None
    assert len(roll) == 40
    by_id = {r.delegate_id: r for r in roll}
    assert by_id[SILENT].present
    assert by_id[SILENT].checked_in_at == at(743)
    assert by_id["DB001"].checked_in_at == at(-599)
    assert by_id["DB031"].checked_in_at == at(1810)
    assert not by_id["DB032"].present
    assert by_id["DB032"].checked_in_at is None
    first = full.sittings[0].roll
    assert first is not None
    assert sum(r.present for r in first) == 30


def test_documents_and_pages_shown(full: Minutes, public: Minutes) -> None:
    shown = [(s.document_id, [(p.page, p.at) for p in s.pages], s.ended_at) for s in full.shown]
    assert shown == [
        (PUBLIC_DOCUMENT[0], [(1, at(20)), (2, at(30))], at(40)),
        (CONFIDENTIAL[0], [(1, at(40)), (2, at(50))], at(60)),
        (FOR_DELEGATES[0], [(1, at(60))], at(70)),
    ]
    # A board saw the programme, then "something not public" (one entry: its screen was
    # sent nothing while the other papers' pages turned), then nothing.
    assert [(s.hidden, s.document_id, s.shown_at, s.ended_at) for s in public.shown] == [
        (False, PUBLIC_DOCUMENT[0], at(20), at(40)),
        (True, "", at(40), at(70)),
    ]


def test_announcements(full: Minutes, public: Minutes) -> None:
    by_text = {a.text: a for a in full.announcements}
    withdrawn, ran_out, late = by_text[ANNOUNCEMENT], by_text[SHORT_NOTICE], by_text[LATE_NOTICE]
    assert (withdrawn.posted_at, withdrawn.expires_at) == (at(700), at(700 + 30 * 60))
    assert withdrawn.withdrawn_at == withdrawn.shown_until == at(2100)
    # Tidied away when the next was posted, a quarter of an hour after its minute was up.
    assert (ran_out.posted_at, ran_out.withdrawn_at, ran_out.shown_until) == (
        at(760),
        None,
        at(820),
    )
    assert (late.posted_at, late.withdrawn_at) == (at(1815), None)
    assert [a.announcement_id for a in public.announcements] == [
        a.announcement_id for a in full.announcements
    ]


def test_the_public_copy_holds_only_what_a_board_sees(full: Minutes, public: Minutes) -> None:
    secrets = board_may_not_see()
    assert model_leaks(public, secrets) == []
    # The secrets are real: the full copy holds them.
    assert {CONFIDENTIAL[1], PENDING, SILENT} <= set(model_leaks(full, secrets))
    assert all(s.roll is None for s in public.sittings)
    assert [(s.name, s.unit, s.delegate_id) for s in public.speeches] == [
        (s.name, s.unit, None) for s in full.speeches
    ]
    assert [s.duration_seconds for s in public.speeches] == [s.duration for s in SPEECHES]
    assert public.title == full.title == DEMO_TITLE


# ---- events these minutes read by name: a resume time, a later release's kind


@dataclass(frozen=True, slots=True)
class _Later(Event):
    kind: ClassVar[str] = "kind_of_a_later_release"
    secret: str


def test_resume_times_and_unknown_kinds(
    scripted_records: list[LogRecord], tmp_path_factory: pytest.TempPathFactory
) -> None:
    last = scripted_records[-1]
    extra = [
        LogRecord(
            last.seq + 1,
            at(2300),
            (SessionStatusChanged(SessionStatus.SUSPENDED, at(2300), resumes_at=at(3200)),),
            "presidium:t",
        ),
        LogRecord(last.seq + 2, at(2301), (_Later(secret="phiếu kín"),), "delegate:t"),
    ]
    for copy in COPIES:
        minutes = build_minutes(DEMO_ROOM, [*scripted_records, *extra], copy)
        assert minutes.status[-1].resume_at == at(3200)
        assert minutes.skipped_kinds == ("kind_of_a_later_release",)
        assert "phiếu kín" not in repr(minutes)
        out = tmp_path_factory.mktemp("resume") / f"{copy}.pdf"
        out.write_bytes(render_pdf(minutes, lang="vi", tz=TZ))
        text = squeezed(pdf_text(out))
        assert "(tiếptụclúc08:53:20)" in text  # the break's resume time: T0 + 3200 s


def test_a_paper_turned_all_day_keeps_every_turn_and_a_readable_pdf(
    scripted_records: list[LogRecord], tmp_path_factory: pytest.TempPathFactory
) -> None:
    last = scripted_records[-1]
    turns = 5000
    # Read in order once (pages 1 to 6), then flipped between two pages all day.
    pages = [1, 2, 3, 4, 5, 6] + [1 + i % 2 for i in range(turns - 6)]
    extra = [
        LogRecord(last.seq + n, at(3000 + n), (PageShown(PUBLIC_DOCUMENT[0], page),), "p:t")
        for n, page in enumerate(pages, start=1)
    ]
    minutes = build_minutes(DEMO_ROOM, [*scripted_records, *extra], "full")
    assert [turn.page for turn in minutes.shown[-1].pages] == pages
    out = tmp_path_factory.mktemp("turns") / "turns.pdf"
    out.write_bytes(render_pdf(minutes, lang="en", tz=TZ))
    text = pdf_text(out)
    # The run read in order is one entry; the middle of the flipping is counted, not listed.
    assert "1-6 (08:50:01 - 08:50:06)" in text
    # Listed: the run 1-6 and 47 flips, then the last 48 flips (two turns each).
    assert f"… {turns - 6 - 47 * 2 - 48 * 2} more page turns …" in text
    assert pypdfium2.PdfDocument(out).__len__() < 10
