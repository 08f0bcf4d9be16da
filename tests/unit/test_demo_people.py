import random
from datetime import date

import pytest

from contests import regions
from contests.demo_people import MAX_AGE, MIN_AGE, generate_people
from contests.eligibility import GROUP_STUDENT, Candidate, EligibilityRules, check_eligibility
from contests.ethnic import find_ethnic_group
from contests.idnumber import age_on, birth_date, check_id_number, check_mobile, sex_of
from contests.names import check_name, normalize_name

CONTEST = date(2020, 8, 11)


@pytest.fixture(scope="module")
def everyone():
    rng = random.Random(20200811)
    return [p for prov in regions.provinces() for p in generate_people(rng, prov.code, 25, CONTEST)]


def test_every_province_generates(everyone):
    assert len(everyone) == 31 * 25
    assert len({p.id_number for p in everyone}) == len(everyone)
    assert len({p.mobile for p in everyone}) == len(everyone)


def test_every_id_number_passes_the_check(everyone):
    for p in everyone:
        problems = check_id_number(
            p.id_number,
            on=CONTEST,
            sex=p.sex,
            min_age=MIN_AGE,
            max_age=MAX_AGE,
            region_exists=regions.county_exists,
            today=CONTEST,
        )
        assert problems == [], (p, problems)
        assert birth_date(p.id_number) == p.birth_date
        assert sex_of(p.id_number) == p.sex
        assert p.id_number[:6] == p.county_code
        assert MIN_AGE <= age_on(p.birth_date, CONTEST) <= MAX_AGE


def test_names_ethnic_groups_mobiles_counties(everyone):
    for p in everyone:
        assert check_name(p.name) is None, p.name
        assert normalize_name(p.name) == p.name
        assert find_ethnic_group(p.ethnic_group) is not None
        assert check_mobile(p.mobile) is None and len(p.mobile) == 11
        assert regions.county_exists(p.county_code)
        assert not regions.is_development_zone(p.county_code)
        assert p.unit_name


def test_demo_people_are_eligible_for_the_poverty_contest_when_poor(everyone):
    rules = EligibilityRules(contest_date=CONTEST, poverty_required=True, must_work_in_occupation=True)
    for p in everyone:
        person = Candidate(p.birth_date, p.group, p.poor_household, p.household_number, p.works_in_occupation)
        problems = check_eligibility(rules, person)
        if p.poor_household and (p.works_in_occupation or p.group == GROUP_STUDENT):
            assert problems == [], (p, problems)
        assert bool(p.household_number) == p.poor_household


def test_names_match_home_counties():
    people = generate_people(random.Random(7), "65", 300, CONTEST)
    uyghur = [p for p in people if p.ethnic_group == "维吾尔族"]
    assert len(uyghur) > 100
    assert all("·" in p.name for p in uyghur)
    assert all(p.county_code[:4] in {"6529", "6530", "6531", "6532"} for p in uyghur)
    assert any(p.county_code[:4] in {"6531", "6532"} for p in uyghur)

    sichuan = generate_people(random.Random(7), "51", 300, CONTEST)
    yi = [p for p in sichuan if p.ethnic_group == "彝族"]
    assert yi and all(p.county_code.startswith("5134") for p in yi)
    tibetan = [p for p in sichuan if p.ethnic_group == "藏族"]
    assert tibetan and all(
        p.county_code[:4] in {"5132", "5133"} or p.county_code == "513422" for p in tibetan
    )

    tibet = generate_people(random.Random(7), "54", 100, CONTEST)
    assert sum(p.ethnic_group == "藏族" for p in tibet) > 70
    assert all(regions.in_sanqu_sanzhou(p.county_code) for p in tibet)


def test_students_are_young_and_go_to_school():
    people = generate_people(random.Random(3), "52", 200, CONTEST)
    students = [p for p in people if p.group == GROUP_STUDENT]
    assert students
    for p in students:
        assert age_on(p.birth_date, CONTEST) <= 21
        assert p.unit_name.endswith(("学校", "学院"))
        assert not p.works_in_occupation


def test_same_seed_same_people():
    a = generate_people(random.Random(42), "51", 40, CONTEST)
    b = generate_people(random.Random(42), "51", 40, CONTEST)
    c = generate_people(random.Random(43), "51", 40, CONTEST)
    assert a == b
    assert a != c


def test_ages_on_a_leap_day_contest():
    leap = date(2024, 2, 29)
    for p in generate_people(random.Random(1), "11", 200, leap):
        assert MIN_AGE <= age_on(p.birth_date, leap) <= MAX_AGE


def test_unknown_province_refused():
    with pytest.raises(ValueError):
        generate_people(random.Random(1), "99", 1, CONTEST)
    with pytest.raises(ValueError):
        generate_people(random.Random(1), "5134", 1, CONTEST)
