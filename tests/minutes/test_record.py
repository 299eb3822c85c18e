"""The scripted session's vote and signed checkpoints in both copies of the minutes, against the
script, and the fingerprints the minutes print against what `congress verify` reports."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from session_server.backends.base import LogRecord
from session_server.core.events import CheckpointRecorded
from session_server.demo import DEMO_ROOM
from session_server.minutes.entries import COPIES, Copy, Minutes
from session_server.minutes.model import build_minutes
from session_server.minutes.pdf import render_pdf
from tests.minutes.cli import congress
from tests.minutes.conftest import Scripted
from tests.minutes.session import (
    CANDIDATES,
    CHECKPOINT_REASONS,
    ELECTION_TITLE,
    ELECTORS,
    TZ,
    VOTE,
    at,
)
from tests.minutes.texts import board_may_not_see, leaks, pdf_text, squeezed


@pytest.fixture(scope="module")
def copies(scripted_records: list[LogRecord]) -> dict[Copy, Minutes]:
    return {copy: build_minutes(DEMO_ROOM, scripted_records, copy) for copy in COPIES}


@pytest.fixture(scope="module")
def read_back(copies: dict[Copy, Minutes]) -> dict[Copy, str]:
    """Each copy's PDF in Vietnamese, read back as text."""
    return {copy: pdf_text(render_pdf(m, lang="vi", tz=TZ)) for copy, m in copies.items()}


@pytest.fixture(scope="module")
def texts(read_back: dict[Copy, str]) -> dict[Copy, str]:
    """The same without whitespace: a line wrapped in a table cell is still found whole."""
    return {copy: squeezed(text) for copy, text in read_back.items()}


def test_the_vote_with_its_settings_turnout_and_result(
    copies: dict[Copy, Minutes], texts: dict[Copy, str]
) -> None:
    for copy in COPIES:
        vote = copies[copy].votes[0]
        assert (vote.kind, vote.title) == ("question", VOTE.title)
        assert (vote.threshold, vote.base_rule, vote.seats) == (VOTE.threshold, VOTE.base, 0)
        assert (vote.opened_at, vote.closed_at) == (at(VOTE.opened), at(VOTE.closed))
        assert (vote.issued, vote.cast, vote.not_cast) == (10, 9, 1)
        assert vote.result is not None
        assert tuple(vote.result["counts"]) == VOTE.counts == (7, 1, 1)
        assert vote.result["base"] == len(VOTE.voters)
        assert vote.result["passed"] is True, "7 of 10 is two-thirds or more"
        text = texts[copy]
        assert squeezed(f"Biểu quyết: {VOTE.title}") in text
        assert (
            squeezed(
                "Mở lúc 15/10/2025 08:33:50, kết thúc lúc 15/10/2025 08:34:10; "
                "tỷ lệ cần đạt: từ hai phần ba trở lên, "
                "cơ sở tính: đại biểu có mặt khi mở biểu quyết."
            )
            in text
        )
        assert (
            squeezed("Số phiếu phát ra 10 = số phiếu thu về 9 + số phiếu không thu về 1.") in text
        )
        assert (
            squeezed(
                "Tán thành 7, không tán thành 1, không biểu quyết 1; cơ sở tính 10: Thông qua."
            )
            in text
        )


