"""Organisers set a contest up through its pages: the contest, its events and groups, its delegations and
their organisers' accounts. Every bad value gets its Chinese message next to the field and leaves the database
as it was; an organiser of one contest cannot reach another's setup; every change is in the audit trail."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.audit import AuditEntry
from app.extensions import db
from app.models import User
from app.roles import Role
from app.timeutil import utcnow
from contests.models import Contest, Delegation, Event, EventGroup, Registration
from tests.support.registration import gx
from tests.support.web import login, post_form

PASSWORD = "Setup-2027-ok"


def page(r) -> str:
    return r.get_data(as_text=True)


def organiser(username: str = "chief-org", contest: Contest | None = None) -> User:
    user = User(username=username, display_name="组委会秘书处", role=Role.ORGANISER.value,
                contest_id=contest.id if contest else None)
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.commit()
    return user


def beijing(value: datetime | None) -> str:
    return (value + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M") if value else ""


def contest_form(contest: Contest, **changes) -> dict:
    """What the edit page would post back unchanged, with ``changes`` (None: leave the field out)."""
    data = {
        "code": contest.code, "name": contest.name, "level": contest.level,
        "organiser_name": contest.organiser_name, "region_scope": contest.region_scope, "venue": contest.venue,
        "starts_on": contest.starts_on.isoformat(), "ends_on": contest.ends_on.isoformat(),
        "registration_opens": beijing(contest.registration_opens),
        "registration_closes": beijing(contest.registration_closes),
        "min_age": str(contest.min_age), "max_age": "" if contest.max_age is None else str(contest.max_age),
        "delegation_quota": "" if contest.delegation_quota is None else str(contest.delegation_quota),
        "min_field_size": str(contest.min_field_size),
    }
    for flag in ("poverty_required", "title_holders_without_award", "same_delegation_recusal"):
        if getattr(contest, flag):
            data[flag] = "y"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def state() -> tuple:
    """Everything the setup pages can change, to show that a refusal changed nothing."""
    db.session.expire_all()

    def rows(model):
        return sorted(tuple(getattr(r, c.key) for c in model.__table__.columns)
                      for r in db.session.scalars(select(model)))

    return (rows(Contest), rows(Event), rows(EventGroup), rows(Delegation),
            db.session.scalar(select(func.count()).select_from(User)),
            db.session.scalar(select(func.count()).select_from(AuditEntry)))


def gx_event(code: str = "DG") -> Event:
    return db.session.scalar(select(Event).where(Event.contest_id == gx().id, Event.code == code))


def gx_delegation(code: str = "4502") -> Delegation:
    return db.session.scalar(select(Delegation).where(Delegation.contest_id == gx().id, Delegation.code == code))


def approve(n: int, *where) -> list[Registration]:
    regs = db.session.scalars(select(Registration).where(Registration.contest_id == gx().id, *where)
                              .order_by(Registration.id).limit(n)).all()
    assert len(regs) == n
    for reg in regs:
        reg.status = "approved"
    db.session.commit()
    return regs


@pytest.fixture
def gx_org(demo, client):
    assert login(client, "gx-organiser").status_code == 302
    return client


@pytest.fixture
def chief(demo, client):
    organiser()
    assert login(client, "chief-org", PASSWORD).status_code == 302
    return client


# -- the whole setup, as an organiser would do it --------------------------------------------------------

def test_organiser_sets_up_a_contest_event_groups_team_event_and_delegation(chief, app):
    client = chief
    home = page(client.get("/home"))
    assert "新建比赛" in home and "/setup/new" in home
    today = date.today()
    now = utcnow() + timedelta(hours=8)
    r = post_form(client, "/setup/new", {
        "code": "HN2027", "name": "湖南省职业技能大赛", "level": "provincial",
        "organiser_name": "湖南省人力资源和社会保障厅",
        "region_scope": "43", "venue": "湖南省长沙市", "starts_on": (today + timedelta(days=90)).isoformat(),
        "ends_on": (today + timedelta(days=92)).isoformat(),
        "registration_opens": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "registration_closes": (now + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"),
        "min_age": "16", "max_age": "60", "delegation_quota": "12", "min_field_size": "30",
        "title_holders_without_award": "y", "same_delegation_recusal": "y",
    })
    assert r.status_code == 302 and r.headers["Location"].endswith("/setup/HN2027")
    overview = page(client.get("/setup/HN2027"))
    assert "湖南省职业技能大赛" in overview and "湖南省" in overview and "正在报名" in overview

    r = post_form(client, "/setup/HN2027/events/new", {"code": "DG", "name": "电工", "team_size": "1",
                                                        "must_work_in_occupation": "y"})
    assert r.status_code == 302
    event = db.session.scalar(select(Event).join(Contest).where(Contest.code == "HN2027", Event.code == "DG"))
    assert "还没有组别" in page(client.get(r.headers["Location"]))
    for code, quota in (("employee", "2"), ("student", "1")):
        r = post_form(client, f"/setup/HN2027/events/{event.id}/groups/new",
                      {"code": code, "name": "", "quota_per_delegation": quota, "min_field_size": ""})
        assert r.status_code == 302, page(r)
    r = post_form(client, "/setup/HN2027/events/new", {"code": "ZNZZ", "name": "智能制造（团体）", "team_size": "3",
                                                        "min_age": "", "max_age": "35"})
    assert r.status_code == 302
    team = db.session.scalar(select(Event).join(Contest).where(Contest.code == "HN2027", Event.code == "ZNZZ"))
    assert post_form(client, f"/setup/HN2027/events/{team.id}/groups/new",
                     {"code": "open", "name": ""}).status_code == 302

    r = post_form(client, "/setup/HN2027/delegations/new", {"code": "4301", "name": "长沙市代表团", "quota": ""})
    assert r.status_code == 302
    delegation = db.session.scalar(select(Delegation).where(Delegation.code == "4301"))
    account_page = f"/setup/HN2027/delegations/{delegation.id}/account"
    r = post_form(client, account_page, {"username": "hn-4301", "display_name": "长沙市代表团领队 刘洋",
                                         "password": "Changsha-2027", "repeat": "Changsha-2027"})
    assert r.status_code == 302
    assert "hn-4301" in page(client.get(r.headers["Location"]))

    db.session.expire_all()
    contest = db.session.scalar(select(Contest).where(Contest.code == "HN2027"))
    assert [(e.code, e.team_size, [g.name for g in e.groups]) for e in contest.events] == [
        ("DG", 1, ["职工组", "学生组"]), ("ZNZZ", 3, ["不分组"])]
    assert contest.events[0].must_work_in_occupation and contest.events[1].effective_max_age == 35
    assert [g.quota_per_delegation for g in contest.events[0].groups] == [2, 1]
    assert (contest.level, contest.region_scope, contest.delegation_quota, contest.max_age) == \
        ("provincial", "43", 12, 60)
    assert contest.registration_opens < utcnow() < contest.registration_closes  # Beijing time, stored as UTC

    leader = app.test_client()
    assert login(leader, "hn-4301", "Changsha-2027").status_code == 302
    assert "长沙市代表团" in page(leader.get("/home"))
    user = db.session.scalar(select(User).where(User.username == "hn-4301"))
    assert (user.role, user.contest_id, user.delegation_id) == ("delegation", contest.id, delegation.id)

    actions = audit_actions()
    for action in ("contest_created", "event_created", "group_created", "delegation_created",
                   "delegation_account_created"):
        assert action in actions
    assert actions.count("group_created") == 3 and actions.count("event_created") == 2
    assert "Changsha-2027" not in str(db.session.scalars(select(AuditEntry.after)).all())


def test_the_registration_window_decides_whether_contestants_may_register(gx_org, app):
    contestant = app.test_client()
    r = post_form(contestant, "/contests/signup", {"mobile": "13907720009", "display_name": "韦小宝",
                                                   "password": "Liuzhou-2027", "repeat": "Liuzhou-2027"})
    assert r.status_code == 302
    assert contestant.get("/contests/GX2027/register").status_code == 200
    form = page(gx_org.get("/setup/GX2027/edit"))  # the window as the organiser reads it: Beijing time
    assert f'value="{beijing(gx().registration_opens)}"' in form
    assert f'value="{beijing(gx().registration_closes)}"' in form
    now = utcnow() + timedelta(hours=8)  # organisers type Beijing time
    closed = contest_form(gx(), registration_opens=(now - timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"),
                          registration_closes=(now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    r = post_form(gx_org, "/setup/GX2027/edit", closed)
    assert r.status_code == 302
    assert "不在报名时间内" in page(gx_org.get("/setup/GX2027"))
    r = contestant.get("/contests/GX2027/register", follow_redirects=True)
    assert "现在不在本比赛的报名时间内" in page(r)
    not_yet = contest_form(gx(), registration_opens=(now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
                           registration_closes=(now + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"))
    assert post_form(gx_org, "/setup/GX2027/edit", not_yet).status_code == 302
    assert "现在不在本比赛的报名时间内" in page(contestant.get("/contests/GX2027/register", follow_redirects=True))
    reopened = contest_form(gx(), registration_opens=(now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"))
    assert post_form(gx_org, "/setup/GX2027/edit", reopened).status_code == 302
    assert contestant.get("/contests/GX2027/register").status_code == 200
    updates = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "contest_updated")).all()
    assert len(updates) == 3 and "registration_closes" in updates[0].after


# -- every bad value: its message, and nothing saved ------------------------------------------------------

CONTEST_CASES = [
    ("closes_before_opens", {"registration_opens": "2027-01-10T09:00", "registration_closes": "2027-01-05T09:00"},
     "报名截止时间必须晚于报名开始时间"),
    ("ends_before_starts", {"ends_on": "2020-01-01"}, "比赛结束日期不能早于开始日期"),
    ("min_age_above_max", {"min_age": "30", "max_age": "20"}, "最高年龄（20周岁）不能低于最低年龄（30周岁）"),
    ("age_not_a_number", {"min_age": "十六"}, "请填写整数"),
    ("date_not_a_date", {"starts_on": "2027-13-45"}, "请按“年-月-日”填写日期"),
    ("duplicate_code", {"code": "FP2020"}, "比赛代码“FP2020”已被其他比赛使用"),
    ("duplicate_code_other_case", {"code": "fp2020"}, "比赛代码“fp2020”已被其他比赛使用"),
    ("code_fixed_once_registered", {"code": "GX2028"}, "本比赛已有报名，比赛代码不能再修改"),
    ("bad_code", {"code": "广西 2027"}, "比赛代码只能包含字母、数字"),
    ("provincial_without_province", {"region_scope": ""}, "省级比赛请选择一个省（自治区、直辖市）"),
    ("missing_name", {"name": ""}, "请填写比赛名称"),
    ("quota_zero", {"delegation_quota": "0"}, "名额至少为1人；不限名额请留空"),
    ("closes_after_start", {"registration_closes": "2099-01-01T00:00"}, "报名截止时间不能晚于比赛开始日期"),
    ("year_mistyped", {"starts_on": "0202-05-25"}, "请填写2000年至2100年之间的日期"),
    ("time_in_year_one", {"registration_opens": "0001-01-01T00:00"}, "请填写2000年至2100年之间的日期"),
    ("unknown_level", {"level": "global"}, "请选择比赛级别"),
    ("name_too_long", {"name": "长" * 121}, "比赛名称不能超过120个字"),
]


@pytest.mark.parametrize("changes,message", [c[1:] for c in CONTEST_CASES], ids=[c[0] for c in CONTEST_CASES])
def test_bad_contest_values_are_refused_next_to_the_field(gx_org, changes, message):
    before = state()
    r = post_form(gx_org, "/setup/GX2027/edit", contest_form(gx(), **changes))
    assert r.status_code == 422
    html = page(r)
    assert message in html and 'class="error"' in html
    assert state() == before


def test_a_new_contest_with_bad_values_is_not_created(chief):
    before = state()
    r = post_form(chief, "/setup/new", {"code": "BAD1", "name": "错误的比赛", "level": "national",
                                        "organiser_name": "某厅", "region_scope": "45",
                                        "starts_on": "2027-05-02", "ends_on": "2027-05-01", "min_age": "16",
                                        "min_field_size": "0"})
    assert r.status_code == 422
    assert "全国性比赛的范围请选“全国”" in page(r) and "比赛结束日期不能早于开始日期" in page(r)
    assert state() == before


def test_the_contest_quota_cannot_go_below_what_is_approved(gx_org):
    approve(3)
    before = state()
    r = post_form(gx_org, "/setup/GX2027/edit", contest_form(gx(), delegation_quota="2"))
    assert r.status_code == 422
    assert "柳州市代表团已批准3人，名额不能少于已批准的人数" in page(r)
    assert state() == before
    assert post_form(gx_org, "/setup/GX2027/edit", contest_form(gx(), delegation_quota="3")).status_code == 302
    assert gx().delegation_quota == 3


def test_a_contest_age_change_must_leave_every_event_possible(gx_org):
    event = gx_event("HG")
    event.max_age = 22
    db.session.commit()
    r = post_form(gx_org, "/setup/GX2027/edit", contest_form(gx(), min_age="25"))
    assert r.status_code == 422 and "项目“焊工”的年龄范围将变为25至22周岁" in page(r)


EVENT_CASES = [
    ("team_of_four", {"team_size": "4"}, "每队人数应为1（个人项目）或2至3（团体项目）"),
    ("team_of_none", {"team_size": "0"}, "每队人数应为1（个人项目）或2至3（团体项目）"),
    ("duplicate_code", {"code": "DG"}, "本比赛已有代码为“DG”的项目"),
    ("duplicate_code_lower", {"code": "hg"}, "本比赛已有代码为“hg”的项目"),
    ("duplicate_name", {"name": "电工"}, "本比赛已有名为“电工”的项目"),
    ("min_above_max", {"min_age": "40", "max_age": "30"}, "最高年龄（30周岁）不能低于最低年龄（40周岁）"),
    ("max_below_contest_min", {"max_age": "15"}, "最高年龄（15周岁）不能低于最低年龄（16周岁）"),
    ("min_above_contest_max", {"min_age": "61"}, "最低年龄（61周岁）高于比赛规定的最高年龄（60周岁）"),
    ("missing_code", {"code": ""}, "请填写项目代码"),
]


@pytest.mark.parametrize("changes,message", [c[1:] for c in EVENT_CASES], ids=[c[0] for c in EVENT_CASES])
def test_bad_event_values_are_refused(gx_org, changes, message):
    before = state()
    data = {"code": "WXD", "name": "无线电调试工", "team_size": "1", "min_age": "", "max_age": "", **changes}
    r = post_form(gx_org, "/setup/GX2027/events/new", data)
    assert r.status_code == 422 and message in page(r)
    assert state() == before


def test_a_racing_duplicate_gets_the_message_not_an_error(demo, monkeypatch):
    """Two organisers adding the same code at once: the database's unique constraint answers the second."""
    from contests import setup

    monkeypatch.setattr(setup, "_check_event", lambda *args: {})  # as if DG appeared after the check
    before = state()
    with pytest.raises(setup.SetupRefused) as refused:
        setup.create_event(gx(), setup.EventValues(code="DG", name="电工（二）", position=None, team_size=1,
                                                   min_age=None, max_age=None, must_work_in_occupation=False))
    assert refused.value.errors["code"] == "本比赛已有代码为“DG”的项目"
    db.session.rollback()
    assert state() == before


