"""Checking one person's registration: every field's rule, with a message per field.

Shared by the phone form, the delegation's form and the Excel import, so all three refuse the same things
with the same words. Pure apart from the lookups passed in; no Flask, no SQL. Messages are Chinese
:class:`~app.text.Msg` values, translated where a page shows them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from app.text import Msg, joined
from contests import ethnic, regions
from contests.eligibility import Candidate, EligibilityRules, check_eligibility
from contests.idnumber import birth_date, check_id_number, check_mobile, normalize_id, normalize_mobile, sex_of
from contests.names import check_name, normalize_name

# The values are also the words of the Excel template's 身份 drop-down, which the import reads back.
CATEGORIES = {"employee": Msg("职工"), "student": Msg("学生")}
# Stored as chosen and offered as they are in the Excel template: data, not wording.
SKILL_LEVELS = ("无", "五级/初级工", "四级/中级工", "三级/高级工", "二级/技师", "一级/高级技师")


@dataclass
class PersonEntry:
    """What a person (or their delegation) typed, before checking."""

    name: str = ""
    id_number: str = ""
    sex: str = ""  # 'M' / 'F'
    ethnic: str = ""  # code '01'..'56' or name
    mobile: str = ""
    county_code: str = ""
    employer: str = ""
    skill_level: str = ""
    category: str = "employee"
    works_in_occupation: bool = True
    poor_household: bool = False
    household_number: str = ""
    previous_title_holder: bool = False


@dataclass
class CheckedPerson:
    """A person entry that passed every rule, normalised and ready to store."""

    name: str
    id_number: str
    sex: str
    birth_date: date
    ethnic_code: str
    mobile: str
    county_code: str
    employer: str
    skill_level: str
    category: str
    works_in_occupation: bool
    poor_household: bool
    household_number: str
    previous_title_holder: bool


@dataclass(frozen=True)
class EventRules:
    contest_date: date
    min_age: int | None
    max_age: int | None
    poverty_required: bool
    must_work_in_occupation: bool
    group_code: str  # employee / student / open


@dataclass
class Checked:
    person: CheckedPerson | None
    errors: dict[str, str] = field(default_factory=dict)  # field name -> message (a Msg)
    warnings: list[str] = field(default_factory=list)


def check_person(entry: PersonEntry, rules: EventRules) -> Checked:
    errors: dict[str, str] = {}
    warnings: list[str] = []

    name = normalize_name(entry.name or "")
    if problem := check_name(name):
        errors["name"] = problem

    id_number = normalize_id(entry.id_number or "")
    id_problems = check_id_number(id_number, on=rules.contest_date, sex=entry.sex or None,
                                  region_exists=regions.county_exists)
    blocking = [p for p in id_problems if not p.warning and p.code != "sex_mismatch"]
    if blocking:
        errors["id_number"] = joined((p.message for p in blocking), sentences=True)
    warnings.extend(p.message for p in id_problems if p.warning)
    if entry.sex not in ("M", "F"):
        errors["sex"] = Msg("请选择性别")
    elif any(p.code == "sex_mismatch" for p in id_problems):
        errors["sex"] = next(p.message for p in id_problems if p.code == "sex_mismatch")

    group = ethnic.find_ethnic_group(entry.ethnic or "")
    if group is None:
        errors["ethnic"] = Msg("请选择民族（56个民族之一）")

    mobile = normalize_mobile(entry.mobile or "")
    if problem := check_mobile(mobile):
        errors["mobile"] = problem

    county = (entry.county_code or "").strip()
    if not regions.county_exists(county):
        errors["county_code"] = Msg("请选择户籍所在的省、市、县（区）")

    employer = (entry.employer or "").strip()
    if not employer:
        errors["employer"] = Msg("请填写工作单位或学校") if entry.category != "student" else Msg("请填写学校名称")
    elif len(employer) > 100 or any(c in employer for c in "<>{}") or not employer.isprintable():
        errors["employer"] = Msg("工作单位或学校名称不能超过100个字，也不能含有 < > { } 符号")
    if entry.skill_level and entry.skill_level not in SKILL_LEVELS:
        errors["skill_level"] = Msg("请从列表中选择技能等级")
    if entry.category not in CATEGORIES:
        errors["category"] = Msg("请选择身份：职工或学生")
    elif rules.group_code in CATEGORIES and entry.category != rules.group_code:
        errors["category"] = Msg("所选组别只接受{category}", category=CATEGORIES[rules.group_code])

    household = (entry.household_number or "").strip()
    if household and not household.isprintable():
        errors["household_number"] = Msg("贫困户编号只能包含数字、字母和“-”")
    born = birth_date(id_number) if "id_number" not in errors else None
    if born is not None:
        eligibility = check_eligibility(
            EligibilityRules(contest_date=rules.contest_date, min_age=rules.min_age, max_age=rules.max_age,
                             poverty_required=rules.poverty_required,
                             must_work_in_occupation=rules.must_work_in_occupation),
            Candidate(birth_date=born, group=entry.category, poor_household=entry.poor_household,
                      household_number=household, works_in_occupation=entry.works_in_occupation),
        )
        for problem in eligibility:
            errors.setdefault(_field_for(problem.code), problem.message)

    if errors:
        return Checked(None, errors, warnings)
    return Checked(CheckedPerson(
        name=name, id_number=id_number, sex=sex_of(id_number), birth_date=born, ethnic_code=group.code,
        mobile=mobile, county_code=county, employer=employer, skill_level=entry.skill_level or "",
        category=entry.category, works_in_occupation=entry.works_in_occupation,
        poor_household=entry.poor_household, household_number=household if entry.poor_household else "",
        previous_title_holder=entry.previous_title_holder,
    ), {}, warnings)


def _field_for(code: str) -> str:
    if code == "not_poor_household":
        return "poor_household"
    if "household" in code:
        return "household_number"
    if "poor" in code or "poverty" in code:
        return "poor_household"
    if "occupation" in code:
        return "works_in_occupation"
    if "group" in code:
        return "category"
    return "id_number"
