"""Regional to national: forward contestants from a provincial contest's final results to a national contest.

Each forwarded contestant becomes a pre-filled registration of the national contest (status "submitted",
source "forwarded"), awaiting the delegation's approval in the normal registration workflow. The national
event is the one with the same code; the group the one with the same code (else the event's first); the
delegation the one whose code is the province of the contest's region (else of the contestant's county).
Everything is checked before anything is written: one refusal forwards nobody.
"""

from __future__ import annotations

from sqlalchemy import select

from app import audit
from app.extensions import db
from app.text import Msg, joined
from contests.models import Contest, Delegation, Event, Registration, RegistrationStep
from scoring.results import ResultsError
from scoring.results_models import FINAL, Forwarding, ResultSettings, StoredResult

COPIED = ("name", "id_number", "sex", "birth_date", "ethnic_code", "mobile", "county_code", "category", "employer",
          "skill_level", "works_in_occupation", "poor_household", "household_number", "poverty_proof", "photo",
          "previous_title_holder")


def targets(source: Contest) -> list[Contest]:
    return list(db.session.scalars(select(Contest).where(Contest.level == "national", Contest.id != source.id)
                                   .order_by(Contest.starts_on.desc())))


def candidates(source: Contest) -> list[tuple[StoredResult, Registration]]:
    """Final results of the source contest, best first within each event and group."""
    return list(db.session.execute(
        select(StoredResult, Registration).join(Registration, Registration.id == StoredResult.registration_id)
        .join(ResultSettings, ResultSettings.event_id == StoredResult.event_id)
        .join(Event, Event.id == StoredResult.event_id)
        .where(Event.contest_id == source.id, ResultSettings.publication == FINAL)
        .order_by(Event.position, StoredResult.group_code, StoredResult.rank, StoredResult.registration_id)).all())


def forwarded_ids(source: Contest) -> set[int]:
    return set(db.session.scalars(select(Forwarding.from_registration_id).join(
        Registration, Registration.id == Forwarding.from_registration_id).where(Registration.contest_id == source.id)))


def forward(user, source: Contest, target: Contest, registration_ids: list[int]) -> list[Registration]:
    if source.level == "national":
        raise ResultsError(Msg("只能从省级（或地市级）选拔赛向全国赛推荐选手"))
    if target.level != "national" or target.id == source.id:
        raise ResultsError(Msg("请选择一项全国赛"))
    if not registration_ids:
        raise ResultsError(Msg("请至少选择一名选手"))
    allowed = {reg.id: (res, reg) for res, reg in candidates(source)}
    done = forwarded_ids(source)
    problems, plans = [], []
    for reg_id in dict.fromkeys(registration_ids):
        if reg_id not in allowed:
            problems.append(Msg("报名 {id} 不是本比赛已确定最终成绩的选手", id=reg_id))
            continue
        _res, reg = allowed[reg_id]
        if reg_id in done:
            problems.append(Msg("{name} 已推荐过", name=reg.name))
            continue
        event = db.session.scalar(select(Event).where(Event.contest_id == target.id, Event.code == reg.event.code))
        if event is None:
            problems.append(Msg("{contest} 没有项目 {event}（{code}）", contest=target.name, event=reg.event.name,
                                    code=reg.event.code))
            continue
        group = next((g for g in event.groups if g.code == reg.group.code), event.groups[0] if event.groups else None)
        province = (source.region_scope or reg.county_code)[:2]
        delegation = db.session.scalar(select(Delegation).where(Delegation.contest_id == target.id,
                                                                Delegation.code == province))
        if group is None or delegation is None:
            problems.append(Msg("{contest} 找不到 {name} 对应的组别或代表团（省份代码 {province}）",
                                contest=target.name, name=reg.name, province=province))
            continue
        clash = db.session.scalar(select(Registration.id).where(
            Registration.contest_id == target.id, Registration.event_id == event.id,
            Registration.id_number == reg.id_number))
        if clash is not None:
            problems.append(Msg("{name} 已在 {contest} 的 {event} 报名", name=reg.name, contest=target.name,
                                event=event.name))
            continue
        plans.append((reg, event, group, delegation))
    if problems:
        raise ResultsError(joined(problems, sentences=True))
    made = []
    for reg, event, group, delegation in plans:
        new = Registration(contest_id=target.id, event_id=event.id, group_id=group.id, delegation_id=delegation.id,
                           status="submitted", status_reason="", source="forwarded",
                           **{f: getattr(reg, f) for f in COPIED})
        new.steps.append(RegistrationStep(from_status="draft", to_status="submitted", user_id=user.id,
                                          reason=f"由{source.name}推荐"))  # stored in the registration's history
        db.session.add(new)
        db.session.flush()
        db.session.add(Forwarding(from_registration_id=reg.id, to_contest_id=target.id, to_registration_id=new.id,
                                  by_id=user.id))
        made.append(new)
    db.session.flush()
    audit.record("results_forwarded", source, after={"to": target.code,
                                                     "registrations": [[r.id, m.id] for (r, *_x), m in
                                                                       zip(plans, made, strict=True)]})
    return made
