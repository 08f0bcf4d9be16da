"""Team events (团体项目): a delegation forms its teams before the draw; each team draws one code, is marked
and ranked as one entry; every member gets the team's result on the results pages, in the medal table once,
in the statistics and on a certificate of their own."""

from __future__ import annotations

import pytest
from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import User
from contests import teams
from contests.draw import DrawError, run_codes, run_order
from contests.judging_models import DrawResult
from contests.models import Contest, Delegation, Event, EventGroup, JudgeAssignment, Registration
from scoring import publication, results
from scoring.results_demo import confirm_and_decrypt, score_event
from scoring.results_models import ANNOUNCED
from tests.support.web import csrf_token, login


def _user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


@pytest.fixture
def team_event(demo):
    """A two-person event in the demo contest with two people from each of three delegations, all confirmed."""
    contest = db.session.scalar(select(Contest).where(Contest.code == "FP2020"))
    event = Event(contest_id=contest.id, code="LY", name="智能楼宇团体赛", position=99, team_size=2)
    db.session.add(event)
    db.session.flush()
    group = EventGroup(event_id=event.id, code="employee", name="职工组", position=0)
    db.session.add(group)
    db.session.flush()
    for username, chief in (("judge-dg-1", False), ("chief-dg", True)):
        db.session.add(JudgeAssignment(event_id=event.id, user_id=_user(username).id, is_chief=chief))
    delegations = list(db.session.scalars(select(Delegation).where(Delegation.contest_id == contest.id)
                                          .order_by(Delegation.code)))[:3]
    people = {}
    for delegation in delegations:
        sources = db.session.scalars(select(Registration).where(Registration.delegation_id == delegation.id)
                                     .order_by(Registration.id).limit(2)).all()
        people[delegation.id] = []
        for src in sources:
            reg = Registration(contest_id=contest.id, event_id=event.id, group_id=group.id,
                               delegation_id=delegation.id, name=src.name, id_number=src.id_number, sex=src.sex,
                               birth_date=src.birth_date, ethnic_code=src.ethnic_code, mobile=src.mobile,
                               county_code=src.county_code, category="employee", status="confirmed",
                               user_id=src.user_id)
            db.session.add(reg)
            db.session.flush()
            people[delegation.id].append(reg.id)
    db.session.commit()
    return event, delegations, people


def test_a_delegation_forms_its_team_on_its_page_and_only_with_its_own_people(team_event):
    event, delegations, people = team_event
    own, other = delegations[0], delegations[1]
    _user("deleg-45").delegation_id = own.id  # the demo's delegation organiser, put in charge of this one
    db.session.commit()
    client = current_app.test_client()
    login(client, "deleg-45")
    page = client.get("/contests/teams/").get_data(as_text=True)
    assert "智能楼宇团体赛" in page and "每队 2 人" in page

    def post(ids):
        token = csrf_token(client, "/contests/teams/")
        return client.post(f"/contests/teams/{event.id}", data={"csrf_token": token, "ids": ids},
                           follow_redirects=True).get_data(as_text=True)

    assert "请选择 2 名选手" in post(people[own.id][:1])
    assert "只能用本代表团在该项目的报名组队" in post([people[own.id][0], people[other.id][0]])
    assert not teams.teams_of(event.id)  # nothing partial
    done = post(people[own.id])
    assert "已组成 智能楼宇团体赛 1 队" in done
    members = [db.session.get(Registration, i) for i in people[own.id]]
    assert members[0].name in done and members[1].name in done
    assert "所选选手中有人已在其他团队" in post(people[own.id])

    # Another delegation's team cannot be disbanded through this organiser's page.
    other_team = teams.form_team(event, other.id, people[other.id], _user("organiser"))
    db.session.commit()
    token = csrf_token(client, "/contests/teams/")
    assert client.post(f"/contests/teams/team/{other_team.id}/disband", data={"csrf_token": token}).status_code == 404


