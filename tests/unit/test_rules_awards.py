"""The award engine, one rule at a time; whole worked contests are in test_rules_golden.py."""

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest

from scoring.rules import (
    AWARD_LABELS,
    BOUNDARY_HIGHER,
    BRONZE,
    EXCELLENCE,
    GOLD,
    MEDALLION,
    NATIONAL_TECHNICAL_EXPERT,
    PRIZE_LABELS,
    SILVER,
    AwardPolicy,
    Band,
    PromotionRule,
    Standing,
    TitleRule,
    band_sizes,
    decide_awards,
    down_to_band,
    fixed_band,
    medal_table,
    rank,
    share_band,
    threshold_band,
)
from scoring.rules.awards import Outcome

D = Decimal
MEDALS_111 = (fixed_band(GOLD, 1), fixed_band(SILVER, 1), fixed_band(BRONZE, 1))


def field(*totals, **extra):
    return [Standing(f"e{i}", D(t), **extra) for i, t in enumerate(totals, start=1)]


def awards(standings, policy):
    return {o.entry_id: o.award for o in decide_awards(rank(standings), policy)}


def test_labels():
    assert [AWARD_LABELS[a] for a in (GOLD, SILVER, BRONZE, EXCELLENCE, MEDALLION)] == [
        "金牌",
        "银牌",
        "铜牌",
        "优胜奖",
        "优秀奖章",
    ]
    assert PRIZE_LABELS[GOLD] == "一等奖"
    assert NATIONAL_TECHNICAL_EXPERT == "全国技术能手"


def test_band_needs_exactly_one_measure():
    with pytest.raises(ValueError):
        Band(GOLD)
    with pytest.raises(ValueError):
        Band(GOLD, count=1, share=Fraction(1, 10))
    with pytest.raises(ValueError):
        share_band(GOLD, Fraction(3, 2))
    with pytest.raises(ValueError):
        AwardPolicy(at_boundary="sideways")


def test_fixed_counts():
    result = awards(field(90, 80, 70, 60), AwardPolicy(MEDALS_111))
    assert result == {"e1": GOLD, "e2": SILVER, "e3": BRONZE, "e4": None}


def test_band_sizes_by_rounding():
    bands = (
        share_band(GOLD, Fraction(1, 10)),
        share_band(SILVER, Fraction(2, 10)),
        share_band(BRONZE, Fraction(3, 10)),
    )
    # 25 entries: 2.5 / 5 / 7.5
    assert band_sizes(AwardPolicy(bands), 25) == ((GOLD, 2), (SILVER, 5), (BRONZE, 7))
    assert band_sizes(AwardPolicy(bands, count_rounding=ROUND_HALF_UP), 25) == (
        (GOLD, 3),
        (SILVER, 5),
        (BRONZE, 8),
    )
    assert band_sizes(AwardPolicy(bands, count_rounding=ROUND_CEILING), 21) == (
        (GOLD, 3),
        (SILVER, 5),
        (BRONZE, 7),
    )


def test_down_to_band_never_reaches_back_above_earlier_bands():
    policy = AwardPolicy((fixed_band(GOLD, 3), down_to_band(EXCELLENCE, Fraction(1, 2))))
    assert band_sizes(policy, 4) == ((GOLD, 3), (EXCELLENCE, 0))
    assert band_sizes(policy, 10) == ((GOLD, 3), (EXCELLENCE, 2))


def test_minimum_score_for_any_award():
    policy = AwardPolicy(MEDALS_111, minimum_score=D(60))
    assert awards(field(90, 59, 50), policy) == {"e1": GOLD, "e2": None, "e3": None}


def test_threshold_band_on_a_metric():
    standings = [
        Standing("a", D(90), metrics={"scale": D(760)}),
        Standing("b", D(80), metrics={"scale": D(705)}),
        Standing("c", D(75), metrics={"scale": D(700)}),
        Standing("d", D(70), metrics={"scale": D(699)}),
        Standing("e", D(65)),
    ]
    policy = AwardPolicy((fixed_band(GOLD, 1), threshold_band(MEDALLION, 700, metric="scale")))
    assert awards(standings, policy) == {"a": GOLD, "b": MEDALLION, "c": MEDALLION, "d": None, "e": None}


def test_threshold_only_scheme_gives_the_first_band_reached():
    policy = AwardPolicy((threshold_band(GOLD, 90), threshold_band(SILVER, 80), threshold_band(BRONZE, 70)))
    assert awards(field(95, 90, 85, 70, 69), policy) == {
        "e1": GOLD,
        "e2": GOLD,
        "e3": SILVER,
        "e4": BRONZE,
        "e5": None,
    }


