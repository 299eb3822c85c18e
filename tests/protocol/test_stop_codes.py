"""The screens stop reconnecting on exactly the close codes the registry marks `stop`."""

from __future__ import annotations

import re
from pathlib import Path

import session_server
from session_server.protocol.codes import CLOSE_CODES, Reaction

HUB_JS = Path(session_server.__file__).parent / "static" / "common" / "hub.js"
DECLARATION = re.compile(r"^export const STOP_CODES = \[([\d, ]*)\];$", re.MULTILINE)


def browser_stop_codes(source: str) -> list[int]:
    """The codes of hub.js's one-line `STOP_CODES` declaration, in their order there."""
    declarations = DECLARATION.findall(source)
    assert len(declarations) == 1, "hub.js declares `export const STOP_CODES = [...];` once"
    return [int(code) for code in declarations[0].split(",") if code.strip()]


def test_the_browser_stops_on_the_registrys_stop_codes_and_no_other() -> None:
    registry = {code for code, close in CLOSE_CODES.items() if close.reaction is Reaction.STOP}
    browser = browser_stop_codes(HUB_JS.read_text(encoding="utf-8"))

    assert len(browser) == len(set(browser)), browser
    assert sorted(registry - set(browser)) == [], "stop codes the screens would retry"
    assert sorted(set(browser) - registry) == [], "codes the screens stop on, not in the registry"