def test_an_event_code_is_fixed_once_people_registered(gx_org):
    event = gx_event("DG")
    before = state()
    r = post_form(gx_org, f"/setup/GX2027/events/{event.id}", {"code": "DG2", "name": "电工", "team_size": "1"})
    assert r.status_code == 422 and "本项目已有报名，项目代码不能再修改" in page(r)
    assert state() == before
    r = post_form(gx_org, f"/setup/GX2027/events/{event.id}", {"code": "DG", "name": "电工（维修电工）",
                                                               "team_size": "1", "max_age": "55"})
    assert r.status_code == 302
    assert (gx_event("DG").name, gx_event("DG").max_age) == ("电工（维修电工）", 55)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "event_updated")).one()
    assert "电工（维修电工）" in entry.after and "电工" in entry.before


def test_bad_group_values_are_refused(gx_org):
    event = gx_event("DG")
    url = f"/setup/GX2027/events/{event.id}/groups/new"
    before = state()
    r = post_form(gx_org, url, {"code": "employee", "name": ""})
    assert r.status_code == 422 and "本项目已有“职工组”" in page(r)
    r = post_form(gx_org, url, {"code": "open", "quota_per_delegation": "0"})
    assert r.status_code == 422 and "名额至少为1人；不限名额请留空" in page(r)
    r = post_form(gx_org, url, {"code": "retired"})
    assert r.status_code == 422 and "请选择组别类型" in page(r)
    assert state() == before


