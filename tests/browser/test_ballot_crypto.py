"""A ballot made by the tablet's code in Chromium (@noble/curves) checks on the hub (libsodium)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from session_server.ballots import ballot, committee, elgamal, group, proofs
from tests.browser.ballot_page import MAKE, open_ballot_page

CEREMONY = proofs.context_of("test", "committee")


@pytest.fixture(scope="module")
def page(browser: Browser) -> Iterator[Page]:
    context, opened = open_ballot_page(browser)
    try:
        yield opened
    finally:
        context.close()


def _parsed(made: dict[str, Any], candidates: int) -> ballot.Ballot:
    return ballot.Ballot.from_plain(
        {
            "choices": [bytes.fromhex(c) for c in made["choices"]],
            "choice_proofs": [bytes.fromhex(p) for p in made["choice_proofs"]],
            "kept_proof": bytes.fromhex(made["kept_proof"]),
        },
        candidates,
    )


def _number(scalar: bytes) -> int:
    return int.from_bytes(scalar, "little")


def test_the_browsers_hashes_and_contexts_equal_the_hubs(page: Page) -> None:
    found = page.evaluate(
        """async () => {
          const b = await import('/static/common/ballot.js');
          const hex = (n) => n.toString(16);
          const enc = new TextEncoder();
          return {
            context: Array.from(b.contextOf('vote-1', 'DB001', 7)),
            empty: hex(b.hashToScalar(enc.encode('d'))),
            parts: hex(b.hashToScalar(enc.encode('domain'), enc.encode('a'), new Uint8Array(300))),
          };
        }"""
    )
    assert bytes(found["context"]) == proofs.context_of("vote-1", "DB001", 7)
    assert int(found["empty"], 16) == _number(group.hash_to_scalar(b"d"))
    assert int(found["parts"], 16) == _number(group.hash_to_scalar(b"domain", b"a", bytes(300)))


def test_a_ballot_made_in_the_browser_checks_and_opens_on_the_hub(page: Page) -> None:
    dealt = [committee.deal(m, 2, CEREMONY) for m in (1, 2, 3)]
    key = committee.joint_key([d for d, _ in dealt])
    kept = [True, False, True, True, False, False, True, False]
    made = page.evaluate(MAKE, [list(key), kept, 5, "vote-9", "DB042"])
    cast = _parsed(made, len(kept))
    context = proofs.context_of("vote-9", "DB042")
    ballot.check(cast, key, 5, context)
    assert made["fingerprint"] == ballot.fingerprint(cast)
    # Another delegate cannot present it as theirs; a changed byte breaks it.
    with pytest.raises(ballot.BallotError):
        ballot.check(cast, key, 5, proofs.context_of("vote-9", "DB043"))
    broken = bytearray(cast.kept_proof)
    broken[3] ^= 0x10
    with pytest.raises(ballot.BallotError):
        ballot.check(
            ballot.Ballot(cast.choices, cast.choice_proofs, bytes(broken)), key, 5, context
        )
    # Opened by two of the three members, each candidate's total is the choice made.
    table = elgamal.CountTable(1)
    for index, total in enumerate(cast.choices):
        shares = []
        for member in (1, 3):
            secret = committee.secret_share({d.member: s.share_for(member) for d, s in dealt})
            shares.append(committee.decrypt_share(member, secret, total, CEREMONY, b"c"))
        assert table.count(committee.open_total(total, shares, 2)) == int(kept[index])


def test_the_browser_will_not_make_a_ballot_keeping_more_names_than_seats(page: Page) -> None:
    key = group.base_times(group.from_int(99))
    message = page.evaluate(
        """async ([key]) => {
          const b = await import('/static/common/ballot.js');
          try { b.makeBallot([true, true, true], Uint8Array.from(key), 2, b.contextOf('v', 'd')); }
          catch (e) { return e.message; }
          return null;
        }""",
        [list(key)],
    )
    assert message == "a ballot keeps at most as many names as seats"
