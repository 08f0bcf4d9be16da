"""The draw: round one fixes the order, round two gives each contestant a sealed code, and the station draw.

Randomness comes from the operating system (``secrets.SystemRandom``): nobody can predict or replay a draw.

Sealing: the code ↔ person mapping is read only through ``sheet_rows`` (the encryption judge's printable
draw sheet) until the event is decrypted. Judges and chief judges reach contestants only through
``codes_for`` / ``registration_for_code``, which return codes and ids, never names. Decryption needs the
chief judge's confirmation of the event, then the encryption judge's request and a supervisor's approval
(two different people, also enforced by a CHECK constraint); every step is in the audit trail.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from app import audit
from app.extensions import db
from app.models import User
from app.roles import Role
from app.timeutil import utcnow
from contests import teams
from contests.judges import contestants
from contests.judging_models import Decryption, DrawResult, EventDraw
from contests.models import Delegation, Event, Registration

_random = secrets.SystemRandom()


class DrawError(Exception):
    """A refused draw step; the message is for the person at the screen."""


def state(event: Event) -> EventDraw | None:
    return db.session.scalar(select(EventDraw).where(EventDraw.event_id == event.id))


def _state_for_update(event: Event) -> EventDraw:
    row = state(event)
    if row is None:
        row = EventDraw(event_id=event.id)
        db.session.add(row)
    return row


def run_order(event: Event, user: User) -> int:
    """Round one: a random order for every confirmed contestant."""
    draw = _state_for_update(event)
    if draw.order_drawn_at:
        raise DrawError(_("第一轮（顺序）抽签已完成，不能重抽"))
    waiting = teams.not_in_a_team(event)
    if waiting:
        raise DrawError(_("团体项目须先组队：%(names)s 尚未组成完整的团队（每队 %(n)d 人，成员均已确认）",
                          names="、".join(r.name for r in waiting[:10]), n=event.team_size))
    people = contestants(event)
    if not people:
        raise DrawError(_("本项目还没有已确认的选手"))
    order = list(range(1, len(people) + 1))
    _random.shuffle(order)
    for reg, n in zip(people, order, strict=True):
        db.session.add(DrawResult(event_id=event.id, registration_id=reg.id, order_no=n))
    draw.order_drawn_at, draw.order_drawn_by = utcnow(), user.id
    db.session.flush()
    audit.record("draw_order", event, after={"event": event.code, "contestants": len(people)})
    return len(people)


def run_codes(event: Event, user: User) -> int:
    """Round two: each contestant draws a code. Only the encryption judge runs it and sees the result."""
    if user.role != Role.ENCRYPTION_JUDGE:
        raise DrawError(_("第二轮（加密编号）抽签只能由加密裁判进行"))
    draw = _state_for_update(event)
    if not draw.order_drawn_at:
        raise DrawError(_("请先完成第一轮（顺序）抽签"))
    if draw.codes_drawn_at:
        raise DrawError(_("第二轮（加密编号）抽签已完成，不能重抽"))
    rows = _results(event)
    numbers = list(range(1, len(rows) + 1))
    _random.shuffle(numbers)
    for row, n in zip(rows, numbers, strict=True):
        row.code = f"{event.code}{n:03d}"
    draw.codes_drawn_at, draw.codes_drawn_by = utcnow(), user.id
    db.session.flush()
    # The audit entry says that the draw happened, never which code went to whom.
    audit.record("draw_codes", event, after={"event": event.code, "contestants": len(rows)})
    return len(rows)


def run_stations(event: Event, user: User) -> int:
    """The station (工位号) draw."""
    draw = _state_for_update(event)
    if not draw.order_drawn_at:
        raise DrawError(_("请先完成第一轮（顺序）抽签"))
    if draw.stations_drawn_at:
        raise DrawError(_("工位号抽签已完成，不能重抽"))
    rows = _results(event)
    numbers = list(range(1, len(rows) + 1))
    _random.shuffle(numbers)
    for row, n in zip(rows, numbers, strict=True):
        row.station = f"{n:02d}"
    draw.stations_drawn_at, draw.stations_drawn_by = utcnow(), user.id
    db.session.flush()
    audit.record("draw_stations", event, after={"event": event.code, "contestants": len(rows)})
    return len(rows)


def _results(event: Event) -> list[DrawResult]:
    return list(db.session.scalars(select(DrawResult).where(DrawResult.event_id == event.id)
                                   .order_by(DrawResult.order_no)))


def codes_for(event_id: int) -> dict[int, str]:
    """registration id → code, for the judges' sheets (codes only)."""
    return dict(db.session.execute(
        select(DrawResult.registration_id, DrawResult.code)
        .where(DrawResult.event_id == event_id, DrawResult.code.is_not(None))
    ).all())


