"""The hub starts without the libraries only some of its work needs: they are loaded when
that work first comes, and the memory they take is not carried from the start."""

from __future__ import annotations

import subprocess
import sys

import pytest

LOADED_WHEN_NEEDED = {
    "rbcl": "libsodium, for secret ballots (some 9 MB)",
    "fpdf": "fpdf2, for minutes, roll-ups and contributions as PDF",
    "fontTools": "fpdf2's fonts",
    "redis": "redis-py, for the Redis backend",
    "PIL": "Pillow, for page images (made in the render workers)",
    "pypdfium2": "PDFium, for page images (made in the render workers)",
}


@pytest.mark.parametrize("module", sorted(LOADED_WHEN_NEEDED))
def test_the_hub_starts_without(module: str) -> None:
    # A fresh interpreter: this one has loaded everything the other tests used.
    code = (
        "import sys, session_server.app, session_server.cli.serve\n"
        f"print({module!r} in sys.modules)"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "False", LOADED_WHEN_NEEDED[module]


def test_a_ballot_loads_libsodium_when_it_comes() -> None:
    code = (
        "import sys\n"
        "from session_server.ballots import elgamal, group\n"
        "assert 'rbcl' not in sys.modules\n"
        "c, _ = elgamal.encrypt(1, group.base_times(group.from_int(5)))\n"
        "print('rbcl' in sys.modules, group.is_point(c.pad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["True", "True"]
