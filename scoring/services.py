"""Score sheets and marks: what a judge may mark, saving a mark as a new version, signing and unlocking.

Saving is safe under concurrency without locks: the new version's number is read, the row is inserted, and
the UNIQUE constraints (registration, aspect, judge, version) and (idempotency_key) decide any race. The
loser's transaction fails with IntegrityError; ``scoring.txn.commit_with_retry`` rolls it back and runs the
operation again, which then either finds its own key (a replay: the stored version is returned, nothing is
written) or stores the next version.

Offline devices and stale replays. Each entry carries the client's idempotency key, the version the device
saw when the judge typed (``base_version``) and how long it waited in the device's queue (``queued_ms``,
measured on the device's own clock, so clock skew does not matter). If another device has stored a version
since ``base_version``:
  * a queued entry (waited ≥ ``REPLAY_AFTER_MS``) that is older than that version is refused (409):
    replaying it would overwrite a newer mark with an old one;
  * otherwise (a live save racing another device) the entry is stored as the next version and flagged
    ``conflict`` for the chief judge. Both versions are kept; the latest is current.
A retry with the same key never creates a second mark.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import String, bindparam, cast, func, insert, join, or_, select
from sqlalchemy.orm import aliased

from app import audit
from app.extensions import db
from app.i18n import translate
from app.models import User
from app.timeutil import utcnow
from contests import draw, judges
from contests.judging_models import MarkingTeam, MarkingTeamMember
from contests.models import Event, JudgeAssignment, Registration
from scoring import rules
from scoring.models import (
    Aspect,
    Criterion,
    EventConfirmation,
    Mark,
    MarkingScheme,
    ModuleConfirmation,
    ScoreSheet,
    SheetUnlock,
    SubCriterion,
)
from scoring.schemes import scheme_for

REPLAY_AFTER_MS = 10_000
KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class JudgingError(Exception):
    """A refused judging operation: a message (``gettext`` text or a rules-core ``Msg``; views pass it through
    ``app.i18n.translate`` or ``app.i18n.flash``), an HTTP status and the field it is about."""

    def __init__(self, message: str, status: int = 422, field: str = ""):
        super().__init__(message)
        self.message, self.status, self.field = message, status, field


def number(value: Decimal | None) -> str:
    return "" if value is None else rules.scheme.number_text(Decimal(value))


# ---------------------------------------------------------------- who marks what

def active_scheme(event: Event) -> MarkingScheme:
    scheme = scheme_for(event.id)
    if scheme is None or scheme.status != "active":
        raise JudgingError(_("本项目的评分方案尚未启用"), 409)
    return scheme


def scheme_aspects(scheme: MarkingScheme) -> list[tuple[Criterion, SubCriterion, Aspect]]:
    return [(c, s, a) for c in scheme.criteria for s in c.subs for a in s.aspects]


def event_judges(event_id: int) -> list[User]:
    """The event's marking judges (not the chief)."""
    return list(db.session.scalars(
        select(User).join(JudgeAssignment, JudgeAssignment.user_id == User.id)
        .where(JudgeAssignment.event_id == event_id, JudgeAssignment.is_chief.is_(False)).order_by(User.username)))


def markers(event: Event, scheme: MarkingScheme) -> dict[int, set[int]]:
    """aspect id → the judges who mark it: its team's members, or every marking judge for team ""."""
    members = judges.team_members(event.id)
    everyone = {u.id for u in event_judges(event.id)}
    return {a.id: (members.get(a.team, set()) & everyone if a.team else everyone)
            for _c, _s, a in scheme_aspects(scheme)}


@dataclass
class JudgeScope:
    event: Event
    scheme: MarkingScheme
    aspects: list[Aspect]
    criteria: list[Criterion]
    codes: dict[int, str]  # registration id → code, the contestants this judge may mark
    recused: set[int] = field(default_factory=set)


def scope_for(user: User, event: Event) -> JudgeScope:
    """What this judge marks in this event; refuses judges not assigned to it."""
    if not judges.is_assigned(user.id, event.id, chief=False):
        raise JudgingError(_("您没有被分配到这个项目"), 403)
    scheme = active_scheme(event)
    mine = {aid for aid, who in markers(event, scheme).items() if user.id in who}
    aspects = [a for _c, _s, a in scheme_aspects(scheme) if a.id in mine]
    criteria = [c for c in scheme.criteria if any(a.sub.criterion_id == c.id for a in aspects)]
    recused = set(judges.recusals(event, [user.id])[user.id])
    codes = {reg: code for reg, code in draw.codes_for(event.id).items() if reg not in recused}
    return JudgeScope(event, scheme, aspects, criteria, codes, recused)


# ---------------------------------------------------------------- values

def parse_value(raw: Any) -> Decimal:
    if isinstance(raw, bool) or raw is None:
        raise JudgingError(_("请输入分数"), field="value")
    text = str(raw).strip().replace("，", ".").replace("。", ".")
    if not text:
        raise JudgingError(_("请输入分数"), field="value")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise JudgingError(_("“%(text)s”不是有效的分数", text=text[:20]), field="value") from None
    if not value.is_finite() or value.as_tuple().exponent < -3:
        raise JudgingError(_("“%(text)s”不是有效的分数（最多三位小数）", text=text[:20]), field="value")
    return value


