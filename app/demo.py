"""Demo data: the 2020 national poverty-alleviation contest and a 2019 "三区三州" contest.

Loaded by ``flask demo`` (and ``make run``) exactly once: a second run finds the contests and does nothing.
The people are synthetic (``contests.demo_people``) with check-digit-valid ID numbers from real counties.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, timedelta

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from app import audit
from app.extensions import db
from app.models import User
from app.roles import Role
from contests import ethnic, regions
from contests.demo_people import generate_people
from contests.eligibility import GROUP_STUDENT
from contests.models import (
    Contest,
    Delegation,
    Event,
    EventGroup,
    JudgeAssignment,
    JudgeProfile,
    Registration,
    RegistrationStep,
    Team,
)

DEMO_PASSWORD = "saiwu-demo-2020"  # noqa: S105 — published on purpose: it is the demo's login

FP_EVENTS = [("DG", "电工"), ("QG", "钳工"), ("GJG", "钢筋工"), ("QZG", "砌筑工"), ("JZFW", "家政服务员"),
             ("CTFW", "餐厅服务员"), ("XSMD", "西式面点师"), ("DZSW", "电子商务师")]
# The seven provinces that hold the 52 counties, and three more.
FP_PROVINCES = ["45", "51", "52", "53", "62", "64", "65", "14", "54", "63"]
SQ_EVENTS = [("HG", "焊工"), ("ZSPT", "中式烹调师"), ("QCWX", "汽车维修工"), ("QZG", "砌筑工"), ("YYY", "育婴员"),
             ("YLHL", "养老护理员"), ("XTG", "镶贴工"), ("CTFW", "餐厅服务员"), ("KFFW", "客房服务员")]
SQ_PROVINCES = ["54", "65", "63", "51", "62", "53"]

DEMO_LOGINS = [
    (Role.ORGANISER, "organiser"),
    (Role.DELEGATION, "deleg-45"),
    (Role.CHIEF_JUDGE, "chief-dg"),
    (Role.JUDGE, "judge-dg-1"),
    (Role.ENCRYPTION_JUDGE, "encryption"),
    (Role.SUPERVISOR, "supervisor"),
    (Role.CONTESTANT, "contestant"),
]
# Also: gx-organiser and gx-deleg-4502 for the provincial contest GX2027 whose registration is open.


def demo_logins() -> list[tuple[str, str]]:
    return [(role.label, username) for role, username in DEMO_LOGINS]


def load_demo(force: bool = False) -> bool:
    """Create the demo contests unless they exist. Returns True when something was created."""
    if not force and db.session.scalar(select(Contest.id).where(Contest.code == "FP2020")):
        return False
    rng = random.Random(2020)
    hashed = generate_password_hash(DEMO_PASSWORD)  # one hash for every demo account: fast to load
    users = _Users(hashed)
    fp = _poverty_contest(rng, users)
    _sanqu_contest(rng, users)
    _open_provincial_contest(rng, users)
    from scoring.demo import load_demo_judging

    db.session.flush()
    load_demo_judging("FP2020")  # marking schemes, marking teams and the draws
    audit.record("demo_loaded", fp, after={"contests": ["FP2020", "SQSZ2019", "GX2027"]})
    return True


class _Users:
    def __init__(self, hashed: str):
        self.hashed = hashed

    def add(self, username: str, name: str, role: Role, contest: Contest, delegation: Delegation | None = None):
        user = User(username=username, display_name=name, role=role.value, password_hash=self.hashed,
                    contest_id=contest.id, delegation_id=delegation.id if delegation else None)
        db.session.add(user)
        return user


def _delegations(contest: Contest, provinces: list[str]) -> list[Delegation]:
    out = []
    for code in provinces:
        name = regions.province(code).name
        d = Delegation(contest=contest, code=code, name=f"{name}代表团")
        db.session.add(d)
        out.append(d)
    return out


def _poverty_contest(rng: random.Random, users: _Users) -> Contest:
    contest = Contest(
        code="FP2020", name="2020年全国扶贫职业技能大赛", level="national",
        organiser_name="人力资源社会保障部 国务院扶贫开发领导小组办公室", venue="山西省大同市",
        starts_on=date(2020, 8, 11), ends_on=date(2020, 8, 13),
        registration_opens=datetime(2020, 6, 15), registration_closes=datetime(2020, 7, 20),
        min_age=16, poverty_required=True, delegation_quota=16, min_field_size=0,
    )
    db.session.add(contest)
    events = []
    for i, (code, name) in enumerate(FP_EVENTS):
        ev = Event(contest=contest, code=code, name=name, position=i)
        ev.groups.append(EventGroup(code="open", name="不分组", position=0, quota_per_delegation=2))
        db.session.add(ev)
        events.append(ev)
    delegations = _delegations(contest, FP_PROVINCES)
    db.session.flush()

    users.add("organiser", "全国赛组委会", Role.ORGANISER, contest)
    users.add("encryption", "加密裁判 王静", Role.ENCRYPTION_JUDGE, contest)
    users.add("supervisor", "监督仲裁 李建国", Role.SUPERVISOR, contest)
    for d in delegations:
        users.add(f"deleg-{d.code}", f"{d.name}领队", Role.DELEGATION, contest, d)
    _judges(rng, users, contest, events, delegations, per_event=5)

    contestant_user = None
    for d_index, d in enumerate(delegations):
        people = generate_people(rng, d.code, 15, contest.starts_on)
        for p_index, person in enumerate(people):
            ev = events[(p_index + d_index) % len(events)]
            status, reason = _demo_status(d_index, p_index)
            reg = _registration(contest, ev, ev.groups[0], d, person, status, reason)
            if contestant_user is None and status == "confirmed":
                contestant_user = users.add("contestant", person.name, Role.CONTESTANT, contest, d)
                db.session.flush()
                reg.user_id = contestant_user.id
    return contest


def _sanqu_contest(rng: random.Random, users: _Users) -> Contest:
    contest = Contest(
        code="SQSZ2019", name="“三区三州”职业技能大赛", level="national",
        organiser_name="人力资源社会保障部", venue="云南省昆明市",
        starts_on=date(2019, 11, 12), ends_on=date(2019, 11, 14),
        registration_opens=datetime(2019, 9, 1), registration_closes=datetime(2019, 10, 20),
        min_age=16, poverty_required=False, min_field_size=5,
    )
    db.session.add(contest)
    events = []
    for i, (code, name) in enumerate(SQ_EVENTS):
        ev = Event(contest=contest, code=code, name=name, position=i)
        ev.groups.append(EventGroup(code="employee", name="职工组", position=0, quota_per_delegation=2))
        ev.groups.append(EventGroup(code="student", name="学生组", position=1, quota_per_delegation=2))
        db.session.add(ev)
        events.append(ev)
    delegations = _delegations(contest, SQ_PROVINCES)
    db.session.flush()
    users.add("sq-organiser", "三区三州赛组委会", Role.ORGANISER, contest)
    for d in delegations:
        users.add(f"sq-deleg-{d.code}", f"{d.name}领队", Role.DELEGATION, contest, d)
    _judges(rng, users, contest, events, delegations, per_event=3, prefix="sq-")
    for d_index, d in enumerate(delegations):
        for p_index, person in enumerate(generate_people(rng, d.code, 10, contest.starts_on)):
            ev = events[(p_index + d_index) % len(events)]
            group = ev.groups[1] if person.group == GROUP_STUDENT else ev.groups[0]
            _registration(contest, ev, group, d, person, "confirmed", "")
    return contest


def _open_provincial_contest(rng: random.Random, users: _Users) -> Contest:
    """A provincial selection contest whose registration is open now, so self-registration can be tried.

    Its dates follow the day the demo is loaded: registration opened 30 days ago and the contest is in
    half a year. Delegations are Guangxi's prefectures."""
    today = date.today()
    contest = Contest(
        code="GX2027", name="广西壮族自治区职业技能大赛（全国赛选拔赛）", level="provincial",
        organiser_name="广西壮族自治区人力资源和社会保障厅", region_scope="45", venue="广西壮族自治区南宁市",
        starts_on=today + timedelta(days=180), ends_on=today + timedelta(days=182),
        registration_opens=datetime.combine(today - timedelta(days=30), datetime.min.time()),
        registration_closes=datetime.combine(today + timedelta(days=120), datetime.min.time()),
        min_age=16, max_age=60, poverty_required=False, delegation_quota=20, min_field_size=30,
    )
    db.session.add(contest)
    for i, (code, name) in enumerate([("DG", "电工"), ("HG", "焊工"), ("QZG", "砌筑工"), ("ZSPT", "中式烹调师")]):
        ev = Event(contest=contest, code=code, name=name, position=i, must_work_in_occupation=True)
        ev.groups.append(EventGroup(code="employee", name="职工组", position=0, quota_per_delegation=2))
        ev.groups.append(EventGroup(code="student", name="学生组", position=1, quota_per_delegation=2))
        db.session.add(ev)
    for city in regions.cities_of("45"):
        db.session.add(Delegation(contest=contest, code=city.code, name=f"{city.name}代表团"))
    db.session.flush()
    users.add("gx-organiser", "广西赛组委会", Role.ORGANISER, contest)
    liuzhou = next(d for d in contest.delegations if d.code == "4502")
    users.add("gx-deleg-4502", "柳州市代表团领队", Role.DELEGATION, contest, liuzhou)
    people = [p for p in generate_people(rng, "45", 40, contest.starts_on) if p.county_code.startswith("4502")]
    for i, person in enumerate(people[:6]):
        ev = contest.events[i % len(contest.events)]
        group = ev.groups[1] if person.group == GROUP_STUDENT else ev.groups[0]
        _registration(contest, ev, group, liuzhou, person, "submitted", "")
    # A two-person team event: Liuzhou has formed one team and has two people still to pair.
    pairs = Event(contest=contest, code="ZNLY", name="智能楼宇管理员（双人团体）", position=4, team_size=2)
    pairs.groups.append(EventGroup(code="employee", name="职工组", position=0, quota_per_delegation=4))
    db.session.add(pairs)
    db.session.flush()
    paired = [_registration(contest, pairs, pairs.groups[0], liuzhou, replace(person, group="employee"), "submitted",
                            "") for person in [p for p in generate_people(rng, "45", 80, contest.starts_on)
                                               if p.county_code.startswith("4502")][:4]]
    db.session.flush()
    team = Team(event_id=pairs.id, group_id=pairs.groups[0].id, delegation_id=liuzhou.id, number=1)
    db.session.add(team)
    db.session.flush()
    for reg in paired[:2]:
        reg.team_id = team.id
    return contest


