"""Aggregation: aspect kinds, validation messages, rounding, weighting, standardisation."""

from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest

from scoring.rules import (
    DEDUCTION,
    JUDGEMENT,
    MEASUREMENT,
    PANEL,
    PASS_FAIL,
    WHEN_ASPECT,
    WHEN_COMPONENT,
    Aspect,
    Component,
    EntryMarks,
    MarkingError,
    MarkingScheme,
    Rounding,
    aspect_mark,
    check_marks,
    check_scheme,
    check_score,
    correct_panel,
    deduction_mark,
    disagreements,
    judgement_disagreement,
    judgement_mark,
    measurement_mark,
    median,
    panel_factors,
    panel_mark,
    pass_fail_mark,
    round_count,
    scale_scores,
    score_entries,
    score_entry,
    weighted_total,
)

D = Decimal


# --- single aspects -------------------------------------------------------------------------------


def test_measurement_mark_stands_as_given():
    assert measurement_mark(D("7.5"), D(10)) == Fraction(15, 2)
    assert measurement_mark(0, D(10)) == 0
    with pytest.raises(ValueError, match="超出范围"):
        measurement_mark(D("10.5"), D(10))


def test_pass_fail_is_all_or_nothing():
    assert pass_fail_mark(True, D(4)) == 4
    assert pass_fail_mark(False, D(4)) == 0


def test_deductions_are_taken_from_the_maximum_and_floored_at_zero():
    assert deduction_mark([D("0.5"), D(1)], D(5)) == Fraction(7, 2)
    assert deduction_mark([], D(5)) == 5
    assert deduction_mark([D(3), D(4)], D(5)) == 0  # 7 deducted from 5: nothing left, never negative


def test_judgement_is_mean_over_three_times_maximum():
    # (2 + 2 + 3) / 3 = 7/3; 7/3 / 3 = 7/9; × 6 = 14/3 — kept exact, not 4.67
    assert judgement_mark([2, 2, 3], D(6)) == Fraction(14, 3)
    assert judgement_mark([3, 3, 3], D(6)) == 6
    assert judgement_mark([0, 0, 0], D(6)) == 0


def test_judgement_disagreement_beyond_tolerance():
    assert not judgement_disagreement([1, 2, 2])
    assert judgement_disagreement([1, 3, 2])  # 3 − 1 = 2 > 1
    assert not judgement_disagreement([1, 3, 2], tolerance=2)
    scheme = MarkingScheme((Aspect("J1", JUDGEMENT, D(50), "A"), Aspect("J2", JUDGEMENT, D(50), "A")))
    assert disagreements(scheme, {"J1": (0, 2, 1), "J2": (1, 1, 2)}) == ("J1",)


def test_panel_drops_highest_and_lowest():
    # 5 judges: drop 6 and 9.5, mean of 8, 8.5, 9 = 8.5
    assert panel_mark([D(8), D("9.5"), D(6), D(9), D("8.5")]) == Fraction(17, 2)
    assert panel_mark([D(8), D("9.5"), D(6)], drop=0) == Fraction(47, 6)  # plain mean
    assert panel_mark([D(1), D(2), D(3), D(4), D(100), D(0), D(5)], drop=2) == 3
    with pytest.raises(ValueError, match="无分可计"):
        panel_mark([D(8), D(9)], drop=1)


def test_aspect_mark_dispatches_on_kind():
    assert aspect_mark(Aspect("a", MEASUREMENT, D(5), "M"), D(3)) == 3
    assert aspect_mark(Aspect("a", PASS_FAIL, D(5), "M"), True) == 5
    assert aspect_mark(Aspect("a", DEDUCTION, D(5), "M"), (D(1),)) == 4
    assert aspect_mark(Aspect("a", JUDGEMENT, D(9), "M"), (1, 2, 3)) == 6
    assert aspect_mark(Aspect("a", PANEL, D(10), "M"), (D(1), D(5), D(9))) == 5


# --- check_score ----------------------------------------------------------------------------------


def test_check_score_messages():
    assert check_score(D(105), 0, 100) == "分数 105 超出范围 0–100"
    assert check_score(D(-1), 0, 100) == "分数 -1 超出范围 0–100"
    assert check_score(D("7.3"), 0, 10, D("0.5")) == "分数 7.3 不符合步长 0.5"
    assert check_score(D("7.50"), 0, 10, D("0.5")) is None
    assert check_score(100, 0, 100) is None
    assert check_score(D("NaN"), 0, 100) == "分数 NaN 不是有效数字"
    assert check_score(D("1E+2"), 0, D("99.5")) == "分数 100 超出范围 0–99.5"


