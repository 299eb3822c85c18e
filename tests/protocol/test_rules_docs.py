"""The session rules as the docs and the screens state them: the status matrix, the reasons."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from session_server.core.commands import COMMAND_TYPES
from session_server.core.errors import RULE_REASONS
from session_server.core.state import SessionStatus
from session_server.core.status_rules import ALLOWED, refusal
from session_server.protocol.codes import ERRORS, REASONS
from tests.test_docs import PROTOCOL, chapter, heading_body

ROOT = Path(__file__).resolve().parents[2]
I18N = (ROOT / "session_server" / "static" / "common" / "i18n.js").read_text(encoding="utf-8")


def table(text: str) -> list[list[str]]:
    """The rows of the first table in `text`, header and separator left out."""
    rows = []
    for line in text.splitlines():
        if line.startswith("|---"):
            continue
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif rows:
            break
    return rows[1:]


def test_the_status_matrix_has_a_row_for_every_command() -> None:
    assert set(ALLOWED) == set(COMMAND_TYPES)


def test_the_documented_status_matrix_is_the_code_s() -> None:
    rows = table(heading_body(PROTOCOL, "What each status allows"))
    header = next(
        line
        for line in heading_body(PROTOCOL, "What each status allows").splitlines()
        if line.startswith("| Command")
    )
    statuses = [cell.strip().strip("`") for cell in header.strip("|").split("|")[1:]]
    assert statuses == [status.value for status in SessionStatus]
    documented: dict[str, list[str | None]] = {}
    for cells in rows:
        name = cells[0].strip("`")
        documented[name] = [
            None if cell == "yes" else cell.strip("`") for cell in cells[1 : 1 + len(statuses)]
        ]
    assert set(documented) == set(COMMAND_TYPES)
    for name, documented_cells in documented.items():
        assert documented_cells == [refusal(status, name) for status in SessionStatus], name


def test_every_reason_is_in_the_registry_and_the_docs_with_its_code() -> None:
    assert list(REASONS) == list(RULE_REASONS)
    rows = table(heading_body(PROTOCOL, "Reasons"))
    documented = {cells[1].strip("`"): (cells[0].strip("`"), cells[2]) for cells in rows}
    assert documented == {r: (e.code, e.meaning) for r, e in REASONS.items()}
    assert len(rows) == len(REASONS)
    assert all(entry.code in ERRORS for entry in REASONS.values())


def strings_of(language: str) -> dict[str, str]:
    start = I18N.index(f"\n  {language}: {{")
    end = I18N.index("\n  },", start)
    return dict(re.findall(r'^\s+"([^"]+)": "((?:[^"\\]|\\.)*)",$', I18N[start:end], re.M))


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_reason_has_a_string_in_both_languages(language: str) -> None:
    strings = strings_of(language)
    for reason in RULE_REASONS:
        assert strings.get(f"reason.{reason}", "").strip(), (language, reason)
    known = {key.removeprefix("reason.") for key in strings if key.startswith("reason.")}
    assert known == set(RULE_REASONS)


def test_vietnamese_reasons_address_a_delegate_as_dong_chi() -> None:
    reasons = {k: v for k, v in strings_of("vi").items() if k.startswith("reason.")}
    assert not [k for k, v in reasons.items() if re.search(r"\b[Bb]ạn\b", v)]
    assert "đồng chí" in reasons["reason.not_on_roll"].lower()


def test_the_views_in_each_status_are_documented() -> None:
    rows = table(heading_body(PROTOCOL, "What each audience sees in each status"))
    assert [cells[0].strip("`") for cells in rows] == [s.value for s in SessionStatus]
    view = chapter(PROTOCOL, "6. The view")
    assert "`resumes_at`" in heading_body(view, "session")
