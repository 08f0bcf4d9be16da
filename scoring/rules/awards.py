"""The award engine: medals or prizes, titles, skill-level promotion and special awards for one ranking.

Positional bands are filled down the ranking, group by group, counting only *eligible* entries: a
previous title holder keeps a rank but is skipped, so the places pass down; an entry below the
minimum score gets nothing.  Percentage bands are counted on the whole group (title holders included,
since they took part), each band's count rounded by ``count_rounding``.

Ties at a band boundary: tied entries always get the same award.  By default (``BOUNDARY_LOWER``) a
tie that straddles a boundary takes the award of the worst place it covers, so no award level is ever
given to more entries than it has places (counting places cumulatively: two tied for the single gold
both get silver).  ``BOUNDARY_HIGHER`` is the Olympic / WorldSkills habit: the tie takes the best
place's award and the extra medals are added.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR
from fractions import Fraction
from itertools import groupby

from app.text import Msg

from .ranking import Place, Ranking, Value
from .rounding import round_count

__all__ = [
    "AWARD_LABELS",
    "AWARD_ORDER",
    "BEST_OF_DELEGATION",
    "BOUNDARY_HIGHER",
    "BOUNDARY_LOWER",
    "BRONZE",
    "EXCELLENCE",
    "GOLD",
    "MEDALLION",
    "MEDAL_POINTS",
    "NATIONAL_TECHNICAL_EXPERT",
    "PRIZE_LABELS",
    "SILVER",
    "AwardPolicy",
    "Band",
    "MedalRow",
    "Outcome",
    "PromotionRule",
    "TitleRule",
    "band_sizes",
    "decide_awards",
    "down_to_band",
    "fixed_band",
    "medal_table",
    "share_band",
    "threshold_band",
]

GOLD = "gold"
SILVER = "silver"
BRONZE = "bronze"
EXCELLENCE = "excellence"  # 优胜奖
MEDALLION = "medallion"  # WorldSkills Medallion for Excellence (score threshold, e.g. scale ≥ 700)
AWARD_ORDER = (GOLD, SILVER, BRONZE, EXCELLENCE, MEDALLION)  # best first
# Msg values: Chinese wherever they are used as text (certificates print them as such), translated on a page.
AWARD_LABELS = {GOLD: Msg("金牌"), SILVER: Msg("银牌"), BRONZE: Msg("铜牌"), EXCELLENCE: Msg("优胜奖"),
                MEDALLION: Msg("优秀奖章")}
# Contests that give prizes rather than medals print the same three levels as 一/二/三等奖.
PRIZE_LABELS = {**AWARD_LABELS, GOLD: Msg("一等奖"), SILVER: Msg("二等奖"), BRONZE: Msg("三等奖")}
NATIONAL_TECHNICAL_EXPERT = "全国技术能手"
BEST_OF_DELEGATION = "代表队最佳选手"
MEDAL_POINTS = {GOLD: 4, SILVER: 3, BRONZE: 2, EXCELLENCE: 1, MEDALLION: 1}

BOUNDARY_LOWER = "lower"
BOUNDARY_HIGHER = "higher"


@dataclass(frozen=True)
class Band:
    """One award level and how far down it reaches; set exactly one of the four measures.

    count: a fixed number of places.  share: this band's own share of the field (10% gold, then 20%
    silver …).  down_to: the band reaches down to this fraction of the field counted from the top
    (优胜奖 to the top half).  at_least: everyone not yet awarded whose ``metric`` reaches the score.
    """

    award: str
    count: int | None = None
    share: Fraction | None = None
    down_to: Fraction | None = None
    at_least: Value | None = None
    metric: str = "total"

    def __post_init__(self) -> None:
        measures = [m for m in (self.count, self.share, self.down_to, self.at_least) if m is not None]
        if len(measures) != 1:
            raise ValueError(Msg("奖项 {award} 应只按名额、比例、累计比例或分数线中的一种确定", award=self.award))
        if self.count is not None and self.count < 0:
            raise ValueError(Msg("奖项 {award} 名额不能为负数", award=self.award))
        for fraction in (self.share, self.down_to):
            if fraction is not None and not 0 <= fraction <= 1:
                raise ValueError(Msg("奖项 {award} 比例应在 0 与 1 之间", award=self.award))

    @property
    def positional(self) -> bool:
        return self.at_least is None


def fixed_band(award: str, count: int) -> Band:
    return Band(award, count=count)


def share_band(award: str, share: Fraction) -> Band:
    return Band(award, share=Fraction(share))


def down_to_band(award: str, fraction: Fraction) -> Band:
    return Band(award, down_to=Fraction(fraction))


def threshold_band(award: str, score: Value, metric: str = "total") -> Band:
    return Band(award, at_least=score, metric=metric)


@dataclass(frozen=True)
class TitleRule:
    """An honorary title for the top places, e.g. 全国技术能手: top 5 (3 for pairs, 2 for teams of three).

    ``team_top`` maps team size to places; a larger team uses the entry for the largest size listed
    below it.  ``award``: the title also (or, with top=None, only) needs this award or a better one.
    ``employees_only``: students may rank in the top places but do not receive the title, and the title
    does not pass down to the next employee (the rule reads "前 N 名的职工选手").
    """

    title: str = NATIONAL_TECHNICAL_EXPERT
    top: int | None = 5
    team_top: tuple[tuple[int, int], ...] = ((2, 3), (3, 2))
    award: str | None = None
    employees_only: bool = True

    def places_for(self, team_size: int) -> int | None:
        sizes = [(size, places) for size, places in sorted(self.team_top) if size <= team_size]
        return sizes[-1][1] if sizes and team_size > 1 else self.top


@dataclass(frozen=True)
class PromotionRule:
    """Skill-level promotion: levels by award (medallists one level) and/or by place (down to, levels)."""

    by_award: tuple[tuple[str, int], ...] = ((GOLD, 1), (SILVER, 1), (BRONZE, 1))
    by_position: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class AwardPolicy:
    """How one contest or event awards.  Defaults: floor for percentage counts ("不超过 10%"), the lower
    award for a tie across a boundary, no minimum score, no titles, no promotion, no special award.

    ``titles``: the first rule an entry meets gives its title.  ``best_of_delegation``: the label of the
    special award for each delegation's best-placed eligible entry in each group (all of them if tied).
    """

    bands: tuple[Band, ...] = ()
    count_rounding: str = ROUND_FLOOR
    minimum_score: Value | None = None
    at_boundary: str = BOUNDARY_LOWER
    titles: tuple[TitleRule, ...] = ()
    promotion: PromotionRule | None = None
    best_of_delegation: str | None = None

    def __post_init__(self) -> None:
        if self.at_boundary not in (BOUNDARY_LOWER, BOUNDARY_HIGHER):
            raise ValueError(Msg("边界并列规则应为 lower 或 higher，而不是 {value}", value=self.at_boundary))


@dataclass(frozen=True)
class Outcome:
    """What one entry receives."""

    entry_id: str
    group: str
    delegation: str
    rank: int
    award: str | None = None
    title: str | None = None
    promotion: int = 0  # skill levels gained; 0 = none
    special: tuple[str, ...] = ()
    without_award: bool = False

    @property
    def award_label(self) -> str:
        return AWARD_LABELS.get(self.award, "") if self.award else ""

    @property
    def promoted(self) -> bool:
        return self.promotion > 0


def band_sizes(policy: AwardPolicy, field: int) -> tuple[tuple[str, int], ...]:
    """Places of each positional band for a group of ``field`` entries: ((gold, 2), (silver, 5), …)."""
    sizes, reached = [], 0
    for award, cutoff in _cutoffs(policy, field):
        sizes.append((award, cutoff - reached))
        reached = cutoff
    return tuple(sizes)


def _cutoffs(policy: AwardPolicy, field: int) -> list[tuple[str, int]]:
    """(award, last place it reaches) for the positional bands, best first."""
    cutoffs, reached = [], 0
    for band in policy.bands:
        if band.count is not None:
            reached += band.count
        elif band.share is not None:
            reached += round_count(field, band.share, policy.count_rounding)
        elif band.down_to is not None:
            reached = max(reached, round_count(field, band.down_to, policy.count_rounding))
        else:
            continue
        cutoffs.append((band.award, reached))
    return cutoffs


def _award_at(cutoffs: Sequence[tuple[str, int]], position: int) -> str | None:
    return next((award for award, cutoff in cutoffs if position <= cutoff), None)


def _is_eligible(place: Place, policy: AwardPolicy) -> bool:
    if place.standing.without_award:
        return False
    return policy.minimum_score is None or place.total >= policy.minimum_score


def _deciding_positions(eligible: Sequence[Place], policy: AwardPolicy) -> dict[str, int]:
    """The place that decides each eligible entry's award: tied entries share one (see module doc)."""
    positions: dict[str, int] = {}
    first = 1
    for _, tied in groupby(eligible, key=lambda p: p.rank):
        tied = list(tied)
        last = first + len(tied) - 1
        for place in tied:
            positions[place.entry_id] = last if policy.at_boundary == BOUNDARY_LOWER else first
        first = last + 1
    return positions


