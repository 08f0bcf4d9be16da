"""Golden tests: one small contest per published award scheme, every expected figure worked by hand."""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from scoring.rules import (
    BRONZE,
    EXCELLENCE,
    GOLD,
    JUDGEMENT,
    LOWER,
    MEASUREMENT,
    MEDALLION,
    NATIONAL_TECHNICAL_EXPERT,
    PANEL,
    SILVER,
    Aspect,
    AwardPolicy,
    Component,
    EntryMarks,
    MarkingScheme,
    PromotionRule,
    RankingPolicy,
    Standing,
    TieBreak,
    TitleRule,
    apply_arbitration,
    decide_awards,
    down_to_band,
    fixed_band,
    rank,
    share_band,
    tally_event,
    threshold_band,
)

D = Decimal


def medals(gold, silver, bronze):
    return (fixed_band(GOLD, gold), fixed_band(SILVER, silver), fixed_band(BRONZE, bronze))


def by_id(outcomes):
    return {o.entry_id: o for o in outcomes}


def award_list(outcomes):
    return [o.award for o in outcomes]


# 1. 全国扶贫职业技能大赛 (2020): 1/1/1 per event, employee gold → 全国技术能手, medallists promoted.
# Theory 20% (given) + practical 80%: M1 measurement /40, J1 judgement /30 (3 judges),
# P1 panel /30 (5 judges).
POVERTY_SCHEME = MarkingScheme(
    (
        Aspect("M1", MEASUREMENT, D(40), "M"),
        Aspect("J1", JUDGEMENT, D(30), "J"),
        Aspect("P1", PANEL, D(30), "P", judges=5),
    )
)


def poverty_entry(entry_id, theory, m1, j1, p1, employee=True):
    marks = {"M1": D(m1), "J1": j1, "P1": tuple(D(s) for s in p1)}
    return EntryMarks(entry_id, marks, {"theory": D(theory)}, employee=employee)


def poverty_field(e2_employee=True):
    return [
        # E1: J1 (3,3,2) → 8/9 × 30 = 26.667; P1 drop 20 and 29 → (25+27+28)/3 = 26.667; practical 89.333
        #     total = 90 × 0.2 + 89.333 × 0.8 = 18 + 71.467 = 89.467 → 89.47
        poverty_entry("E1", 90, 36, (3, 3, 2), (25, 27, 28, 29, 20)),
        # E2: J1 30; P1 26; practical 38 + 30 + 26 = 94; total 19 + 75.2 = 94.20
        poverty_entry("E2", 95, 38, (3, 3, 3), (26, 26, 26, 26, 26), employee=e2_employee),
        # E3: J1 20; P1 drop 20, 30 → 24; practical 79; total 16 + 63.2 = 79.20
        poverty_entry("E3", 80, 35, (2, 2, 2), (20, 22, 24, 26, 30)),
        # E4: J1 (1,2,2) → 5/9 × 30 = 16.667; P1 → 20; practical 66.667; total 14 + 53.333 = 67.33
        poverty_entry("E4", 70, 30, (1, 2, 2), (18, 19, 20, 21, 22)),
        # E5: J1 10; P1 → 14; practical 44; total 12 + 35.2 = 47.20
        poverty_entry("E5", 60, 20, (1, 1, 1), (10, 12, 14, 16, 18)),
    ]


POVERTY_AWARDS = AwardPolicy(
    medals(1, 1, 1),
    titles=(TitleRule(top=None, award=GOLD),),
    promotion=PromotionRule(),
)