def test_tie_at_boundary_takes_the_lower_award_by_default():
    # e2 and e3 tie for places 2–3: silver has one place, so both take bronze; no award level overflows.
    assert awards(field(90, 80, 80, 70), AwardPolicy(MEDALS_111)) == {
        "e1": GOLD,
        "e2": BRONZE,
        "e3": BRONZE,
        "e4": None,
    }
    # a tie across the last boundary gets nothing
    assert awards(field(90, 80, 70, 70), AwardPolicy(MEDALS_111)) == {
        "e1": GOLD,
        "e2": SILVER,
        "e3": None,
        "e4": None,
    }


def test_tie_at_boundary_higher_gives_extra_medals():
    policy = AwardPolicy(MEDALS_111, at_boundary=BOUNDARY_HIGHER)
    assert awards(field(90, 90, 80, 70), policy) == {"e1": GOLD, "e2": GOLD, "e3": BRONZE, "e4": None}
    assert awards(field(90, 80, 70, 70), policy) == {"e1": GOLD, "e2": SILVER, "e3": BRONZE, "e4": BRONZE}


def test_title_holders_pass_their_place_down():
    standings = field(95, 90, 85, 80)
    standings[0] = Standing("e1", D(95), without_award=True)
    outcomes = {o.entry_id: o for o in decide_awards(rank(standings), AwardPolicy(MEDALS_111))}
    assert outcomes["e1"].rank == 1 and outcomes["e1"].award is None and outcomes["e1"].without_award
    assert [outcomes[e].award for e in ("e2", "e3", "e4")] == [GOLD, SILVER, BRONZE]


def test_titles_employees_only_and_not_passed_to_the_next_employee():
    standings = [
        Standing("a", D(95), employee=False),
        Standing("b", D(90)),
        Standing("c", D(85)),
        Standing("d", D(80)),
    ]
    policy = AwardPolicy(titles=(TitleRule(top=2),))
    titles = {o.entry_id: o.title for o in decide_awards(rank(standings), policy)}
    assert titles == {"a": None, "b": NATIONAL_TECHNICAL_EXPERT, "c": None, "d": None}


def test_title_by_award():
    policy = AwardPolicy(MEDALS_111, titles=(TitleRule(top=None, award=GOLD),))
    titles = {o.entry_id: o.title for o in decide_awards(rank(field(90, 80, 70)), policy)}
    assert titles == {"e1": NATIONAL_TECHNICAL_EXPERT, "e2": None, "e3": None}


def test_title_places_for_team_sizes():
    rule = TitleRule()
    assert [rule.places_for(n) for n in (1, 2, 3, 4)] == [5, 3, 2, 2]


def test_promotion_by_award_and_by_position():
    policy = AwardPolicy(MEDALS_111, promotion=PromotionRule())
    promoted = {o.entry_id: o.promotion for o in decide_awards(rank(field(90, 80, 70, 60)), policy)}
    assert promoted == {"e1": 1, "e2": 1, "e3": 1, "e4": 0}
    by_place = AwardPolicy(promotion=PromotionRule(by_award=(), by_position=((1, 2), (3, 1))))
    promoted = {o.entry_id: o.promotion for o in decide_awards(rank(field(90, 80, 70, 60)), by_place)}
    assert promoted == {"e1": 2, "e2": 1, "e3": 1, "e4": 0}


def test_best_of_each_delegation():
    standings = [
        Standing("a", D(90), delegation="甘肃"),
        Standing("b", D(85), delegation="云南"),
        Standing("c", D(80), delegation="甘肃"),
        Standing("d", D(85), delegation="云南"),
        Standing("e", D(70)),
    ]
    policy = AwardPolicy(best_of_delegation="代表队最佳选手")
    special = {o.entry_id: o.special for o in decide_awards(rank(standings), policy)}
    assert special == {
        "a": ("代表队最佳选手",),
        "b": ("代表队最佳选手",),
        "d": ("代表队最佳选手",),
        "c": (),
        "e": (),
    }


def test_medal_table_points_then_golds():
    outcomes = [
        Outcome("1", "", "甲", 1, GOLD),
        Outcome("2", "", "乙", 2, SILVER),
        Outcome("3", "", "乙", 3, EXCELLENCE),
        Outcome("4", "", "丙", 1, GOLD),
        Outcome("5", "", "丁", 3, BRONZE),
        Outcome("6", "", "丁", 3, BRONZE),
        Outcome("7", "", "戊", 9),
    ]
    table = medal_table(outcomes)
    # 甲 4 (1 gold), 乙 3 + 1 = 4 (no gold), 丙 4 (1 gold), 丁 2 + 2 = 4 (no gold, no silver), 戊 0
    assert [(r.delegation, r.points, r.rank) for r in table] == [
        ("丙", 4, 1),
        ("甲", 4, 1),
        ("乙", 4, 3),
        ("丁", 4, 4),
        ("戊", 0, 5),
    ]
    assert (table[2].silver, table[2].excellence) == (1, 1)
