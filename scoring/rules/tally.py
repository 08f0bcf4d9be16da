"""Tally a whole event in one call: raw marks → totals → ranks → awards.

Speed without giving up exactness: every aspect mark of a scheme is a decimal divided by one of a few
small integers (3 × judges for judgement, the kept panel size), so ``_plan`` picks a common
denominator ``scale`` up front and each aspect adds an exact ``Decimal`` numerator over it.  Decimal
adds and multiplies run in C and are exact as long as no digit is lost, which ``_EXACT`` turns into an
error instead of a silent rounding.  Fractions appear only once per published figure.  Anything
irregular (a wrong value, an odd number of judges, "aspect" rounding) is handed to the reference
``score_entry``, which either agrees or explains the fault.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Context, Decimal, DivisionByZero, Inexact, InvalidOperation, Overflow, localcontext
from fractions import Fraction

from .aggregate import EntryScore, MarkingError, Number, RawMark, check_score, score_entry
from .awards import AwardPolicy, Outcome, decide_awards
from .ranking import Ranking, RankingPolicy, Standing, Value, rank
from .rounding import WHEN_ASPECT, WHEN_END, round_rational, to_fraction
from .scheme import DEDUCTION, JUDGEMENT, JUDGEMENT_LEVELS, MEASUREMENT, PANEL, PASS_FAIL, MarkingScheme
from .standardise import scale_scores

__all__ = ["EntryMarks", "EventResult", "score_entries", "tally_event"]

_EXACT = Context(prec=60, traps=[Inexact, InvalidOperation, DivisionByZero, Overflow])
_LEVELS = frozenset(range(JUDGEMENT_LEVELS + 1))
_ZERO = Decimal(0)


@dataclass(frozen=True)
class EntryMarks:
    """One entry's raw marks for an event, and what ranking and awards need to know about it.

    ``marks``: aspect code → raw mark (see aggregate.RawMark).  ``given``: component scores given as
    one figure, e.g. {"theory": Decimal("86.5")}.  ``metrics``: further tie-break figures, e.g.
    {"time": Decimal(3125)} (completion time in seconds, lower is better).
    """

    entry_id: str
    marks: Mapping[str, RawMark]
    given: Mapping[str, Number] = field(default_factory=dict)
    group: str = ""
    delegation: str = ""
    metrics: Mapping[str, Value] = field(default_factory=dict)
    employee: bool = True
    without_award: bool = False
    team_size: int = 1


@dataclass(frozen=True)
class EventResult:
    scores: Mapping[str, EntryScore]
    ranking: Ranking
    outcomes: tuple[Outcome, ...]
    scale: Mapping[str, Decimal] = field(default_factory=dict)  # scale scores, when standardised


class _Plan:
    """The scheme compiled for fast totalling."""

    def __init__(self, scheme: MarkingScheme):
        drop = scheme.panel_drop
        denominators = [2520]  # 2520 = lcm(1..10): panels of any usual size fit without a fallback
        for aspect in scheme.aspects:
            judges = aspect.expected_judges
            if aspect.kind == JUDGEMENT:
                denominators.append(JUDGEMENT_LEVELS * judges)
            elif aspect.kind == PANEL and judges is not None and judges > 2 * drop:
                denominators.append(judges - 2 * drop)
        self.scale = math.lcm(*denominators)
        self.subs = scheme.sub_criteria
        index = {sub: i for i, sub in enumerate(self.subs)}
        self.steps = []
        for a in scheme.aspects:
            if a.kind == JUDGEMENT:
                factor = a.maximum * (self.scale // (JUDGEMENT_LEVELS * a.expected_judges))
            elif a.kind == PASS_FAIL:
                factor = a.maximum * self.scale
            else:
                factor = Decimal(self.scale)
            judges = a.expected_judges
            self.steps.append((a.code, a.kind, index[a.sub_key], a.maximum, factor, judges, a.step))
        self.module_of = [next(a.module for a in scheme.aspects if a.sub_key == s) for s in self.subs]
        self.component_of = {a.module: a.component for a in scheme.aspects}
        self.drop = drop
        self.given = scheme.given_components
        self.component_names = tuple(c.name for c in scheme.components)
        # Weighted total = Σ mark × weight / full mark; over the common denominator weight_base the
        # factors are integers, so the sum stays a Decimal until the single Fraction at the end.
        shares = [(c.name, to_fraction(c.weight) / to_fraction(c.total)) for c in scheme.components]
        self.weight_base = math.lcm(*(share.denominator for _, share in shares))
        self.weights = [(name, int(share * self.weight_base)) for name, share in shares]


def _numerators(plan: _Plan, marks: Mapping[str, RawMark]) -> list[Decimal] | None:
    """Each sub-criterion's mark × plan.scale, or None when the marks need the reference path."""
    if len(marks) != len(plan.steps):
        return None
    subs = [_ZERO] * len(plan.subs)
    drop, scale = plan.drop, plan.scale
    for code, kind, sub, maximum, factor, judges, step in plan.steps:
        raw = marks.get(code)
        if raw is None:
            return None
        if kind == JUDGEMENT:
            if len(raw) != judges or not _LEVELS.issuperset(raw):
                return None
            subs[sub] += sum(raw) * factor
        elif kind == MEASUREMENT:
            if raw.__class__ is bool or not 0 <= raw <= maximum or (step is not None and raw % step):
                return None
            subs[sub] += raw * factor
        elif kind == PANEL:
            kept = len(raw) - 2 * drop
            if kept < 1 or scale % kept or (judges is not None and len(raw) != judges):
                return None
            ordered = sorted(raw)
            if ordered[0] < 0 or ordered[-1] > maximum or (step is not None and any(s % step for s in raw)):
                return None
            subs[sub] += sum(ordered[drop : drop + kept]) * (scale // kept)
        elif kind == PASS_FAIL:
            if raw is True:
                subs[sub] += factor
            elif raw is not False:
                return None
        elif kind == DEDUCTION:
            if raw.__class__ not in (tuple, list) or (raw and (min(raw) < 0 or max(raw) > maximum)):
                return None
            if step is not None and any(d % step for d in raw):
                return None
            left = maximum - sum(raw)
            if left > 0:
                subs[sub] += left * factor
        else:
            return None
    return subs


def _fast_score(plan: _Plan, scheme: MarkingScheme, entry: EntryMarks) -> EntryScore | None:
    subs = _numerators(plan, entry.marks)
    if subs is None:
        return None
    scale = plan.scale
    components = dict.fromkeys(plan.component_names, _ZERO)  # component marks × scale
    modules: dict[str, Decimal] = {}
    for module, numerator in zip(plan.module_of, subs, strict=True):
        modules[module] = modules.get(module, _ZERO) + numerator
    for module, numerator in modules.items():
        components[plan.component_of[module]] += numerator
    for component in plan.given:
        value = entry.given.get(component.name)
        if value is None or check_score(value, 0, component.total) is not None:
            return None
        components[component.name] = value * scale
    rounding = scheme.rounding
    places, mode = rounding.places, rounding.mode

    def publish(numerator: Decimal, denominator: int = scale) -> Decimal:
        top, bottom = numerator.as_integer_ratio()
        return round_rational(top, bottom * denominator, places, mode)

    published = {name: publish(numerator) for name, numerator in components.items()}
    if rounding.when != WHEN_END:  # the published component scores are what gets weighted
        components = {name: value * scale for name, value in published.items()}
    weighted = sum(components[name] * factor for name, factor in plan.weights)
    top, bottom = weighted.as_integer_ratio()
    return EntryScore(
        entry_id=entry.entry_id,
        total=publish(weighted, scale * plan.weight_base),
        exact_total=Fraction(top, bottom * scale * plan.weight_base),
        components=published,
        modules={name: publish(numerator) for name, numerator in modules.items()},
        sub_criteria={name: publish(numerator) for name, numerator in zip(plan.subs, subs, strict=True)},
    )


def score_entries(scheme: MarkingScheme, entries: Iterable[EntryMarks]) -> dict[str, EntryScore]:
    """Every entry's figures; raises MarkingError listing every fault of every entry at once."""
    plan = _Plan(scheme) if scheme.rounding.when != WHEN_ASPECT else None
    scores: dict[str, EntryScore] = {}
    problems: list[str] = []
    with localcontext(_EXACT):
        for entry in entries:
            try:
                score = _fast_score(plan, scheme, entry) if plan else None
            except (ArithmeticError, TypeError):  # NaN, a lost digit, a number where a list belongs …
                score = None  # … the reference path names the fault (or raises on a float)
            if score is None:
                try:
                    score = score_entry(scheme, entry.marks, entry.given, entry.entry_id)
                except MarkingError as error:
                    problems += [f"{entry.entry_id} {p}" for p in error.problems]
                    continue
            scores[entry.entry_id] = score
    if problems:
        raise MarkingError(problems)
    return scores


def tally_event(
    scheme: MarkingScheme,
    entries: Iterable[EntryMarks],
    ranking_policy: RankingPolicy = RankingPolicy(),
    award_policy: AwardPolicy = AwardPolicy(),
    *,
    standardise: bool = False,
) -> EventResult:
    """Totals, ranks and awards of one event.  With ``standardise``, each group's scale scores (an
    approximation, see standardise.py) are computed from the published totals and offered to
    tie-breaks and threshold bands as the metric "scale"."""
    entries = list(entries)
    scores = score_entries(scheme, entries)
    scale: dict[str, Decimal] = {}
    if standardise:
        for group in {e.group for e in entries}:
            scale |= scale_scores({e.entry_id: scores[e.entry_id].total for e in entries if e.group == group})
    standings = []
    for entry in entries:
        score = scores[entry.entry_id]
        metrics = {**entry.metrics, **score.metrics()}
        if entry.entry_id in scale:
            metrics["scale"] = scale[entry.entry_id]
        standings.append(
            Standing(
                entry.entry_id,
                score.total,
                entry.group,
                metrics,
                entry.delegation,
                entry.employee,
                entry.without_award,
                entry.team_size,
            )
        )
    ranking = rank(standings, ranking_policy)
    return EventResult(scores, ranking, decide_awards(ranking, award_policy), scale)
