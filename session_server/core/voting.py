"""The rules of a vote's result: thresholds, bases, the candidates' list, who is elected.

Pure arithmetic on counts, as the Party's election regulation sets it (docs/voting.md):
no I/O, no clock. The votes' commands and events use these; so do the tests' models.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

MAX_SURPLUS_PERCENT = 30
"""The regulation's cap on the candidates beyond the seats, in percent of the seats."""


class Threshold(StrEnum):
    """What share of the base a question or a candidate needs."""

    HALF = "half"
    """More than half (quá một nửa): for·2 > base."""
    TWO_THIRDS = "two_thirds"
    """Two-thirds or more (từ hai phần ba trở lên): for·3 >= base·2."""


class Base(StrEnum):
    """Of whom the threshold is a share; recorded with the result."""

    CONVENED = "convened"
    """The official delegates convened, less those absent for the whole congress."""
    PRESENT = "present"
    """The delegates present when the vote opened (the electorate)."""


def reaches(votes: int, base: int, threshold: Threshold) -> bool:
    """Whether `votes` of `base` meet `threshold`; integer arithmetic, no rounding."""
    if base <= 0:
        return False
    if threshold is Threshold.HALF:
        return 2 * votes > base
    return 3 * votes >= 2 * base


def base_size(base: Base, convened: int, absent_throughout: int, present: int) -> int:
    """The number the threshold is taken of."""
    if base is Base.CONVENED:
        return max(convened - absent_throughout, 0)
    return present


def most_candidates(seats: int, surplus_percent: int) -> int:
    """The longest list allowed: the seats and at most `surplus_percent` more (rounded down)."""
    if not 0 <= surplus_percent <= MAX_SURPLUS_PERCENT:
        raise ValueError(f"the surplus is 0 to {MAX_SURPLUS_PERCENT} % of the seats")
    return seats + seats * surplus_percent // 100


def list_problem(seats: int, candidates: int, surplus_percent: int) -> str | None:
    """Why a list of `candidates` for `seats` may not be put to the vote, or None."""
    if seats < 1:
        return "a body has at least one seat"
    if candidates < seats:
        return "fewer candidates than seats"
    if candidates > most_candidates(seats, surplus_percent):
        return (
            f"{candidates} candidates for {seats} seats exceed the surplus of "
            f"{surplus_percent} % ({most_candidates(seats, surplus_percent)} at most)"
        )
    return None


@dataclass(frozen=True, slots=True)
class Outcome:
    """Who is elected, and what goes to a further round."""

    elected: tuple[str, ...]
    """In order of votes (most first); ties among the elected keep the list's order."""
    tied: tuple[str, ...]
    """Candidates over the threshold tied for the last seats: not elected this round."""
    unfilled: int
    """Seats no one filled this round (tied seats included)."""

    @property
    def further_round(self) -> bool:
        return self.unfilled > 0


def elect(
    counts: Mapping[str, int],
    order: Sequence[str],
    seats: int,
    base: int,
    threshold: Threshold = Threshold.HALF,
) -> Outcome:
    """Candidates over the threshold, in order of votes, up to the seats.

    When several candidates with the same number of votes compete for the last seats and
    there are not seats enough for all of them, none of them is elected: the presidium
    names them for a further round, with any seats left unfilled.
    """
    qualified = [c for c in order if reaches(counts.get(c, 0), base, threshold)]
    qualified.sort(key=lambda c: -counts.get(c, 0))  # stable: the list's order within a tie
    elected: list[str] = []
    tied: tuple[str, ...] = ()
    index = 0
    while index < len(qualified) and len(elected) < seats:
        votes = counts.get(qualified[index], 0)
        group = [c for c in qualified[index:] if counts.get(c, 0) == votes]
        if len(elected) + len(group) <= seats:
            elected.extend(group)
        else:
            tied = tuple(group)
            break
        index += len(group)
    return Outcome(tuple(elected), tied, seats - len(elected))


@dataclass(frozen=True, slots=True)
class Turnout:
    """The committee's check: ballots issued = ballots cast + ballots not cast."""

    issued: int
    cast: int

    @property
    def not_cast(self) -> int:
        return self.issued - self.cast
