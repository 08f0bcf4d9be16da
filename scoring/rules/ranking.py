"""Ranking (排名) within each group, with the event's ordered tie-break chain.

Totals are compared as published (already rounded), so two entries whose totals print the same are
tied and go down the chain.  Ties the chain cannot split either share a rank (1, 1, 3: "competition
ranking") or, where the contest forbids shared ranks (选手排名不并列), are handed to the arbitration group
as explicit tie groups; ``apply_arbitration`` records its decision.  Nothing depends on input order:
entries are sorted by their keys, and by entry id only to fix the order of the output.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction

from app.text import Msg

__all__ = [
    "HIGHER",
    "LOWER",
    "Place",
    "Ranking",
    "RankingPolicy",
    "Standing",
    "TieBreak",
    "TieGroup",
    "apply_arbitration",
    "rank",
]

HIGHER = "higher"  # a higher value is better (scores)
LOWER = "lower"  # a lower value is better (completion time)

Value = Decimal | Fraction | int


@dataclass(frozen=True)
class Standing:
    """One entry (a contestant, or a team: team events are just entries) as ranking and awards see it.

    ``metrics`` holds the figures the tie-break chain may name (practical, theory, time, module codes).
    ``without_award``: a previous title holder who competes without award (keeps a rank, gets nothing).
    ``employee`` and ``team_size`` matter for titles; ``delegation`` for delegation awards and tables.
    """

    entry_id: str
    total: Value
    group: str = ""
    metrics: Mapping[str, Value] = field(default_factory=dict)
    delegation: str = ""
    employee: bool = True
    without_award: bool = False
    team_size: int = 1

    def metric(self, name: str) -> Value | None:
        return self.total if name == "total" else self.metrics.get(name)


@dataclass(frozen=True)
class TieBreak:
    """One link of the chain: which figure decides, and whether higher or lower is better."""

    metric: str
    better: str = HIGHER
    label: str = ""

    def __post_init__(self) -> None:
        if self.better not in (HIGHER, LOWER):
            raise ValueError(Msg("并列排序方向应为 higher 或 lower，而不是 {value}", value=self.better))


@dataclass(frozen=True)
class RankingPolicy:
    """The event's tie-break chain and whether ranks may be shared."""

    tie_breaks: tuple[TieBreak, ...] = ()
    shared_ranks: bool = True


@dataclass(frozen=True)
class Place:
    """An entry's rank within its group; ``settled`` is False while it waits for arbitration."""

    standing: Standing
    rank: int
    settled: bool = True

    @property
    def entry_id(self) -> str:
        return self.standing.entry_id

    @property
    def group(self) -> str:
        return self.standing.group

    @property
    def total(self) -> Value:
        return self.standing.total


@dataclass(frozen=True)
class TieGroup:
    """Entries the chain could not separate, under a policy that forbids shared ranks."""

    group: str
    rank: int  # the best rank the group occupies; its members will take rank .. rank + size - 1
    entry_ids: tuple[str, ...]  # sorted, for display only


@dataclass(frozen=True)
class Ranking:
    """Places sorted by group, rank, entry id; plus the ties still awaiting arbitration."""

    places: tuple[Place, ...]
    unresolved: tuple[TieGroup, ...] = ()

    @property
    def settled(self) -> bool:
        return not self.unresolved

    def rank_of(self, entry_id: str) -> int:
        return next(p.rank for p in self.places if p.entry_id == entry_id)

    def groups(self) -> dict[str, tuple[Place, ...]]:
        grouped: dict[str, list[Place]] = defaultdict(list)
        for place in self.places:
            grouped[place.group].append(place)
        return {name: tuple(places) for name, places in grouped.items()}


def _key(standing: Standing, chain: Sequence[TieBreak]) -> tuple:
    """Sort key, smaller is better.  A missing tie-break figure counts as worse than any present one."""
    key: list = [-standing.total]
    for link in chain:
        value = standing.metric(link.metric)
        if value is None:
            key.append((1, 0))
        else:
            key.append((0, -value if link.better == HIGHER else value))
    return tuple(key)


def rank(standings: Iterable[Standing], policy: RankingPolicy = RankingPolicy()) -> Ranking:
    """Rank every group separately (职工组 and 学生组 never compete with each other)."""
    by_group: dict[str, list[Standing]] = defaultdict(list)
    seen: set[str] = set()
    for standing in standings:
        if standing.entry_id in seen:
            raise ValueError(Msg("参赛编号 {code} 重复", code=standing.entry_id))
        seen.add(standing.entry_id)
        by_group[standing.group].append(standing)
    places: list[Place] = []
    unresolved: list[TieGroup] = []
    for group in sorted(by_group):
        keyed = [(_key(s, policy.tie_breaks), s.entry_id, s) for s in by_group[group]]
        keyed.sort(key=lambda k: k[:2])
        position = 0
        while position < len(keyed):
            end = position + 1
            while end < len(keyed) and keyed[end][0] == keyed[position][0]:
                end += 1
            tied = [s for _, _, s in keyed[position:end]]
            settled = policy.shared_ranks or len(tied) == 1
            places += [Place(s, position + 1, settled) for s in tied]
            if not settled:
                unresolved.append(TieGroup(group, position + 1, tuple(s.entry_id for s in tied)))
            position = end
    return Ranking(tuple(places), tuple(unresolved))


def apply_arbitration(ranking: Ranking, decision: Sequence[str]) -> Ranking:
    """Resolve one unresolved tie group by the arbitration group's recorded order (best first)."""
    tie = next((t for t in ranking.unresolved if set(t.entry_ids) == set(decision)), None)
    if tie is None or len(decision) != len(tie.entry_ids):
        raise ValueError(Msg("仲裁决定的选手 {codes} 与任何一个待仲裁的并列组都不一致", codes="、".join(decision)))
    new_rank = {entry_id: tie.rank + offset for offset, entry_id in enumerate(decision)}
    places = [
        replace(p, rank=new_rank[p.entry_id], settled=True) if p.entry_id in new_rank else p
        for p in ranking.places
    ]
    places.sort(key=lambda p: (p.group, p.rank, p.entry_id))
    return Ranking(tuple(places), tuple(t for t in ranking.unresolved if t is not tie))
