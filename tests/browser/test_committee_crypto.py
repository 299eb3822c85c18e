"""A committee member's device in Chromium and two on the hub's code hold one key together."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from session_server.ballots import ballot, committee, elgamal, proofs, transport
from tests.browser.ballot_page import open_ballot_page

CEREMONY = proofs.context_of("congress-2026", "executive-committee")

# Member 2's device: its state lives in the page between steps, as on a real screen.
_STEP = """async ([step, data]) => {
  const c = await import('/static/common/committee.js');
  const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  const bytes = (h) => Uint8Array.from(h.match(/../g), (x) => parseInt(x, 16));
  const ceremony = bytes(data.ceremony);
  const me = window.member ??= {};
  const toDealing = (d) => ({ member: d.member, commitments: d.commitments.map(bytes),
    proofs: d.proofs.map(bytes) });
  if (step === 'keys') {
    me.seal = c.newSealKey();
    const made = c.deal(2, data.threshold, ceremony);
    me.secret = made.secret;
    return {
      seal: hex(me.seal.public),
      commitments: made.dealing.commitments.map(hex),
      proofs: made.dealing.proofs.map(hex),
    };
  }
  if (step === 'shares') {
    const shares = {};
    for (const [recipient, key] of Object.entries(data.seals)) {
      shares[recipient] = hex(c.seal(c.shareFor(me.secret, Number(recipient)), bytes(key),
        ceremony, 2, Number(recipient)));
    }
    return shares;
  }
  if (step === 'receive') {
    const received = [c.shareFor(me.secret, 2)];
    const dealings = [];
    for (const d of data.dealings) {
      const dealing = toDealing(d);
      dealings.push(dealing);
      if (d.member === 2) continue;
      c.checkDealing(dealing, data.threshold, ceremony);
      const share = c.openSealed(bytes(data.sealed[d.member]), me.seal, ceremony, d.member, 2);
      c.checkShare(2, share, dealing);
      received.push(share);
    }
    me.share = c.secretShare(received);
    return hex(c.jointKey(dealings));
  }
  if (step === 'decrypt') {
    const s = c.decryptShare(2, me.share, bytes(data.total), ceremony, bytes(data.label));
    return { value: hex(s.value), proof: hex(s.proof) };
  }
  if (step === 'tampered') {
    try {
      c.checkDealing(toDealing(data.dealing), data.threshold, ceremony);
    } catch (e) {
      return e.message;
    }
    return null;
  }
  throw new Error(step);
}"""


@pytest.fixture(scope="module")
def device(browser: Browser) -> Iterator[Page]:
    context, page = open_ballot_page(browser)
    try:
        yield page
    finally:
        context.close()


def _step(page: Page, step: str, **data: Any) -> Any:
    return page.evaluate(_STEP, [step, {"ceremony": CEREMONY.hex(), **data}])


def _plain(dealing: committee.Dealing) -> dict[str, Any]:
    return {
        "member": dealing.member,
        "commitments": [c.hex() for c in dealing.commitments],
        "proofs": [p.hex() for p in dealing.proofs],
    }


def test_a_browser_member_and_two_hub_members_make_and_use_one_key(device: Page) -> None:
    threshold = 2
    browser_keys = _step(device, "keys", threshold=threshold)
    browser_dealing = committee.Dealing(
        2,
        tuple(bytes.fromhex(c) for c in browser_keys["commitments"]),
        tuple(bytes.fromhex(p) for p in browser_keys["proofs"]),
    )
    committee.check_dealing(browser_dealing, threshold, CEREMONY)
    ours = {m: committee.deal(m, threshold, CEREMONY) for m in (1, 3)}
    seals = {m: transport.new_key() for m in (1, 3)}
    # Member 2 seals its shares to members 1 and 3; they open and check them.
    sealed_by_browser = _step(device, "shares", seals={str(m): seals[m][1].hex() for m in (1, 3)})
    received: dict[int, dict[int, bytes]] = {1: {}, 3: {}}
    for m in (1, 3):
        share = transport.open_sealed(
            bytes.fromhex(sealed_by_browser[str(m)]), seals[m][0], CEREMONY, 2, m
        )
        committee.check_share(m, share, browser_dealing)
        received[m][2] = share
        for dealer, (_, secret) in ours.items():
            received[m][dealer] = secret.share_for(m)
    # Members 1 and 3 seal theirs to member 2, which opens and checks them in the browser.
    browser_seal = bytes.fromhex(browser_keys["seal"])
    dealings = [ours[1][0], browser_dealing, ours[3][0]]
    joint_in_browser = _step(
        device,
        "receive",
        threshold=threshold,
        dealings=[_plain(d) for d in dealings],
        sealed={
            str(m): transport.seal(secret.share_for(2), browser_seal, CEREMONY, m, 2).hex()
            for m, (_, secret) in ours.items()
        },
    )
    key = committee.joint_key(dealings)
    assert bytes.fromhex(joint_in_browser) == key
    # Ballots under that key; the browser member and member 3 open the totals.
    kept_by = [[True, False, True], [True, True, False], [False, False, True]]
    totals = [elgamal.ZERO] * 3
    for number, kept in enumerate(kept_by):
        cast = ballot.make(kept, key, 2, proofs.context_of("vote", number))
        totals = [elgamal.add(t, c) for t, c in zip(totals, cast.choices, strict=True)]
    secret_3 = committee.secret_share(received[3])
    table = elgamal.CountTable(len(kept_by))
    for index, total in enumerate(totals):
        label = proofs.context_of("candidate", index)
        from_browser = _step(device, "decrypt", total=total.to_bytes().hex(), label=label.hex())
        share_2 = committee.DecryptionShare(
            2, bytes.fromhex(from_browser["value"]), bytes.fromhex(from_browser["proof"])
        )
        committee.check_decryption_share(
            share_2, committee.public_share(2, dealings), total, CEREMONY, label
        )
        share_3 = committee.decrypt_share(3, secret_3, total, CEREMONY, label)
        opened = committee.open_total(total, [share_2, share_3], threshold)
        assert table.count(opened) == sum(kept[index] for kept in kept_by)


def test_the_browser_refuses_a_dealing_with_a_borrowed_proof(device: Page) -> None:
    dealing, _ = committee.deal(1, 2, CEREMONY)
    borrowed = committee.Dealing(1, dealing.commitments, (dealing.proofs[1], dealing.proofs[1]))
    message = _step(device, "tampered", threshold=2, dealing=_plain(borrowed))
    assert message == "member 1: coefficient 0 unproven"
