"""Judges: assignment to events and marking teams, declared relationships, and recusal (回避).

Recusal is computed, never stored: a judge does not mark a contestant of the same unit, with a declared
relationship, or — when ``contest.same_delegation_recusal`` — of the same delegation. Conflicts for a whole
event are loaded in one query per kind into sets (as Tabbycat does), so the assignment screen can show them
before saving and the score sheet can refuse a recused mark even if an assignment slipped through.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from app import audit
from app.extensions import db
from app.models import User
from app.roles import Role
from contests import teams as entry_teams  # contestants' teams; teams() below are marking teams
from contests.judging_models import JudgeRelationship, MarkingTeam, MarkingTeamMember
from contests.models import Event, JudgeAssignment, JudgeProfile, Registration


class JudgesError(Exception):
    """A refused change; the message is for the organiser."""


def _norm(text: str | None) -> str:
    return "".join((text or "").split()).casefold()


def contestants(event: Event) -> list[Registration]:
    """The event's entries: confirmed registrations, or in a team event each complete team's entry."""
    return entry_teams.entries(event)


def recusals(event: Event, judge_ids: Iterable[int] | None = None) -> dict[int, dict[int, list[str]]]:
    """judge id → {registration id → reasons} for every conflict in the event."""
    regs = db.session.execute(
        select(Registration.id, Registration.employer, Registration.delegation_id)
        .where(Registration.event_id == event.id, Registration.status == "confirmed")
    ).all()
    if judge_ids is None:
        judge_ids = db.session.scalars(select(JudgeAssignment.user_id).where(JudgeAssignment.event_id == event.id))
    judge_ids = list(judge_ids)
    profiles = {p.user_id: p for p in db.session.scalars(
        select(JudgeProfile).where(JudgeProfile.user_id.in_(judge_ids)))}
    declared: dict[int, dict[int, str]] = defaultdict(dict)
    for rel in db.session.scalars(
        select(JudgeRelationship).where(JudgeRelationship.judge_id.in_(judge_ids),
                                        JudgeRelationship.registration_id.in_([r.id for r in regs]))
    ):
        declared[rel.judge_id][rel.registration_id] = rel.note
    same_delegation = event.contest.same_delegation_recusal
    entry_of = {m: entry for entry, ms in entry_teams.members(r.id for r in entry_teams.entries(event)).items()
                for m in ms} if entry_teams.is_team_event(event) else {}
    out: dict[int, dict[int, list[str]]] = {}
    for judge_id in judge_ids:
        profile = profiles.get(judge_id)
        unit = _norm(profile.unit) if profile else ""
        found: dict[int, list[str]] = {}
        for reg_id, employer, delegation_id in regs:
            reasons = []
            if unit and unit == _norm(employer):
                reasons.append(_("同一单位"))
            if same_delegation and profile and profile.delegation_id and profile.delegation_id == delegation_id:
                reasons.append(_("同一代表团"))
            if reg_id in declared.get(judge_id, {}):
                note = declared[judge_id][reg_id]
                reasons.append(_("申报的关系：%(note)s", note=note) if note else _("申报的关系"))
            if reasons:
                # In a team event a conflict with any member is a conflict with the team's entry.
                found.setdefault(entry_of.get(reg_id, reg_id), []).extend(reasons)
        out[judge_id] = found
    return out


def recusal_reasons(judge_id: int, registration: Registration) -> list[str]:
    """Why this judge may not mark this contestant (empty: may mark). Checked on every mark."""
    return recusals(registration.event, [judge_id])[judge_id].get(registration.id, [])


def assignable_judges(event: Event) -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.contest_id == event.contest_id,
                           User.role.in_([Role.JUDGE.value, Role.CHIEF_JUDGE.value]), User.active)
        .order_by(User.role, User.username)
    ))


def assignments(event: Event) -> list[tuple[JudgeAssignment, User, JudgeProfile | None]]:
    rows = db.session.execute(
        select(JudgeAssignment, User, JudgeProfile).join(User, User.id == JudgeAssignment.user_id)
        .outerjoin(JudgeProfile, JudgeProfile.user_id == User.id)
        .where(JudgeAssignment.event_id == event.id).order_by(JudgeAssignment.is_chief.desc(), User.username)
    ).all()
    return [tuple(r) for r in rows]


def is_assigned(user_id: int, event_id: int, chief: bool | None = None) -> bool:
    q = select(JudgeAssignment.id).where(JudgeAssignment.user_id == user_id, JudgeAssignment.event_id == event_id)
    if chief is not None:
        q = q.where(JudgeAssignment.is_chief == chief)
    return db.session.scalar(q) is not None


def assign(event: Event, user_id: int, is_chief: bool) -> JudgeAssignment:
    user = db.session.get(User, user_id)
    if user is None or user.contest_id != event.contest_id or user.role not in (Role.JUDGE, Role.CHIEF_JUDGE):
        raise JudgesError(_("请选择本比赛的裁判员"))
    if is_chief and user.role != Role.CHIEF_JUDGE:
        raise JudgesError(_("只有裁判长账号可以担任裁判长"))
    if is_assigned(user.id, event.id):
        raise JudgesError(_("%(name)s 已分配到本项目", name=user.display_name))
    row = JudgeAssignment(event_id=event.id, user_id=user.id, is_chief=is_chief)
    db.session.add(row)
    db.session.flush()
    conflicts = len(recusals(event, [user.id])[user.id])
    audit.record("judge_assigned", row, after={"event": event.code, "judge": user.username, "chief": is_chief,
                                               "recused_contestants": conflicts})
    return row


def unassign(event: Event, user_id: int) -> None:
    row = db.session.scalar(select(JudgeAssignment).where(JudgeAssignment.event_id == event.id,
                                                          JudgeAssignment.user_id == user_id))
    if row is None:
        raise JudgesError(_("该裁判未分配到本项目"))
    team_ids = select(MarkingTeam.id).where(MarkingTeam.event_id == event.id)
    db.session.execute(delete(MarkingTeamMember).where(MarkingTeamMember.user_id == user_id,
                                                       MarkingTeamMember.team_id.in_(team_ids)))
    audit.record("judge_unassigned", row, before={"event": event.code, "judge_id": user_id})
    db.session.delete(row)


def teams(event: Event) -> list[tuple[MarkingTeam, list[User]]]:
    out = []
    for team in db.session.scalars(select(MarkingTeam).where(MarkingTeam.event_id == event.id)
                                   .order_by(MarkingTeam.name)):
        members = list(db.session.scalars(
            select(User).join(MarkingTeamMember, MarkingTeamMember.user_id == User.id)
            .where(MarkingTeamMember.team_id == team.id).order_by(User.username)))
        out.append((team, members))
    return out


def team_names_of(user_id: int, event_id: int) -> set[str]:
    return set(db.session.scalars(
        select(MarkingTeam.name).join(MarkingTeamMember, MarkingTeamMember.team_id == MarkingTeam.id)
        .where(MarkingTeam.event_id == event_id, MarkingTeamMember.user_id == user_id)))


def team_members(event_id: int) -> dict[str, set[int]]:
    out: dict[str, set[int]] = defaultdict(set)
    for name, user_id in db.session.execute(
        select(MarkingTeam.name, MarkingTeamMember.user_id).join(MarkingTeamMember)
        .where(MarkingTeam.event_id == event_id)
    ):
        out[name].add(user_id)
    return out


def create_team(event: Event, name: str) -> MarkingTeam:
    name = (name or "").strip()
    if not name or len(name) > 40:
        raise JudgesError(_("请填写评分组名称（不超过40个字）"))
    exists = db.session.scalar(select(func.count()).select_from(MarkingTeam)
                               .where(MarkingTeam.event_id == event.id, MarkingTeam.name == name))
    if exists:
        raise JudgesError(_("评分组“%(name)s”已存在", name=name))
    team = MarkingTeam(event_id=event.id, name=name)
    db.session.add(team)
    db.session.flush()
    audit.record("marking_team_created", team, after={"event": event.code, "name": name})
    return team


def set_member(event: Event, team_id: int, user_id: int, member: bool) -> None:
    team = db.session.get(MarkingTeam, team_id)
    if team is None or team.event_id != event.id:
        raise JudgesError(_("评分组不存在"))
    if not is_assigned(user_id, event.id, chief=False):
        raise JudgesError(_("只有分配到本项目的裁判员可以加入评分组"))
    row = db.session.scalar(select(MarkingTeamMember).where(MarkingTeamMember.team_id == team.id,
                                                            MarkingTeamMember.user_id == user_id))
    if member and row is None:
        db.session.add(MarkingTeamMember(team_id=team.id, user_id=user_id))
    elif not member and row is not None:
        db.session.delete(row)
    else:
        return
    audit.record("marking_team_member", team, after={"user_id": user_id, "member": member})


def add_team_member(team: MarkingTeam, user_id: int) -> None:
    """For loaders (demo, tests): add without checks."""
    db.session.add(MarkingTeamMember(team_id=team.id, user_id=user_id))


def declare_relationship(event: Event, judge_id: int, registration_id: int, note: str, by: User) -> JudgeRelationship:
    reg = db.session.get(Registration, registration_id)
    if reg is None or reg.event_id != event.id:
        raise JudgesError(_("请选择本项目的选手"))
    judge = db.session.get(User, judge_id)
    if judge is None or judge.role not in (Role.JUDGE, Role.CHIEF_JUDGE) or judge.contest_id != event.contest_id:
        raise JudgesError(_("请选择本比赛的裁判员"))
    note = (note or "").strip()[:200]
    exists = db.session.scalar(select(JudgeRelationship.id).where(JudgeRelationship.judge_id == judge_id,
                                                                  JudgeRelationship.registration_id == reg.id))
    if exists:
        raise JudgesError(_("该关系已申报"))
    rel = JudgeRelationship(judge_id=judge_id, registration_id=reg.id, note=note, declared_by=by.id)
    db.session.add(rel)
    db.session.flush()
    audit.record("judge_relationship_declared", rel, after={"judge_id": judge_id, "registration_id": reg.id,
                                                            "note": note})
    return rel


def relationships(event: Event) -> list[tuple[JudgeRelationship, User, Registration]]:
    return [tuple(r) for r in db.session.execute(
        select(JudgeRelationship, User, Registration).join(User, User.id == JudgeRelationship.judge_id)
        .join(Registration, Registration.id == JudgeRelationship.registration_id)
        .where(Registration.event_id == event.id).order_by(JudgeRelationship.id)
    ).all()]