def check_value(scheme: MarkingScheme, aspect: Aspect, value: Decimal) -> None:
    """Range and step on the server, with the rules core's messages."""
    if aspect.kind == rules.PASS_FAIL:
        if value not in (0, 1):
            raise JudgingError(_("评分项 %(code)s 只能评“是”(1) 或“否”(0)", code=aspect.code), field="value")
        return
    if aspect.kind == rules.JUDGEMENT:
        fault = rules.check_score(value, 0, rules.scheme.JUDGEMENT_LEVELS, 1)
    elif aspect.kind == rules.PANEL:
        step = aspect.step if aspect.step is not None else scheme.panel_step
        fault = rules.check_score(value, Decimal(scheme.panel_min), Decimal(aspect.maximum),
                                  Decimal(step) if step is not None else None)
    else:  # measurement, deduction (the total deducted)
        fault = rules.check_score(value, 0, Decimal(aspect.maximum),
                                  Decimal(aspect.step) if aspect.step is not None else None)
    if fault:
        raise JudgingError(_("评分项 %(code)s：%(fault)s", code=aspect.code, fault=translate(fault)), field="value")


# ---------------------------------------------------------------- marks

def current_marks(aspect_ids: list[int], registration_ids: list[int] | None = None,
                  judge_id: int | None = None) -> dict[tuple[int, int, int], Mark]:
    """(registration, aspect, judge) → the current (latest) version."""
    if not aspect_ids:
        return {}
    q = select(Mark).where(Mark.aspect_id.in_(aspect_ids))
    if registration_ids is not None:
        q = q.where(Mark.registration_id.in_(registration_ids))
    if judge_id is not None:
        q = q.where(Mark.judge_id == judge_id)
    out: dict[tuple[int, int, int], Mark] = {}
    for m in db.session.scalars(q.order_by(Mark.version)):
        out[(m.registration_id, m.aspect_id, m.judge_id)] = m
    return out


def latest(registration_id: int, aspect_id: int, judge_id: int) -> Mark | None:
    return db.session.scalar(
        select(Mark).where(Mark.registration_id == registration_id, Mark.aspect_id == aspect_id,
                           Mark.judge_id == judge_id).order_by(Mark.version.desc()).limit(1))


def sheet_of(registration_id: int, judge_id: int, criterion_id: int) -> ScoreSheet | None:
    return db.session.scalar(select(ScoreSheet).where(
        ScoreSheet.registration_id == registration_id, ScoreSheet.judge_id == judge_id,
        ScoreSheet.criterion_id == criterion_id))


def _ensure_sheet(registration_id: int, judge_id: int, criterion_id: int) -> ScoreSheet:
    sheet = sheet_of(registration_id, judge_id, criterion_id)
    if sheet is None:  # a race on the UNIQUE sheet key is retried like a race on the mark
        sheet = ScoreSheet(registration_id=registration_id, judge_id=judge_id, criterion_id=criterion_id)
        db.session.add(sheet)
    return sheet


def _refuse_if_locked(registration_id: int, judge_id: int, criterion_id: int) -> None:
    sheet = sheet_of(registration_id, judge_id, criterion_id)
    if sheet is not None and sheet.status == "signed":
        raise JudgingError(_("这张评分表已签字锁定，需裁判长填写原因解锁后才能修改"), 409)
    if db.session.scalar(select(ModuleConfirmation.id).where(ModuleConfirmation.criterion_id == criterion_id)):
        raise JudgingError(_("裁判长已确认该模块成绩，不能再修改"), 409)


def replayed(key: str, judge_id: int) -> Mark | None:
    """The version stored earlier under this idempotency key, if any (the same judge's)."""
    mark = db.session.scalar(select(Mark).where(Mark.idempotency_key == key))
    if mark is not None and mark.judge_id != judge_id:
        raise JudgingError(_("这条记录的编号与另一条评分冲突，请刷新页面后重新录入"), 409)
    return mark


def append_version(*, registration: Registration, aspect: Aspect, judge_id: int, value: Decimal, key: str,
                   device: str, ip: str, source: str, entered_by: int, base_version: int | None = None,
                   conflict: bool = False, current: Mark | None = None, code: str = "") -> Mark:
    """Store the next version (the only way marks are written) and audit it in the same transaction."""
    mark = _insert_version(registration_id=registration.id, aspect_id=aspect.id, judge_id=judge_id, value=value,
                           key=key, device=device, ip=ip, source=source, entered_by=entered_by,
                           base_version=base_version, conflict=conflict, current=_Current.of(current))
    _ensure_sheet(registration.id, judge_id, aspect.sub.criterion_id)
    db.session.flush()  # an IntegrityError here is a lost race: the caller's retry stores the next version
    _audit_version(mark, aspect.code, _Current.of(current), code)
    return mark


@dataclass(frozen=True)
class _Current:
    """What a new version needs of the current one."""

    id: int
    version: int
    value: Decimal
    device: str
    created_at: Any

    @classmethod
    def of(cls, mark: Mark | None) -> _Current | None:
        return None if mark is None else cls(mark.id, mark.version, mark.value, mark.device, mark.created_at)


def _insert_version(**values) -> Mark:
    mark = _new_version(**values)
    db.session.add(mark)
    return mark


def _new_version(*, registration_id: int, aspect_id: int, judge_id: int, value: Decimal, key: str, device: str,
                 ip: str, source: str, entered_by: int, base_version: int | None, conflict: bool,
                 current: _Current | None) -> Mark:
    return Mark(registration_id=registration_id, aspect_id=aspect_id, judge_id=judge_id,
                version=(current.version + 1) if current else 1, value=value,
                previous_id=current.id if current else None, idempotency_key=key, device=device[:64], ip=ip[:45],
                source=source, entered_by=entered_by, base_version=base_version, conflict=conflict,
                created_at=utcnow())


