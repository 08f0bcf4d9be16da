"""Appeals (申诉): written, within the event's window, decided by the arbitration group (监督仲裁组).

A contestant appeals about their own result, a delegation organiser about one of their delegation's
contestants. The window closes ``appeal_window_hours`` after the event ended (``scoring.results.event_end``);
a late appeal is refused with the deadline shown. The decision is final and recorded; an upheld appeal may
correct marks — each correction is a new mark version through the judging package's ``append_version``
(audited there) — or the theory score, and the event is then recomputed (audited, cache cleared).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from app import audit
from app.extensions import db
from app.models import User
from app.roles import Role
from app.text import Msg
from app.timeutil import utcnow
from contests import teams
from contests.models import Event, Registration
from scoring.results import BEIJING, ResultsError, clear_results_cache, event_end, recompute_event, settings_for
from scoring.results_models import FINAL, Appeal, EntryInput

MAX_TEXT = 4000
THEORY_WORDS = ("理论", "theory")  # what a correction line may start with: input, not text shown


def deadline(event: Event) -> datetime:
    """The last moment (naive UTC) an appeal about this event is accepted."""
    settings = settings_for(event)
    return event_end(event, settings) + timedelta(hours=settings.appeal_window_hours)


def beijing_text(moment: datetime) -> str:
    """"2020-08-10 20:00（北京时间）": a Msg, so a page shows it in the reader's language."""
    return Msg("{time}（北京时间）", time=(moment + BEIJING).strftime("%Y-%m-%d %H:%M"))


def may_appeal_for(user: User, reg: Registration) -> bool:
    if user.role == Role.CONTESTANT.value:
        return reg.user_id == user.id
    if user.role == Role.DELEGATION.value:
        return user.delegation_id is not None and reg.delegation_id == user.delegation_id
    return False


def appealable(user: User) -> list[Registration]:
    """The registrations this contestant or delegation organiser may appeal about."""
    q = select(Registration).where(Registration.status == "confirmed").order_by(Registration.event_id,
                                                                                Registration.id)
    if user.role == Role.CONTESTANT.value:
        q = q.where(Registration.user_id == user.id)
    elif user.role == Role.DELEGATION.value and user.delegation_id:
        q = q.where(Registration.delegation_id == user.delegation_id)
    else:
        return []
    return list(db.session.scalars(q))


def file_appeal(user: User, reg: Registration, text: str, now: datetime | None = None) -> Appeal:
    if not may_appeal_for(user, reg):
        raise ResultsError(Msg("只能为本人或本代表团的选手申诉"))
    text = (text or "").strip()
    if not text:
        raise ResultsError(Msg("请写明申诉的事项和理由"))
    if len(text) > MAX_TEXT:
        raise ResultsError(Msg("申诉内容不能超过 {n} 字", n=MAX_TEXT))
    event = reg.event
    if settings_for(event).publication == FINAL:
        raise ResultsError(Msg("本项目成绩已是最终成绩，不再受理申诉"))
    due = deadline(event)
    if (now or utcnow()) > due:
        raise ResultsError(Msg("申诉期已于 {deadline} 截止，不再受理", deadline=beijing_text(due)))
    entry_id = teams.entry_of(reg.id)  # a team member's appeal is about the team's one entry and its marks
    appeal = Appeal(registration_id=entry_id, event_id=event.id, filed_by=user.id, filed_at=now or utcnow(),
                    text=text, status="filed", decision="", marks_changed=0)
    db.session.add(appeal)
    db.session.flush()
    audit.record("appeal_filed", appeal, after={"event": event.code, "registration": entry_id, "text": text[:500]})
    return appeal


@dataclass(frozen=True)
class Correction:
    aspect_code: str  # "" for the theory score
    judge: str  # username ("" for the theory score)
    value: Decimal


def parse_corrections(text: str) -> list[Correction]:
    """Lines "评分项编号 裁判账号 新分数" or "理论 新分数"; raises ResultsError naming the line."""
    out = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        try:
            if parts[0].lower() in THEORY_WORDS and len(parts) == 2:
                out.append(Correction("", "", Decimal(parts[1])))
            elif len(parts) == 3:
                out.append(Correction(parts[0], parts[1], Decimal(parts[2])))
            else:
                raise InvalidOperation
        except InvalidOperation:
            raise ResultsError(Msg("更正第 {line} 行应写成“评分项编号 裁判账号 新分数”或“理论 新分数”",
                                   line=number)) from None
    return out