def test_a_group_quota_cannot_go_below_what_is_approved(gx_org):
    group = gx_event("DG").groups[0]
    assert (group.code, group.quota_per_delegation) == ("employee", 2)
    approve(2, Registration.group_id == group.id)  # both of Liuzhou's 电工 employees
    url = f"/setup/GX2027/groups/{group.id}"
    before = state()
    r = post_form(gx_org, url, {"code": "employee", "name": "职工组", "quota_per_delegation": "1"})
    assert r.status_code == 422
    assert "柳州市代表团在本组别已批准2人，名额不能少于已批准的人数；如需减少，请先退回多余的报名" in page(r)
    r = post_form(gx_org, url, {"code": "employee", "name": "职工组", "quota_per_delegation": "0"})
    assert r.status_code == 422 and "名额至少为1人" in page(r)
    r = post_form(gx_org, url, {"code": "student", "name": "职工组", "quota_per_delegation": "2"})
    assert r.status_code == 422 and "本项目已有“学生组”" in page(r)
    assert state() == before
    r = post_form(gx_org, url, {"code": "employee", "name": "职工组", "quota_per_delegation": "3",
                                "min_field_size": "10"})
    assert r.status_code == 302
    db.session.expire_all()
    assert (group.quota_per_delegation, group.min_field_size) == (3, 10)
    assert "group_updated" in audit_actions()


