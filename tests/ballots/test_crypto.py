"""The secret ballot's cryptography: what the hub must refuse, and a tally k of n members open."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from session_server.ballots import ballot, committee, elgamal, group, proofs, transport
from session_server.ballots.elgamal import Ciphertext

CEREMONY = proofs.context_of("congress-2026", "bch-khoa-moi", "committee")


class Committee:
    """n members' devices after the key ceremony (every share checked on the way)."""

    def __init__(self, members: int, threshold: int) -> None:
        self.threshold = threshold
        dealt = [committee.deal(m, threshold, CEREMONY) for m in range(1, members + 1)]
        self.dealings = [d for d, _ in dealt]
        for dealing in self.dealings:
            committee.check_dealing(dealing, threshold, CEREMONY)
        seals = [transport.new_key() for _ in range(members)]
        self.secrets: dict[int, bytes] = {}
        for recipient in range(1, members + 1):
            received = {}
            for dealing, secret in dealt:
                sealed = transport.seal(
                    secret.share_for(recipient),
                    seals[recipient - 1][1],
                    CEREMONY,
                    secret.member,
                    recipient,
                )
                opened = transport.open_sealed(
                    sealed, seals[recipient - 1][0], CEREMONY, secret.member, recipient
                )
                committee.check_share(recipient, opened, dealing)
                received[secret.member] = opened
            self.secrets[recipient] = committee.secret_share(received)
        self.key = committee.joint_key(self.dealings)

    def public(self, member: int) -> bytes:
        return committee.public_share(member, self.dealings)

    def shares(
        self, total: Ciphertext, members: list[int], label: bytes
    ) -> list[committee.DecryptionShare]:
        out = []
        for m in members:
            share = committee.decrypt_share(m, self.secrets[m], total, CEREMONY, label)
            committee.check_decryption_share(share, self.public(m), total, CEREMONY, label)
            out.append(share)
        return out


@pytest.fixture(scope="module")
def three_of_five() -> Committee:
    return Committee(5, 3)


def voter(number: int) -> bytes:
    return proofs.context_of("vote-7", f"delegate-{number}")


def test_a_ciphertext_of_two_or_minus_one_is_refused(three_of_five: Committee) -> None:
    key = three_of_five.key
    for forbidden in (2, -1):
        c, r = elgamal.encrypt(forbidden, key)
        for claimed in (0, 1):
            # A cheating tablet: a proof made as if the ciphertext held `claimed`.
            proof = proofs.prove_range(c, claimed, r, key, 1, b"ctx")
            with pytest.raises(proofs.ProofError):
                proofs.check_range(c, key, 1, b"ctx", proof)
    honest, r = elgamal.encrypt(1, key)
    proofs.check_range(honest, key, 1, b"ctx", proofs.prove_range(honest, 1, r, key, 1, b"ctx"))


def _overfull(kept: list[bool], key: bytes, seats: int, context: bytes) -> ballot.Ballot:
    """A ballot that keeps more names than seats, its sum proof lying about the count."""
    choices, choice_proofs, nonces = [], [], []
    for index, keep in enumerate(kept):
        c, r = elgamal.encrypt(int(keep), key)
        choices.append(c)
        nonces.append(r)
        choice_proofs.append(
            proofs.prove_range(c, int(keep), r, key, 1, ballot.choice_context(context, index))
        )
    lie = proofs.prove_range(
        elgamal.total(choices), seats, group.s_sum(nonces), key, seats, ballot.kept_context(context)
    )
    return ballot.Ballot(tuple(choices), tuple(choice_proofs), lie)


def test_a_ballot_keeping_more_names_than_seats_is_refused(three_of_five: Committee) -> None:
    key = three_of_five.key
    with pytest.raises(ValueError, match="at most as many names as seats"):
        ballot.make([True, True, True, False], key, 2, voter(1))
    cheat = _overfull([True, True, True, False], key, 2, voter(1))
    with pytest.raises(ballot.BallotError, match="keeps more than 2"):
        ballot.check(cheat, key, 2, voter(1))