_MARK_COLUMNS = ("registration_id", "aspect_id", "judge_id", "version", "value", "previous_id", "idempotency_key",
                 "device", "ip", "source", "entered_by", "base_version", "conflict", "created_at")


def _mark_values(mark: Mark) -> dict[str, Any]:
    return {f"v_{column}": getattr(mark, column) for column in _MARK_COLUMNS}


@lru_cache(maxsize=1)
def _insert_mark():
    return insert(Mark).values({column: bindparam(f"v_{column}") for column in _MARK_COLUMNS}).returning(Mark.id)


@lru_cache(maxsize=1)
def _insert_mark_audited():
    """PostgreSQL: ``_insert_mark`` and the audit entry naming the new mark's id, as one statement."""
    saved = _insert_mark().cte("saved_mark")
    columns = audit.AuditEntry.__table__.c
    entry = select(*[cast(saved.c.id, String) if name == "object_id"
                     else bindparam(f"a_{name}", type_=columns[name].type) for name in audit.COLUMNS])
    return insert(audit.AuditEntry).from_select(audit.COLUMNS, entry).returning(select(saved.c.id).scalar_subquery())


def _audit_change(mark: Mark, aspect_code: str, current: _Current | None, code: str) -> dict[str, Any]:
    return {"before": {"value": number(current.value), "version": current.version} if current else None,
            "after": {"code": code, "aspect": aspect_code, "judge_id": mark.judge_id, "value": number(mark.value),
                      "version": mark.version, "source": mark.source, "device": mark.device,
                      "conflict": mark.conflict}}


def _audit_version(mark: Mark, aspect_code: str, current: _Current | None, code: str) -> None:
    audit.record("mark_saved", mark, **_audit_change(mark, aspect_code, current, code))


@dataclass(frozen=True)
class Saved:
    mark: Mark
    created: bool  # False: a replay of a key already stored
    body: dict[str, Any] | None = None  # the response (``mark_json``), made before the commit expires the mark


def save_mark(user: User, event: Event | int, payload: dict[str, Any], ip: str = "") -> Saved:
    """One judge's entry from the tablet (JSON). Refusals raise JudgingError; nothing is written then.

    ``event`` may be just the id from the URL (the API): the event is then read with everything else, and an
    event that does not exist, or is another contest's than the judge's, is refused here (404).

    The checks of ``scope_for`` and the recusal for the one aspect and contestant concerned are read in one
    prepared query (``_SaveContext``; no scheme tree, no list of every contestant) and made in the same order.
    Every read and check comes first; then the mark and its audit entry are written (one statement on
    PostgreSQL), and the score sheet on first use. Nothing is locked: the entry is chained later by
    ``audit.seal``, and the unique keys decide races.
    """
    key = str(payload.get("key") or "")
    if not KEY.match(key):
        raise JudgingError(_("缺少有效的记录编号（key），请刷新页面后重试"), 400, "key")
    try:
        aspect_id = int(payload.get("aspect_id"))
    except (TypeError, ValueError):
        aspect_id = None
    code = str(payload.get("code") or "").strip()
    event_id = event if isinstance(event, int) else event.id
    ctx = _SaveContext.read(user, event_id, aspect_id, key, code)
    if ctx.contest_id is None or user.contest_id not in (None, ctx.contest_id):
        raise JudgingError(_("没有这个项目"), 404)
    registration = ctx.registration
    if ctx.replay:
        done = replayed(key, user.id)
        return Saved(done, False, mark_json(done, str(payload.get("code", "")), False))
    if not ctx.assigned:
        raise JudgingError(_("您没有被分配到这个项目"), 403)
    if ctx.scheme_status != "active":
        raise JudgingError(_("本项目的评分方案尚未启用"), 409)
    if aspect_id is None:
        raise JudgingError(_("缺少评分项"), 400, "aspect_id")
    aspect = ctx.aspect
    if aspect is None:
        raise JudgingError(_("该评分项没有分配给您，不能评分"), 403, "aspect_id")
    if registration is None:
        raise JudgingError(_("选手编号“%(code)s”不存在", code=code[:20]), 404, "code")
    recusal = ctx.recusal
    if not recusal and registration is not None and ctx.team_size > 1:
        # A team's entry: a conflict with any member counts (the one-query context sees only the entry).
        recusal = judges.recusal_reasons(user.id, db.session.get(Registration, registration.id))
    if recusal:
        reasons = "、".join(recusal)
        raise JudgingError(_("您须回避选手 %(code)s（%(reasons)s），不能评分", code=code, reasons=reasons), 403, "code")
    if ctx.sheet_status == "signed":
        raise JudgingError(_("这张评分表已签字锁定，需裁判长填写原因解锁后才能修改"), 409)
    if ctx.module_confirmed:
        raise JudgingError(_("裁判长已确认该模块成绩，不能再修改"), 409)
    value = parse_value(payload.get("value"))
    check_value(ctx.scheme, aspect, value)
    base = payload.get("base_version")
    base_version = int(base) if isinstance(base, int | str) and str(base).isdigit() else None
    try:
        queued_ms = max(0, int(payload.get("queued_ms") or 0))
    except (TypeError, ValueError):
        queued_ms = 0
    device = str(payload.get("device") or "")[:64]
    current = ctx.current
    conflict = False
    if current is not None and base_version is not None and current.version > base_version \
            and current.device != device:
        typed_at = utcnow() - timedelta(milliseconds=queued_ms)
        if queued_ms >= REPLAY_AFTER_MS and current.created_at > typed_at:
            raise JudgingError(
                _("另一台设备在这条离线记录之后已保存了新的评分（第 %(n)d 版：%(v)s）。这条较旧的记录没有保存，"
                  "请核对后重新录入。", n=current.version, v=number(current.value)), 409, "value")
        conflict = True
    mark = _new_version(registration_id=registration.id, aspect_id=aspect.id, judge_id=user.id, value=value,
                        key=key, device=device, ip=ip, source="tablet", entered_by=user.id,
                        base_version=base_version, conflict=conflict, current=current)
    # Written with Core statements (the mark object is not added to the session). An IntegrityError here is a
    # lost race, on the mark's version or the sheet's key: the caller's retry stores the next version.
    connection = db.session.connection()
    entry = audit.values("mark_saved", object_type="Mark", user=user, **_audit_change(mark, aspect.code, current, code))
    if connection.dialect.name == "postgresql":
        # The mark and its audit entry in one statement: one round trip fewer on the judges' busiest path.
        params = {**_mark_values(mark), **{f"a_{column}": entry[column] for column in audit.COLUMNS}}
        mark.id = connection.execute(_insert_mark_audited(), params).scalar_one()
    else:
        mark.id = connection.execute(_insert_mark(), _mark_values(mark)).scalar_one()
        connection.execute(insert(audit.AuditEntry), [{**entry, "object_id": str(mark.id)}])
    if ctx.sheet_id is None:
        connection.execute(insert(ScoreSheet).values(registration_id=registration.id, judge_id=user.id,
                                                     criterion_id=ctx.criterion_id, status="open",
                                                     created_at=utcnow()))
    body = mark_json(mark, str(payload.get("code", "")), True)
    if ctx.results_follow:  # results exist (or the event is confirmed): recompute them, as on_marks_changed does
        from scoring.results import recompute_event  # results import this module: import late

        recompute_event(event if isinstance(event, Event) else db.session.get(Event, event_id), reason="评分修改")
    return Saved(mark, True, body)


