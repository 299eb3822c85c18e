"""Reading the minutes back as a reader would: a PDF's text, a model's strings, the secrets."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pypdfium2

from session_server.demo import demo_delegates
from session_server.minutes.entries import Minutes
from tests.minutes.session import CONFIDENTIAL, FOR_DELEGATES, PENDING, SILENT, SPEECHES


def pdf_text(path: Path | bytes) -> str:
    document = pypdfium2.PdfDocument(path)
    try:
        pages = []
        for page in document:
            text_page = page.get_textpage()
            pages.append(text_page.get_text_range())
            text_page.close()
            page.close()
        return "\n".join(pages)
    finally:
        document.close()


def squeezed(text: str) -> str:
    """Without whitespace: a title wrapped in a table cell is still found whole."""
    return re.sub(r"\s+", "", text)


def strings(value: Any) -> list[str]:
    """Every string in a model, its field values and nested values alike."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return strings(dataclasses.asdict(value))
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*strings(k), *strings(v))]
    if isinstance(value, list | tuple):
        return [s for v in value for s in strings(v)]
    return []


def board_may_not_see() -> set[str]:
    """What a board is never sent: the non-public documents' ids and titles, every delegate
    id and seat, and the names of those who did not speak (a pending request, the roll)."""
    speakers = {s.delegate_id for s in SPEECHES}
    secrets = {*CONFIDENTIAL, *FOR_DELEGATES, "MẬT"}
    for delegate in demo_delegates():
        secrets |= {delegate.id, delegate.seat}
        if delegate.id not in speakers:
            secrets.add(delegate.name)
    names = {d.id: d.name for d in demo_delegates()}
    assert names[PENDING] in secrets
    assert names[SILENT] in secrets
    return secrets


FINGERPRINT = re.compile(r"[0-9A-F]{4}(?:\s+[0-9A-F]{4}){3}")
"""A checkpoint's fingerprint, public by design (every board shows it): sixteen upper-case
hex digits that can spell a seat ("C05") or a delegate's id ("DB012") by chance, so the
search leaves them out rather than report a random hash as a leak."""


def leaks(text: str, secrets: set[str]) -> list[str]:
    flat = squeezed(FINGERPRINT.sub(" ", text))
    return sorted(s for s in secrets if squeezed(s) in flat)


def model_leaks(minutes: Minutes, secrets: set[str]) -> list[str]:
    texts = [t for t in strings(minutes) if not FINGERPRINT.fullmatch(t)]
    return sorted({s for text in texts for s in secrets if s in text})
