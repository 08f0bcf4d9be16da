"""What each role sees first after logging in."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import User
from app.roles import Role
from contests.models import Contest, Delegation, Event, JudgeAssignment, Registration


def public_contests() -> list[Contest]:
    return list(db.session.scalars(select(Contest).order_by(Contest.starts_on.desc())))


def _status_counts(*where) -> dict[str, int]:
    rows = db.session.execute(
        select(Registration.status, func.count()).where(*where).group_by(Registration.status)
    )
    return {status: n for status, n in rows}


def context_for(user: User) -> dict:
    role = user.role_enum
    if role is Role.ORGANISER:
        contests = [c for c in public_contests() if user.contest_id in (None, c.id)]
        return {"contests": [(c, _status_counts(Registration.contest_id == c.id)) for c in contests]}
    if role is Role.DELEGATION:
        delegation = db.session.get(Delegation, user.delegation_id) if user.delegation_id else None
        regs = []
        if delegation:
            regs = list(db.session.scalars(
                select(Registration).where(Registration.delegation_id == delegation.id)
                .order_by(Registration.event_id, Registration.name)
            ))
        counts = _status_counts(Registration.delegation_id == user.delegation_id)
        return {"delegation": delegation, "registrations": regs, "counts": counts}
    if role is Role.CONTESTANT:
        regs = list(db.session.scalars(select(Registration).where(Registration.user_id == user.id)))
        return {"registrations": regs}
    # Judging staff: the events they are assigned to, else every event of their contest.
    events = list(db.session.scalars(
        select(Event).join(JudgeAssignment).where(JudgeAssignment.user_id == user.id).order_by(Event.position)
    ))
    if not events and user.contest_id:
        events = list(db.session.scalars(
            select(Event).where(Event.contest_id == user.contest_id).order_by(Event.position)
        ))
    contest = db.session.get(Contest, user.contest_id) if user.contest_id else None
    return {"events": events, "contest": contest}
