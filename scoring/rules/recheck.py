"""Recheck (复核) of score sheets before results are announced.

Every sheet of the top N entries of each group is rechecked, plus a random draw of at least P% of the
remaining sheets (rounded up, so "at least" holds).  If the share of rechecked sheets found in error
exceeds the threshold, every sheet must be rechecked.  The draw takes an ``rng`` so that tests are
repeatable; left out, it uses the operating system's secure source (``random.SystemRandom``), so
nobody can predict which sheets will be drawn.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

__all__ = [
    "RecheckPolicy",
    "RecheckSelection",
    "RecheckVerdict",
    "Sheet",
    "assess_recheck",
    "select_for_recheck",
]


@dataclass(frozen=True)
class RecheckPolicy:
    top: int = 10
    share_of_rest: Fraction = Fraction(15, 100)
    full_recheck_above: Fraction = Fraction(5, 100)


@dataclass(frozen=True)
class Sheet:
    """A signed score sheet: one entry, one module (or one aspect group)."""

    sheet_id: str
    entry_id: str
    module: str = ""


@dataclass(frozen=True)
class RecheckSelection:
    top_sheets: tuple[str, ...]  # all sheets of the top entries, sorted
    drawn_sheets: tuple[str, ...]  # the random draw from the rest, sorted
    rest: int  # how many sheets the draw was made from

    @property
    def sheet_ids(self) -> tuple[str, ...]:
        return tuple(sorted(self.top_sheets + self.drawn_sheets))


@dataclass(frozen=True)
class RecheckVerdict:
    rechecked: int
    with_error: int
    error_rate: Fraction
    full_recheck: bool


def select_for_recheck(
    sheets: Iterable[Sheet],
    ranks: Mapping[str, int | None],
    policy: RecheckPolicy = RecheckPolicy(),
    rng: random.Random | None = None,
) -> RecheckSelection:
    """Choose the sheets to recheck.  ``ranks``: each entry's rank within its group (ties at N included)."""
    top, rest = [], []
    for sheet in sheets:
        entry_rank = ranks.get(sheet.entry_id)
        (top if entry_rank is not None and entry_rank <= policy.top else rest).append(sheet.sheet_id)
    # Sorting before the draw makes the result depend on the rng alone, never on input order.
    rest.sort()
    count = min(len(rest), math.ceil(policy.share_of_rest * len(rest)))
    drawn = (rng or random.SystemRandom()).sample(rest, count)
    return RecheckSelection(tuple(sorted(top)), tuple(sorted(drawn)), len(rest))


def assess_recheck(results: Mapping[str, bool], policy: RecheckPolicy = RecheckPolicy()) -> RecheckVerdict:
    """``results``: rechecked sheet id → True if an error was found.  Error rate above the threshold
    (not equal to it) demands a full recheck."""
    errors = sum(1 for had_error in results.values() if had_error)
    rate = Fraction(errors, len(results)) if results else Fraction(0)
    return RecheckVerdict(len(results), errors, rate, rate > policy.full_recheck_above)