def _judges(rng, users, contest, events, delegations, per_event: int, prefix: str = "") -> None:
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    given = "建国 志强 秀英 丽华 海燕 国庆 文杰 晓明 春梅 卫东 红霞 永刚"
    for ev in events:
        chief = users.add(f"{prefix}chief-{ev.code.lower()}", f"{ev.name}裁判长 {rng.choice(surnames)}"
                          f"{rng.choice(given.split())}", Role.CHIEF_JUDGE, contest)
        team = [chief]
        for n in range(1, per_event + 1):
            team.append(users.add(f"{prefix}judge-{ev.code.lower()}-{n}",
                                  rng.choice(surnames) + rng.choice(given.split()), Role.JUDGE, contest))
        db.session.flush()
        for i, judge in enumerate(team):
            home = delegations[(i + ev.position) % len(delegations)]
            db.session.add(JudgeProfile(user_id=judge.id, delegation_id=home.id,
                                        unit=f"{home.name.removesuffix('代表团')}职业技能鉴定中心",
                                        qualifications="国家级裁判员" if i == 0 else "省级裁判员"))
            db.session.add(JudgeAssignment(event_id=ev.id, user_id=judge.id, is_chief=i == 0))


def _demo_status(d_index: int, p_index: int) -> tuple[str, str]:
    """Most entries confirmed; the first delegation shows every step of the workflow."""
    if d_index != 0:
        return "confirmed", ""
    return [
        ("draft", ""), ("submitted", ""), ("approved", ""),
        ("returned", "贫困户证明材料不清晰，请重新上传"), ("rejected", "不符合参赛年龄要求"),
    ][p_index % 5] if p_index < 10 else ("confirmed", "")


def _registration(contest, ev, group, delegation, person, status: str, reason: str) -> Registration:
    reg = Registration(
        contest=contest, event=ev, group=group, delegation=delegation, name=person.name,
        id_number=person.id_number, sex=person.sex, birth_date=person.birth_date,
        ethnic_code=ethnic.find_ethnic_group(person.ethnic_group).code, mobile=person.mobile,
        county_code=person.county_code, category=person.group, employer=person.unit_name,
        skill_level="四级/中级工", works_in_occupation=person.works_in_occupation,
        poor_household=person.poor_household, household_number=person.household_number,
        status=status, status_reason=reason, source="import",
    )
    db.session.add(reg)
    path = ["draft", "submitted", "approved", "confirmed"]
    if status in path:
        for a, b in zip(path, path[1 : path.index(status) + 1], strict=False):
            reg.steps.append(RegistrationStep(from_status=a, to_status=b))
    elif status in ("returned", "rejected"):
        reg.steps.append(RegistrationStep(from_status="draft", to_status="submitted"))
        reg.steps.append(RegistrationStep(from_status="submitted", to_status=status, reason=reason))
    return reg
