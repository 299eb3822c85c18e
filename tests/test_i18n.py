"""Screen strings: both languages whole, every error code a refusal, a congress's register."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest

from session_server.protocol.codes import ERRORS, HttpErrorCode

I18N = Path(__file__).resolve().parents[1] / "session_server/static/common/i18n.js"

CLIENT_CODES = frozenset({"offline"})
"""Codes the screens make themselves (hub.js: a command sent with no connection)."""

_ENTRY = re.compile(r'^\s*"(?P<key>[^"\\]+)":\s*"(?P<text>(?:[^"\\]|\\.)*)",\s*$')
_COMMENT = re.compile(r"^\s*(//.*)?$")


def strings(source: str) -> dict[str, dict[str, str]]:
    """Every language's strings in i18n.js's STRINGS. Any line of a language's block that is
    neither an entry, a comment nor blank fails: nothing can hide from this parse."""
    block = re.search(r"^const STRINGS = \{\n(?P<body>.*?)^\};$", source, re.M | re.S)
    assert block, "no STRINGS object in i18n.js"
    languages: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for number, line in enumerate(block["body"].splitlines(), 1):
        opening = re.fullmatch(r" {2}(\w+): \{", line)
        if opening:
            current = languages.setdefault(opening[1], {})
            continue
        if line == "  },":
            current = None
            continue
        entry = _ENTRY.match(line)
        if entry and current is not None:
            assert entry["key"] not in current, f"{entry['key']} twice"
            current[entry["key"]] = entry["text"]
            continue
        assert _COMMENT.match(line), f"i18n.js STRINGS line {number} not understood: {line!r}"
    return languages


def literal_values(annotation: object) -> set[str]:
    """Every string of a Literal, through unions and nested Literals."""
    if isinstance(annotation, str):
        return {annotation}
    found: set[str] = set()
    for argument in typing.get_args(annotation):
        found |= literal_values(argument)
    return found


def error_codes() -> set[str]:
    """Frame errors (rule codes among them), HTTP refusals and render refusals, from codes.py."""
    return set(ERRORS) | literal_values(HttpErrorCode) | CLIENT_CODES


@pytest.fixture(scope="module")
def languages() -> dict[str, dict[str, str]]:
    return strings(I18N.read_text(encoding="utf-8"))


def test_vietnamese_and_english_each_have_every_key(languages: dict[str, dict[str, str]]) -> None:
    assert set(languages) == {"vi", "en"}
    vi, en = set(languages["vi"]), set(languages["en"])
    assert len(vi) > 100
    assert sorted(vi - en) == [], "keys without English"
    assert sorted(en - vi) == [], "keys without Vietnamese"
    for language, table in languages.items():
        assert not [key for key, text in table.items() if not text.strip()], language


def test_every_error_code_has_a_refusal_in_both_languages(
    languages: dict[str, dict[str, str]],
) -> None:
    codes = error_codes()
    # The registry's parts are all read: the frames' codes, the rules', HTTP's and rendering's.
    assert {"invalid_state", "rate_limited", "unauthorized", "file_too_large", "not_a_pdf"} <= codes
    for language, table in languages.items():
        missing = sorted(code for code in codes if f"error.{code}" not in table)
        assert missing == [], f"{language}: no error.<code> string for {missing}"
    assert "error.unknown" in languages["vi"]


def test_the_parse_finds_what_it_should() -> None:
    parsed = strings(
        'const STRINGS = {\n  vi: {\n    // a note\n    "a": "Một \\"câu\\"",\n  },\n'
        '  en: {\n    "a": "One",\n\n  },\n};\n'
    )
    assert parsed == {"vi": {"a": 'Một \\"câu\\"'}, "en": {"a": "One"}}
    with pytest.raises(AssertionError, match="not understood"):
        strings('const STRINGS = {\n  vi: {\n    "a": `template`,\n  },\n};\n')
    with pytest.raises(AssertionError, match="twice"):
        strings('const STRINGS = {\n  vi: {\n    "a": "x",\n    "a": "y",\n  },\n};\n')


def test_a_congress_is_addressed_as_a_congress(languages: dict[str, dict[str, str]]) -> None:
    """Comrades, never "bạn"; the presidium approves ("Duyệt"); one name for the secretariat."""
    vi = languages["vi"]
    informal = {k: v for k, v in vi.items() if re.search(r"\bbạn\b", v, re.I)}
    assert informal == {}
    assert not {k: v for k, v in vi.items() if "Ban Thư ký" in v}, "it is the Đoàn Thư ký"
    # The presidium approves a request ("Duyệt"); what it announces (công bố) is a vote's
    # result, in the regulation's own words, and only there.
    assert not {
        k: v for k, v in vi.items() if "công bố" in v.lower() and not k.startswith("console.vote.")
    }
    assert (vi["speakers.accept"], vi["speakers.accepted"]) == ("Duyệt", "đã duyệt")
    assert "Đoàn Thư ký" in vi["signIn.title"]
    assert vi["request.onFloor"].startswith("Đồng chí")


SOURCES = Path(__file__).resolve().parents[1]
WORDED = ("session_server", "presidium_console", "delegate_display/static")
"""Where the words people read are written: the minutes, the screens, the CLI's messages."""


def test_the_secretariat_has_one_name_in_the_minutes_and_everywhere_else() -> None:
    """The screens' name (Đoàn Thư ký), in the minutes' PDF and every other text too."""
    minutes = (SOURCES / "session_server/minutes/text.py").read_text()
    assert "Đoàn Thư ký" in minutes
    other = [
        f"{path.relative_to(SOURCES)}:{number}"
        for folder in WORDED
        for path in sorted((SOURCES / folder).rglob("*"))
        if path.suffix in {".py", ".js", ".html"} and "node_modules" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\bBan Thư ký\b", line, re.I)
    ]
    assert other == [], "it is the Đoàn Thư ký"
