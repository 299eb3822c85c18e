"""docs/voting.md and docs/limits.md say what the ballot code does: its domains and limit."""

from __future__ import annotations

from pathlib import Path

from session_server.ballots import proofs, transport

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_hash_domain_is_written_in_the_voting_doc() -> None:
    text = (DOCS / "voting.md").read_text(encoding="utf-8")
    for domain in (proofs.RANGE, proofs.EQUAL_LOGS, proofs.KNOWLEDGE, transport._INFO):
        assert f"`{domain.decode()}`" in text, domain


def test_the_range_limit_is_in_the_limits_doc() -> None:
    limits = (DOCS / "limits.md").read_text(encoding="utf-8")
    assert f"| `MAX_RANGE` (`session_server.ballots.proofs`) | {proofs.MAX_RANGE} |" in limits
    assert f"`MAX_RANGE` = {proofs.MAX_RANGE}" in (DOCS / "voting.md").read_text(encoding="utf-8")


def test_the_votes_limits_are_in_the_limits_doc() -> None:
    from session_server.core import plain, vote_rules, voting

    limits = (DOCS / "limits.md").read_text(encoding="utf-8")
    for name, value in (
        ("`MAX_CANDIDATES` (`vote_rules`)", vote_rules.MAX_CANDIDATES),
        ("`MAX_SEATS` (`vote_rules`)", vote_rules.MAX_SEATS),
        ("`MAX_COMMITTEE` (`vote_rules`)", vote_rules.MAX_COMMITTEE),
        ("`MAX_SURPLUS_PERCENT` (`core.voting`)", voting.MAX_SURPLUS_PERCENT),
        ("`MAX_BYTES` (`core.plain`)", plain.MAX_BYTES),
    ):
        assert f"| {name} | {value} |" in limits, name