def registration_for_code(event_id: int, code: str) -> Registration | None:
    return db.session.scalar(
        select(Registration).join(DrawResult, DrawResult.registration_id == Registration.id)
        .where(DrawResult.event_id == event_id, DrawResult.code == code)
    )


def decryption(event_id: int) -> Decryption | None:
    return db.session.scalar(select(Decryption).where(Decryption.event_id == event_id))


def is_decrypted(event_id: int) -> bool:
    row = decryption(event_id)
    return row is not None and row.approved_at is not None


def code_map(event_id: int) -> dict[str, int]:
    """code → registration id, for results once the event is decrypted; refuses before."""
    if not is_decrypted(event_id):
        raise DrawError(_("该项目尚未解密"))
    return {code: reg for reg, code in codes_for(event_id).items()}


@dataclass(frozen=True)
class SheetRow:
    order_no: int
    name: str
    delegation: str
    station: str | None
    code: str | None  # None unless the viewer may see codes


def may_see_codes(user: User, event_id: int) -> bool:
    return user.role == Role.ENCRYPTION_JUDGE or is_decrypted(event_id)


def sheet_rows(event: Event, user: User) -> list[SheetRow]:
    """The printable draw sheet. Codes appear only for the encryption judge, or after decryption."""
    show_codes = may_see_codes(user, event.id)
    rows = db.session.execute(
        select(DrawResult, Registration.name, Delegation.name)
        .join(Registration, Registration.id == DrawResult.registration_id)
        .join(Delegation, Delegation.id == Registration.delegation_id)
        .where(DrawResult.event_id == event.id).order_by(DrawResult.order_no)
    ).all()
    return [SheetRow(r.order_no, name, delegation, r.station, r.code if show_codes else None)
            for r, name, delegation in rows]


def request_decryption(event: Event, user: User) -> Decryption:
    from scoring.models import EventConfirmation

    if user.role != Role.ENCRYPTION_JUDGE:
        raise DrawError(_("解密只能由加密裁判申请"))
    draw = state(event)
    if draw is None or not draw.codes_drawn_at:
        raise DrawError(_("本项目还没有加密编号，无需解密"))
    if db.session.scalar(select(EventConfirmation.id).where(EventConfirmation.event_id == event.id)) is None:
        raise DrawError(_("裁判长尚未确认本项目全部成绩，不能解密"))
    if decryption(event.id) is not None:
        raise DrawError(_("已申请解密，等待监督人员批准"))
    row = Decryption(event_id=event.id, requested_by=user.id)
    db.session.add(row)
    db.session.flush()
    audit.record("decryption_requested", row, after={"event": event.code})
    return row


def approve_decryption(event: Event, user: User) -> Decryption:
    if user.role != Role.SUPERVISOR:
        raise DrawError(_("解密须由监督仲裁人员批准"))
    row = decryption(event.id)
    if row is None:
        raise DrawError(_("加密裁判尚未申请解密"))
    if row.approved_at is not None:
        raise DrawError(_("本项目已解密"))
    if row.requested_by == user.id:
        raise DrawError(_("申请人和批准人必须是两个人"))
    row.approved_by, row.approved_at = user.id, utcnow()
    db.session.flush()
    audit.record("decryption_approved", row, after={"event": event.code, "requested_by": row.requested_by})
    return row


def demo_draws(contest_id: int, encryption: User, organiser: User) -> None:
    """Run all three draws for every event of a contest (demo and tests)."""
    for event in db.session.scalars(select(Event).where(Event.contest_id == contest_id).order_by(Event.position)):
        if state(event) is None and contestants(event):
            run_order(event, organiser)
            run_codes(event, encryption)
            run_stations(event, organiser)
