"""Recheck (复核): top N in full, a random share of the rest, full recheck above the error threshold."""

import random
from fractions import Fraction

from scoring.rules import RecheckPolicy, Sheet, assess_recheck, select_for_recheck


def sheets_for(entries, modules=("A", "B")):
    return [Sheet(f"{e}-{m}", e, m) for e in entries for m in modules]


ENTRIES = [f"E{n:02d}" for n in range(1, 31)]  # 30 entries ranked 1..30, 2 sheets each
RANKS = {e: n for n, e in enumerate(ENTRIES, start=1)}


def test_top_ten_in_full_and_at_least_fifteen_percent_of_the_rest():
    selection = select_for_recheck(sheets_for(ENTRIES), RANKS, rng=random.Random(7))
    assert selection.top_sheets == tuple(sorted(f"{e}-{m}" for e in ENTRIES[:10] for m in "AB"))
    # rest: 20 entries × 2 = 40 sheets; 15% = 6 sheets exactly
    assert selection.rest == 40
    assert len(selection.drawn_sheets) == 6
    assert not set(selection.drawn_sheets) & set(selection.top_sheets)
    assert len(selection.sheet_ids) == 26


def test_share_is_rounded_up():
    # 41 sheets in the rest: 15% = 6.15 → 7, "at least" 15%
    sheets = sheets_for(ENTRIES) + [Sheet("extra", "E30", "C")]
    assert len(select_for_recheck(sheets, RANKS, rng=random.Random(1)).drawn_sheets) == 7


def test_ties_at_the_tenth_place_are_all_rechecked():
    ranks = {**RANKS, "E11": 10}
    selection = select_for_recheck(sheets_for(ENTRIES), ranks, rng=random.Random(1))
    assert "E11-A" in selection.top_sheets


def test_draw_is_repeatable_and_ignores_input_order():
    sheets = sheets_for(ENTRIES)
    first = select_for_recheck(sheets, RANKS, rng=random.Random(42))
    second = select_for_recheck(list(reversed(sheets)), RANKS, rng=random.Random(42))
    assert first == second


def test_default_source_is_the_system_random():
    selection = select_for_recheck(sheets_for(ENTRIES), RANKS)
    assert len(selection.drawn_sheets) == 6


def test_settings():
    policy = RecheckPolicy(top=3, share_of_rest=Fraction(1, 2))
    selection = select_for_recheck(sheets_for(ENTRIES), RANKS, policy, random.Random(3))
    assert len(selection.top_sheets) == 6
    assert len(selection.drawn_sheets) == 27  # half of 54


def test_error_rate_and_full_recheck():
    # 40 sheets, 2 in error: 5% is not above 5% → no full recheck
    results = {f"s{n}": n < 2 for n in range(40)}
    verdict = assess_recheck(results)
    assert (verdict.rechecked, verdict.with_error, verdict.error_rate) == (40, 2, Fraction(1, 20))
    assert not verdict.full_recheck
    # 3 of 40 = 7.5% > 5% → recheck everything
    assert assess_recheck({f"s{n}": n < 3 for n in range(40)}).full_recheck
    assert assess_recheck({}).error_rate == 0