def decide(user: User, appeal: Appeal, outcome: str, decision: str, corrections: list[Correction],
           ip: str = "") -> Appeal:
    """Record the arbitration group's decision; apply the corrections of an upheld appeal; recompute."""
    if appeal.status != "filed":
        raise ResultsError(Msg("该申诉已有仲裁结论"))
    if outcome not in ("upheld", "rejected"):
        raise ResultsError(Msg("请选择仲裁结论"))
    if not (decision or "").strip():
        raise ResultsError(Msg("请写明仲裁结论的理由"))
    if corrections and outcome != "upheld":
        raise ResultsError(Msg("驳回的申诉不能更正评分"))
    event = appeal.registration.event
    planned = _plan(event, appeal.registration, corrections)  # every check before any write
    applied = []
    for kind, target, value, current in planned:
        if kind == "theory":
            before = target.theory
            target.theory = value
            target.updated_by = user.id
            applied.append({"theory": [str(before) if before is not None else None, str(value)]})
        else:
            from scoring.services import append_version

            aspect, judge = target
            append_version(registration=appeal.registration, aspect=aspect, judge_id=judge.id, value=value,
                           key=f"appeal-{appeal.id}-{uuid.uuid4().hex[:16]}", device="arbitration", ip=ip,
                           source="paper", entered_by=user.id, current=current)
            applied.append({"aspect": aspect.code, "judge": judge.username,
                            "value": [str(current.value) if current else None, str(value)]})
    appeal.status, appeal.decision = outcome, decision.strip()
    appeal.decided_by, appeal.decided_at, appeal.marks_changed = user.id, utcnow(), len(applied)
    db.session.flush()
    audit.record("appeal_decided", appeal, after={"event": event.code, "registration": appeal.registration_id,
                                                  "outcome": outcome, "decision": decision.strip()[:500],
                                                  "corrections": applied})
    if applied:
        recompute_event(event, reason=f"申诉 {appeal.id} 仲裁更正评分")
    clear_results_cache(event.contest_id)
    return appeal


def _plan(event: Event, reg: Registration, corrections: list[Correction]):
    from scoring import schemes
    from scoring.services import JudgingError, check_value, latest

    scheme = schemes.scheme_for(event.id)
    aspects = {a.code: a for a in schemes.aspects_of(scheme)} if scheme else {}
    planned = []
    for c in corrections:
        if not c.aspect_code:
            if not 0 <= c.value <= 100:
                raise ResultsError(Msg("理论成绩 {value} 应在 0–100 之间", value=c.value))
            row = db.session.scalar(select(EntryInput).where(EntryInput.registration_id == reg.id))
            if row is None:
                row = EntryInput(registration_id=reg.id)
                db.session.add(row)
            planned.append(("theory", row, c.value, None))
            continue
        aspect = aspects.get(c.aspect_code)
        if aspect is None:
            raise ResultsError(Msg("评分项 {code} 不在本项目的评分方案中", code=c.aspect_code))
        judge = db.session.scalar(select(User).where(User.username == c.judge))
        current = latest(reg.id, aspect.id, judge.id) if judge else None
        if current is None:
            raise ResultsError(Msg("裁判 {judge} 没有给该选手的评分项 {code} 评过分，无法更正", judge=c.judge,
                                   code=c.aspect_code))
        try:
            check_value(scheme, aspect, c.value)
        except JudgingError as err:
            raise ResultsError(err.message) from None
        planned.append(("mark", (aspect, judge), c.value, current))
    return planned


def appeals_of(contest_id: int) -> list[Appeal]:
    return list(db.session.scalars(select(Appeal).join(Event, Event.id == Appeal.event_id)
                                   .where(Event.contest_id == contest_id).order_by(Appeal.status, Appeal.id)))


def own_appeals(user: User) -> list[Appeal]:
    regs = [r.id for r in appealable(user)]
    if not regs:
        return []
    return list(db.session.scalars(select(Appeal).where(Appeal.registration_id.in_(regs)).order_by(Appeal.id)))
