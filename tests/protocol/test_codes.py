"""Error codes have one typed definition: the registry, the docs and mypy all follow it."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest
from mypy import api as mypy_api

from session_server.core.errors import ERROR_CODES
from session_server.protocol.codes import ERRORS, HttpErrorCode

ROOT = Path(__file__).resolve().parent.parent.parent
PROTOCOL = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")


HTTP_CODES = {code for literal in get_args(HttpErrorCode) for code in get_args(literal)}


def test_every_error_code_has_one_registry_entry_and_the_registry_no_other() -> None:
    assert set(ERRORS) == ERROR_CODES
    for code, entry in ERRORS.items():
        assert entry.code == code


@pytest.mark.parametrize("code", sorted(HTTP_CODES - ERROR_CODES))
def test_every_code_only_the_documents_api_answers_is_documented(code: str) -> None:
    documents_chapter = PROTOCOL[PROTOCOL.index("\n## 14. Documents over HTTP") :]
    assert f"`{code}`" in documents_chapter


def test_mypy_refuses_a_misspelt_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    snippet = tmp_path / "refusals.py"
    snippet.write_text(
        "from session_server.core.decide import Rejection\n"
        "from session_server.documents.http import error\n"
        "from session_server.protocol.messages import ProtocolError\n"
        'Rejection("invalid_args", "spelt right", "title_length")\n'
        'Rejection("invalid_arg", "misspelt", "title_length")\n'
        'ProtocolError("rate_limitted", "misspelt")\n'
        'error(413, "file_too_large", "spelt right")\n'
        'error(422, "not_pdf", "misspelt")\n'
        'Rejection("invalid_args", "a misspelt reason", "title_lenght")\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(ROOT)
    report, _, status = mypy_api.run(
        ["--strict", "--no-incremental", "--follow-imports=silent", str(snippet)]
    )
    assert status == 1
    flagged = {int(line.split(":")[1]) for line in report.splitlines() if ": error: " in line}
    assert flagged == {5, 6, 8, 9}, report