def test_bad_delegation_values_are_refused(gx_org):
    before = state()
    r = post_form(gx_org, "/setup/GX2027/delegations/new", {"code": "4502", "name": "又一个柳州"})
    assert r.status_code == 422 and "本比赛已有代码为“4502”的代表团" in page(r)
    r = post_form(gx_org, "/setup/GX2027/delegations/new", {"code": "4599", "name": "柳州市代表团"})
    assert r.status_code == 422 and "本比赛已有名为“柳州市代表团”的代表团" in page(r)
    r = post_form(gx_org, "/setup/GX2027/delegations/new", {"code": "", "name": ""})
    assert r.status_code == 422 and "请填写代表团代码" in page(r) and "请填写代表团名称" in page(r)
    assert state() == before


def test_a_delegation_quota_cannot_go_below_what_is_approved(gx_org):
    approve(4)
    liuzhou = gx_delegation()
    url = f"/setup/GX2027/delegations/{liuzhou.id}"
    before = state()
    r = post_form(gx_org, url, {"code": "4502", "name": "柳州市代表团", "quota": "3"})
    assert r.status_code == 422 and "本代表团已批准4人，名额不能少于已批准的人数" in page(r)
    assert state() == before
    r = post_form(gx_org, url, {"code": "4502", "name": "柳州市代表团", "quota": "4"})
    assert r.status_code == 302 and gx_delegation().quota == 4
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "delegation_updated")).one()
    assert '"quota": 4' in entry.after