def test_check_score_refuses_floats():
    with pytest.raises(TypeError):
        check_score(7.5, 0, 10)


# --- the scheme -----------------------------------------------------------------------------------


def practical(*aspects):
    return MarkingScheme(tuple(aspects))


def test_a_consistent_scheme_has_no_problems():
    scheme = practical(Aspect("A1", MEASUREMENT, D(40), "A"), Aspect("B1", JUDGEMENT, D(60), "B"))
    assert check_scheme(scheme) == []


def test_check_scheme_messages():
    scheme = MarkingScheme(
        (
            Aspect("A1", MEASUREMENT, D(40), "A"),
            Aspect("A1", MEASUREMENT, D(0), "A"),
            Aspect("B1", "oral", D(50), "B"),
            Aspect("C1", PANEL, D(5), "C", judges=2),
            Aspect("X1", MEASUREMENT, D(5), "X", component="speed"),
        ),
        components=(Component("theory", "理论", D(30)), Component("practical", "实操", D(60))),
    )
    problems = check_scheme(scheme)
    assert "各部分权重合计 90，应为 100" in problems
    assert "评分项编号 A1 重复" in problems
    assert "评分项 A1 满分应大于 0" in problems
    assert "评分项 B1 的类型 oral 无法识别" in problems
    assert "评分项 C1 裁判组 2 人，去掉最高最低分各 1 个后无分可计" in problems
    assert "评分项 X1 所属组成部分 speed 未定义" in problems
    assert "实操 各评分项满分合计 95，应为 100" in problems


def test_check_scheme_structure_messages():
    scheme = practical(
        Aspect("A1", MEASUREMENT, D(50), "A", "S1"),
        Aspect("B1", MEASUREMENT, D(50), "B", "S1"),
    )
    assert "分项 S1 出现在多个模块中" in check_scheme(scheme)
    split = practical(
        Aspect("A1", MEASUREMENT, D(100), "A"),
        Aspect("A2", MEASUREMENT, D(100), "A", component="theory"),
    )
    assert "模块 A 的评分项分属不同组成部分" in check_scheme(split)
    assert "裁判组评分去掉最高最低分各 -1 个，应不小于 0" in check_scheme(
        MarkingScheme((Aspect("A1", MEASUREMENT, D(100), "A"),), panel_drop=-1)
    )


# --- one entry's marks ----------------------------------------------------------------------------

SCHEME = MarkingScheme(
    (
        Aspect("A1", MEASUREMENT, D(20), "A", "A1"),
        Aspect("A2", PASS_FAIL, D(10), "A", "A1"),
        Aspect("A3", DEDUCTION, D(10), "A", "A2"),
        Aspect("B1", JUDGEMENT, D(30), "B"),
        Aspect("C1", PANEL, D(30), "C", judges=5, step=D("0.5")),
    )
)
MARKS = {
    "A1": D("17.5"),
    "A2": True,
    "A3": (D(1), D("0.5")),
    "B1": (2, 2, 3),
    "C1": (D(20), D(25), D("25.5"), D(26), D(30)),
}


def test_check_marks_messages():
    bad = {"A1": D(21), "A2": 1, "A3": D(1), "B1": (2, 4), "C1": (D("7.3"),), "Z9": D(1)}
    assert check_marks(SCHEME, bad, {"theory": D(101)}) == [
        "评分项 A1：分数 21 超出范围 0–20",
        "评分项 A2：应为 是/否",
        "评分项 A3：应为逐项扣分",
        "评分项 B1：应有 3 名裁判评分，实有 2 个",
        "评分项 B1：分数 4 超出范围 0–3",
        "评分项 C1：应有 5 名裁判评分，实有 1 个",
        "评分项 C1：分数 7.3 不符合步长 0.5",
        "评分项 Z9 不在评分方案中",
        "理论：分数 101 超出范围 0–100",
    ]
    assert check_marks(SCHEME, {}, {}) == [
        "评分项 A1 缺少评分",
        "评分项 A2 缺少评分",
        "评分项 A3 缺少评分",
        "评分项 B1 缺少评分",
        "评分项 C1 缺少评分",
        "缺少理论成绩",
    ]


def test_judgement_levels_must_be_whole():
    assert check_marks(SCHEME, {**MARKS, "B1": (2, D("2.5"), 3)}, {"theory": D(80)}) == [
        "评分项 B1：分数 2.5 不符合步长 1"
    ]


