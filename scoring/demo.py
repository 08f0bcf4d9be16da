"""Demo judging data: marking schemes and marking teams for the demo contest's events, and its draws.

``load_demo_judging()`` is called once after ``app.demo.load_demo`` (it does nothing if the schemes exist).
Every event gets a WorldSkills-style scheme (measurement aspects for the 测量组, judgement aspects for the
评价组, theory 30% / practical 70%), except 西式面点师, which uses panel scoring (5 judges, drop the highest
and lowest, step 0.5).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.roles import Role
from contests import draw, judges
from contests.judging_models import MarkingTeam
from contests.models import Contest, Event, JudgeAssignment
from scoring import schemes
from scoring.schemes import AspectData, CriterionData, SchemeData, SubData

LEVELS = ["未达到基本要求", "达到基本要求", "良好，操作规范熟练", "优秀，达到行业领先水平"]
MEASURE, JUDGE = "测量组", "评价组"
PANEL_EVENTS = {"XSMD"}


def standard_scheme(event: Event) -> SchemeData:
    d = Decimal
    return SchemeData(
        settings={"theory_weight": d(30), "practical_weight": d(70), "judgement_gap": 1},
        criteria=[
            CriterionData("A", f"{event.name}实操：安装与制作", [
                SubData("A1", "布置与测量", [
                    AspectData("A1.1", "measurement", d(10), "尺寸误差符合图纸要求（每项0.5分）", step=d("0.5"),
                               marking_day=1, team=MEASURE),
                    AspectData("A1.2", "pass_fail", d(5), "按时完成", marking_day=1, team=MEASURE),
                ]),
                SubData("A2", "工艺", [
                    AspectData("A2.1", "deduction", d(15), "工艺缺陷扣分（每处扣1分）", step=d(1), marking_day=1,
                               team=MEASURE),
                    AspectData("A2.2", "measurement", d(20), "功能测试", step=d(1), marking_day=1, team=MEASURE),
                ]),
            ]),
            CriterionData("B", "安全与规范", [
                SubData("B1", "安全操作", [
                    AspectData("B1.1", "measurement", d(20), "安全防护与文明生产", step=d("0.5"), marking_day=2,
                               team=MEASURE),
                    AspectData("B1.2", "pass_fail", d(10), "无安全事故", marking_day=2, team=MEASURE),
                ]),
            ]),
            CriterionData("C", "职业素养", [
                SubData("C1", "作品整体评价", [
                    AspectData("C1.1", "judgement", d(10), "作品整体美观、规范", LEVELS, marking_day=2, team=JUDGE),
                    AspectData("C1.2", "judgement", d(10), "操作熟练程度", LEVELS, marking_day=2, team=JUDGE),
                ]),
            ]),
        ],
    )


def panel_scheme(event: Event) -> SchemeData:
    d = Decimal
    return SchemeData(
        settings={"theory_weight": d(20), "practical_weight": d(80), "panel_judges": 5, "panel_drop": 1,
                  "panel_min": d(0), "panel_step": d("0.5")},
        criteria=[
            CriterionData("A", "作品制作", [SubData("A1", "制作过程", [
                AspectData("A1.1", "panel", d(60), "制作过程规范、熟练", marking_day=1)])]),
            CriterionData("B", "作品展示", [SubData("B1", "成品", [
                AspectData("B1.1", "panel", d(40), "成品外观、口感与创意", marking_day=2)])]),
        ],
    )


def load_demo_schemes(contest: Contest) -> int:
    """Active schemes and marking teams for every event of the contest that has none. Returns how many."""
    made = 0
    for event in contest.events:
        if schemes.scheme_for(event.id) is not None:
            continue
        data = panel_scheme(event) if event.code in PANEL_EVENTS else standard_scheme(event)
        scheme = schemes.replace_scheme(event, data, source="demo")
        _teams(event)
        schemes.activate(scheme)
        made += 1
    return made


def _teams(event: Event) -> None:
    marking = list(db.session.scalars(
        select(JudgeAssignment.user_id).join(User, User.id == JudgeAssignment.user_id)
        .where(JudgeAssignment.event_id == event.id, JudgeAssignment.is_chief.is_(False)).order_by(User.username)))
    if event.code in PANEL_EVENTS or len(marking) < 3:
        return
    measure = judges.create_team(event, MEASURE)
    judge = judges.create_team(event, JUDGE)
    db.session.flush()
    for user_id in marking[:2]:
        judges.add_team_member(measure, user_id)
    for user_id in marking[-3:]:
        judges.add_team_member(judge, user_id)


def load_demo_judging(contest_code: str = "FP2020", draws: bool = True) -> bool:
    """Schemes, teams and (optionally) all three draws for the demo contest. Idempotent."""
    contest = db.session.scalar(select(Contest).where(Contest.code == contest_code))
    if contest is None:
        return False
    made = load_demo_schemes(contest)
    if draws:
        enc = db.session.scalar(select(User).where(User.contest_id == contest.id,
                                                   User.role == Role.ENCRYPTION_JUDGE.value))
        org = db.session.scalar(select(User).where(User.contest_id == contest.id, User.role == Role.ORGANISER.value))
        if enc and org:
            draw.demo_draws(contest.id, enc, org)
    return bool(made)


def team_of(event_id: int, name: str) -> MarkingTeam | None:
    return db.session.scalar(select(MarkingTeam).where(MarkingTeam.event_id == event_id, MarkingTeam.name == name))