@pytest.mark.parametrize("values,message", [
    ({"username": "gx-4503", "password": "short1", "repeat": "short1"}, "密码至少需要10个字符"),
    ({"username": "organiser"}, "用户名“organiser”已被使用，请换一个"),
    ({"username": "Organiser"}, "用户名“Organiser”已被使用，请换一个"),
    ({"username": "柳州"}, "用户名为3至64个字符"),
    ({"repeat": "Different-2027"}, "两次输入的密码不一致"),
    ({"display_name": ""}, "请填写姓名或称呼"),
], ids=["weak_password", "taken", "taken_other_case", "bad_characters", "repeat_differs", "no_name"])
def test_bad_delegation_accounts_are_refused(gx_org, values, message):
    liuzhou = gx_delegation()
    before = state()
    data = {"username": "gx-4502-b", "display_name": "柳州市代表团副领队", "password": "Liuzhou-2027-b",
            "repeat": "Liuzhou-2027-b", **values}
    r = post_form(gx_org, f"/setup/GX2027/delegations/{liuzhou.id}/account", data)
    assert r.status_code == 422 and message in page(r)
    assert state() == before


# -- access ------------------------------------------------------------------------------------------------

def test_an_organiser_of_one_contest_cannot_reach_another_contests_setup(gx_org):
    fp = db.session.scalar(select(Contest).where(Contest.code == "FP2020"))
    fp_event, fp_group, fp_delegation = fp.events[0], fp.events[0].groups[0], fp.delegations[0]
    before = state()
    for path in ("/setup/FP2020", "/setup/FP2020/edit", "/setup/FP2020/events/new",
                 f"/setup/FP2020/events/{fp_event.id}", f"/setup/FP2020/groups/{fp_group.id}",
                 f"/setup/FP2020/delegations/{fp_delegation.id}",
                 f"/setup/FP2020/delegations/{fp_delegation.id}/account"):
        assert gx_org.get(path).status_code == 403, path
    token_page = "/setup/GX2027"
    for path, data in (("/setup/FP2020/edit", contest_form(fp, name="改掉")),
                       ("/setup/FP2020/events/new", {"code": "X", "name": "X", "team_size": "1"}),
                       (f"/setup/FP2020/events/{fp_event.id}/delete", {}),
                       (f"/setup/FP2020/events/{fp_event.id}/move/down", {}),
                       (f"/setup/FP2020/groups/{fp_group.id}/delete", {}),
                       (f"/setup/FP2020/delegations/{fp_delegation.id}", {"code": "X", "name": "X"}),
                       (f"/setup/FP2020/delegations/{fp_delegation.id}/account",
                        {"username": "intruder", "display_name": "X", "password": "Intruder-2027",
                         "repeat": "Intruder-2027"})):
        assert post_form(gx_org, path, data, form_page=token_page).status_code == 403, path
    # Another contest's objects under one's own contest's address: not found.
    assert gx_org.get(f"/setup/GX2027/events/{fp_event.id}").status_code == 404
    assert gx_org.get(f"/setup/GX2027/groups/{fp_group.id}").status_code == 404
    assert gx_org.get(f"/setup/GX2027/delegations/{fp_delegation.id}").status_code == 404
    assert post_form(gx_org, f"/setup/GX2027/events/{fp_event.id}/delete", {},
                     form_page=token_page).status_code == 404
    assert gx_org.get("/setup/NOSUCH").status_code == 404
    # A bound organiser cannot create contests; the setup index shows only their own.
    r = gx_org.get("/setup/new")
    assert r.status_code == 302 and r.headers["Location"].endswith("/setup/GX2027")
    assert post_form(gx_org, "/setup/new", contest_form(gx(), code="NEW1"), form_page=token_page).status_code == 302
    index = page(gx_org.get("/setup/"))
    assert "GX2027" in index and "FP2020" not in index and "/setup/new" not in index
    assert state() == before


