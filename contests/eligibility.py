"""Eligibility rules checked when a contestant registers or a delegation approves one.

Each contest sets its own rules (domain.md: age limits, poverty status, group, occupation), so they come in
as an EligibilityRules value; the functions only compare and word the problems (Chinese :class:`~app.text.Msg`
values, translated where they are shown).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from app.text import Msg, joined
from contests.idnumber import age_on

GROUP_EMPLOYEE = "employee"
GROUP_STUDENT = "student"
GROUP_LABELS = {GROUP_EMPLOYEE: Msg("职工组"), GROUP_STUDENT: Msg("学生组")}

# The household number (建档立卡户编号) has no published national format: accept letters, digits and
# dashes of a sane length rather than guess a pattern and turn away real households.
_HOUSEHOLD_RE = re.compile(r"[0-9A-Za-z-]{4,40}")


@dataclass(frozen=True)
class EligibilityRules:
    contest_date: date
    min_age: int | None = 16
    max_age: int | None = None  # retirement age, or 22 / 25 for WorldSkills selection events
    poverty_required: bool = False  # 建档立卡贫困家庭 (households already lifted count too)
    must_work_in_occupation: bool = False  # applies to everyone but the student group
    allowed_groups: frozenset[str] | None = None  # None: any group, or no groups in this contest


@dataclass(frozen=True)
class Candidate:
    birth_date: date
    group: str | None = None  # GROUP_EMPLOYEE / GROUP_STUDENT
    poor_household: bool = False
    household_number: str = ""
    works_in_occupation: bool = False


@dataclass(frozen=True)
class Problem:
    code: str
    message: str


def check_eligibility(rules: EligibilityRules, person: Candidate) -> list[Problem]:
    """Every rule the candidate fails, in form order; empty when eligible."""
    problems: list[Problem] = []
    age = age_on(person.birth_date, rules.contest_date)
    if rules.min_age is not None and age < rules.min_age:
        problems.append(Problem("too_young", Msg("比赛当日年龄为{age}周岁，低于最低年龄{min_age}周岁",
                                                 age=age, min_age=rules.min_age)))
    if rules.max_age is not None and age > rules.max_age:
        problems.append(Problem("too_old", Msg("比赛当日年龄为{age}周岁，超过最高年龄{max_age}周岁",
                                               age=age, max_age=rules.max_age)))

    if rules.allowed_groups is not None:
        allowed = joined(GROUP_LABELS.get(g, g) for g in sorted(rules.allowed_groups))
        if person.group is None:
            problems.append(Problem("group_missing", Msg("请选择参赛组别（{allowed}）", allowed=allowed)))
        elif person.group not in rules.allowed_groups:
            label = GROUP_LABELS.get(person.group, person.group)
            problems.append(Problem("group_not_allowed", Msg("本项目不设{group}，可选组别：{allowed}",
                                                             group=label, allowed=allowed)))

    if rules.poverty_required:
        if not person.poor_household:
            problems.append(
                Problem("not_poor_household", Msg("本赛事要求选手为建档立卡贫困家庭成员（含已脱贫户）"))
            )
        elif not person.household_number.strip():
            problems.append(Problem("household_number_missing", Msg("请填写建档立卡贫困户编号")))
        elif not _HOUSEHOLD_RE.fullmatch(person.household_number.strip()):
            problems.append(
                Problem("household_number_format", Msg("建档立卡贫困户编号只能包含数字、字母和“-”，长度4至40位"))
            )

    # Students learn the occupation rather than work in it, so the rule cannot apply to them.
    if rules.must_work_in_occupation and person.group != GROUP_STUDENT and not person.works_in_occupation:
        problems.append(Problem("not_in_occupation", Msg("本赛事要求选手现从事参赛项目对应的职业（工种）")))
    return problems


def _delegation(name: str) -> str:
    # Callers pass either '山西省' or '山西省代表团'; say 代表团 once either way.
    return name if name.endswith(("代表团", "队")) else Msg("{name}代表团", name=name)


def quota_problem(
    delegation_name: str, approved_count: int, quota: int | None, scope_label: str
) -> str | None:
    """Message when approving one more contestant would exceed the quota, else None (no quota: None)."""
    if quota is None or approved_count < quota:
        return None
    who = _delegation(delegation_name)
    if approved_count > quota:
        return Msg("{who}在“{scope}”的名额为{quota}人，已批准{approved}人，已超出{excess}人，请先取消多余的批准",
                   who=who, scope=scope_label, quota=quota, approved=approved_count, excess=approved_count - quota)
    return Msg("{who}在“{scope}”的名额为{quota}人，已批准{approved}人，不能再批准",
               who=who, scope=scope_label, quota=quota, approved=approved_count)


def field_size_warning(count: int, minimum: int | None, label: str) -> str | None:
    """Warning when an event/group has fewer entries than the minimum field size (e.g. 30), else None."""
    if minimum is None or count >= minimum:
        return None
    return Msg("“{label}”目前报名{count}人，少于最低参赛人数{minimum}人，请确认是否照常举办",
               label=label, count=count, minimum=minimum)
