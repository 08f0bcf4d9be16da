"""Recheck (复核): draw the sheets to recheck, record findings, compute the error rate, demand a full recheck.

The selection and the verdict are the rules core's (``scoring.rules.recheck``): every sheet of the top N
contestants plus at least P% of the rest, drawn with the operating system's secure random source; an error
rate above the limit demands that every remaining sheet is rechecked too.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app import audit
from app.extensions import db
from app.models import User
from app.timeutil import utcnow
from contests import draw
from contests.models import Event, Registration
from scoring import rules
from scoring.models import MarkingScheme, RecheckItem, ScoreSheet
from scoring.services import JudgingError, active_scheme, practical_scores, require_chief


def policy(scheme: MarkingScheme) -> rules.RecheckPolicy:
    return rules.RecheckPolicy(top=scheme.recheck_top,
                               share_of_rest=Fraction(Decimal(scheme.recheck_share)) / 100,
                               full_recheck_above=Fraction(Decimal(scheme.recheck_error_limit)) / 100)


def items(event: Event) -> list[RecheckItem]:
    return list(db.session.scalars(select(RecheckItem).where(RecheckItem.event_id == event.id)
                                   .order_by(RecheckItem.id)))


def _signed_sheets(event: Event) -> list[ScoreSheet]:
    return list(db.session.scalars(
        select(ScoreSheet).join(Registration, Registration.id == ScoreSheet.registration_id)
        .where(Registration.event_id == event.id, ScoreSheet.status == "signed").order_by(ScoreSheet.id)))


def draw_sheets(user: User, event: Event) -> int:
    require_chief(user, event)
    scheme = active_scheme(event)
    if items(event):
        raise JudgingError(_("已经抽取过复核评分表"), 409)
    scores = practical_scores(event, scheme)
    missing = sorted(code for code, s in scores.items() if s is None)
    if not scores or missing:
        raise JudgingError(_("还有选手的评分未完成（%(codes)s），不能抽取复核", codes="、".join(missing[:5])), 409)
    totals = {code: s.total for code, s in scores.items()}
    ranks = {code: 1 + sum(1 for other in totals.values() if other > total) for code, total in totals.items()}
    codes = draw.codes_for(event.id)
    sheets = _signed_sheets(event)
    selection = rules.select_for_recheck(
        [rules.Sheet(str(s.id), codes[s.registration_id]) for s in sheets if s.registration_id in codes],
        ranks, policy(scheme))
    for sheet_id in selection.top_sheets:
        db.session.add(RecheckItem(event_id=event.id, sheet_id=int(sheet_id), reason="top"))
    for sheet_id in selection.drawn_sheets:
        db.session.add(RecheckItem(event_id=event.id, sheet_id=int(sheet_id), reason="drawn"))
    db.session.flush()
    audit.record("recheck_drawn", event, after={"event": event.code, "top": len(selection.top_sheets),
                                                "drawn": len(selection.drawn_sheets), "rest": selection.rest})
    return len(selection.sheet_ids)


def item_info(event: Event, chosen: list[RecheckItem]) -> dict[int, dict[str, str]]:
    """sheet id → contestant code, module code and judge name (never the contestant's name)."""
    from scoring.models import Criterion

    codes = draw.codes_for(event.id)
    rows = db.session.execute(
        select(ScoreSheet, Criterion.code, User.display_name).join(Criterion, Criterion.id == ScoreSheet.criterion_id)
        .join(User, User.id == ScoreSheet.judge_id).where(ScoreSheet.id.in_([i.sheet_id for i in chosen])))
    return {sheet.id: {"code": codes.get(sheet.registration_id, ""), "module": module, "judge": judge}
            for sheet, module, judge in rows}


def verdict(event: Event, scheme: MarkingScheme) -> rules.RecheckVerdict:
    results = {str(i.sheet_id): i.result == "error" for i in items(event) if i.result is not None}
    return rules.assess_recheck(results, policy(scheme))


def record_finding(user: User, event: Event, item_id: Any, result: str, finding: str) -> dict[str, Any]:
    """Record one rechecked sheet's outcome; above the error limit every other sheet is added ('full')."""
    require_chief(user, event)
    scheme = active_scheme(event)
    item = db.session.get(RecheckItem, int(item_id)) if str(item_id or "").isdigit() else None
    if item is None or item.event_id != event.id:
        raise JudgingError(_("复核记录不存在"), 404, "item_id")
    if result not in ("ok", "error"):
        raise JudgingError(_("请选择复核结果：无误或有误"), 422, "result")
    finding = (finding or "").strip()
    if result == "error" and len(finding) < 2:
        raise JudgingError(_("复核有误时请写明发现的问题"), 422, "finding")
    before = {"result": item.result, "finding": item.finding}
    item.result, item.finding, item.checked_by, item.checked_at = result, finding[:1000], user.id, utcnow()
    db.session.flush()
    audit.record("recheck_finding", item, before=before, after={"result": result, "finding": finding[:1000]})
    outcome = verdict(event, scheme)
    added = 0
    if outcome.full_recheck:
        chosen = {i.sheet_id for i in items(event)}
        for sheet in _signed_sheets(event):
            if sheet.id not in chosen:
                db.session.add(RecheckItem(event_id=event.id, sheet_id=sheet.id, reason="full"))
                added += 1
        if added:
            db.session.flush()
            audit.record("recheck_full", event, after={"event": event.code, "added": added,
                                                       "error_rate": str(outcome.error_rate)})
    return {"verdict": outcome, "added": added}