def test_a_proof_copied_from_another_ballot_or_candidate_is_refused(
    three_of_five: Committee,
) -> None:
    key = three_of_five.key
    mine = ballot.make([True, False, True], key, 2, voter(1))
    ballot.check(mine, key, 2, voter(1))
    # Delegate 2 replays delegate 1's ballot as their own: it names delegate 1.
    with pytest.raises(ballot.BallotError):
        ballot.check(mine, key, 2, voter(2))
    # One candidate's proof moved onto another's ciphertext.
    other = ballot.make([False, True, False], key, 2, voter(2))
    spliced = ballot.Ballot(
        (mine.choices[0], *other.choices[1:]),
        (mine.choice_proofs[0], *other.choice_proofs[1:]),
        other.kept_proof,
    )
    with pytest.raises(ballot.BallotError):
        ballot.check(spliced, key, 2, voter(2))
    swapped = ballot.Ballot(mine.choices, tuple(reversed(mine.choice_proofs)), mine.kept_proof)
    with pytest.raises(ballot.BallotError):
        ballot.check(swapped, key, 2, voter(1))


@settings(max_examples=25, deadline=None)
@given(position=st.integers(min_value=0), bit=st.integers(min_value=0, max_value=7))
def test_a_tampered_proof_is_refused(position: int, bit: int) -> None:
    key = group.base_times(group.from_int(12345))
    c, r = elgamal.encrypt(1, key)
    proof = bytearray(proofs.prove_range(c, 1, r, key, 3, b"ctx"))
    proof[position % len(proof)] ^= 1 << bit
    with pytest.raises(proofs.ProofError):
        proofs.check_range(c, key, 3, b"ctx", bytes(proof))


def test_a_malformed_ballot_is_refused_before_any_proof() -> None:
    with pytest.raises(ballot.BallotError):
        ballot.Ballot.from_plain(
            {"choices": [b"\xff" * 64], "choice_proofs": [b""], "kept_proof": b""}, 1
        )
    with pytest.raises(ballot.BallotError):
        ballot.Ballot.from_plain({"choices": [], "choice_proofs": [], "kept_proof": b""}, 2)
    with pytest.raises(ballot.BallotError):
        ballot.Ballot.from_plain(["not", "a", "map"], 1)


def test_a_decryption_share_with_a_wrong_proof_is_refused(three_of_five: Committee) -> None:
    c, _ = elgamal.encrypt(4, three_of_five.key)
    label = b"candidate-1"
    honest = committee.decrypt_share(1, three_of_five.secrets[1], c, CEREMONY, label)
    committee.check_decryption_share(honest, three_of_five.public(1), c, CEREMONY, label)
    # Member 1's device claims a different value with its honest proof.
    forged = committee.DecryptionShare(
        1, group.add(honest.value, group.base_times(group.from_int(1))), honest.proof
    )
    with pytest.raises(committee.CommitteeError):
        committee.check_decryption_share(forged, three_of_five.public(1), c, CEREMONY, label)
    # Member 2 presents member 1's share as its own.
    stolen = committee.DecryptionShare(2, honest.value, honest.proof)
    with pytest.raises(committee.CommitteeError):
        committee.check_decryption_share(stolen, three_of_five.public(2), c, CEREMONY, label)
    # A share made for another total is not valid for this one.
    with pytest.raises(committee.CommitteeError):
        committee.check_decryption_share(
            honest, three_of_five.public(1), c, CEREMONY, b"candidate-2"
        )


def test_a_share_that_does_not_match_the_dealers_commitments_is_found() -> None:
    dealing, secret = committee.deal(1, 3, CEREMONY)
    committee.check_share(2, secret.share_for(2), dealing)
    with pytest.raises(committee.CommitteeError):
        committee.check_share(3, secret.share_for(2), dealing)
    tampered = committee.Dealing(1, dealing.commitments, (dealing.proofs[1], *dealing.proofs[1:]))
    with pytest.raises(committee.CommitteeError):
        committee.check_dealing(tampered, 3, CEREMONY)


