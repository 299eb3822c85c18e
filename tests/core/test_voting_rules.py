"""The result rules of votes: thresholds, bases, the list's surplus, who is elected."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from session_server.core.voting import (
    MAX_SURPLUS_PERCENT,
    Base,
    Threshold,
    base_size,
    elect,
    list_problem,
    most_candidates,
    reaches,
)


@given(votes=st.integers(0, 1000), base=st.integers(0, 1000))
def test_thresholds_match_the_exact_fractions(votes: int, base: int) -> None:
    share = Fraction(votes, base) if base else None
    assert reaches(votes, base, Threshold.HALF) == (share is not None and share > Fraction(1, 2))
    assert reaches(votes, base, Threshold.TWO_THIRDS) == (
        share is not None and share >= Fraction(2, 3)
    )


def test_half_is_strictly_more_than_half() -> None:
    assert not reaches(250, 500, Threshold.HALF)
    assert reaches(251, 500, Threshold.HALF)
    assert reaches(334, 500, Threshold.TWO_THIRDS)
    assert not reaches(333, 500, Threshold.TWO_THIRDS)


def test_the_base_is_the_convened_less_those_absent_throughout_or_those_present() -> None:
    assert base_size(Base.CONVENED, convened=350, absent_throughout=4, present=331) == 346
    assert base_size(Base.PRESENT, convened=350, absent_throughout=4, present=331) == 331


def test_the_list_may_exceed_the_seats_by_the_congress_surplus_at_most_thirty_percent() -> None:
    assert most_candidates(53, 20) == 63
    assert most_candidates(53, 30) == 68
    assert list_problem(53, 60, 20) is None
    assert list_problem(53, 64, 20) is not None
    assert list_problem(53, 52, 20) == "fewer candidates than seats"
    assert list_problem(5, 5, 0) is None
    with pytest.raises(ValueError, match="30 %"):
        most_candidates(53, MAX_SURPLUS_PERCENT + 1)


counts_strategy = st.dictionaries(
    st.sampled_from([f"c{i}" for i in range(12)]), st.integers(0, 40), min_size=1
)


@given(counts=counts_strategy, seats=st.integers(1, 8), base=st.integers(1, 60))
def test_who_is_elected_follows_the_rules(counts: dict[str, int], seats: int, base: int) -> None:
    order = sorted(counts)
    outcome = elect(counts, order, seats, base)
    # Never more than the seats; every one elected is over half the base.
    assert len(outcome.elected) <= seats
    assert all(2 * counts[c] > base for c in outcome.elected)
    # No one left out has more votes than someone elected.
    left_out = [c for c in order if c not in outcome.elected]
    if outcome.elected:
        lowest = min(counts[c] for c in outcome.elected)
        assert all(counts[c] <= lowest for c in left_out if c not in outcome.tied)
    # A tie for the last seats elects none of the tied, and leaves the seats for a round.
    if outcome.tied:
        votes = {counts[c] for c in outcome.tied}
        assert len(votes) == 1
        assert len(outcome.elected) + len(outcome.tied) > seats
        assert all(counts[c] > next(iter(votes)) for c in outcome.elected)
    assert outcome.unfilled == seats - len(outcome.elected)
    # Every qualified candidate is elected when there are seats enough for them all.
    qualified = [c for c in order if 2 * counts[c] > base]
    if len(qualified) <= seats:
        assert set(outcome.elected) == set(qualified)
        assert not outcome.tied


def test_a_tie_at_the_last_seat_goes_to_a_further_round() -> None:
    counts = {"An": 300, "Bình": 280, "Chi": 260, "Dũng": 260, "Hà": 100}
    outcome = elect(counts, list(counts), seats=3, base=500)
    assert outcome.elected == ("An", "Bình")
    assert outcome.tied == ("Chi", "Dũng")
    assert outcome.unfilled == 1
    assert outcome.further_round


def test_seats_left_unfilled_when_too_few_pass_half() -> None:
    counts = {"An": 300, "Bình": 250, "Chi": 240}
    outcome = elect(counts, list(counts), seats=3, base=500)
    assert outcome.elected == ("An",)
    assert outcome.unfilled == 2
    assert not outcome.tied
