"""From the judges' raw marks to aspect marks, sub-criterion, module and component sums, and the total.

This is the reference implementation: every mark is an exact ``Fraction`` and each step reads like the
rule it implements.  ``tally.py`` computes the same figures faster for whole events; a property test
holds the two to the same answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from app.text import Msg

from .rounding import WHEN_ASPECT, WHEN_END, to_fraction
from .scheme import (
    DEDUCTION,
    JUDGEMENT,
    JUDGEMENT_LEVELS,
    MEASUREMENT,
    PANEL,
    PASS_FAIL,
    Aspect,
    Component,
    MarkingScheme,
    number_text,
)

__all__ = [
    "EntryScore",
    "MarkingError",
    "RawMark",
    "aspect_mark",
    "check_marks",
    "check_score",
    "deduction_mark",
    "disagreements",
    "judgement_disagreement",
    "judgement_mark",
    "measurement_mark",
    "panel_mark",
    "pass_fail_mark",
    "score_entry",
    "weighted_total",
]

Number = Decimal | int
# What the judges wrote for one aspect; the aspect's kind says how to read it:
# a number (measurement), a bool (pass/fail), or a sequence (deductions, or one score per judge).
RawMark = Number | bool | Sequence[Number]


class MarkingError(ValueError):
    """Raw marks that cannot be totalled; ``problems`` holds one message per fault."""

    def __init__(self, problems: Sequence[str]):
        super().__init__("；".join(problems))
        self.problems = tuple(problems)


def check_score(value: Number, minimum: Number, maximum: Number, step: Number | None = None) -> str | None:
    """Why a single score is unacceptable, or None.  E.g. "分数 105 超出范围 0–100"."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError(Msg("分数必须是 Decimal 或整数，不能是 {type}", type=type(value).__name__))
    if isinstance(value, Decimal) and not value.is_finite():
        return Msg("分数 {value} 不是有效数字", value=str(value))
    if value < minimum or value > maximum:
        return Msg("分数 {value} 超出范围 {low}–{high}", value=number_text(value), low=number_text(minimum),
                   high=number_text(maximum))
    if step is not None and to_fraction(value - minimum) % to_fraction(step):
        return Msg("分数 {value} 不符合步长 {step}", value=number_text(value), step=number_text(step))
    return None


def measurement_mark(value: Number, maximum: Number) -> Fraction:
    """A measured mark stands as given; it may not exceed the aspect's maximum."""
    if not 0 <= value <= maximum:
        raise ValueError(check_score(value, 0, maximum))
    return to_fraction(value)


def pass_fail_mark(passed: bool, maximum: Number) -> Fraction:
    """Yes/no aspects give all or nothing."""
    return to_fraction(maximum) if passed else Fraction(0)


def deduction_mark(deductions: Sequence[Number], maximum: Number) -> Fraction:
    """Maximum less the deductions; more deductions than the aspect is worth cannot make it negative."""
    return max(Fraction(0), to_fraction(maximum) - sum(map(to_fraction, deductions), Fraction(0)))


def judgement_mark(levels: Sequence[int], maximum: Number) -> Fraction:
    """Mean of the judges' levels (0–3), as a share of 3, times the maximum: (2,2,3) of 6 → 7/9 × 6."""
    if not levels:
        raise ValueError(Msg("评价评分没有裁判评分"))
    mean = sum(map(to_fraction, levels), Fraction(0)) / len(levels)
    return mean / JUDGEMENT_LEVELS * to_fraction(maximum)


def panel_mark(scores: Sequence[Number], drop: int = 1) -> Fraction:
    """Drop the ``drop`` highest and ``drop`` lowest scores and average the rest (drop=0: plain mean)."""
    if drop < 0:
        raise ValueError(Msg("去掉最高最低分个数不能为负数：{drop}", drop=drop))
    if len(scores) <= 2 * drop:
        raise ValueError(Msg("裁判组评分 {n} 个，去掉最高最低分各 {drop} 个后无分可计", n=len(scores), drop=drop))
    kept = sorted(map(to_fraction, scores))[drop : len(scores) - drop]
    return sum(kept, Fraction(0)) / len(kept)


def aspect_mark(aspect: Aspect, raw: RawMark, panel_drop: int = 1) -> Fraction:
    """The exact mark of one aspect from its raw mark."""
    if aspect.kind == MEASUREMENT:
        return measurement_mark(raw, aspect.maximum)
    if aspect.kind == PASS_FAIL:
        return pass_fail_mark(raw, aspect.maximum)
    if aspect.kind == DEDUCTION:
        return deduction_mark(raw, aspect.maximum)
    if aspect.kind == JUDGEMENT:
        return judgement_mark(raw, aspect.maximum)
    if aspect.kind == PANEL:
        return panel_mark(raw, panel_drop)
    raise ValueError(Msg("评分项 {code} 的类型 {kind} 无法识别", code=aspect.code, kind=aspect.kind))


def judgement_disagreement(levels: Sequence[int], tolerance: int = 1) -> bool:
    """True when the judges' levels are further apart than the tolerance and must be discussed."""
    return bool(levels) and max(levels) - min(levels) > tolerance


def disagreements(scheme: MarkingScheme, marks: Mapping[str, RawMark]) -> tuple[str, ...]:
    """Codes of the judgement aspects whose scores must be discussed before the sheet is signed."""
    tolerance = scheme.judgement_tolerance
    return tuple(
        a.code
        for a in scheme.aspects
        if a.kind == JUDGEMENT and a.code in marks and judgement_disagreement(marks[a.code], tolerance)
    )