def test_the_election_with_its_settings_turnout_and_result(
    copies: dict[Copy, Minutes], texts: dict[Copy, str]
) -> None:
    for copy in COPIES:
        assert [v.vote_id for v in copies[copy].votes] == ["vote-1", "vote-2"]
        election = copies[copy].votes[1]
        assert (election.kind, election.title) == ("election", ELECTION_TITLE)
        assert (election.threshold, election.base_rule, election.seats) == ("half", "present", 3)
        assert election.candidates == tuple((c.id, c.name, c.unit) for c in CANDIDATES)
        assert (election.opened_at, election.closed_at) == (at(2070), at(2080))
        assert (election.issued, election.cast) == (len(ELECTORS), len(ELECTORS))
        assert election.result is not None
        assert election.result["counts"] == [5, 4, 3]
        assert (election.result["elected"], election.result["tied"]) == (["c1", "c2"], [])
        assert (election.result["base"], election.result["unfilled"]) == (6, 1)
        text = texts[copy]
        assert squeezed(f"Bầu cử: {ELECTION_TITLE}") in text
        assert squeezed("tỷ lệ cần đạt: quá một nửa, cơ sở tính: đại biểu có mặt") in text
        assert squeezed("Số phiếu phát ra 6 = số phiếu thu về 6 + số phiếu không thu về 0.") in text
        for candidate, count in zip(CANDIDATES, (5, 4, 3), strict=True):
            assert squeezed(f"{candidate.name}{candidate.unit}{count}") in text
        assert text.count(squeezed("Trúng cử")) == 2
        assert squeezed("Cơ sở tính 6; số lượng cần bầu 3; còn thiếu 1.") in text


def test_the_public_copy_has_the_vote_and_still_nothing_a_board_may_not_see(
    read_back: dict[Copy, str], texts: dict[Copy, str]
) -> None:
    secrets = board_may_not_see()
    # Who was in the electorate and what each chose are the full copy's at most.
    assert set(VOTE.voters) <= secrets
    assert leaks(read_back["public"], secrets) == []
    assert leaks(read_back["full"], secrets), "the search is not blind"
    assert squeezed(VOTE.title) in texts["public"]
    assert squeezed(ELECTION_TITLE) in texts["public"]
    assert all(squeezed(c.name) in texts["public"] for c in CANDIDATES)


def test_the_checkpoints_are_the_logs_signed_ones(
    scripted_records: list[LogRecord], copies: dict[Copy, Minutes], texts: dict[Copy, str]
) -> None:
    logged = [
        (record.seq, event)
        for record in scripted_records
        for event in record.events
        if isinstance(event, CheckpointRecorded)
    ]
    assert tuple(event.reason for _, event in logged) == CHECKPOINT_REASONS
    closed = [r.seq for r in scripted_records if any(e.kind == "vote_closed" for e in r.events)]
    counted = [r.seq for r in scripted_records if any(e.kind == "vote_counted" for e in r.events)]
    # The question is closed and counted in one record; the election counted later.
    assert closed[0] == counted[0]
    assert [event.head_seq for _, event in logged[1:4]] == [closed[0], closed[1], counted[1]]
    assert logged[-1][0] == scripted_records[-1].seq, "the adjournment's checkpoint ends the log"
    for copy in COPIES:
        got = [(c.seq, c.reason, c.head_seq, c.fingerprint) for c in copies[copy].checkpoints]
        assert got == [(s, e.reason, e.head_seq, e.fingerprint) for s, e in logged]
        for _, event in logged:
            assert squeezed(event.fingerprint) in texts[copy]


def test_the_fingerprint_printed_is_the_one_verify_reports(
    scripted_template: Scripted, copies: dict[Copy, Minutes], tmp_path: Path
) -> None:
    data_dir = scripted_template.data_dir
    checked = congress(
        data_dir, "verify", str(data_dir), "--public-key", str(scripted_template.key_file)
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    reported = re.search(
        rf"OK   room '{DEMO_ROOM}': .* last checkpoint ([0-9A-F ]{{19}}) over seq (\d+)",
        checked.stdout,
    )
    assert reported, checked.stdout
    last = copies["full"].checkpoints[-1]
    assert (reported.group(1), int(reported.group(2))) == (last.fingerprint, last.head_seq)
    # The PDF `congress minutes` writes prints it, in both copies.
    for flag in ((), ("--public",)):
        out = tmp_path / f"minutes{''.join(flag)}.pdf"
        made = congress(data_dir, "minutes", "--out", str(out), *flag)
        assert made.returncode == 0, made.stderr
        assert squeezed(reported.group(1)) in squeezed(pdf_text(out))
    # And what the secretariat wrote down from it is what `--expect` looks for.
    expected = congress(data_dir, "verify", str(data_dir), "--expect", reported.group(1))
    assert expected.returncode == 0, expected.stdout