def test_score_entry_worked_example():
    # A1 sub-criterion: 17.5 + 10 = 27.5; A2: 10 − 1.5 = 8.5; module A = 36
    # B: (2+2+3)/3/3 × 30 = 70/3 = 23.333…; C: drop 20 and 30, (25 + 25.5 + 26)/3 = 25.5
    # practical = 36 + 70/3 + 25.5 = 84.8333…; total = 86 × 20% + 84.8333… × 80% = 17.2 + 67.8666… = 85.0666…
    score = score_entry(SCHEME, MARKS, {"theory": D(86)}, "E1")
    assert score.exact_total == Fraction(1276, 15)
    assert score.total == D("85.07")
    assert score.components == {"theory": D("86.00"), "practical": D("84.83")}
    assert score.modules == {"A": D("36.00"), "B": D("23.33"), "C": D("25.50")}
    assert score.sub_criteria == {"A1": D("27.50"), "A2": D("8.50"), "B": D("23.33"), "C": D("25.50")}
    assert score.metrics()["practical"] == D("84.83")


def test_score_entry_raises_every_problem():
    with pytest.raises(MarkingError) as error:
        score_entry(SCHEME, {**MARKS, "A1": D(25)}, {})
    assert error.value.problems == ("评分项 A1：分数 25 超出范围 0–20", "缺少理论成绩")


def test_fast_path_agrees_with_reference_and_names_the_entry():
    entries = [
        EntryMarks("E1", MARKS, {"theory": D(86)}),
        EntryMarks("E2", {**MARKS, "B1": (0, 1, 3)}, {"theory": 70}),
    ]
    fast = score_entries(SCHEME, entries)
    assert fast["E1"] == score_entry(SCHEME, MARKS, {"theory": D(86)}, "E1")
    assert fast["E2"] == score_entry(SCHEME, entries[1].marks, {"theory": 70}, "E2")
    with pytest.raises(MarkingError) as error:
        score_entries(SCHEME, [EntryMarks("E3", {**MARKS, "B1": (1, 2)}, {"theory": D(86)})])
    assert error.value.problems == ("E3 评分项 B1：应有 3 名裁判评分，实有 2 个",)


# --- weighting and rounding -----------------------------------------------------------------------


def test_weighted_total_20_80_and_30_70():
    assert weighted_total({"theory": D(86), "practical": D(75)}, SCHEME.components) == Fraction(
        386, 5
    )  # 77.2
    thirty = (Component("theory", "理论", D(30)), Component("practical", "实操", D(70)))
    assert weighted_total({"theory": D(90), "practical": D(80)}, thirty) == 83


def test_rounding_only_at_the_end_by_default():
    # Practical only; two judgement aspects of max 10 at levels (1, 1, 2): 4/9 × 10 = 40/9 = 4.444… each.
    scheme = MarkingScheme(
        tuple(Aspect(f"J{i}", JUDGEMENT, D(10), "A") for i in range(3))
        + (Aspect("M", MEASUREMENT, D(70), "B"),),
        components=(Component("practical", "实操", D(100)),),
    )
    half = {"J0": (1, 1, 2), "J1": (1, 1, 2), "J2": (0, 0, 0), "M": D(0)}  # 40/9 + 40/9 = 80/9 = 8.888…
    assert score_entry(scheme, half).total == D("8.89")
    per_aspect = MarkingScheme(
        scheme.aspects, scheme.components, rounding=Rounding(1, ROUND_HALF_UP, WHEN_ASPECT)
    )
    assert score_entry(per_aspect, half).total == D("8.8")  # 4.4 + 4.4 — rounding each aspect loses 0.09
    at_end = MarkingScheme(scheme.aspects, scheme.components, rounding=Rounding(1))
    assert score_entry(at_end, half).total == D("8.9")


def test_component_rounding_weights_the_published_components():
    scheme = MarkingScheme(
        (Aspect("J", JUDGEMENT, D(100), "A"),),
        rounding=Rounding(places=0, when=WHEN_COMPONENT),
    )
    # practical exact 2/9 × 100 = 22.22… → published 22; theory 85.5 → 86 (half up)
    # total = 86 × 0.2 + 22 × 0.8 = 17.2 + 17.6 = 34.8 → 35; at the end it would be 17.1 + 17.78 = 34.88 → 35
    score = score_entry(scheme, {"J": (0, 1, 1)}, {"theory": D("85.5")})
    assert score.components == {"theory": D(86), "practical": D(22)}
    assert score.exact_total == Fraction(174, 5)
    assert score.total == D(35)
    fast = score_entries(scheme, [EntryMarks("E", {"J": (0, 1, 1)}, {"theory": D("85.5")})])
    assert fast["E"] == score_entry(scheme, {"J": (0, 1, 1)}, {"theory": D("85.5")}, "E")


