"""Ranking: competition ranks, groups, the tie-break chain, no-shared-rank policy and arbitration."""

from decimal import Decimal

import pytest

from scoring.rules import LOWER, RankingPolicy, Standing, TieBreak, TieGroup, apply_arbitration, rank

D = Decimal


def ranks(ranking):
    return {p.entry_id: p.rank for p in ranking.places}


def test_shared_ranks_are_competition_ranking():
    standings = [Standing("a", D(90)), Standing("b", D(90)), Standing("c", D(80)), Standing("d", D(95))]
    ranking = rank(standings)
    assert ranks(ranking) == {"d": 1, "a": 2, "b": 2, "c": 4}  # 1, 2, 2, 4
    assert ranking.settled
    assert [p.entry_id for p in ranking.places] == ["d", "a", "b", "c"]


def test_groups_are_ranked_separately():
    standings = [
        Standing("w1", D(70), "职工组"),
        Standing("s1", D(90), "学生组"),
        Standing("w2", D(80), "职工组"),
        Standing("s2", D(60), "学生组"),
    ]
    ranking = rank(standings)
    assert ranks(ranking) == {"w2": 1, "w1": 2, "s1": 1, "s2": 2}
    assert list(ranking.groups()) == ["学生组", "职工组"]


def test_tie_break_chain_in_order_with_lower_time_better():
    chain = (TieBreak("practical"), TieBreak("time", LOWER), TieBreak("theory"))
    standings = [
        Standing("a", D(85), metrics={"practical": D(70), "time": D(3600), "theory": D(90)}),
        Standing("b", D(85), metrics={"practical": D(72), "time": D(4000), "theory": D(60)}),
        Standing("c", D(85), metrics={"practical": D(70), "time": D(3500), "theory": D(50)}),
        Standing("d", D(85), metrics={"practical": D(70), "time": D(3600), "theory": D(95)}),
    ]
    # b has the best practical; c, a, d tie on practical, c is fastest; a and d tie on time, d has more theory
    assert ranks(rank(standings, RankingPolicy(chain))) == {"b": 1, "c": 2, "d": 3, "a": 4}


def test_missing_tie_break_figure_counts_as_worst():
    chain = (TieBreak("time", LOWER),)
    standings = [Standing("a", D(85)), Standing("b", D(85), metrics={"time": D(5000)})]
    assert ranks(rank(standings, RankingPolicy(chain))) == {"b": 1, "a": 2}


def test_total_may_appear_in_the_chain():
    chain = (TieBreak("total"), TieBreak("theory"))
    standings = [
        Standing("a", D(85), metrics={"theory": D(1)}),
        Standing("b", D(85), metrics={"theory": D(2)}),
    ]
    assert ranks(rank(standings, RankingPolicy(chain))) == {"b": 1, "a": 2}


def test_duplicate_entry_is_refused():
    with pytest.raises(ValueError, match="重复"):
        rank([Standing("a", D(1)), Standing("a", D(2))])


def test_bad_direction_is_refused():
    with pytest.raises(ValueError):
        TieBreak("time", "faster")


NO_SHARED = RankingPolicy((TieBreak("practical"),), shared_ranks=False)


def test_no_shared_ranks_returns_unresolved_ties():
    standings = [
        Standing("a", D(90), metrics={"practical": D(70)}),
        Standing("b", D(90), metrics={"practical": D(70)}),
        Standing("c", D(90), metrics={"practical": D(70)}),
        Standing("d", D(95), metrics={"practical": D(70)}),
        Standing("e", D(80), metrics={"practical": D(60)}),
        Standing("f", D(80), metrics={"practical": D(65)}),
    ]
    ranking = rank(standings, NO_SHARED)
    assert not ranking.settled
    assert ranking.unresolved == (TieGroup("", 2, ("a", "b", "c")),)
    assert ranks(ranking) == {"d": 1, "a": 2, "b": 2, "c": 2, "f": 5, "e": 6}
    assert [p.settled for p in ranking.places] == [True, False, False, False, True, True]

    decided = apply_arbitration(ranking, ["c", "a", "b"])
    assert decided.settled
    assert ranks(decided) == {"d": 1, "c": 2, "a": 3, "b": 4, "f": 5, "e": 6}
    assert [p.entry_id for p in decided.places] == ["d", "c", "a", "b", "f", "e"]


def test_arbitration_must_match_a_tie_group():
    standings = [Standing("a", D(90)), Standing("b", D(90)), Standing("c", D(80))]
    ranking = rank(standings, RankingPolicy(shared_ranks=False))
    with pytest.raises(ValueError, match="不一致"):
        apply_arbitration(ranking, ["a", "c"])
    with pytest.raises(ValueError, match="不一致"):
        apply_arbitration(ranking, ["a", "b", "b"])


def test_two_tie_groups_in_two_groups_are_decided_one_by_one():
    standings = [
        Standing("w1", D(80), "职工组"),
        Standing("w2", D(80), "职工组"),
        Standing("s1", D(70), "学生组"),
        Standing("s2", D(70), "学生组"),
    ]
    ranking = rank(standings, RankingPolicy(shared_ranks=False))
    assert len(ranking.unresolved) == 2
    ranking = apply_arbitration(ranking, ["s2", "s1"])
    ranking = apply_arbitration(ranking, ["w1", "w2"])
    assert ranks(ranking) == {"s2": 1, "s1": 2, "w1": 1, "w2": 2}
    assert ranking.settled


def test_input_order_does_not_matter():
    standings = [Standing(str(i), D(i % 4)) for i in range(12)]
    assert rank(standings) == rank(list(reversed(standings)))
