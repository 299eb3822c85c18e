"""The sample minutes under docs/: the script that makes them runs, and what it makes reads."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pypdfium2

from session_server.minutes.sample import make
from tests.minutes.texts import pdf_text, squeezed

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
