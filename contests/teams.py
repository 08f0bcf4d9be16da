"""Team events (团体项目): two or three people of one delegation enter as one team.

A delegation organiser forms teams from their registrations in the event (same group), before the draw.
From then on the team is one **entry**: it draws one code and station, judges mark it once, it is ranked
once, and every member receives the team's result and a certificate of their own. The entry is carried
by the member with the lowest registration id (the *entry registration*), so the draw, the marks and the
stored results, all keyed by registration, need no second kind of key. ``entry_ids`` and ``members``
translate between the two.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app import audit
from app.extensions import db
from app.models import User
from contests.judging_models import EventDraw
from contests.models import Event, Registration, Team

TEAM_STATES = ("submitted", "approved", "confirmed")  # who may be put in a team
COMPETING = "confirmed"


class TeamError(Exception):
    """A refused team change; the message is for the delegation organiser."""


def is_team_event(event: Event) -> bool:
    return event.team_size > 1


def _drawn(event_id: int) -> bool:
    return db.session.scalar(select(EventDraw.order_drawn_at).where(EventDraw.event_id == event_id)) is not None


def form_team(event: Event, delegation_id: int, registration_ids: Iterable[int], user: User) -> Team:
    """Put these registrations of one delegation into a new team of ``event``. No commit."""
    ids = sorted(set(registration_ids))
    if not is_team_event(event):
        raise TeamError(_("%(event)s 不是团体项目", event=event.name))
    if _drawn(event.id):
        raise TeamError(_("本项目已抽签，团队不能再调整"))
    if len(ids) != event.team_size:
        raise TeamError(_("%(event)s 每队 %(n)d 人，请选择 %(n)d 名选手", event=event.name, n=event.team_size))
    regs = list(db.session.scalars(select(Registration).where(Registration.id.in_(ids))))
    if len(regs) != len(ids) or any(r.event_id != event.id or r.delegation_id != delegation_id for r in regs):
        raise TeamError(_("只能用本代表团在该项目的报名组队"))
    if len({r.group_id for r in regs}) != 1:
        raise TeamError(_("同一团队的选手须在同一组别"))
    bad = [r.name for r in regs if r.status not in TEAM_STATES]
    if bad:
        raise TeamError(_("以下报名尚未提交或已退出，不能组队：%(names)s", names="、".join(bad)))
    number = (db.session.scalar(select(func.max(Team.number)).where(
        Team.event_id == event.id, Team.delegation_id == delegation_id)) or 0) + 1
    team = Team(event_id=event.id, group_id=regs[0].group_id, delegation_id=delegation_id, number=number)
    db.session.add(team)
    db.session.flush()
    # Claim the members only where they are still free: two organisers' tabs racing cannot put one person in
    # two teams (the database decides, not this process).
    claimed = db.session.execute(update(Registration).where(Registration.id.in_(ids), Registration.team_id.is_(None))
                                 .values(team_id=team.id).execution_options(synchronize_session=False)).rowcount
    if claimed != len(ids):
        raise TeamError(_("所选选手中有人已在其他团队，请刷新页面后重试"))
    db.session.expire_all()
    audit.record("team_formed", team, after={"event": event.code, "number": number, "members": ids})
    return team


def disband_team(team: Team, user: User) -> None:
    """Free the team's members (before the draw only). No commit."""
    if _drawn(team.event_id):
        raise TeamError(_("本项目已抽签，团队不能再调整"))
    ids = [m.id for m in team.members]
    db.session.execute(update(Registration).where(Registration.team_id == team.id).values(team_id=None)
                       .execution_options(synchronize_session=False))
    audit.record("team_disbanded", team, before={"number": team.number, "members": ids})
    db.session.delete(team)
    db.session.flush()
    db.session.expire_all()


def teams_of(event_id: int, delegation_id: int | None = None) -> list[Team]:
    q = select(Team).where(Team.event_id == event_id)
    if delegation_id is not None:
        q = q.where(Team.delegation_id == delegation_id)
    return list(db.session.scalars(q.order_by(Team.delegation_id, Team.number)))


def entries(event: Event) -> list[Registration]:
    """The event's competing entries: confirmed registrations, or for a team event each complete team whose
    members are all confirmed, carried by its entry registration."""
    confirmed = list(db.session.scalars(
        select(Registration).where(Registration.event_id == event.id, Registration.status == COMPETING)
        .order_by(Registration.id)))
    if not is_team_event(event):
        return confirmed
    by_team: dict[int, list[Registration]] = defaultdict(list)
    for reg in confirmed:
        if reg.team_id is not None:
            by_team[reg.team_id].append(reg)
    return sorted((regs[0] for regs in by_team.values() if len(regs) == event.team_size), key=lambda r: r.id)


def not_in_a_team(event: Event) -> list[Registration]:
    """Confirmed people of a team event who are not in a complete, confirmed team: the draw waits for them."""
    if not is_team_event(event):
        return []
    entered = {m for reg in entries(event) for m in members([reg.id])[reg.id]}
    return [r for r in db.session.scalars(
        select(Registration).where(Registration.event_id == event.id, Registration.status == COMPETING)
        .order_by(Registration.id)) if r.id not in entered]


def members(entry_ids: Iterable[int]) -> dict[int, list[int]]:
    """entry registration id → the ids of everyone it stands for (itself alone for an individual entry)."""
    ids = list(entry_ids)
    out = {i: [i] for i in ids}
    if not ids:
        return out
    rows = db.session.execute(
        select(Registration.id, Registration.team_id).where(Registration.team_id.in_(
            select(Registration.team_id).where(Registration.id.in_(ids), Registration.team_id.is_not(None))))
        .order_by(Registration.id)).all()
    by_team: dict[int, list[int]] = defaultdict(list)
    for reg_id, team_id in rows:
        by_team[team_id].append(reg_id)
    for regs in by_team.values():
        if regs[0] in out:
            out[regs[0]] = regs
    return out


def entry_of(registration_id: int) -> int:
    """The entry registration that carries this person's result (the person's own id if not in a team)."""
    team_id = db.session.scalar(select(Registration.team_id).where(Registration.id == registration_id))
    if team_id is None:
        return registration_id
    return db.session.scalar(select(func.min(Registration.id)).where(Registration.team_id == team_id))


def entry_names(entry_ids: Iterable[int]) -> dict[int, str]:
    """entry registration id → "张三、李四" for team entries (individual entries are left out)."""
    ids = list(entry_ids)
    team_members = {k: v for k, v in members(ids).items() if len(v) > 1}
    if not team_members:
        return {}
    names = dict(db.session.execute(select(Registration.id, Registration.name).where(
        Registration.id.in_([m for ms in team_members.values() for m in ms]))).all())
    return {entry: "、".join(names[m] for m in ms) for entry, ms in team_members.items()}


def entries_of(registration_ids: Iterable[int]) -> dict[int, int]:
    """registration id → the entry registration carrying its result (itself unless in a team)."""
    ids = list(registration_ids)
    out = {i: i for i in ids}
    if not ids:
        return out
    first = (select(Registration.team_id, func.min(Registration.id).label("entry"))
             .where(Registration.team_id.is_not(None)).group_by(Registration.team_id).subquery())
    rows = db.session.execute(select(Registration.id, first.c.entry)
                              .join(first, first.c.team_id == Registration.team_id)
                              .where(Registration.id.in_(ids))).all()
    out.update(dict(rows))
    return out
