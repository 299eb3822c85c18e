"""Under any umask, what the hub and the CLI write is readable by the hub's own user only."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import HubProcess, run_cli


@pytest.fixture
def wide_umask() -> Iterator[None]:
    """The operator's shell as it usually is: new files 0644, directories 0755."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def modes(root: Path) -> dict[str, int]:
    found = {root.name: stat.S_IMODE(root.stat().st_mode)}
    for path in root.rglob("*"):
        found[str(path.relative_to(root))] = stat.S_IMODE(path.stat().st_mode)
    return found


def test_the_data_directory_and_every_file_in_it_are_private(
    tmp_path: Path, wide_umask: None
) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    # Rendered pages too: the presidium's personnel plan among them.
    hub = HubProcess(data, prerender=True)
    hub.start()
    try:
        renders = data / "documents"
        assert renders.exists()
    finally:
        hub.stop()
    found = modes(data)
    # The hub's output, captured by this test's own process, is not the hub's file.
    del found["hub.log"]
    assert len(found) > 10, found
    wide = {
        name: oct(mode)
        for name, mode in found.items()
        if mode & 0o077 or (mode & 0o700) not in (0o600, 0o700)
    }
    assert wide == {}


async def test_a_cards_sheet_written_over_a_readable_one_becomes_private(
    tmp_path: Path, wide_umask: None
) -> None:
    hub = HubProcess(tmp_path / "data")
    hub.start()
    try:
        cards = tmp_path / "cards.html"
        cards.write_text("old sheet", encoding="utf-8")
        cards.chmod(0o644)
        roll = tmp_path / "roll.csv"
        roll.write_text("id,name,unit,seat\nDB901,Nguyễn Văn Thử,Tổ 1,A1\n", encoding="utf-8")
        await run_cli(
            hub,
            "delegates",
            "import",
            str(roll),
            "--tokens",
            "--cards",
            str(cards),
            "--base-url",
            hub.http,
        )
        assert "Nguyễn Văn Thử" in cards.read_text(encoding="utf-8")
        assert stat.S_IMODE(cards.stat().st_mode) == 0o600
        token_file = hub.data_dir / "demo-tokens.txt"
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    finally:
        hub.stop()
