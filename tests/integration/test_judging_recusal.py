"""Recusal: same unit, declared relationship, same delegation (a contest setting); the assignment screen
shows conflicts before saving."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from contests import judges
from contests.models import JudgeAssignment, JudgeProfile
from tests.support import judging as J
from tests.support.web import csrf_token, login


@pytest.fixture
def dg(demo):
    J.load_judging()
    return J.event("DG")


def test_reasons_follow_unit_relationship_and_the_delegation_setting(dg):
    judge = J.user("judge-dg-2")
    profile = db.session.scalar(select(JudgeProfile).where(JudgeProfile.user_id == judge.id))
    people = judges.contestants(dg)
    same_delegation = [r for r in people if r.delegation_id == profile.delegation_id]
    other = next(r for r in people if r.delegation_id != profile.delegation_id)
    found = judges.recusals(dg, [judge.id])[judge.id]
    assert set(found) == {r.id for r in same_delegation} and all(found[r.id] == ["同一代表团"] for r in same_delegation)
    profile.unit = f" {other.employer} "
    judges.declare_relationship(dg, judge.id, people[-1].id, "亲属", J.user("organiser"))
    dg.contest.same_delegation_recusal = False
    db.session.commit()
    found = judges.recusals(dg, [judge.id])[judge.id]
    assert "同一单位" in found[other.id] and "申报的关系：亲属" in found[people[-1].id]
    assert not any(r.id in found for r in same_delegation if r.id not in (other.id, people[-1].id))


def test_the_assignment_screen_shows_conflicts_before_saving(client, dg):
    qg_judge = J.user("judge-qg-1")
    login(client, "organiser")
    page = f"/judges/event/{dg.id}"
    html = client.get(page).get_data(as_text=True)
    assert "同一代表团" in html  # conflicts of the assigned judges
    r = client.post(f"{page}/assign", data={"csrf_token": csrf_token(client, page), "user_id": qg_judge.id})
    text = r.get_data(as_text=True)
    assert r.status_code == 200 and "分配前请确认回避情况" in text
    assert db.session.scalar(select(JudgeAssignment).where(JudgeAssignment.user_id == qg_judge.id,
                                                           JudgeAssignment.event_id == dg.id)) is None
    r = client.post(f"{page}/assign", data={"csrf_token": csrf_token(client, page), "user_id": qg_judge.id,
                                            "confirm": "1"}, follow_redirects=True)
    assert "已分配" in r.get_data(as_text=True)
    assert judges.is_assigned(qg_judge.id, dg.id)
    r = client.post(f"{page}/teams", data={"csrf_token": csrf_token(client, page), "name": "测量组"},
                    follow_redirects=True)
    assert "已存在" in r.get_data(as_text=True)