def test_rounding_modes():
    assert Rounding().apply(Fraction(1, 8)) == D("0.13")  # 0.125 half up
    assert Rounding(mode=ROUND_HALF_EVEN).apply(Fraction(1, 8)) == D("0.12")
    assert Rounding(mode=ROUND_FLOOR).apply(D("0.129")) == D("0.12")
    assert str(Rounding().apply(7)) == "7.00"
    with pytest.raises(ValueError):
        Rounding(when="never")


def test_round_count_modes():
    assert round_count(25, Fraction(1, 10), ROUND_FLOOR) == 2
    assert round_count(25, Fraction(1, 10), ROUND_HALF_UP) == 3  # 2.5 → 3
    assert round_count(24, Fraction(1, 10), ROUND_HALF_UP) == 2  # 2.4 → 2


# --- standardisation ------------------------------------------------------------------------------


def test_median_exact():
    assert median([D(1), D(3), D(2)]) == 2
    assert median([D(1), D(2), D(3), D(4)]) == Fraction(5, 2)


def test_scale_scores_worked_example():
    # scores 50, 60, 70, 80, 90: median 70; deviations 20, 10, 0, 10, 20 → MAD 10; unit 14.826
    # 90 → 700 + 30 × 20 / 14.826 = 700 + 40.469… = 740; 60 → 700 − 20.23 = 680 (whole points)
    scale = scale_scores({"a": D(50), "b": D(60), "c": D(70), "d": D(80), "e": D(90)})
    assert scale == {"a": D(660), "b": D(680), "c": D(700), "d": D(720), "e": D(740)}


def test_scale_when_mad_is_zero():
    # 70 ×3, 80, 100: median 70, MAD 0 → mean abs deviation (0+0+0+10+30)/5 = 8, unit 1.2533 × 8 = 10.0264
    # 80 → 700 + 300/10.0264 = 729.92 → 730; 100 → 700 + 900/10.0264 = 789.76 → 790; the median stays 700
    scale = scale_scores({"a": D(70), "b": D(70), "c": D(70), "d": D(80), "e": D(100)})
    assert scale == {"a": D(700), "b": D(700), "c": D(700), "d": D(730), "e": D(790)}
    assert scale_scores({"a": D(70), "b": D(70)}) == {"a": D(700), "b": D(700)}
    assert scale_scores({}) == {}


def test_panel_correction_factor():
    # panel P scores 80, 90 (mean 85); panel Q scores 60, 70 (mean 65); overall mean 75
    factors = panel_factors({"P": [D(80), D(90)], "Q": [D(60), D(70)], "R": []})
    assert factors == {"P": Fraction(15, 17), "Q": Fraction(15, 13), "R": 1}
    assert correct_panel({"x": D(85)}, factors["P"]) == {"x": 75}


def test_fast_path_hands_odd_marks_to_the_reference():
    odd = [
        EntryMarks("nan", {**MARKS, "A1": D("NaN")}, {"theory": D(86)}),
        EntryMarks("scalar", {**MARKS, "B1": D(2)}, {"theory": D(86)}),
        EntryMarks("deep", {**MARKS, "A1": D("1." + "1" * 70)}, {"theory": D(86)}),
    ]
    with pytest.raises(MarkingError) as error:
        score_entries(SCHEME, odd)
    assert error.value.problems == (
        "nan 评分项 A1：分数 NaN 不是有效数字",
        "scalar 评分项 B1：应为每位裁判的评分",
    )
    deep = score_entries(SCHEME, odd[2:])["deep"]  # 72 digits: beyond the fast path, exact in the reference
    assert deep.exact_total == score_entry(SCHEME, odd[2].marks, {"theory": D(86)}).exact_total
    floats = [EntryMarks("float", {**MARKS, "A1": 17.5, "B1": (2, 2.0, 3)}, {"theory": 86.0})]
    with pytest.raises(MarkingError) as error:  # floats are refused, never silently rounded
        score_entries(SCHEME, floats)
    assert error.value.problems == (
        "float 评分项 A1：分数 17.5 应为精确小数（Decimal）或整数",
        "float 评分项 B1：分数 2.0 应为精确小数（Decimal）或整数",
        "float 理论：分数 86.0 应为精确小数（Decimal）或整数",
    )
