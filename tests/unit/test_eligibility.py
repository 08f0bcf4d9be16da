from datetime import date

import pytest

from contests.eligibility import (
    GROUP_EMPLOYEE,
    GROUP_STUDENT,
    Candidate,
    EligibilityRules,
    check_eligibility,
    field_size_warning,
    quota_problem,
)

CONTEST = date(2020, 8, 11)
POVERTY = EligibilityRules(contest_date=CONTEST, poverty_required=True)


def codes(problems):
    return [p.code for p in problems]


def poor(birth=date(1995, 5, 1), **kw):
    return Candidate(birth_date=birth, poor_household=True, household_number="51343112345678", **kw)


def test_eligible_candidate():
    assert check_eligibility(POVERTY, poor()) == []


def test_default_minimum_age_is_16():
    assert EligibilityRules(contest_date=CONTEST).min_age == 16
    [p] = check_eligibility(POVERTY, poor(date(2004, 8, 12)))
    assert (p.code, p.message) == ("too_young", "比赛当日年龄为15周岁，低于最低年龄16周岁")
    assert check_eligibility(POVERTY, poor(date(2004, 8, 11))) == []


def test_maximum_age_for_worldskills_selection():
    rules = EligibilityRules(contest_date=CONTEST, max_age=22)
    [p] = check_eligibility(rules, Candidate(birth_date=date(1997, 8, 11)))
    assert p.message == "比赛当日年龄为23周岁，超过最高年龄22周岁"
    assert check_eligibility(rules, Candidate(birth_date=date(1997, 8, 12))) == []


def test_29_february_birthday_on_28_february():
    rules = EligibilityRules(contest_date=date(2021, 2, 28))
    assert codes(check_eligibility(rules, Candidate(birth_date=date(2004, 2, 29)))) == []
    rules = EligibilityRules(contest_date=date(2021, 2, 28), min_age=17)
    assert codes(check_eligibility(rules, Candidate(birth_date=date(2004, 2, 29)))) == ["too_young"]


def test_poverty_status_required():
    [p] = check_eligibility(POVERTY, Candidate(birth_date=date(1995, 5, 1)))
    assert (p.code, p.message) == ("not_poor_household", "本赛事要求选手为建档立卡贫困家庭成员（含已脱贫户）")
    assert (
        check_eligibility(EligibilityRules(contest_date=CONTEST), Candidate(birth_date=date(1995, 5, 1)))
        == []
    )


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("", "household_number_missing"),
        ("  ", "household_number_missing"),
        ("12", "household_number_format"),
        ("编号123456", "household_number_format"),
    ],
)
def test_household_number(number, code):
    person = Candidate(birth_date=date(1995, 5, 1), poor_household=True, household_number=number)
    assert codes(check_eligibility(POVERTY, person)) == [code]


def test_groups():
    rules = EligibilityRules(contest_date=CONTEST, allowed_groups=frozenset({GROUP_EMPLOYEE}))
    [p] = check_eligibility(rules, Candidate(birth_date=date(2002, 1, 1), group=GROUP_STUDENT))
    assert (p.code, p.message) == ("group_not_allowed", "本项目不设学生组，可选组别：职工组")
    [p] = check_eligibility(rules, Candidate(birth_date=date(2002, 1, 1)))
    assert (p.code, p.message) == ("group_missing", "请选择参赛组别（职工组）")
    both = EligibilityRules(contest_date=CONTEST, allowed_groups=frozenset({GROUP_EMPLOYEE, GROUP_STUDENT}))
    assert check_eligibility(both, Candidate(birth_date=date(2002, 1, 1), group=GROUP_STUDENT)) == []


def test_must_work_in_occupation_exempts_students():
    rules = EligibilityRules(contest_date=CONTEST, must_work_in_occupation=True)
    [p] = check_eligibility(rules, Candidate(birth_date=date(1990, 1, 1), group=GROUP_EMPLOYEE))
    assert (p.code, p.message) == ("not_in_occupation", "本赛事要求选手现从事参赛项目对应的职业（工种）")
    worker = Candidate(birth_date=date(1990, 1, 1), group=GROUP_EMPLOYEE, works_in_occupation=True)
    assert check_eligibility(rules, worker) == []
    assert check_eligibility(rules, Candidate(birth_date=date(2003, 1, 1), group=GROUP_STUDENT)) == []


def test_all_problems_reported_together():
    rules = EligibilityRules(
        contest_date=CONTEST,
        poverty_required=True,
        must_work_in_occupation=True,
        allowed_groups=frozenset({GROUP_EMPLOYEE}),
    )
    assert codes(check_eligibility(rules, Candidate(birth_date=date(2010, 1, 1)))) == [
        "too_young",
        "group_missing",
        "not_poor_household",
        "not_in_occupation",
    ]


def test_quota_reached():
    assert (
        quota_problem("山西省代表团", 2, 2, "电工·职工组")
        == "山西省代表团在“电工·职工组”的名额为2人，已批准2人，不能再批准"
    )
    assert quota_problem("山西省", 16, 16, "全国扶贫职业技能大赛") == (
        "山西省代表团在“全国扶贫职业技能大赛”的名额为16人，已批准16人，不能再批准"
    )


def test_quota_exceeded_and_free():
    assert quota_problem("山西省代表团", 3, 2, "电工·职工组") == (
        "山西省代表团在“电工·职工组”的名额为2人，已批准3人，已超出1人，请先取消多余的批准"
    )
    assert quota_problem("山西省代表团", 1, 2, "电工·职工组") is None
    assert quota_problem("山西省代表团", 99, None, "电工·职工组") is None


def test_field_size_warning():
    assert (
        field_size_warning(12, 30, "电工·职工组")
        == "“电工·职工组”目前报名12人，少于最低参赛人数30人，请确认是否照常举办"
    )
    assert field_size_warning(30, 30, "电工·职工组") is None
    assert field_size_warning(3, None, "电工·职工组") is None