def _better_or_equal(award: str | None, wanted: str) -> bool:
    order = {a: i for i, a in enumerate(AWARD_ORDER)}
    return award is not None and order.get(award, len(order)) <= order.get(wanted, len(order))


def _title(place: Place, position: int, award: str | None, policy: AwardPolicy) -> str | None:
    for rule in policy.titles:
        if rule.top is None and rule.award is None:  # a rule with no condition gives nothing, not everything
            continue
        if rule.employees_only and not place.standing.employee:
            continue
        places = rule.places_for(place.standing.team_size)
        if places is not None and position > places:
            continue
        if rule.award is not None and not _better_or_equal(award, rule.award):
            continue
        return rule.title
    return None


def _promotion(position: int, award: str | None, rule: PromotionRule | None) -> int:
    if rule is None:
        return 0
    by_award = [n for a, n in rule.by_award if a == award]
    by_position = [n for last, n in rule.by_position if position <= last]
    return max(by_award + by_position, default=0)


def _threshold_award(place: Place, policy: AwardPolicy) -> str | None:
    for band in policy.bands:
        if band.positional:
            continue
        value = place.standing.metric(band.metric)
        if value is not None and value >= band.at_least:
            return band.award
    return None


def _group_outcomes(places: Sequence[Place], policy: AwardPolicy) -> list[Outcome]:
    cutoffs = _cutoffs(policy, len(places))
    eligible = [p for p in places if _is_eligible(p, policy)]
    positions = _deciding_positions(eligible, policy)
    best_rank: dict[str, int] = {}
    for place in eligible:
        if place.standing.delegation:
            best_rank.setdefault(place.standing.delegation, place.rank)
    outcomes = []
    for place in places:
        standing = place.standing
        outcome = Outcome(
            standing.entry_id,
            standing.group,
            standing.delegation,
            place.rank,
            without_award=standing.without_award,
        )
        if standing.entry_id in positions:
            position = positions[standing.entry_id]
            award = _award_at(cutoffs, position) or _threshold_award(place, policy)
            best = policy.best_of_delegation and best_rank.get(standing.delegation) == place.rank
            outcome = Outcome(
                standing.entry_id,
                standing.group,
                standing.delegation,
                place.rank,
                award=award,
                title=_title(place, position, award, policy),
                promotion=_promotion(position, award, policy.promotion),
                special=(policy.best_of_delegation,) if best else (),
            )
        outcomes.append(outcome)
    return outcomes