@dataclass(frozen=True)
class _SaveContext:
    """What ``save_mark`` checks, read in one query (``_context_query``): the same facts ``scope_for``,
    ``judges.recusals``, ``_refuse_if_locked``, ``latest`` and ``results.needs_recompute`` read."""

    contest_id: int | None  # the event's contest; None: there is no such event
    team_size: int
    replay: bool  # the key was stored before (``replayed`` decides, before any other check)
    assigned: bool  # one of the event's marking judges
    scheme_status: str | None
    scheme: SimpleNamespace | None  # what ``check_value`` reads of the scheme
    aspect: SimpleNamespace | None  # the aspect, if it is in the scheme and this judge marks it
    criterion_id: int | None  # its module
    recusal: list[str]  # why this judge may not mark this contestant; empty: may mark
    sheet_id: int | None
    sheet_status: str | None
    module_confirmed: bool
    current: _Current | None  # the current version of this judge's mark, if any
    results_follow: bool  # the event has results (or is confirmed): a changed mark is recomputed at once
    registration: SimpleNamespace | None  # the contestant behind the code: id, status, event_id, employer,
    # delegation_id (never the name); None for an unknown code

    @classmethod
    def read(cls, user: User, event_id: int, aspect_id: int | None, key: str, code: str) -> _SaveContext:
        params = {"user_id": user.id, "event_id": event_id, "key": key,
                  "aspect_id": aspect_id if aspect_id is not None else -1, "code": code}
        row = db.session.connection().execute(_context_query(), params).first()
        if row is None:  # no such event, or it has no scheme
            event = db.session.get(Event, event_id)
            replay = event is not None and replayed(key, user.id) is not None
            assigned = replay or judges.is_assigned(user.id, event_id, chief=False)
            return cls(event.contest_id if event else None, event.team_size if event else 1, replay, assigned,
                       None, None, None, None, [], None, None, False, None, False, None)
        (contest_id, team_size, stored, assigned, status, panel_min, panel_step, found_id, aspect_code, kind,
         maximum, step, team, criterion_id, member, same_delegation, profile_id, unit, delegation_id, relation_id,
         note, sheet_id, sheet_status, confirmed, mark_id, version, value, device, created_at, results_follow,
         reg_id, reg_status, reg_event_id, reg_employer, reg_delegation_id) = row
        registration = None
        if reg_id is not None:
            registration = SimpleNamespace(id=reg_id, status=reg_status, event_id=reg_event_id,
                                           employer=reg_employer, delegation_id=reg_delegation_id)
        aspect = None
        if found_id is not None and (not team or member):  # ``markers``: its team's members, or every judge
            aspect = SimpleNamespace(id=found_id, code=aspect_code, kind=kind, maximum=maximum, step=step, team=team)
        reasons = []
        if registration is not None and registration.status == "confirmed" and registration.event_id == event_id:
            unit = judges._norm(unit) if profile_id is not None else ""  # as ``judges.recusals`` decides
            if unit and unit == judges._norm(registration.employer):
                reasons.append(_("同一单位"))
            if same_delegation and profile_id is not None and delegation_id \
                    and delegation_id == registration.delegation_id:
                reasons.append(_("同一代表团"))
            if relation_id is not None:
                reasons.append(_("申报的关系：%(note)s", note=note) if note else _("申报的关系"))
        current = _Current(mark_id, version, value, device, created_at) if mark_id is not None else None
        scheme = SimpleNamespace(panel_min=panel_min, panel_step=panel_step)
        return cls(contest_id, team_size, stored is not None, bool(assigned), status, scheme,
                   aspect, criterion_id, reasons, sheet_id, sheet_status, confirmed is not None, current,
                   bool(results_follow), registration)


