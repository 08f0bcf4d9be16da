"""The demo contests: loaded once, realistic, and complete enough to try every role."""

from sqlalchemy import func, select

from app.demo import DEMO_LOGINS, load_demo
from app.extensions import db
from app.models import User
from contests import regions
from contests.idnumber import check_id_number
from contests.models import Contest, Delegation, Event, JudgeAssignment, Registration


def test_demo_loads_once(app):
    assert load_demo() is True
    db.session.commit()
    assert load_demo() is False
    assert db.session.scalar(select(func.count()).select_from(Contest)) == 3


def test_poverty_contest_shape(demo):
    fp = db.session.scalar(select(Contest).where(Contest.code == "FP2020"))
    assert [e.name for e in fp.events] == [
        "电工", "钳工", "钢筋工", "砌筑工", "家政服务员", "餐厅服务员", "西式面点师", "电子商务师"]
    codes = {d.code for d in fp.delegations}
    assert {"45", "51", "52", "53", "62", "64", "65"} <= codes  # the seven provinces of the 52 counties
    n = db.session.scalar(select(func.count()).select_from(Registration).where(Registration.contest_id == fp.id))
    assert 140 <= n <= 160
    for event in fp.events:
        judges = db.session.scalar(select(func.count()).select_from(JudgeAssignment)
                                   .where(JudgeAssignment.event_id == event.id))
        assert judges >= 4, event.name


def test_demo_people_are_valid_and_realistic(demo):
    regs = db.session.scalars(select(Registration)).all()
    for r in regs:
        assert check_id_number(r.id_number) == [], r.id_number
        assert regions.county_exists(r.county_code)
    assert any("·" in r.name for r in regs), "minority names with a middle dot"
    assert any(regions.is_unlifted_52(r.county_code) for r in regs)
    assert any(regions.in_sanqu_sanzhou(r.county_code) for r in regs)


def test_sanqu_contest_has_employee_and_student_groups(demo):
    sq = db.session.scalar(select(Contest).where(Contest.code == "SQSZ2019"))
    assert all([g.name for g in e.groups] == ["职工组", "学生组"] for e in sq.events)
    students = db.session.scalar(select(func.count()).select_from(Registration)
                                 .where(Registration.contest_id == sq.id, Registration.category == "student"))
    assert students > 0


def test_every_demo_login_exists(demo):
    for role, username in DEMO_LOGINS:
        user = db.session.scalar(select(User).where(User.username == username))
        assert user is not None and user.role == role.value


def test_delegation_login_is_bound_to_its_delegation(demo):
    user = db.session.scalar(select(User).where(User.username == "deleg-45"))
    assert db.session.get(Delegation, user.delegation_id).name == "广西壮族自治区代表团"


def test_demo_command_prints_logins(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert "演示数据已加载" in result.output and "organiser" in result.output
    again = app.test_cli_runner().invoke(args=["demo"])
    assert "未重复加载" in again.output
    assert db.session.scalar(select(func.count()).select_from(Event)) == 22