def check_marks(
    scheme: MarkingScheme, marks: Mapping[str, RawMark], given: Mapping[str, Number] | None = None
) -> list[str]:
    """Every fault in one entry's raw marks and directly given component scores, as messages."""
    problems = []
    for aspect in scheme.aspects:
        if aspect.code not in marks:
            problems.append(Msg("评分项 {code} 缺少评分", code=aspect.code))
            continue
        problems += [Msg("评分项 {code}：{problem}", code=aspect.code, problem=p)
                     for p in _check_raw(scheme, aspect, marks[aspect.code])]
    known = {a.code for a in scheme.aspects}
    problems += [Msg("评分项 {code} 不在评分方案中", code=code) for code in sorted(set(marks) - known)]
    given = given or {}
    for component in scheme.given_components:
        if component.name not in given:
            problems.append(Msg("缺少{component}成绩", component=component.label))
        elif (fault := _fault(given[component.name], 0, component.total)) is not None:
            problems.append(Msg("{component}：{problem}", component=component.label, problem=fault))
    return problems


def _check_raw(scheme: MarkingScheme, aspect: Aspect, raw: RawMark) -> list[str]:
    if aspect.kind == PASS_FAIL:
        return [] if isinstance(raw, bool) else [Msg("应为 是/否")]
    if aspect.kind == MEASUREMENT:
        if isinstance(raw, bool | str | Sequence) or raw is None:
            return [Msg("应为一个分数")]
        fault = _fault(raw, 0, aspect.maximum, aspect.step)
        return [fault] if fault else []
    if isinstance(raw, bool | int | Decimal | str) or not isinstance(raw, Sequence):
        return [Msg("应为逐项扣分") if aspect.kind == DEDUCTION else Msg("应为每位裁判的评分")]
    problems = []
    judges = aspect.expected_judges
    if judges is not None and len(raw) != judges:
        problems.append(Msg("应有 {judges} 名裁判评分，实有 {n} 个", judges=judges, n=len(raw)))
    elif aspect.kind == PANEL and len(raw) <= 2 * scheme.panel_drop:
        problems.append(Msg("裁判组评分 {n} 个，去掉最高最低分各 {drop} 个后无分可计", n=len(raw),
                            drop=scheme.panel_drop))
    if aspect.kind == JUDGEMENT:
        faults = (_fault(s, 0, JUDGEMENT_LEVELS, 1) for s in raw)
    else:
        faults = (_fault(s, 0, aspect.maximum, aspect.step) for s in raw)
    return problems + [f for f in faults if f]


def _fault(value: object, minimum: Number, maximum: Number, step: Number | None = None) -> str | None:
    """check_score for data from outside: a float or text is reported, not raised."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return Msg("分数 {value} 应为精确小数（Decimal）或整数", value=repr(value))
    return check_score(value, minimum, maximum, step)


def weighted_total(scores: Mapping[str, Fraction], components: Sequence[Component]) -> Fraction:
    """Components combined by weight: theory 86/100 × 20 + practical 75/100 × 80 = 77.2."""
    return sum(
        (to_fraction(scores[c.name]) / to_fraction(c.total) * to_fraction(c.weight) for c in components),
        Fraction(0),
    )


@dataclass(frozen=True)
class EntryScore:
    """An entry's published figures (rounded by the scheme's rule) and its exact total."""

    entry_id: str
    total: Decimal
    exact_total: Fraction
    components: Mapping[str, Decimal] = field(default_factory=dict)
    modules: Mapping[str, Decimal] = field(default_factory=dict)
    sub_criteria: Mapping[str, Decimal] = field(default_factory=dict)

    def metrics(self) -> dict[str, Decimal]:
        """Figures a tie-break chain may name: "total", component names, module codes."""
        return {**self.modules, **self.components, "total": self.total}


def score_entry(
    scheme: MarkingScheme,
    marks: Mapping[str, RawMark],
    given: Mapping[str, Number] | None = None,
    entry_id: str = "",
) -> EntryScore:
    """One entry's figures from its raw marks; raises MarkingError listing every fault."""
    problems = check_marks(scheme, marks, given)
    if problems:
        raise MarkingError(problems)
    rounding = scheme.rounding
    subs: dict[str, Fraction] = dict.fromkeys(scheme.sub_criteria, Fraction(0))
    for aspect in scheme.aspects:
        mark = aspect_mark(aspect, marks[aspect.code], scheme.panel_drop)
        if rounding.when == WHEN_ASPECT:  # paper-sheet style: each aspect is rounded as it is written down
            mark = to_fraction(rounding.apply(mark))
        subs[aspect.sub_key] += mark
    modules: dict[str, Fraction] = dict.fromkeys(scheme.modules, Fraction(0))
    sub_module = {a.sub_key: a.module for a in scheme.aspects}
    for sub, mark in subs.items():
        modules[sub_module[sub]] += mark
    exact = {c.name: Fraction(0) for c in scheme.components}
    module_component = {a.module: a.component for a in scheme.aspects}
    for module, mark in modules.items():
        exact[module_component[module]] += mark
    for component in scheme.given_components:
        exact[component.name] = to_fraction((given or {})[component.name])
    if rounding.when != WHEN_END:  # component scores are published first and then weighted
        exact = {name: to_fraction(rounding.apply(mark)) for name, mark in exact.items()}
    total = weighted_total(exact, scheme.components)
    return EntryScore(
        entry_id=entry_id,
        total=rounding.apply(total),
        exact_total=total,
        components={name: rounding.apply(mark) for name, mark in exact.items()},
        modules={name: rounding.apply(mark) for name, mark in modules.items()},
        sub_criteria={name: rounding.apply(mark) for name, mark in subs.items()},
    )