@lru_cache(maxsize=1)
def _context_query():
    """One row per event with a scheme; every outer join finds at most one row (unique keys)."""
    from contests.judging_models import DrawResult, JudgeRelationship
    from contests.models import Contest, JudgeProfile
    from scoring.results_models import StoredResult

    u, e, a = (bindparam(n) for n in ("user_id", "event_id", "aspect_id"))
    # The contestant behind the code, found here rather than in a query of its own (the draw's codes are
    # unique per event: at most one row).
    r = select(DrawResult.registration_id).where(DrawResult.event_id == e, DrawResult.code == bindparam("code")) \
        .scalar_subquery()
    stored = select(Mark.id).where(Mark.idempotency_key == bindparam("key")).scalar_subquery()
    assigned = select(JudgeAssignment.id).where(
        JudgeAssignment.user_id == u, JudgeAssignment.event_id == e, JudgeAssignment.is_chief.is_(False)).exists()
    member = select(MarkingTeamMember.id).join(MarkingTeam, MarkingTeam.id == MarkingTeamMember.team_id).where(
        MarkingTeam.event_id == e, MarkingTeam.name == Aspect.team, MarkingTeamMember.user_id == u).exists()
    tree = join(Aspect, SubCriterion, SubCriterion.id == Aspect.sub_id).join(
        Criterion, Criterion.id == SubCriterion.criterion_id)
    c = SubCriterion.criterion_id
    versions = aliased(Mark)
    latest = select(func.max(versions.version)).where(
        versions.registration_id == r, versions.aspect_id == a, versions.judge_id == u).scalar_subquery()
    has_results = select(StoredResult.id).where(StoredResult.event_id == e).exists()
    confirmed = select(EventConfirmation.id).where(EventConfirmation.event_id == e).exists()
    return (select(Event.contest_id, Event.team_size, stored, assigned, MarkingScheme.status,
                   MarkingScheme.panel_min, MarkingScheme.panel_step,
                   Aspect.id, Aspect.code, Aspect.kind, Aspect.maximum, Aspect.step, Aspect.team, c, member,
                   Contest.same_delegation_recusal, JudgeProfile.id, JudgeProfile.unit, JudgeProfile.delegation_id,
                   JudgeRelationship.id, JudgeRelationship.note, ScoreSheet.id, ScoreSheet.status,
                   ModuleConfirmation.id, Mark.id, Mark.version, Mark.value, Mark.device, Mark.created_at,
                   or_(has_results, confirmed), Registration.id, Registration.status, Registration.event_id,
                   Registration.employer, Registration.delegation_id)
            .select_from(MarkingScheme)
            .join(Event, Event.id == MarkingScheme.event_id)
            .outerjoin(tree, (Criterion.scheme_id == MarkingScheme.id) & (Aspect.id == a))
            .outerjoin(Contest, Contest.id == Event.contest_id)
            .outerjoin(JudgeProfile, JudgeProfile.user_id == u)
            .outerjoin(JudgeRelationship, (JudgeRelationship.judge_id == u) & (JudgeRelationship.registration_id == r))
            .outerjoin(ScoreSheet, (ScoreSheet.registration_id == r) & (ScoreSheet.judge_id == u)
                       & (ScoreSheet.criterion_id == c))
            .outerjoin(ModuleConfirmation, ModuleConfirmation.criterion_id == c)
            .outerjoin(Mark, (Mark.registration_id == r) & (Mark.aspect_id == a) & (Mark.judge_id == u)
                       & (Mark.version == latest))
            .outerjoin(Registration, Registration.id == r)
            .where(MarkingScheme.event_id == e))


def mark_json(mark: Mark, code: str, created: bool) -> dict[str, Any]:
    return {"status": "saved" if created else "replayed", "key": mark.idempotency_key, "code": code,
            "aspect_id": mark.aspect_id, "value": number(mark.value), "version": mark.version,
            "conflict": mark.conflict}


# ---------------------------------------------------------------- the judge's sheet

def sheet_state(user: User, event: Event) -> dict[str, Any]:
    """Everything the tablet needs, by contestant code only: aspects, current marks, signed sheets, flags."""
    scope = scope_for(user, event)
    aspect_ids = [a.id for a in scope.aspects]
    marks: dict[str, dict[str, Any]] = defaultdict(dict)
    for (reg, aid, _judge), m in current_marks(aspect_ids, list(scope.codes), user.id).items():
        marks[scope.codes[reg]][str(aid)] = {"value": number(m.value), "version": m.version}
    signed: dict[str, list[int]] = defaultdict(list)
    for s in db.session.scalars(select(ScoreSheet).where(ScoreSheet.judge_id == user.id,
                                                         ScoreSheet.registration_id.in_(list(scope.codes)),
                                                         ScoreSheet.status == "signed")):
        signed[scope.codes[s.registration_id]].append(s.criterion_id)
    confirmed = set(db.session.scalars(select(ModuleConfirmation.criterion_id).where(
        ModuleConfirmation.criterion_id.in_([c.id for c in scope.criteria]))))
    flagged = [f for f in disagreements(event, scope.scheme) if f["aspect_id"] in aspect_ids
               and f["code"] in marks]
    return {
        "event": {"id": event.id, "code": event.code, "name": event.name},
        "modules": [
            {"id": c.id, "code": c.code, "name": c.name, "confirmed": c.id in confirmed,
             "aspects": [_aspect_json(scope.scheme, a) for a in scope.aspects if a.sub.criterion_id == c.id]}
            for c in scope.criteria],
        "contestants": sorted(scope.codes.values()),
        "marks": marks,
        "signed": signed,
        "flags": [{"code": f["code"], "aspect_id": f["aspect_id"], "message": f["message"]} for f in flagged],
    }


