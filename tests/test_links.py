"""The repo stands on its own: every relative link in its Markdown resolves to a file in it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# [text](target) and ![alt](target); the target ends at whitespace or the closing paren.
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def markdown_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "*.md"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return [ROOT / name for name in listed if not name.startswith(("node_modules", ".venv"))]


def relative_links(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    # Code blocks hold examples, not links.
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    return [
        target
        for target in LINK.findall(text)
        if not re.match(r"^[a-z][a-z0-9+.-]*:", target) and not target.startswith("#")
    ]


def test_the_markdown_files_are_found() -> None:
    names = {path.relative_to(ROOT).as_posix() for path in markdown_files()}
    assert {"README.md", "docs/architecture.md", "docs/protocol.md"} <= names


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_stays_inside_the_repo_and_exists(path: Path) -> None:
    for target in relative_links(path):
        resolved = (path.parent / target.split("#", 1)[0]).resolve()
        assert resolved.is_relative_to(ROOT), f"{path.name} links outside the repo: {target}"
        assert resolved.exists(), f"{path.name} links to a missing file: {target}"


def test_a_link_outside_the_repo_is_caught(tmp_path: Path) -> None:
    page = ROOT / "docs" / "architecture.md"
    sample = "See [the design](../../outside/DESIGN.md) and [ok](protocol.md)."
    copy = tmp_path / "page.md"
    copy.write_text(sample, encoding="utf-8")
    targets = relative_links(copy)
    assert targets == ["../../outside/DESIGN.md", "protocol.md"]
    outside = (page.parent / targets[0]).resolve()
    assert not outside.is_relative_to(ROOT)