def test_team_is_one_entry_from_draw_to_certificates(team_event):
    from certificates.services import Scope, subjects

    event, delegations, people = team_event
    organiser, encryption = _user("organiser"), _user("encryption")
    first, second, third = (people[d.id] for d in delegations)
    teams.form_team(event, delegations[0].id, first, organiser)
    db.session.commit()

    # The draw waits for everyone to be in a team, and names who is missing.
    with pytest.raises(DrawError, match="尚未组成完整的团队"):
        run_order(event, organiser)
    db.session.rollback()
    teams.form_team(event, delegations[1].id, second, organiser)
    teams.form_team(event, delegations[2].id, third, organiser)
    run_order(event, organiser)
    run_codes(event, encryption)
    db.session.commit()
    codes = db.session.execute(select(DrawResult.registration_id, DrawResult.code)
                               .where(DrawResult.event_id == event.id)).all()
    assert sorted(r for r, _c in codes) == sorted([first[0], second[0], third[0]])  # one code per team

    # A member cannot leave once in a team; the team cannot be broken up after the draw.
    from contests.services import RegistrationRefused, transition

    member = db.session.get(Registration, first[1])
    member.status = "approved"  # as if the organiser had not confirmed this member yet
    with pytest.raises(RegistrationRefused, match="请先由代表团解散该团队"):
        transition(organiser, member, "return", "资料不全")
    with pytest.raises(teams.TeamError, match="已抽签"):
        teams.disband_team(db.session.get(Registration, first[0]).team, organiser)
    db.session.rollback()
    assert db.session.get(Registration, first[1]).status == "confirmed"

    # Marks go to the entries; the team of the second delegation wins.
    score_event(event, [80, 95, 70])
    confirm_and_decrypt(event)
    results.recompute_event(event)
    publication.advance(event, ANNOUNCED, organiser)
    db.session.commit()

    names = {d.id: "、".join(db.session.get(Registration, i).name for i in people[d.id]) for d in delegations}
    rows = publication.public_rows(event)
    assert [r.name for r in rows] == [names[delegations[1].id], names[delegations[0].id], names[delegations[2].id]]
    assert [r.rank for r in rows] == [1, 2, 3] and rows[0].award == "金牌"
    page = current_app.test_client().get("/results/FP2020/LY").get_data(as_text=True)
    assert names[delegations[1].id] in page

    # The medal table counts the team once; statistics count each member as a winner.
    medals = {m.delegation: m for m in publication.public_medal_table(event.contest)}
    assert medals[delegations[1].name].gold >= 1
    from scoring.results_export import poverty_statistics

    stats = poverty_statistics(event.contest)
    by_name = {row[0]: row for row in stats.by_delegation}
    assert by_name[delegations[1].name][3] >= 2  # both members of the winning team count as award winners

    # Each member receives a certificate of their own with the team's award.
    found = [s for s in subjects(Scope(event.contest, "award", event=event))]
    assert sorted(s.registration_id for s in found) == sorted(first + second + third)
    winners = [s for s in found if s.registration_id in second]
    assert all(s.award == "金牌" for s in winners)
    assert {s.name for s in winners} == {db.session.get(Registration, i).name for i in second}


def test_recusal_and_stations_follow_the_whole_team(team_event):
    """A judge from the unit of any member may not mark the team; every member's admission card shows the
    station the team drew."""
    from certificates.services import _stations
    from contests.draw import run_stations
    from contests.judges import recusal_reasons
    from contests.models import JudgeProfile

    event, delegations, people = team_event
    organiser, encryption = _user("organiser"), _user("encryption")
    for d in delegations:
        teams.form_team(event, d.id, people[d.id], organiser)
    run_order(event, organiser)
    run_codes(event, encryption)
    run_stations(event, organiser)
    first = people[delegations[0].id]
    second_member = db.session.get(Registration, first[1])
    second_member.employer = "柳州市第一职业技术学校"
    judge = _user("judge-dg-1")
    profile = db.session.scalar(select(JudgeProfile).where(JudgeProfile.user_id == judge.id))
    profile.unit, profile.delegation_id = "柳州市第一职业技术学校", None
    db.session.commit()

    entry = db.session.get(Registration, first[0])
    assert "同一单位" in recusal_reasons(judge.id, entry)  # the entry carries its members' conflicts
    # …and the score sheet refuses the judge's mark for the team, though the entry's own unit differs.
    from scoring.results_demo import first_aspect_id, simple_scheme
    from scoring.services import JudgingError, save_mark

    simple_scheme(event)
    db.session.commit()
    code = db.session.scalar(select(DrawResult.code).where(DrawResult.registration_id == entry.id))
    with pytest.raises(JudgingError, match="您须回避选手.*同一单位"):
        save_mark(judge, event, {"key": "k" * 32, "aspect_id": first_aspect_id(event), "code": code, "value": "50"})
    db.session.rollback()

    stations = _stations(first)
    assert stations[first[0]] and stations[first[1]] == stations[first[0]]