def test_other_roles_cannot_open_setup_pages(demo, client):
    assert login(client, "gx-deleg-4502").status_code == 302
    assert client.get("/setup/GX2027").status_code == 403
    assert client.get("/setup/").status_code == 403


# -- deleting and reordering -------------------------------------------------------------------------------

def test_an_event_with_registrations_cannot_be_deleted(gx_org):
    event = gx_event("DG")
    before = state()
    r = post_form(gx_org, f"/setup/GX2027/events/{event.id}/delete", {}, form_page="/setup/GX2027",
                  follow_redirects=True)
    assert "项目“电工”已有" in page(r) and "条报名记录（含草稿、已撤回），不能删除" in page(r)
    assert state() == before
    group = event.groups[0]
    r = post_form(gx_org, f"/setup/GX2027/groups/{group.id}/delete", {}, form_page="/setup/GX2027",
                  follow_redirects=True)
    assert "不能删除" in page(r)
    assert state() == before


def test_an_unused_event_and_group_can_be_deleted(gx_org):
    r = post_form(gx_org, "/setup/GX2027/events/new", {"code": "SMG", "name": "水泥工", "team_size": "1"})
    event_id = int(r.headers["Location"].rsplit("/", 1)[1])
    post_form(gx_org, f"/setup/GX2027/events/{event_id}/groups/new", {"code": "employee"})
    post_form(gx_org, f"/setup/GX2027/events/{event_id}/groups/new", {"code": "student"})
    group = db.session.scalar(select(EventGroup).where(EventGroup.event_id == event_id, EventGroup.code == "student"))
    r = post_form(gx_org, f"/setup/GX2027/groups/{group.id}/delete", {}, form_page="/setup/GX2027",
                  follow_redirects=True)
    assert "已删除组别“学生组”" in page(r)
    r = post_form(gx_org, f"/setup/GX2027/events/{event_id}/delete", {}, form_page="/setup/GX2027",
                  follow_redirects=True)
    assert "已删除项目“水泥工”" in page(r)
    assert db.session.get(Event, event_id) is None
    assert db.session.scalar(select(func.count()).select_from(EventGroup)
                             .where(EventGroup.event_id == event_id)) == 0
    actions = audit_actions()
    assert "group_deleted" in actions and "event_deleted" in actions