def test_poverty_contest_111_with_title_for_employee_gold():
    result = tally_event(POVERTY_SCHEME, poverty_field(), award_policy=POVERTY_AWARDS)
    totals = {e: s.total for e, s in result.scores.items()}
    assert totals == {
        "E1": D("89.47"),
        "E2": D("94.20"),
        "E3": D("79.20"),
        "E4": D("67.33"),
        "E5": D("47.20"),
    }
    assert result.scores["E1"].components["practical"] == D("89.33")
    assert [(o.entry_id, o.rank, o.award, o.title, o.promotion) for o in result.outcomes] == [
        ("E2", 1, GOLD, NATIONAL_TECHNICAL_EXPERT, 1),
        ("E1", 2, SILVER, None, 1),
        ("E3", 3, BRONZE, None, 1),
        ("E4", 4, None, None, 0),
        ("E5", 5, None, None, 0),
    ]


def test_poverty_contest_title_does_not_pass_to_the_silver_employee():
    # E2 is not an employee: gold but no title; E1 (silver) does not inherit it.
    result = tally_event(POVERTY_SCHEME, poverty_field(e2_employee=False), award_policy=POVERTY_AWARDS)
    assert [o.title for o in result.outcomes] == [None] * 5
    assert award_list(result.outcomes)[:3] == [GOLD, SILVER, BRONZE]


# 2. Fixed counts 3/5/10 (and 1/2/5): 20 entries with totals 100, 99, …, 81.
def test_fixed_counts_3_5_10():
    standings = [Standing(f"e{n:02d}", D(101 - n)) for n in range(1, 21)]
    outcomes = decide_awards(rank(standings), AwardPolicy(medals(3, 5, 10)))
    # places 1–3 gold, 4–8 silver, 9–18 bronze, 19–20 nothing
    assert award_list(outcomes) == [GOLD] * 3 + [SILVER] * 5 + [BRONZE] * 10 + [None] * 2


def test_fixed_counts_3_5_10_with_a_tie_across_the_silver_boundary():
    # e08 and e09 both score 93: places 8–9 straddle silver (to 8) and bronze (to 18) → both bronze.
    standings = [Standing(f"e{n:02d}", D(101 - n)) for n in range(1, 21)]
    standings[8] = Standing("e09", D(93))
    outcomes = decide_awards(rank(standings), AwardPolicy(medals(3, 5, 10)))
    assert award_list(outcomes) == [GOLD] * 3 + [SILVER] * 4 + [BRONZE] * 11 + [None] * 2


def test_fixed_counts_1_2_5():
    standings = [Standing(f"e{n}", D(100 - n)) for n in range(1, 11)]
    outcomes = decide_awards(rank(standings), AwardPolicy(medals(1, 2, 5)))
    assert award_list(outcomes) == [GOLD] + [SILVER] * 2 + [BRONZE] * 5 + [None] * 2


# 3. Percentage bands: first 10%, second 20%, third 30%, counted per band on the whole group.
BANDS_10_20_30 = (
    share_band(GOLD, Fraction(1, 10)),
    share_band(SILVER, Fraction(2, 10)),
    share_band(BRONZE, Fraction(3, 10)),
)


def test_percentage_bands_floor_by_default():
    # 25 entries: 10% = 2.5 → 2 gold; 20% = 5 silver; 30% = 7.5 → 7 bronze; 14 medals, 11 without
    standings = [Standing(f"e{n:02d}", D(100 - n)) for n in range(1, 26)]
    outcomes = decide_awards(rank(standings), AwardPolicy(BANDS_10_20_30))
    assert award_list(outcomes) == [GOLD] * 2 + [SILVER] * 5 + [BRONZE] * 7 + [None] * 11


def test_percentage_bands_half_up():
    # 25 entries, 四舍五入: 2.5 → 3 gold, 5 silver, 7.5 → 8 bronze; 16 medals
    standings = [Standing(f"e{n:02d}", D(100 - n)) for n in range(1, 26)]
    policy = AwardPolicy(BANDS_10_20_30, count_rounding=ROUND_HALF_UP)
    assert (
        award_list(decide_awards(rank(standings), policy))
        == [GOLD] * 3 + [SILVER] * 5 + [BRONZE] * 8 + [None] * 9
    )


