"""The marking scheme (评分标准): components → modules → sub-criteria → aspects.

An aspect is the smallest thing a judge marks.  Its kind says how the judges' raw marks become the
aspect mark; the kinds follow the WorldSkills split between Measurement (objective) and Judgement
(three judges against written level descriptors), plus the panel scoring used in Chinese contests
(N judges, highest and lowest dropped).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from app.text import Msg

from .rounding import Rounding

__all__ = [
    "DEDUCTION",
    "JUDGEMENT",
    "JUDGEMENT_JUDGES",
    "JUDGEMENT_LEVELS",
    "KIND_LABELS",
    "KINDS",
    "MEASUREMENT",
    "PANEL",
    "PASS_FAIL",
    "PRACTICAL",
    "THEORY",
    "Aspect",
    "Component",
    "MarkingScheme",
    "check_scheme",
    "number_text",
]

MEASUREMENT = "measurement"  # raw mark: a number between 0 and the maximum
PASS_FAIL = "pass_fail"  # raw mark: True / False → full maximum or 0  # noqa: S105 (not a password)
DEDUCTION = "deduction"  # raw mark: the deductions → maximum − their sum, never below 0
JUDGEMENT = "judgement"  # raw mark: each judge's level 0–3 → mean/3 × maximum
PANEL = "panel"  # raw mark: each judge's score → drop highest and lowest, mean of the rest
KINDS = (MEASUREMENT, PASS_FAIL, DEDUCTION, JUDGEMENT, PANEL)
KIND_LABELS = {  # Msg: Chinese as a str, in the reader's language on a page
    MEASUREMENT: Msg("测量评分"),
    PASS_FAIL: Msg("测量评分（是/否）"),
    DEDUCTION: Msg("测量评分（扣分）"),
    JUDGEMENT: Msg("评价评分"),
    PANEL: Msg("裁判组评分"),
}

JUDGEMENT_LEVELS = 3  # judgement levels run 0..3
JUDGEMENT_JUDGES = 3  # a judgement aspect is scored by a team of three judges

THEORY = "theory"
PRACTICAL = "practical"


def number_text(value: Decimal | int) -> str:
    """A number as a judge would write it: 105, 7.3, 0.5 — no exponent, no trailing zeros."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            return str(value)
        text = format(value.normalize(), "f")
        return "0" if text in ("-0", "") else text
    return str(value)


@dataclass(frozen=True)
class Aspect:
    """One aspect (评分项) of the scheme.

    ``judges`` is how many scores a judgement or panel aspect expects (judgement: 3; panel: None means
    any number larger than twice the number dropped).  ``step`` is the smallest increment a panel judge
    may use (e.g. 0.5); None accepts any decimal.
    """

    code: str
    kind: str
    maximum: Decimal
    module: str
    sub_criterion: str = ""
    component: str = PRACTICAL
    judges: int | None = None
    step: Decimal | None = None
    description: str = ""

    @property
    def sub_key(self) -> str:
        """The sub-criterion this aspect adds up into; a module without sub-criteria is its own."""
        return self.sub_criterion or self.module

    @property
    def expected_judges(self) -> int | None:
        if self.kind == JUDGEMENT:
            return self.judges or JUDGEMENT_JUDGES
        return self.judges if self.kind == PANEL else None


@dataclass(frozen=True)
class Component:
    """A part of the contest with its own full mark and weight: 理论 100 × 20%, 实操 100 × 80%.

    A component with aspects is the sum of their marks; one without (the theory exam, usually) is given
    directly as a single score.
    """

    name: str
    label: str
    weight: Decimal
    total: Decimal = Decimal(100)


DEFAULT_COMPONENTS = (
    Component(THEORY, Msg("理论"), Decimal(20)),
    Component(PRACTICAL, Msg("实操"), Decimal(80)),
)


