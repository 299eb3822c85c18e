"""The screens' copy of the status matrix (status.js) says what the hub's table says."""

from __future__ import annotations

import json
import re
from pathlib import Path

from session_server.core.status_rules import ALLOWED

STATUS_JS = Path(__file__).resolve().parents[1] / "session_server/static/common/status.js"


def copied() -> dict[str, set[str]]:
    source = STATUS_JS.read_text()
    block = re.search(r"^const ALLOWED = \{\n(?P<body>.*?)^\};$", source, re.M | re.S)
    assert block, "no ALLOWED object in status.js"
    table: dict[str, set[str]] = {}
    for line in block["body"].splitlines():
        entry = re.fullmatch(r'  "(?P<name>\w+)": (?P<statuses>\[[^]]*\]),', line)
        assert entry, f"not an entry: {line!r}"
        table[entry["name"]] = set(json.loads(entry["statuses"]))
    return table


def test_the_screens_grey_out_exactly_what_the_hub_refuses() -> None:
    table = copied()
    assert table, "status.js copies no command"
    for name, statuses in table.items():
        assert name in ALLOWED, f"{name} is not a command"
        assert statuses == {status.value for status in ALLOWED[name]}, name


def test_the_parse_sees_every_line() -> None:
    """A line the parse did not understand fails rather than passing unread."""
    assert "request_floor" in copied()
    assert copied()["grant_floor"] == {"in_session"}