def test_percentage_bands_per_group():
    # 职工组 10 entries → 1/2/3; 学生组 5 entries → 0.5 → 0 gold, 1 silver, 1.5 → 1 bronze
    standings = [Standing(f"w{n}", D(100 - n), "职工组") for n in range(10)]
    standings += [Standing(f"s{n}", D(100 - n), "学生组") for n in range(5)]
    outcomes = by_id(decide_awards(rank(standings), AwardPolicy(BANDS_10_20_30)))
    assert [outcomes[f"w{n}"].award for n in range(10)] == [GOLD, SILVER, SILVER] + [BRONZE] * 3 + [None] * 4
    assert [outcomes[f"s{n}"].award for n in range(5)] == [SILVER, BRONZE, None, None, None]


# 4. 优胜奖 down to a fraction of the field, after 1/1/1 medals.
def test_excellence_to_the_top_half_and_two_thirds():
    standings = [Standing(f"e{n:02d}", D(100 - n)) for n in range(1, 13)]  # 12 entries
    half = AwardPolicy(medals(1, 1, 1) + (down_to_band(EXCELLENCE, Fraction(1, 2)),))
    # top half = 6 places: 3 medals, then places 4–6 优胜奖
    assert (
        award_list(decide_awards(rank(standings), half))
        == [GOLD, SILVER, BRONZE] + [EXCELLENCE] * 3 + [None] * 6
    )
    two_thirds = AwardPolicy(medals(1, 1, 1) + (down_to_band(EXCELLENCE, Fraction(2, 3)),))
    # two thirds of 12 = 8 places: places 4–8 优胜奖
    expected = [GOLD, SILVER, BRONZE] + [EXCELLENCE] * 5 + [None] * 4
    assert award_list(decide_awards(rank(standings), two_thirds)) == expected
    # 13 entries: half = 6.5 → 6 places (floor)
    standings.append(Standing("e13", D(50)))
    assert award_list(decide_awards(rank(standings), half)).count(EXCELLENCE) == 3


# 5. WorldSkills style: medals by place, Medallion for Excellence at scale score ≥ 700.
def test_medallion_at_700_on_the_scale():
    scheme = MarkingScheme(
        (Aspect("M", MEASUREMENT, D(100), "A"),), components=(Component("practical", "实操", D(100)),)
    )
    totals = {"a": 95, "b": 80, "c": 75, "d": 70, "e": 65, "f": 60, "g": 50}
    entries = [EntryMarks(e, {"M": D(t)}) for e, t in totals.items()]
    policy = AwardPolicy(medals(1, 1, 1) + (threshold_band(MEDALLION, 700, metric="scale"),))
    result = tally_event(scheme, entries, award_policy=policy, standardise=True)
    # median 70; |deviations| 25, 10, 5, 0, 5, 10, 20 → MAD 10; unit 1.4826 × 10 = 14.826
    # a: 700 + 30 × 25/14.826 = 750.59 → 751; b: 700 + 300/14.826 = 720.23 → 720; c: 710.12 → 710; d: 700
    # e: 689.88 → 690; f: 679.77 → 680; g: 700 − 600/14.826 = 659.53 → 660
    assert result.scale == {"a": 751, "b": 720, "c": 710, "d": 700, "e": 690, "f": 680, "g": 660}
    # a, b, c take the medals; of the rest only d reaches 700
    assert award_list(result.outcomes) == [GOLD, SILVER, BRONZE, MEDALLION, None, None, None]


