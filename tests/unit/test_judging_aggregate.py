"""Aggregation of measurement, judgement and panel aspects: stored mark versions → the rules core's raw
marks (scoring.services.raw_marks) → the rules core's scheme (scoring.schemes.to_rules) → scores."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace as NS

from scoring import rules
from scoring.schemes import to_rules
from scoring.services import raw_marks

D = Decimal
T0 = datetime(2020, 8, 11, 9, 0)


def aspect(id_, code, kind, maximum, step=None, team=""):
    return NS(id=id_, code=code, kind=kind, maximum=D(maximum), step=D(step) if step else None, team=team,
              description="", levels=[])


def scheme(aspects, **settings):
    base = dict(theory_weight=D(30), practical_weight=D(70), theory_total=D(100), practical_total=D(100),
                panel_judges=5, panel_drop=1, panel_min=D(0), panel_step=D("0.5"), judgement_gap=1)
    base.update(settings)
    sub = NS(code="A1", aspects=aspects)
    return NS(criteria=[NS(code="A", subs=[sub])], **base)


def mark(value, minutes=0, id_=1):
    return NS(value=D(value), created_at=T0 + timedelta(minutes=minutes), id=id_)


def score(s, by_aspect):
    raw, counts = raw_marks(s, by_aspect)
    return rules.score_entry(to_rules(s, practical_only=True, judges=counts), raw, entry_id="DG001")


def test_measurement_pass_fail_and_deduction():
    s = scheme([aspect(1, "A1.1", "measurement", 40, "0.5"), aspect(2, "A1.2", "pass_fail", 20),
                aspect(3, "A1.3", "deduction", 40, "1")])
    result = score(s, {1: [mark("35.5")], 2: [mark(1)], 3: [mark(7)]})
    assert result.exact_total == Fraction(355, 10) + 20 + 33
    assert result.total == D("88.50")
    failed = score(s, {1: [mark(0)], 2: [mark(0)], 3: [mark(40)]})  # everything deducted: zero, never below
    assert failed.total == D("0.00")


def test_measurement_values_that_differ_use_the_latest_entry():
    s = scheme([aspect(1, "A1.1", "measurement", 100)])
    raw, _counts = raw_marks(s, {1: [mark(60, minutes=5, id_=2), mark(70, minutes=1, id_=3)]})
    assert raw == {"A1.1": D(60)}


def test_judgement_is_the_mean_of_three_levels_over_three_times_the_maximum():
    s = scheme([aspect(1, "A1.1", "judgement", 60), aspect(2, "A1.2", "judgement", 40)])
    result = score(s, {1: [mark(2), mark(2), mark(3)], 2: [mark(3), mark(3), mark(3)]})
    assert result.exact_total == Fraction(7, 9) * 60 + 40
    assert result.total == D("86.67")
    assert rules.judgement_disagreement([0, 2, 3], s.judgement_gap) is True
    assert rules.judgement_disagreement([2, 2, 3], s.judgement_gap) is False


def test_a_recused_judge_leaves_two_judgement_scores():
    s = scheme([aspect(1, "A1.1", "judgement", 100)])
    result = score(s, {1: [mark(3), mark(2)]})
    assert result.exact_total == Fraction(5, 6) * 100


def test_panel_drops_the_highest_and_lowest_and_averages_the_rest():
    s = scheme([aspect(1, "A1.1", "panel", 60), aspect(2, "A1.2", "panel", 40)])
    result = score(s, {1: [mark(v) for v in ("58", "50", "20", "55.5", "60")],
                       2: [mark(v) for v in ("30", "30", "30", "30", "40")]})
    assert result.exact_total == (D(58) + D(50) + D("55.5")) / 3 + 30
    assert result.total == D("84.50")


def test_an_incomplete_entry_is_refused_by_the_rules_core():
    s = scheme([aspect(1, "A1.1", "measurement", 50), aspect(2, "A1.2", "measurement", 50)])
    try:
        score(s, {1: [mark(10)]})
    except rules.MarkingError as err:
        assert err.problems == ("评分项 A1.2 缺少评分",)
    else:
        raise AssertionError("missing mark accepted")


def test_the_full_scheme_weights_theory_and_practical():
    s = scheme([aspect(1, "A1.1", "measurement", 100)])
    raw, counts = raw_marks(s, {1: [mark(80)]})
    result = rules.score_entry(to_rules(s, judges=counts), raw, given={"theory": D(90)})
    assert result.total == D("83.00")  # 90 × 30% + 80 × 70%