@dataclass(frozen=True)
class MarkingScheme:
    """Everything needed to turn raw marks into totals for one event.

    ``panel_drop``: how many scores a panel drops at each end (1 = highest and lowest; 0 = plain mean).
    ``judgement_tolerance``: judgement levels further apart than this must be discussed by the team.
    """

    aspects: tuple[Aspect, ...]
    components: tuple[Component, ...] = DEFAULT_COMPONENTS
    panel_drop: int = 1
    judgement_tolerance: int = 1
    rounding: Rounding = Rounding()

    def component(self, name: str) -> Component | None:
        return next((c for c in self.components if c.name == name), None)

    def aspects_of(self, component: str) -> tuple[Aspect, ...]:
        return tuple(a for a in self.aspects if a.component == component)

    @property
    def given_components(self) -> tuple[Component, ...]:
        """Components scored as one figure (no aspects), e.g. the theory exam."""
        marked = {a.component for a in self.aspects}
        return tuple(c for c in self.components if c.name not in marked)

    @property
    def modules(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a.module for a in self.aspects))

    @property
    def sub_criteria(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a.sub_key for a in self.aspects))


def check_scheme(scheme: MarkingScheme) -> list[str]:
    """Everything wrong with a scheme, as messages for the organiser; empty when it can be used."""
    problems: list[str] = []
    names = [c.name for c in scheme.components]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(Msg("组成部分 {name} 重复", name=name))
    weights = sum((c.weight for c in scheme.components), Decimal(0))
    if weights != 100:
        problems.append(Msg("各部分权重合计 {total}，应为 100", total=number_text(weights)))
    for component in scheme.components:
        if component.total <= 0:
            problems.append(Msg("{component} 满分应大于 0", component=component.label))
        if component.weight < 0:
            problems.append(Msg("{component} 权重不能为负数", component=component.label))
    if scheme.panel_drop < 0:
        problems.append(Msg("裁判组评分去掉最高最低分各 {drop} 个，应不小于 0", drop=scheme.panel_drop))
    problems += _check_aspects(scheme)
    return problems


def _check_aspects(scheme: MarkingScheme) -> list[str]:
    problems: list[str] = []
    codes = [a.code for a in scheme.aspects]
    for code in sorted({c for c in codes if codes.count(c) > 1}):
        problems.append(Msg("评分项编号 {code} 重复", code=code))
    module_component: dict[str, set[str]] = defaultdict(set)
    sub_module: dict[str, set[str]] = defaultdict(set)
    for aspect in scheme.aspects:
        module_component[aspect.module].add(aspect.component)
        sub_module[aspect.sub_key].add(aspect.module)
        problems += _check_aspect(scheme, aspect)
    for module, components in module_component.items():
        if len(components) > 1:
            problems.append(Msg("模块 {module} 的评分项分属不同组成部分", module=module))
    for sub, modules in sub_module.items():
        if len(modules) > 1:
            problems.append(Msg("分项 {sub} 出现在多个模块中", sub=sub))
    for component in scheme.components:
        aspects = scheme.aspects_of(component.name)
        if not aspects:
            continue  # scored directly, e.g. the theory exam
        total = sum((a.maximum for a in aspects), Decimal(0))
        if total != component.total:
            problems.append(Msg("{component} 各评分项满分合计 {total}，应为 {expected}", component=component.label,
                                total=number_text(total), expected=number_text(component.total)))
    return problems


def _check_aspect(scheme: MarkingScheme, aspect: Aspect) -> list[str]:
    problems = []
    if aspect.kind not in KINDS:
        problems.append(Msg("评分项 {code} 的类型 {kind} 无法识别", code=aspect.code, kind=aspect.kind))
    if aspect.maximum <= 0:
        problems.append(Msg("评分项 {code} 满分应大于 0", code=aspect.code))
    if scheme.component(aspect.component) is None:
        problems.append(Msg("评分项 {code} 所属组成部分 {component} 未定义", code=aspect.code,
                            component=aspect.component))
    if aspect.step is not None and aspect.step <= 0:
        problems.append(Msg("评分项 {code} 步长应大于 0", code=aspect.code))
    judges = aspect.expected_judges
    if aspect.kind == PANEL and judges is not None and judges <= 2 * scheme.panel_drop:
        problems.append(Msg("评分项 {code} 裁判组 {judges} 人，去掉最高最低分各 {drop} 个后无分可计",
                            code=aspect.code, judges=judges, drop=scheme.panel_drop))
    if aspect.kind == JUDGEMENT and judges is not None and judges < 1:
        problems.append(Msg("评分项 {code} 至少需要 1 名裁判", code=aspect.code))
    return problems