# 6. A previous title holder competes without award; places and titles pass down.
def test_title_holder_passes_place_down():
    standings = [
        Standing("holder", D(96), without_award=True),
        Standing("b", D(92)),
        Standing("c", D(90)),
        Standing("d", D(85)),
        Standing("e", D(80)),
    ]
    policy = AwardPolicy(medals(1, 1, 1), titles=(TitleRule(top=2),), promotion=PromotionRule())
    outcomes = decide_awards(rank(standings), policy)
    # holder keeps rank 1 with nothing; b, c, d take gold, silver, bronze; b and c the two titles
    assert [(o.entry_id, o.rank, o.award, o.title, o.promotion) for o in outcomes] == [
        ("holder", 1, None, None, 0),
        ("b", 2, GOLD, NATIONAL_TECHNICAL_EXPERT, 1),
        ("c", 3, SILVER, NATIONAL_TECHNICAL_EXPERT, 1),
        ("d", 4, BRONZE, None, 1),
        ("e", 5, None, None, 0),
    ]


# 7. Team events: 全国技术能手 for the top 5 singles, top 3 pairs, top 2 teams of three.
def test_team_event_title_counts():
    national = AwardPolicy(titles=(TitleRule(),))

    def titled(team_size):
        standings = [Standing(f"t{n}", D(100 - n), team_size=team_size) for n in range(1, 8)]
        return sum(
            1 for o in decide_awards(rank(standings), national) if o.title == NATIONAL_TECHNICAL_EXPERT
        )

    # the title goes to every member of a titled team; the app multiplies by team size when counting people
    assert (titled(1), titled(2), titled(3)) == (5, 3, 2)


# 7b. 全国乡村振兴职业技能大赛: top 3 of the employee group get the title; students never do.
def test_rural_revitalisation_top_three_employees():
    standings = [Standing(f"w{n}", D(90 - n), "职工组") for n in range(5)]
    standings += [Standing(f"s{n}", D(95 - n), "学生组", employee=False) for n in range(5)]
    outcomes = by_id(decide_awards(rank(standings), AwardPolicy(titles=(TitleRule(top=3),))))
    assert [outcomes[f"w{n}"].title for n in range(5)] == [NATIONAL_TECHNICAL_EXPERT] * 3 + [None] * 2
    assert all(outcomes[f"s{n}"].title is None for n in range(5))


# 8. 选手排名不并列: a tie the chain cannot split goes to arbitration.
def test_no_shared_rank_tie_then_arbitration():
    scheme = MarkingScheme(
        (Aspect("M", MEASUREMENT, D(100), "A"),), components=(Component("practical", "实操", D(100)),)
    )
    # b and c: same total 80, same practical 80, same time 3600 s → unresolved at places 2–3
    entries = [
        EntryMarks("a", {"M": D(90)}, metrics={"time": D(3000)}),
        EntryMarks("b", {"M": D(80)}, metrics={"time": D(3600)}),
        EntryMarks("c", {"M": D(80)}, metrics={"time": D(3600)}),
        EntryMarks("d", {"M": D(80)}, metrics={"time": D(4000)}),
        EntryMarks("e", {"M": D(70)}, metrics={"time": D(3000)}),
    ]
    policy = RankingPolicy((TieBreak("practical"), TieBreak("time", LOWER)), shared_ranks=False)
    awards = AwardPolicy(medals(1, 1, 1))
    result = tally_event(scheme, entries, policy, awards)
    assert [t.entry_ids for t in result.ranking.unresolved] == [("b", "c")]
    assert [(p.entry_id, p.rank) for p in result.ranking.places] == [
        ("a", 1),
        ("b", 2),
        ("c", 2),
        ("d", 4),
        ("e", 5),
    ]
    # pending arbitration, b and c are treated alike: places 2–3 straddle silver/bronze → both bronze
    assert award_list(result.outcomes) == [GOLD, BRONZE, BRONZE, None, None]
    # the arbitration group records: c before b
    decided = apply_arbitration(result.ranking, ["c", "b"])
    assert [(p.entry_id, p.rank) for p in decided.places] == [
        ("a", 1),
        ("c", 2),
        ("b", 3),
        ("d", 4),
        ("e", 5),
    ]
    assert award_list(decide_awards(decided, awards)) == [GOLD, SILVER, BRONZE, None, None]
