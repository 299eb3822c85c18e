"""The sample minutes under docs/: the script that makes them runs, and what it makes reads:
a vote with its result and the log's signed checkpoints, in both copies."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pypdfium2

from session_server.minutes.sample import VOTE_TITLE, make
from tests.minutes.texts import FINGERPRINT, pdf_text, squeezed

DOCS = Path(__file__).resolve().parent.parent.parent / "docs"


def test_the_sample_is_made_again_and_the_committed_one_opens(tmp_path: Path) -> None:
    made = asyncio.run(make(tmp_path))
    assert [path.name for path in made] == ["minutes-sample.pdf", "minutes-sample-public-en.pdf"]
    for path in made:
        committed = DOCS / path.name
        assert len(pypdfium2.PdfDocument(committed)) == len(pypdfium2.PdfDocument(path))
        assert pdf_text(committed) == pdf_text(path), f"run the sample script: {path.name}"
    full, public = (squeezed(pdf_text(path)) for path in made)
    # The personnel plan is shown in the morning: named in the full copy alone.
    for secret in ("Đề án nhân sự Ban Chấp hành (MẬT)", "de-an-nhan-su", "DB005"):
        assert squeezed(secret) in full
        assert squeezed(secret) not in public
    # The point of the record: the vote's result, and the fingerprints a reader compares.
    english = pdf_text(made[1])
    assert squeezed(VOTE_TITLE) in full
    assert (
        squeezed("Tán thành 33, không tán thành 3, không biểu quyết 1; cơ sở tính 40: Thông qua.")
        in full
    )
    assert squeezed("For 33, against 3, not voting 1; base 40: Adopted.") in public
    for text in (pdf_text(made[0]), english):
        assert len(FINGERPRINT.findall(text)) == 7, "items 1 to 5 closed, the vote, adjourned"
    assert "vote_closed" in english
    assert "adjourned" in english