def test_events_can_be_reordered(gx_org):
    assert [e.code for e in gx().events] == ["DG", "HG", "QZG", "ZSPT", "ZNLY"]
    hg = gx_event("HG")
    assert post_form(gx_org, f"/setup/GX2027/events/{hg.id}/move/up", {}, form_page="/setup/GX2027").status_code == 302
    db.session.expire_all()
    assert [e.code for e in gx().events] == ["HG", "DG", "QZG", "ZSPT", "ZNLY"]
    last = gx_event("ZNLY")
    post_form(gx_org, f"/setup/GX2027/events/{last.id}/move/down", {}, form_page="/setup/GX2027")  # already last
    db.session.expire_all()
    assert [e.code for e in gx().events] == ["HG", "DG", "QZG", "ZSPT", "ZNLY"]
    assert audit_actions().count("events_reordered") == 1
    overview = page(gx_org.get("/setup/GX2027"))
    assert overview.index("焊工") < overview.index("电工")


def test_pages_render_in_english_too(gx_org):
    gx_org.set_cookie("lang", "en")
    html = page(gx_org.get("/setup/GX2027"))
    assert "Events and groups" in html
    r = post_form(gx_org, "/setup/GX2027/edit", contest_form(gx(), ends_on="2020-01-01"))
    assert r.status_code == 422 and "The contest cannot end before it starts" in page(r)


def test_all_delegations_of_the_region_are_added_at_once(chief):
    """A national contest gets one delegation per province in one click, skipping those it has; a second
    click adds nothing."""
    from contests import regions

    fp = lambda: db.session.scalar(select(Contest).where(Contest.code == "FP2020"))  # noqa: E731
    before = {d.code for d in fp().delegations}
    r = post_form(chief, "/setup/FP2020/delegations/from-regions", {}, form_page="/setup/FP2020",
                  follow_redirects=True)
    provinces = {p.code for p in regions.provinces()}
    db.session.expire_all()
    after = {d.code: d.name for d in fp().delegations}
    assert set(after) == before | provinces and len(provinces - before) > 10
    assert f"已添加 {len(provinces - before)} 个代表团" in page(r)
    assert after["65"] == "新疆维吾尔自治区代表团"
    again = post_form(chief, "/setup/FP2020/delegations/from-regions", {}, form_page="/setup/FP2020",
                      follow_redirects=True)
    assert "范围内的地区都已有代表团" in page(again)
    assert "delegations_added_from_regions" in audit_actions()
