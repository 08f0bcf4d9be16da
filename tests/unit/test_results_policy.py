"""Result settings ↔ the rules core's policies; SVG charts escape their text."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from scoring import rules
from scoring.charts import distribution_svg, medals_svg
from scoring.results_policy import PRESETS, PolicyError, fraction, parse_award_policy, parse_tie_breaks


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_every_preset_is_a_valid_policy(key):
    assert isinstance(parse_award_policy(PRESETS[key][1]), rules.AwardPolicy)


def test_shares_are_read_as_exact_fractions():
    assert fraction("10%", "x") == Fraction(1, 10)
    assert fraction("2/3", "x") == Fraction(2, 3)
    assert fraction("0.3", "x") == Fraction(3, 10)
    with pytest.raises(PolicyError, match="无法识别"):
        fraction("lots", "第 1 个奖项档")


def test_policy_faults_are_listed_in_chinese():
    with pytest.raises(PolicyError) as err:
        parse_award_policy({"bands": [{"award": "platinum", "count": 1}, {"award": "gold"}],
                            "minimum_score": "abc"})
    assert len(err.value.problems) == 3
    assert "不是有效的 JSON" in str(pytest.raises(PolicyError, parse_award_policy, "{").value)


def test_policy_round_trip_gives_the_rules_core_objects():
    policy = parse_award_policy({"bands": [{"award": "gold", "count": 1},
                                           {"award": "medallion", "at_least": "700", "metric": "scale"}],
                                 "titles": [{"title": "全国技术能手", "top": 5, "team_top": [[2, 3]]}],
                                 "minimum_score": "60", "best_of_delegation": "代表队最佳选手"})
    assert policy.bands[1].at_least == Decimal(700) and policy.bands[1].metric == "scale"
    assert policy.titles[0].places_for(2) == 3 and policy.minimum_score == Decimal(60)


def test_tie_break_text():
    chain = parse_tie_breaks("practical， time:lower, M1")
    assert [(t.metric, t.better) for t in chain] == [("practical", "higher"), ("time", "lower"), ("M1", "higher")]
    with pytest.raises(PolicyError):
        parse_tie_breaks("time:faster")


def test_svg_escapes_names():
    row = rules.MedalRow("<script>x</script>", 1, 0, 0, 0, 0, 4, 1)
    svg = medals_svg("奖牌榜 & 图", [row])
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&amp;" in svg
    assert distribution_svg("分布", [Decimal("99.5"), Decimal(100), Decimal(0)]).count("<rect") >= 11