def _aspect_json(scheme: MarkingScheme, a: Aspect) -> dict[str, Any]:
    step = a.step if a.step is not None or a.kind != rules.PANEL else scheme.panel_step
    lo = scheme.panel_min if a.kind == rules.PANEL else 0
    hi = rules.scheme.JUDGEMENT_LEVELS if a.kind == rules.JUDGEMENT else a.maximum
    if a.kind == rules.PASS_FAIL:
        hi = 1
    return {"id": a.id, "code": a.code, "kind": a.kind, "description": a.description, "levels": a.levels,
            "maximum": number(a.maximum), "min": number(lo), "max": number(Decimal(hi)),
            "step": number(step) if step is not None else ("1" if a.kind in (rules.JUDGEMENT,) else "")}


def sign_sheet(user: User, event: Event, code: str, criterion_id: Any) -> ScoreSheet:
    scope = scope_for(user, event)
    if not str(criterion_id or "").isdigit() or not code:
        raise JudgingError(_("请选择选手编号和模块"), 422, "criterion_id")
    criterion = next((c for c in scope.criteria if str(c.id) == str(criterion_id)), None)
    if criterion is None:
        raise JudgingError(_("该模块没有分配给您"), 403, "criterion_id")
    registration = draw.registration_for_code(event.id, str(code or ""))
    if registration is None or registration.id not in scope.codes:
        raise JudgingError(_("选手编号“%(code)s”不存在或您须回避", code=str(code)[:20]), 404, "code")
    _refuse_if_locked(registration.id, user.id, criterion.id)
    mine = [a for a in scope.aspects if a.sub.criterion_id == criterion.id]
    have = current_marks([a.id for a in mine], [registration.id], user.id)
    missing = [a.code for a in mine if (registration.id, a.id, user.id) not in have]
    if missing:
        raise JudgingError(_("还有 %(n)d 个评分项未录入（%(codes)s），不能签字", n=len(missing),
                             codes="、".join(missing[:5])), 409)
    sheet = _ensure_sheet(registration.id, user.id, criterion.id)
    sheet.status, sheet.signed_at = "signed", utcnow()
    db.session.flush()
    audit.record("sheet_signed", sheet, after={"code": code, "module": criterion.code, "judge_id": user.id,
                                               "marks": {a.code: number(have[(registration.id, a.id, user.id)].value)
                                                         for a in mine}})
    return sheet


# ---------------------------------------------------------------- the chief judge

def require_chief(user: User, event: Event) -> None:
    if not judges.is_assigned(user.id, event.id, chief=True):
        raise JudgingError(_("您不是这个项目的裁判长"), 403)


def _sheet_in_event(event: Event, sheet_id: Any) -> ScoreSheet:
    sheet = db.session.get(ScoreSheet, int(sheet_id)) if str(sheet_id or "").isdigit() else None
    reg = db.session.get(Registration, sheet.registration_id) if sheet else None
    if sheet is None or reg is None or reg.event_id != event.id:
        raise JudgingError(_("评分表不存在"), 404, "sheet_id")
    return sheet


def unlock_sheet(user: User, event: Event, sheet_id: Any, reason: str) -> ScoreSheet:
    require_chief(user, event)
    sheet = _sheet_in_event(event, sheet_id)
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise JudgingError(_("请写明解锁原因（至少4个字）"), 422, "reason")
    if sheet.status != "signed":
        raise JudgingError(_("这张评分表没有签字，无需解锁"), 409)
    if db.session.scalar(select(EventConfirmation.id).where(EventConfirmation.event_id == event.id)):
        raise JudgingError(_("本项目成绩已确认，不能再解锁评分表"), 409)
    confirmed = db.session.scalar(select(ModuleConfirmation).where(
        ModuleConfirmation.criterion_id == sheet.criterion_id))
    if confirmed is not None:
        db.session.delete(confirmed)  # the module must be confirmed again after the correction
    sheet.status, sheet.signed_at = "open", None
    db.session.add(SheetUnlock(sheet_id=sheet.id, by_id=user.id, reason=reason[:1000]))
    db.session.flush()
    audit.record("sheet_unlocked", sheet, before={"status": "signed"},
                 after={"status": "open", "reason": reason[:1000], "module_confirmation_withdrawn":
                        confirmed is not None})
    return sheet


def unlock_history(sheet_id: int) -> list[SheetUnlock]:
    return list(db.session.scalars(select(SheetUnlock).where(SheetUnlock.sheet_id == sheet_id)
                                   .order_by(SheetUnlock.id)))