def decide_awards(ranking: Ranking, policy: AwardPolicy) -> tuple[Outcome, ...]:
    """Awards, titles, promotions and special awards for every place, in the ranking's order.

    Entries still awaiting arbitration are treated as tied (same award); decide again once it is done.
    """
    outcomes: list[Outcome] = []
    for places in ranking.groups().values():
        outcomes += _group_outcomes(places, policy)
    return tuple(outcomes)


@dataclass(frozen=True)
class MedalRow:
    """A delegation's line in the medal table (奖牌榜)."""

    delegation: str
    gold: int
    silver: int
    bronze: int
    excellence: int
    medallion: int
    points: int
    rank: int


def medal_table(
    outcomes: Iterable[Outcome], points: Mapping[str, int] = MEDAL_POINTS
) -> tuple[MedalRow, ...]:
    """Delegations by points (gold 4, silver 3, bronze 2, 优胜奖 1), then golds, silvers, bronzes …;
    delegations equal on all of these share a rank and are listed by name."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(AWARD_ORDER, 0))
    for outcome in outcomes:
        if not outcome.delegation:
            continue
        tally = counts[outcome.delegation]
        if outcome.award in tally:
            tally[outcome.award] += 1
    rows = []
    for delegation, tally in counts.items():
        total = sum(points.get(award, 0) * n for award, n in tally.items())
        rows.append((delegation, tally, total))
    rows.sort(key=lambda r: (_table_key(r[1], r[2]), r[0]))
    table, previous, previous_rank = [], None, 0
    for index, (delegation, tally, total) in enumerate(rows, start=1):
        key = _table_key(tally, total)
        rank = previous_rank if key == previous else index
        table.append(MedalRow(delegation, *(tally[a] for a in AWARD_ORDER), points=total, rank=rank))
        previous, previous_rank = key, rank
    return tuple(table)


def _table_key(tally: Mapping[str, int], total: int) -> tuple[int, ...]:
    return (-total, *(-tally[a] for a in AWARD_ORDER))