def test_a_sealed_share_opens_only_for_its_recipient_and_unchanged() -> None:
    (alice, alice_public), (bob, _) = transport.new_key(), transport.new_key()
    sealed = transport.seal(b"s" * 32, alice_public, CEREMONY, 1, 2)
    assert transport.open_sealed(sealed, alice, CEREMONY, 1, 2) == b"s" * 32
    with pytest.raises(transport.SealError):
        transport.open_sealed(sealed, bob, CEREMONY, 1, 2)
    with pytest.raises(transport.SealError):
        transport.open_sealed(sealed, alice, CEREMONY, 3, 2)  # said to come from another dealer
    changed = bytearray(sealed)
    changed[-1] ^= 1
    with pytest.raises(transport.SealError):
        transport.open_sealed(bytes(changed), alice, CEREMONY, 1, 2)


def test_any_k_of_n_shares_open_the_tally_and_k_minus_one_open_nothing(
    three_of_five: Committee,
) -> None:
    rng = random.Random(7)
    seats, candidates, voters = 3, 5, 12
    key = three_of_five.key
    kept_by = [sorted(rng.sample(range(candidates), rng.randint(0, seats))) for _ in range(voters)]
    running = [elgamal.ZERO] * candidates
    for number, kept in enumerate(kept_by):
        cast = ballot.make([i in kept for i in range(candidates)], key, seats, voter(number))
        ballot.check(cast, key, seats, voter(number))
        running = [elgamal.add(t, c) for t, c in zip(running, cast.choices, strict=True)]
    expected = [sum(i in kept for kept in kept_by) for i in range(candidates)]
    table = elgamal.CountTable(voters)
    for members in itertools.combinations(range(1, 6), 3):
        counts = []
        for index, total in enumerate(running):
            label = proofs.context_of("candidate", index)
            shares = three_of_five.shares(total, list(members), label)
            counts.append(table.count(committee.open_total(total, shares, 3)))
        assert counts == expected, members
    # Two members (k - 1) cannot open a total: too few shares, and interpolating the two
    # as if they were enough gives no count at all.
    total = running[0]
    two = three_of_five.shares(total, [1, 2], b"x")
    with pytest.raises(committee.CommitteeError):
        committee.open_total(total, two, 3)
    guessed = committee.open_total(total, two, 2)
    assert table.count(guessed) is None


def test_the_hub_holds_nothing_that_decrypts(three_of_five: Committee) -> None:
    """The joint key's secret is no single member's share: one share opens nothing."""
    c, _ = elgamal.encrypt(1, three_of_five.key)
    for member, secret in three_of_five.secrets.items():
        alone = group.sub(c.data, group.times(secret, c.pad))
        assert alone != group.base_times(group.from_int(1)), member


async def test_the_hub_checks_ballots_again_on_a_new_pool_when_a_worker_died() -> None:
    import os
    import signal

    from session_server.ballots.checking import BallotChecker
    from session_server.core import vote_commands as vc
    from session_server.core.decide import Actor
    from session_server.core.state import Role
    from tests.core.test_votes import Devices, congress, election

    room = congress(3)
    vote = election(room, seats=1, candidates=1, surplus=0)
    devices = Devices(room, vote, members=(0, 1), threshold=1)
    room.do(vc.OpenVote(vote))
    context = proofs.context_of("r", vote, "d002")
    made = ballot.make([True], devices.key, 1, context)
    checker = BallotChecker(workers=1)
    try:
        actor = Actor(Role.DELEGATE, "d002")
        first = await checker.prepare(room.state, vc.CastBallot(vote, made.to_plain()), actor)
        assert isinstance(first, vc.RecordBallot)
        pool = checker._pool
        assert pool is not None
        for pid in list(pool._processes):  # the worker killed as the kernel's OOM killer would
            os.kill(pid, signal.SIGKILL)
        again = await checker.prepare(room.state, vc.CastBallot(vote, made.to_plain()), actor)
        assert isinstance(again, vc.RecordBallot)
    finally:
        checker.close()
