"""Properties that must hold for every contest, checked on random ones with Hypothesis."""

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.rules import (
    BOUNDARY_HIGHER,
    BOUNDARY_LOWER,
    BRONZE,
    DEDUCTION,
    EXCELLENCE,
    GOLD,
    JUDGEMENT,
    LOWER,
    MEASUREMENT,
    PANEL,
    PASS_FAIL,
    SILVER,
    WHEN_ASPECT,
    WHEN_COMPONENT,
    WHEN_END,
    Aspect,
    AwardPolicy,
    Band,
    EntryMarks,
    MarkingError,
    MarkingScheme,
    PromotionRule,
    RankingPolicy,
    Rounding,
    Standing,
    TieBreak,
    TitleRule,
    band_sizes,
    decide_awards,
    rank,
    scale_scores,
    score_entries,
    score_entry,
    tally_event,
)

D = Decimal
HALF = D("0.5")
ASPECTS = (
    Aspect("M", MEASUREMENT, D(20), "A", "A1", step=HALF),
    Aspect("F", PASS_FAIL, D(10), "A", "A2"),
    Aspect("X", DEDUCTION, D(10), "A", "A2"),
    Aspect("J", JUDGEMENT, D(30), "B"),
    Aspect("K", JUDGEMENT, D(5), "B"),
    Aspect("P", PANEL, D(25), "C", judges=5, step=HALF),
)
CHAIN = (
    TieBreak("practical"),
    TieBreak("time", LOWER),
    TieBreak("theory"),
    TieBreak("A"),
    TieBreak("B"),
    TieBreak("C"),
)
GROUPS = ("职工组", "学生组")


def scheme(when=WHEN_END, places=2):
    return MarkingScheme(ASPECTS, rounding=Rounding(places=places, when=when))


def halves(top):
    return st.integers(0, top * 2).map(lambda n: D(n) * HALF)


marks_strategy = st.fixed_dictionaries(
    {
        "M": halves(20),
        "F": st.booleans(),
        "X": st.lists(halves(4), max_size=3).map(tuple),
        "J": st.tuples(*[st.integers(0, 3)] * 3),
        "K": st.tuples(*[st.integers(0, 3)] * 3),
        "P": st.tuples(*[halves(25)] * 5),
    }
)


@st.composite
def entries_strategy(draw, min_size=1, max_size=10):
    count = draw(st.integers(min_size, max_size))
    entries = []
    for n in range(count):
        entries.append(
            EntryMarks(
                entry_id=f"e{n}",
                marks=draw(marks_strategy),
                given={"theory": draw(halves(100))},
                group=draw(st.sampled_from(GROUPS)),
                delegation=draw(st.sampled_from(("甲", "乙", "丙"))),
                metrics={"time": D(draw(st.integers(0, 2)))},
                employee=draw(st.booleans()),
                without_award=draw(st.integers(0, 9)) == 0,
                team_size=1,
            )
        )
    return entries


award_policies = st.builds(
    lambda bands, rounding, boundary, minimum: AwardPolicy(
        bands,
        count_rounding=rounding,
        at_boundary=boundary,
        minimum_score=minimum,
        titles=(TitleRule(top=3),),
        promotion=PromotionRule(by_position=((2, 2),)),
        best_of_delegation="代表队最佳选手",
    ),
    st.sampled_from(
        [
            (Band(GOLD, count=1), Band(SILVER, count=1), Band(BRONZE, count=1)),
            (
                Band(GOLD, count=1),
                Band(SILVER, count=2),
                Band(BRONZE, count=3),
                Band(EXCELLENCE, down_to=Fraction(2, 3)),
            ),
            (
                Band(GOLD, share=Fraction(1, 10)),
                Band(SILVER, share=Fraction(2, 10)),
                Band(BRONZE, share=Fraction(3, 10)),
            ),
            (Band(GOLD, count=2), Band(EXCELLENCE, down_to=Fraction(1, 2))),
        ]
    ),
    st.sampled_from([ROUND_FLOOR, ROUND_HALF_UP, ROUND_CEILING]),
    st.sampled_from([BOUNDARY_LOWER, BOUNDARY_HIGHER]),
    st.sampled_from([None, D(40)]),
)


def raise_one_mark(entry: EntryMarks, aspect: str, judge: int) -> EntryMarks:
    """The same entry with one of its marks a little higher (or unchanged where it is at the top)."""
    marks = dict(entry.marks)
    given = dict(entry.given)
    raw = marks.get(aspect)
    if aspect == "theory":
        given["theory"] = min(D(100), given["theory"] + HALF)
    elif aspect == "M":
        marks["M"] = min(D(20), raw + HALF)
    elif aspect == "F":
        marks["F"] = True
    elif aspect == "X":
        marks["X"] = raw[1:]
    elif aspect in ("J", "K"):
        marks[aspect] = tuple(min(3, s + 1) if i == judge else s for i, s in enumerate(raw))
    else:
        marks["P"] = tuple(min(D(25), s + HALF) if i == judge else s for i, s in enumerate(raw))
    return EntryMarks(**{**entry.__dict__, "marks": marks, "given": given})


def places(result):
    return [(p.entry_id, p.rank, p.settled) for p in result.ranking.places]


