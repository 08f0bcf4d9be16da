"""Paper fallback: two different clerks type the same signed paper sheet; only matching values become marks.

A clerk's typing of one value is a ``PaperEntry`` (pending). When a second, different clerk types the same
value for the same contestant, aspect and judge, a mark version is stored (source "paper"); if the values
differ, both entries are marked "mismatch" and listed for the chief judge, who voids them so the sheet can
be typed again. A clerk can never confirm their own entry.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app import audit
from app.extensions import db
from app.models import User
from contests import draw, judges
from contests.models import Event, Registration
from scoring.models import Aspect, Mark, PaperEntry
from scoring.services import (
    JudgingError,
    _refuse_if_locked,
    active_scheme,
    append_version,
    check_value,
    event_judges,
    latest,
    markers,
    number,
    parse_value,
    require_chief,
    scheme_aspects,
)


@dataclass(frozen=True)
class PaperOutcome:
    pending: int
    matched: int
    mismatched: int


def require_clerk(user: User, event: Event) -> None:
    if not judges.is_assigned(user.id, event.id):
        raise JudgingError(_("只有本项目的裁判可以录入纸质评分表"), 403)


def sheet_aspects(event: Event, judge_id: int, criterion_id: Any) -> list[Aspect]:
    scheme = active_scheme(event)
    who = markers(event, scheme)
    return [a for c, _s, a in scheme_aspects(scheme) if str(c.id) == str(criterion_id) and judge_id in who[a.id]]


def enter(clerk: User, event: Event, code: str, judge_id: Any, criterion_id: Any,
          values: dict[int, Any], ip: str = "") -> PaperOutcome:
    """One clerk's typing of one paper sheet (a judge, a contestant code, a module). All or nothing."""
    require_clerk(clerk, event)
    scheme = active_scheme(event)
    judge = next((u for u in event_judges(event.id) if str(u.id) == str(judge_id)), None)
    if judge is None:
        raise JudgingError(_("请选择这张纸质评分表的裁判"), 422, "judge_id")
    registration = draw.registration_for_code(event.id, str(code or "").strip())
    if registration is None:
        raise JudgingError(_("选手编号“%(code)s”不存在", code=str(code)[:20]), 404, "code")
    reasons = judges.recusal_reasons(judge.id, registration)
    if reasons:
        raise JudgingError(_("裁判 %(name)s 须回避该选手（%(reasons)s），其评分不能录入", name=judge.display_name,
                             reasons="、".join(reasons)), 403, "judge_id")
    aspects = sheet_aspects(event, judge.id, criterion_id)
    if not aspects:
        raise JudgingError(_("该裁判在这个模块没有评分项"), 422, "criterion_id")
    _refuse_if_locked(registration.id, judge.id, aspects[0].sub.criterion_id)
    parsed = {}
    for a in aspects:  # validate everything before writing anything
        if values.get(a.id) in (None, ""):
            raise JudgingError(_("评分项 %(code)s 未填写", code=a.code), 422, f"aspect-{a.id}")
        try:
            value = parse_value(values[a.id])
            check_value(scheme, a, value)
        except JudgingError as err:
            raise JudgingError(err.message, 422, f"aspect-{a.id}") from None
        parsed[a.id] = value
    pending = {e.aspect_id: e for e in db.session.scalars(select(PaperEntry).where(
        PaperEntry.registration_id == registration.id, PaperEntry.judge_id == judge.id,
        PaperEntry.aspect_id.in_(list(parsed)), PaperEntry.status == "pending"))}
    own = [pending[aid] for aid in parsed if aid in pending and pending[aid].clerk_id == clerk.id]
    if own:
        raise JudgingError(_("您已录入过这张评分表，须由另一位录入员再录入一遍核对；不能核对自己的录入"), 409)
    counts = {"pending": 0, "matched": 0, "mismatch": 0}
    for a in aspects:
        entry = PaperEntry(registration_id=registration.id, aspect_id=a.id, judge_id=judge.id, clerk_id=clerk.id,
                           value=parsed[a.id])
        db.session.add(entry)
        first = pending.get(a.id)
        if first is None:
            counts["pending"] += 1
            continue
        db.session.flush()
        entry.partner_id, first.partner_id = first.id, entry.id
        if first.value == parsed[a.id]:
            mark = append_version(registration=registration, aspect=a, judge_id=judge.id, value=parsed[a.id],
                                  key=f"paper-{uuid.uuid4().hex}", device="paper", ip=ip, source="paper",
                                  entered_by=clerk.id, current=latest(registration.id, a.id, judge.id), code=code)
            entry.status = first.status = "matched"
            entry.mark_id = first.mark_id = mark.id
            counts["matched"] += 1
        else:
            entry.status = first.status = "mismatch"
            counts["mismatch"] += 1
    db.session.flush()
    audit.record("paper_entered", registration, object_type="PaperSheet",
                 object_id=f"{registration.id}-{judge.id}-{criterion_id}",
                 after={"code": code, "judge_id": judge.id, "clerk_id": clerk.id, **counts})
    if counts["matched"]:
        from scoring.results import on_marks_changed

        on_marks_changed(event)
    return PaperOutcome(counts["pending"], counts["matched"], counts["mismatch"])


def mismatches(event: Event) -> list[dict[str, Any]]:
    codes = draw.codes_for(event.id)
    rows = db.session.execute(
        select(PaperEntry, Aspect.code, User.display_name)
        .join(Aspect, Aspect.id == PaperEntry.aspect_id).join(User, User.id == PaperEntry.clerk_id)
        .join(Registration, Registration.id == PaperEntry.registration_id)
        .where(Registration.event_id == event.id, PaperEntry.status == "mismatch").order_by(PaperEntry.id)
    ).all()
    judges_by_id = {u.id: u.display_name for u in event_judges(event.id)}
    out = []
    seen = set()
    for entry, aspect_code, clerk in rows:
        if entry.id in seen:
            continue
        partner = db.session.get(PaperEntry, entry.partner_id) if entry.partner_id else None
        seen.update({entry.id, entry.partner_id})
        partner_clerk = db.session.get(User, partner.clerk_id).display_name if partner else ""
        out.append({"id": entry.id, "code": codes.get(entry.registration_id, ""), "aspect": aspect_code,
                    "judge": judges_by_id.get(entry.judge_id, ""), "first": number(entry.value), "first_clerk": clerk,
                    "second": number(partner.value) if partner else "", "second_clerk": partner_clerk})
    return out


def void_mismatch(user: User, event: Event, entry_id: Any) -> None:
    """The chief judge sets a mismatched pair aside so the sheet can be typed again by two clerks."""
    require_chief(user, event)
    entry = db.session.get(PaperEntry, int(entry_id)) if str(entry_id or "").isdigit() else None
    reg = db.session.get(Registration, entry.registration_id) if entry else None
    if entry is None or reg is None or reg.event_id != event.id or entry.status != "mismatch":
        raise JudgingError(_("不一致记录不存在"), 404)
    for e in (entry, db.session.get(PaperEntry, entry.partner_id) if entry.partner_id else None):
        if e is not None:
            e.status = "void"
    audit.record("paper_mismatch_voided", entry, after={"partner_id": entry.partner_id})


def paper_marks(event: Event) -> int:
    return len(list(db.session.scalars(select(Mark.id).join(Registration, Registration.id == Mark.registration_id)
                                       .where(Registration.event_id == event.id, Mark.source == "paper"))))