def disagreements(event: Event, scheme: MarkingScheme) -> list[dict[str, Any]]:
    """Judgement levels apart by more than the gap; measurement values that differ; stale-base conflicts."""
    codes = draw.codes_for(event.id)
    items = scheme_aspects(scheme)
    by_id = {a.id: a for _c, _s, a in items}
    marks = current_marks(list(by_id), list(codes))
    grouped: dict[tuple[int, int], dict[int, Mark]] = defaultdict(dict)
    for (reg, aid, judge), m in marks.items():
        grouped[(reg, aid)][judge] = m
    names = {u.id: u.display_name for u in event_judges(event.id)}
    out = []
    for (reg, aid), by_judge in sorted(grouped.items(), key=lambda kv: (codes.get(kv[0][0], ""), kv[0][1])):
        aspect = by_id[aid]
        values = {names.get(j, str(j)): number(m.value) for j, m in by_judge.items()}
        message = ""
        if aspect.kind == rules.JUDGEMENT:
            levels = [int(m.value) for m in by_judge.values()]
            if rules.judgement_disagreement(levels, scheme.judgement_gap):
                message = _("评价分相差超过 %(gap)d 分，评分组须讨论", gap=scheme.judgement_gap)
        elif aspect.kind in (rules.MEASUREMENT, rules.PASS_FAIL, rules.DEDUCTION):
            if len({m.value for m in by_judge.values()}) > 1:
                message = _("测量评分不一致，评分组须核对")
        if any(m.conflict for m in by_judge.values()):
            extra = _("有来自两台设备的同时修改")
            message = f"{message}；{extra}" if message else extra
        if message:
            out.append({"code": codes.get(reg, ""), "aspect_id": aid, "aspect": aspect.code, "kind": aspect.kind,
                        "values": values, "message": message})
    return out


def panel_details(event: Event, scheme: MarkingScheme) -> list[dict[str, Any]]:
    """Panel aspects: each contestant's scores, which were dropped, and the mark."""
    codes = draw.codes_for(event.id)
    panel = [a for _c, _s, a in scheme_aspects(scheme) if a.kind == rules.PANEL]
    marks = current_marks([a.id for a in panel], list(codes))
    grouped: dict[tuple[int, int], list[Decimal]] = defaultdict(list)
    for (reg, aid, _j), m in marks.items():
        grouped[(reg, aid)].append(Decimal(m.value))
    out = []
    for a in panel:
        for reg, code in sorted(codes.items(), key=lambda kv: kv[1]):
            scores = sorted(grouped.get((reg, a.id), []))
            if not scores:
                continue
            drop = scheme.panel_drop
            if len(scores) > 2 * drop:
                dropped = scores[:drop] + scores[len(scores) - drop:] if drop else []
                mark = number(rules.Rounding().apply(rules.panel_mark(scores, drop)))
            else:
                dropped, mark = [], ""
            out.append({"code": code, "aspect": a.code, "scores": [number(s) for s in scores],
                        "dropped": [number(s) for s in dropped], "mark": mark})
    return out


def progress(event: Event, scheme: MarkingScheme) -> dict[str, Any]:
    """Live progress: per contestant code and module, each judge's entered/expected marks and signature."""
    codes = draw.codes_for(event.id)
    who = markers(event, scheme)
    recused = judges.recusals(event, [u.id for u in event_judges(event.id)])
    items = scheme_aspects(scheme)
    marks = current_marks([a.id for _c, _s, a in items], list(codes))
    sheets = {(s.registration_id, s.judge_id, s.criterion_id): s for s in db.session.scalars(
        select(ScoreSheet).where(ScoreSheet.registration_id.in_(list(codes))))}
    users = {u.id: u for u in event_judges(event.id)}
    rows = []
    per_judge: dict[int, dict[str, int]] = {j: {"entered": 0, "expected": 0, "signed": 0, "sheets": 0} for j in users}
    for reg, code in sorted(codes.items(), key=lambda kv: kv[1]):
        cells = []
        for c in scheme.criteria:
            aspects = [a for _c, s, a in items if s.criterion_id == c.id]
            entries = []
            for judge_id in sorted({j for a in aspects for j in who[a.id]}):
                if reg in recused.get(judge_id, {}):
                    continue
                mine = [a for a in aspects if judge_id in who[a.id]]
                entered = sum(1 for a in mine if (reg, a.id, judge_id) in marks)
                sheet = sheets.get((reg, judge_id, c.id))
                signed = sheet is not None and sheet.status == "signed"
                stats = per_judge.setdefault(judge_id, {"entered": 0, "expected": 0, "signed": 0, "sheets": 0})
                stats["entered"] += entered
                stats["expected"] += len(mine)
                stats["sheets"] += 1
                stats["signed"] += int(signed)
                entries.append({"judge": users[judge_id].display_name if judge_id in users else str(judge_id),
                                "entered": entered, "expected": len(mine), "signed": signed,
                                "sheet_id": sheet.id if sheet else None})
            cells.append({"criterion_id": c.id, "module": c.code, "entries": entries,
                          "done": bool(entries) and all(e["signed"] for e in entries)})
        rows.append({"code": code, "cells": cells})
    confirmed = set(db.session.scalars(select(ModuleConfirmation.criterion_id).where(
        ModuleConfirmation.criterion_id.in_([c.id for c in scheme.criteria]))))
    return {
        "modules": [{"id": c.id, "code": c.code, "name": c.name, "confirmed": c.id in confirmed}
                    for c in scheme.criteria],
        "rows": rows,
        "judges": [{"name": users[j].display_name, **s} for j, s in per_judge.items() if j in users],
        "event_confirmed": db.session.scalar(select(EventConfirmation.id).where(
            EventConfirmation.event_id == event.id)) is not None,
    }