@settings(max_examples=150, deadline=None)
@given(
    entries_strategy(),
    st.data(),
    st.sampled_from([WHEN_END, WHEN_COMPONENT, WHEN_ASPECT]),
    st.booleans(),
)
def test_a_rank_never_worsens_when_a_mark_rises(entries, data, when, shared):
    index = data.draw(st.integers(0, len(entries) - 1))
    aspect = data.draw(st.sampled_from(["M", "F", "X", "J", "K", "P", "theory"]))
    judge = data.draw(st.integers(0, 4))
    policy = RankingPolicy(CHAIN, shared_ranks=shared)
    before = tally_event(scheme(when), entries, policy).ranking.rank_of(entries[index].entry_id)
    raised = list(entries)
    raised[index] = raise_one_mark(entries[index], aspect, judge)
    after = tally_event(scheme(when), raised, policy).ranking.rank_of(entries[index].entry_id)
    assert after <= before


@settings(max_examples=150, deadline=None)
@given(entries_strategy(), st.randoms(use_true_random=False), award_policies, st.booleans())
def test_input_order_never_changes_ranks_or_awards(entries, rnd, awards, shared):
    shuffled = list(entries)
    rnd.shuffle(shuffled)
    policy = RankingPolicy(CHAIN[:2], shared_ranks=shared)
    first = tally_event(scheme(), entries, policy, awards, standardise=True)
    second = tally_event(scheme(), shuffled, policy, awards, standardise=True)
    assert places(first) == places(second)
    assert first.ranking.unresolved == second.ranking.unresolved
    assert first.outcomes == second.outcomes
    assert first.scale == second.scale


standings_strategy = st.lists(
    st.builds(
        lambda total, group, holder, employee: (D(total), group, holder, employee),
        st.integers(0, 6),
        st.sampled_from(GROUPS),
        st.integers(0, 6).map(lambda n: n == 0),
        st.booleans(),
    ),
    max_size=30,
).map(
    lambda rows: [
        Standing(f"e{n}", total, group, without_award=holder, employee=employee)
        for n, (total, group, holder, employee) in enumerate(rows)
    ]
)


@settings(max_examples=300, deadline=None)
@given(standings_strategy, award_policies)
def test_award_counts_never_exceed_the_settings(standings, policy):
    policy = AwardPolicy(**{**policy.__dict__, "at_boundary": BOUNDARY_LOWER})
    outcomes = decide_awards(rank(standings), policy)
    for group in GROUPS:
        mine = [o for o in outcomes if o.group == group]
        reached = 0
        awarded = set()
        for award, size in band_sizes(policy, len(mine)):
            reached += size
            awarded.add(award)
            # at most `reached` entries hold this award or a better one
            assert sum(1 for o in mine if o.award in awarded) <= reached
        golds = dict(band_sizes(policy, len(mine))).get(GOLD, 0)
        assert sum(1 for o in mine if o.award == GOLD) <= golds
        assert sum(1 for o in mine if o.title) <= 3
        assert not any(o.award or o.title or o.promotion or o.special for o in mine if o.without_award)


@settings(max_examples=300, deadline=None)
@given(standings_strategy, award_policies, st.data())
def test_equal_inputs_get_equal_treatment(standings, policy, data):
    if not standings:
        return
    twins = data.draw(st.lists(st.integers(0, len(standings) - 1), min_size=1, max_size=4))
    field = list(standings)
    for n, original in enumerate(twins):
        field.append(Standing(**{**standings[original].__dict__, "entry_id": f"twin{n}"}))
    outcomes = {o.entry_id: o for o in decide_awards(rank(field, RankingPolicy(shared_ranks=True)), policy)}
    for n, original in enumerate(twins):
        a, b = outcomes[f"e{original}"], outcomes[f"twin{n}"]
        assert (a.rank, a.award, a.title, a.promotion, a.special) == (
            b.rank,
            b.award,
            b.title,
            b.promotion,
            b.special,
        )


@settings(max_examples=150, deadline=None)
@given(entries_strategy(max_size=6), st.sampled_from([WHEN_END, WHEN_COMPONENT]), st.integers(0, 3))
def test_fast_tally_equals_the_reference(entries, when, places_):
    s = scheme(when, places_)
    fast = score_entries(s, entries)
    for entry in entries:
        assert fast[entry.entry_id] == score_entry(s, entry.marks, entry.given, entry.entry_id)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 100), min_size=1, max_size=25))
def test_scale_is_monotone_and_centred(values):
    scores = {f"e{n}": D(v) for n, v in enumerate(values)}
    scale = scale_scores(scores)
    ordered = sorted(scores, key=scores.get)
    assert all(scale[a] <= scale[b] for a, b in zip(ordered, ordered[1:], strict=False))
    if len(values) % 2:
        middle = sorted(values)[len(values) // 2]
        assert all(scale[e] == 700 for e, v in scores.items() if v == middle)


wild_marks = st.fixed_dictionaries(
    {
        "M": st.integers(0, 50).map(lambda n: D(n) * D("0.25")),
        "F": st.sampled_from([True, False, 1]),
        "X": st.lists(st.integers(0, 30).map(lambda n: D(n) * HALF), max_size=3).map(tuple),
        "J": st.lists(st.integers(0, 4), min_size=2, max_size=4).map(tuple),
        "K": st.tuples(*[st.integers(0, 3)] * 3),
        "P": st.lists(halves(30), min_size=1, max_size=6).map(tuple),
    }
)


@settings(max_examples=200, deadline=None)
@given(wild_marks, st.integers(0, 220).map(lambda n: D(n) * HALF))
def test_fast_tally_and_reference_agree_on_faults_too(marks, theory):
    s = scheme()
    try:
        expected = score_entry(s, marks, {"theory": theory}, "e")
    except MarkingError as error:
        expected = tuple(f"e {p}" for p in error.problems)
    try:
        actual = score_entries(s, [EntryMarks("e", marks, {"theory": theory})])["e"]
    except MarkingError as error:
        actual = error.problems
    assert actual == expected
