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
from tests.minutes.session import CHECKPOINT_REASONS, TZ, VOTE, at
from tests.minutes.texts import board_may_not_see, leaks, pdf_text, squeezed


@pytest.fixture(scope="module")
def copies(scripted_records: list[LogRecord]) -> dict[Copy, Minutes]:
    return {copy: build_minutes(DEMO_ROOM, scripted_records, copy) for copy in COPIES}


@pytest.fixture(scope="module")
def texts(copies: dict[Copy, Minutes]) -> dict[Copy, str]:
    """Each copy's PDF in Vietnamese, read back as text without whitespace."""
    return {copy: squeezed(pdf_text(render_pdf(m, lang="vi", tz=TZ))) for copy, m in copies.items()}


def test_the_vote_with_its_settings_turnout_and_result(
    copies: dict[Copy, Minutes], texts: dict[Copy, str]
) -> None:
    for copy in COPIES:
        (vote,) = copies[copy].votes
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


def test_the_public_copy_has_the_vote_and_still_nothing_a_board_may_not_see(
    texts: dict[Copy, str],
) -> None:
    secrets = board_may_not_see()
    # Who was in the electorate and what each chose are the full copy's at most.
    assert set(VOTE.voters) <= secrets
    assert leaks(texts["public"], secrets) == []
    assert squeezed(VOTE.title) in texts["public"]


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
    vote_closed = next(
        r.seq for r in scripted_records if any(e.kind == "vote_closed" for e in r.events)
    )
    assert logged[1][1].head_seq == vote_closed
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