def confirm_module(user: User, event: Event, criterion_id: Any) -> ModuleConfirmation:
    require_chief(user, event)
    scheme = active_scheme(event)
    criterion = next((c for c in scheme.criteria if str(c.id) == str(criterion_id)), None)
    if criterion is None:
        raise JudgingError(_("模块不存在"), 404, "criterion_id")
    if db.session.scalar(select(ModuleConfirmation.id).where(ModuleConfirmation.criterion_id == criterion.id)):
        raise JudgingError(_("模块 %(code)s 已确认", code=criterion.code), 409)
    state = progress(event, scheme)
    if not state["rows"]:
        raise JudgingError(_("本项目还没有抽签编号的选手"), 409)
    open_cells = [r["code"] for r in state["rows"] for cell in r["cells"]
                  if cell["criterion_id"] == criterion.id and not cell["done"]]
    if open_cells:
        raise JudgingError(_("模块 %(code)s 还有 %(n)d 名选手的评分表未全部签字（%(codes)s）", code=criterion.code,
                             n=len(open_cells), codes="、".join(open_cells[:5])), 409)
    flags = [f for f in disagreements(event, scheme)
             if any(a.id == f["aspect_id"] for s in criterion.subs for a in s.aspects)]
    if flags:
        raise JudgingError(_("模块 %(code)s 还有 %(n)d 处评分分歧未解决", code=criterion.code, n=len(flags)), 409)
    row = ModuleConfirmation(criterion_id=criterion.id, by_id=user.id)
    _insert_once(row, _("模块 %(code)s 已确认", code=criterion.code))
    audit.record("module_confirmed", row, after={"event": event.code, "module": criterion.code})
    return row


def _insert_once(row, already: str) -> None:
    """Insert a confirmation whose uniqueness the database guards: when another device (or another app
    process) confirmed the same thing a moment ago, say so plainly instead of failing."""
    from sqlalchemy.exc import IntegrityError

    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise JudgingError(already, 409) from None


def confirm_event(user: User, event: Event) -> EventConfirmation:
    require_chief(user, event)
    scheme = active_scheme(event)
    if db.session.scalar(select(EventConfirmation.id).where(EventConfirmation.event_id == event.id)):
        raise JudgingError(_("本项目成绩已确认"), 409)
    confirmed = set(db.session.scalars(select(ModuleConfirmation.criterion_id).where(
        ModuleConfirmation.criterion_id.in_([c.id for c in scheme.criteria]))))
    missing = [c.code for c in scheme.criteria if c.id not in confirmed]
    if missing:
        raise JudgingError(_("还有模块未确认：%(codes)s", codes="、".join(missing)), 409)
    row = EventConfirmation(event_id=event.id, by_id=user.id)
    _insert_once(row, _("本项目成绩已确认"))
    scores = practical_scores(event, scheme)
    audit.record("event_confirmed", row, after={"event": event.code,
                                                "practical": {c: number(s.total) for c, s in scores.items() if s}})
    from scoring.results import on_event_confirmed

    on_event_confirmed(event)  # results appear the moment the last sheet is confirmed (still internal)
    return row


# ---------------------------------------------------------------- aggregation through the rules core

def raw_marks(scheme: MarkingScheme, by_aspect: dict[int, list[Mark]]) -> tuple[dict[str, Any], dict[str, int]]:
    """One contestant's current marks (aspect id → every judge's current version) as the rules core's raw
    marks, and how many judges scored each judgement/panel aspect."""
    raw: dict[str, Any] = {}
    counts: dict[str, int] = {}
    for _c, _s, a in scheme_aspects(scheme):
        versions = by_aspect.get(a.id) or []
        if not versions:
            continue
        values = [Decimal(m.value) for m in versions]
        if a.kind == rules.JUDGEMENT:
            raw[a.code] = [int(v) for v in values]
            counts[a.code] = len(values)
        elif a.kind == rules.PANEL:
            raw[a.code] = values
            counts[a.code] = len(values)
        else:  # measurement kinds: the team's agreed value; if they differ (flagged), the latest entered
            value = Decimal(max(versions, key=lambda m: (m.created_at, m.id)).value)
            if a.kind == rules.PASS_FAIL:
                raw[a.code] = value == 1
            elif a.kind == rules.DEDUCTION:
                raw[a.code] = [value]
            else:
                raw[a.code] = value.normalize() if value == value.to_integral() else value
    return raw, counts


def practical_scores(event: Event, scheme: MarkingScheme) -> dict[str, rules.EntryScore | None]:
    """code → the practical score from the rules core, or None while marks are missing."""
    codes = draw.codes_for(event.id)
    marks = current_marks([a.id for _c, _s, a in scheme_aspects(scheme)], list(codes))
    per_reg: dict[int, dict[int, list[Mark]]] = defaultdict(lambda: defaultdict(list))
    for (reg, aid, _j), m in marks.items():
        per_reg[reg][aid].append(m)
    out: dict[str, rules.EntryScore | None] = {}
    for reg, code in codes.items():
        raw, counts = raw_marks(scheme, per_reg.get(reg, {}))
        try:
            out[code] = rules.score_entry(to_rules_scheme(scheme, counts), raw, entry_id=code)
        except (rules.MarkingError, ValueError):
            out[code] = None
    return out


def to_rules_scheme(scheme: MarkingScheme, counts: dict[str, int]) -> rules.MarkingScheme:
    from scoring.schemes import to_rules

    return to_rules(scheme, practical_only=True, judges=counts)
