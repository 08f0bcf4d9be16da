"""Results of an event: computed from the current marks by the rules core, stored, audited, arbitrated.

``recompute_event`` is the one write path for stored results: it reads the marks (``scoring.results_marks``),
calls ``scoring.rules.tally_event``, applies the arbitration group's recorded tie decisions, stores what
changed with one audit entry listing the changes, and bumps the results version (the page caches' key).
Nothing here commits: the caller (a view, a CLI command, a hook's caller) commits once.

Hooks for the judging package: ``on_event_confirmed(event)`` when the chief judge confirms the event's
scores, ``on_marks_changed(event)`` whenever a mark of an event with stored results changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from app import audit
from app.extensions import db
from app.text import Msg, joined
from app.timeutil import utcnow
from contests.models import Event, Registration
from scoring import rules
from scoring.results_marks import EventInputs, load_inputs
from scoring.results_models import (
    INTERNAL,
    ResultSettings,
    ResultsVersion,
    StoredResult,
    TieDecision,
)
from scoring.results_policy import DEFAULT_PRESET, PRESETS, PolicyError, parse_award_policy, ranking_policy

BEIJING = timedelta(hours=8)
DEFAULT_EVENT_END_HOUR = 18  # Beijing time on the contest's last day, when no event end time is set

COMPARED = ("group_code", "theory", "practical", "total", "scale_score", "rank", "settled", "award", "title",
            "promotion", "special_json", "without_award", "modules_json")
FIELD_LABELS = {"group_code": Msg("组别"), "theory": Msg("理论"), "practical": Msg("实操"), "total": Msg("总成绩"),
                "scale_score": Msg("标准分"), "rank": Msg("名次"), "settled": Msg("名次已定"), "award": Msg("奖项"),
                "title": Msg("称号"), "promotion": Msg("晋级"), "special_json": Msg("特别奖"),
                "without_award": Msg("不参与评奖"), "modules_json": Msg("模块成绩")}


class ResultsError(Exception):
    """A refused results operation; ``message`` is for the person: a :class:`~app.text.Msg` (Chinese as a
    ``str``, translated when a page shows it). ``str(err)`` is the Chinese text."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------- settings


def settings_for(event: Event, create: bool = True) -> ResultSettings:
    """The event's result settings; created with the defaults (the 2020 contest's awards) on first use."""
    settings = db.session.scalar(select(ResultSettings).where(ResultSettings.event_id == event.id))
    if settings is None:
        settings = ResultSettings(event_id=event.id, tie_breaks_json="[]", shared_ranks=True,
                                  rounding_places=2, rounding_mode="ROUND_HALF_UP", standardise=False,
                                  appeal_window_hours=2, publication=INTERNAL, problems="")
        settings.award_policy = PRESETS[DEFAULT_PRESET][1]
        if create:
            db.session.add(settings)
            db.session.flush()
    return settings


def update_settings(event: Event, values: dict[str, Any]) -> ResultSettings:
    """Change an event's result settings (validated through the rules core), audited, then recompute."""
    settings = settings_for(event)
    before = _settings_dict(settings)
    if settings.publication != INTERNAL:
        raise ResultsError(Msg("成绩已发布，计算规则不能再修改"))
    try:
        parse_award_policy(values.get("award_policy", settings.award_policy))
        chain = values.get("tie_breaks", settings.tie_breaks)
        from scoring.results_policy import parse_tie_breaks

        parsed = parse_tie_breaks(chain)
    except PolicyError as err:
        raise ResultsError(joined(err.problems, sentences=True)) from None
    settings.tie_breaks = [{"metric": t.metric, "better": t.better} for t in parsed]
    if "award_policy" in values:
        settings.award_policy = values["award_policy"]
    for key in ("shared_ranks", "rounding_places", "rounding_mode", "standardise", "appeal_window_hours",
                "event_ends_at"):
        if key in values:
            setattr(settings, key, values[key])
    audit.record("result_settings_changed", settings, before=before, after=_settings_dict(settings))
    recompute_event(event, reason="计算规则修改")
    return settings


def _settings_dict(s: ResultSettings) -> dict:
    return {"tie_breaks": s.tie_breaks, "shared_ranks": s.shared_ranks, "award_policy": s.award_policy,
            "rounding_places": s.rounding_places, "rounding_mode": s.rounding_mode, "standardise": s.standardise,
            "appeal_window_hours": s.appeal_window_hours,
            "event_ends_at": s.event_ends_at.isoformat() if s.event_ends_at else None}


def event_end(event: Event, settings: ResultSettings) -> datetime:
    """When the event ended (naive UTC): the stored time, else 18:00 Beijing time on the contest's last day."""
    if settings.event_ends_at is not None:
        return settings.event_ends_at
    return datetime.combine(event.contest.ends_on, datetime.min.time()) + timedelta(hours=DEFAULT_EVENT_END_HOUR) \
        - BEIJING


# ---------------------------------------------------------------- computing


@dataclass
class Computed:
    """An event's results as computed now (nothing stored): rows by registration id, or the problems."""

    event_id: int
    rows: dict[int, dict[str, Any]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    unresolved: list[rules.TieGroup] = field(default_factory=list)
    stale_decisions: list[int] = field(default_factory=list)
    inputs: EventInputs | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def _decimal_text(value) -> str:
    return rules.scheme.number_text(Decimal(value))


def _row(score: rules.EntryScore, outcome: rules.Outcome, settled: bool, scale: Decimal | None) -> dict[str, Any]:
    return {
        "group_code": outcome.group,
        "theory": score.components.get(rules.THEORY),
        "practical": score.components.get(rules.PRACTICAL),
        "total": score.total,
        "scale_score": scale,
        "rank": outcome.rank,
        "settled": settled,
        "award": outcome.award or "",
        "title": outcome.title or "",
        "promotion": outcome.promotion,
        "special_json": json.dumps(list(outcome.special), ensure_ascii=False),
        "without_award": outcome.without_award,
        "modules_json": json.dumps({k: _decimal_text(v) for k, v in score.modules.items()}, sort_keys=True),
    }


def _decisions(event_id: int) -> list[TieDecision]:
    return list(db.session.scalars(select(TieDecision).where(TieDecision.event_id == event_id)
                                   .order_by(TieDecision.id)))


def compute_from_inputs(event: Event, settings: ResultSettings, inputs: EventInputs,
                        decisions: list[TieDecision] | None = None) -> Computed:
    out = Computed(event.id, inputs=inputs)
    if inputs.problems:
        out.problems = list(inputs.problems)
        return out
    try:
        award_policy = parse_award_policy(settings.award_policy)
        policy = ranking_policy(settings)
    except PolicyError as err:
        out.problems = err.problems
        return out
    if not inputs.entries:
        return out
    try:
        result = rules.tally_event(inputs.scheme, inputs.entries, policy, award_policy,
                                   standardise=settings.standardise)
    except rules.MarkingError as err:
        out.problems = list(err.problems)
        return out
    ranking, outcomes = result.ranking, result.outcomes
    if ranking.unresolved:
        for decision in decisions if decisions is not None else _decisions(event.id):
            order = [str(r) for r in decision.order]
            try:
                ranking = rules.apply_arbitration(ranking, order)
            except ValueError:
                out.stale_decisions.append(decision.id)  # the tie it settled no longer exists as such
        outcomes = rules.decide_awards(ranking, award_policy)
    settled = {p.entry_id: p.settled for p in ranking.places}
    for outcome in outcomes:
        score = result.scores[outcome.entry_id]
        out.rows[int(outcome.entry_id)] = _row(score, outcome, settled[outcome.entry_id],
                                               result.scale.get(outcome.entry_id))
    out.unresolved = list(ranking.unresolved)
    return out


def compute_event(event: Event, settings: ResultSettings | None = None) -> Computed:
    """The event's results from the current marks, in memory only."""
    settings = settings or settings_for(event, create=False)
    inputs = load_inputs([event], lambda _e: settings)[event.id]
    return compute_from_inputs(event, settings, inputs)


def _stored(event_id: int) -> dict[int, Any]:
    """registration id → the stored result's row (read-only Core rows with the model's attribute names)."""
    columns = [getattr(StoredResult, name) for name in ("registration_id", *COMPARED)]
    return {r.registration_id: r for r in db.session.execute(
        select(*columns).where(StoredResult.event_id == event_id))}


def _same(field_name: str, a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return Decimal(a) == Decimal(b)
    return a == b


def _equal(have, want: dict[str, Any]) -> bool:
    """Every compared field the same: what ``_same`` says field by field, when the types are the usual ones
    (Decimal or None for the figures, str, int and bool for the rest); anything else takes the long way."""
    for f in COMPARED:
        a, b = getattr(have, f), want[f]
        if a is None or b is None:
            if a is not b:
                return False
        elif type(a) is not type(b) and not (type(a) in _NUMBERS and type(b) in _NUMBERS):
            return all(_same(g, getattr(have, g), want[g]) for g in COMPARED)
        elif a != b:
            return False
    return True


_NUMBERS = (int, bool, Decimal)


def _shown(value) -> Any:
    if isinstance(value, Decimal):
        return _decimal_text(value)
    return value


def differences(stored: dict[int, Any], rows: dict[int, dict[str, Any]]) -> dict[int, dict[str, list]]:
    """registration id → {field: [stored, computed]} for every difference; missing rows are shown as None."""
    diff: dict[int, dict[str, list]] = {}
    for reg_id in sorted(set(stored) | set(rows)):
        have, want = stored.get(reg_id), rows.get(reg_id)
        if have is None or want is None:
            diff[reg_id] = {"row": ["存在" if have else None, "存在" if want else None]}
            continue
        if _equal(have, want):
            continue
        changed = {f: [_shown(getattr(have, f)), _shown(want[f])] for f in COMPARED
                   if not _same(f, getattr(have, f), want[f])}
        if changed:
            diff[reg_id] = changed
    return diff


def store(event: Event, settings: ResultSettings, computed: Computed, reason: str = "") -> dict[int, dict]:
    """Write a computation's rows (only what changed), audit the change, bump the version. No commit."""
    now = utcnow()
    settings.computed_at = now
    if not computed.ok:
        problems = "\n".join(computed.problems)
        if problems != settings.problems:
            settings.problems = problems
            audit.record("results_not_computed", settings, after={"event": event.code, "reason": reason,
                                                                  "problems": computed.problems[:50]})
        return {}
    settings.problems = ""
    stored = _stored(event.id)
    diff = differences(stored, computed.rows)
    if not diff:
        return {}
    changed = [reg_id for reg_id in diff if reg_id in stored and reg_id in computed.rows]
    objects = {r.registration_id: r for r in db.session.scalars(select(StoredResult).where(
        StoredResult.event_id == event.id, StoredResult.registration_id.in_(changed)))} if changed else {}
    for reg_id, values in computed.rows.items():
        if reg_id not in stored:
            db.session.add(StoredResult(event_id=event.id, registration_id=reg_id, computed_at=now, **values))
        elif reg_id in diff:
            row = objects[reg_id]
            for key, value in values.items():
                setattr(row, key, value)
            row.computed_at = now
    gone = [reg_id for reg_id in stored if reg_id not in computed.rows]
    if gone:
        db.session.execute(delete(StoredResult).where(StoredResult.event_id == event.id,
                                                      StoredResult.registration_id.in_(gone)))
    audit.record("results_recomputed", settings, after={
        "event": event.code, "reason": reason, "changed": len(diff),
        "changes": {str(k): v for k, v in list(diff.items())[:200]},
        "unresolved_ties": [list(t.entry_ids) for t in computed.unresolved],
    })
    bump_version(event.contest_id)
    return diff


def recompute_event(event: Event, reason: str = "重新计算") -> Computed:
    """Recompute the event from the current marks and store what changed (audited). No commit."""
    settings = settings_for(event)
    computed = compute_event(event, settings)
    store(event, settings, computed, reason)
    return computed


def on_event_confirmed(event: Event) -> Computed:
    """Call when the chief judge confirms the event's scores: results appear at once (still internal)."""
    return recompute_event(event, reason="裁判长确认成绩")


def on_marks_changed(event: Event) -> Computed | None:
    """Call after a mark of the event changes; recomputes only once results exist (or the event is confirmed)."""
    if not needs_recompute(event):
        return None
    return recompute_event(event, reason="评分修改")


def needs_recompute(event: Event) -> bool:
    """Whether a change to the event's marks changes stored results: results exist or the event is confirmed.
    One query."""
    from scoring.models import EventConfirmation

    has_results = select(StoredResult.id).where(StoredResult.event_id == event.id).exists()
    confirmed = select(EventConfirmation.id).where(EventConfirmation.event_id == event.id).exists()
    return bool(db.session.scalar(select(or_(has_results, confirmed))))


# ---------------------------------------------------------------- cache version


def bump_version(contest_id: int) -> None:
    """Every write that changes what results pages show calls this (through ``clear_results_cache``)."""
    updated = db.session.execute(update(ResultsVersion).where(ResultsVersion.contest_id == contest_id)
                                 .values(version=ResultsVersion.version + 1)).rowcount
    if not updated:
        db.session.add(ResultsVersion(contest_id=contest_id, version=2))
        db.session.flush()
    db.session.info[_BUMPED] = True  # this process's public pages forget their versions when it ends


_BUMPED = "saiwu_results_bumped"


@sa_event.listens_for(Session, "after_transaction_end")
def _forget_public_versions(session: Session, transaction) -> None:
    # After the commit, not at the bump: a reader in between would read the old version again and keep it for
    # a second. Forgetting after a rollback as well costs one extra read of the version, nothing more.
    if transaction.parent is None and session.info.pop(_BUMPED, False):
        from scoring import public_pages  # public pages import this module: import late

        public_pages.forget_versions()


def results_version(contest_id: int) -> int:
    return db.session.scalar(select(ResultsVersion.version).where(ResultsVersion.contest_id == contest_id)) or 1


def clear_results_cache(contest_id: int) -> None:
    """Invalidate every cached results page of the contest, in every process (the version is in the database)."""
    bump_version(contest_id)


# ---------------------------------------------------------------- arbitration of ties


@dataclass(frozen=True)
class OpenTie:
    group_code: str
    rank: int
    registration_ids: tuple[int, ...]


def open_ties(event: Event) -> list[OpenTie]:
    """Ties the chain could not split, under 选手排名不并列: waiting for the arbitration group."""
    rows = db.session.execute(
        select(StoredResult.group_code, StoredResult.rank, StoredResult.registration_id)
        .where(StoredResult.event_id == event.id, StoredResult.settled.is_(False))
        .order_by(StoredResult.group_code, StoredResult.rank, StoredResult.registration_id)).all()
    ties: dict[tuple[str, int], list[int]] = {}
    for group, rank, reg in rows:
        ties.setdefault((group, rank), []).append(reg)
    return [OpenTie(g, r, tuple(regs)) for (g, r), regs in ties.items()]


def decide_tie(event: Event, order: list[int], reason: str, user) -> TieDecision:
    """Record the arbitration group's order (best first) for one open tie, audited, and apply it."""
    tie = next((t for t in open_ties(event) if set(t.registration_ids) == set(order)), None)
    if tie is None or len(order) != len(tie.registration_ids):
        raise ResultsError(Msg("所选选手与待仲裁的并列组不一致，请刷新页面后重新排列"))
    if not reason.strip():
        raise ResultsError(Msg("请写明仲裁理由"))
    decision = TieDecision(event_id=event.id, group_code=tie.group_code, order_json=json.dumps(order),
                           reason=reason.strip(), decided_by=user.id, decided_at=utcnow())
    db.session.add(decision)
    db.session.flush()
    audit.record("tie_decided", decision, after={"event": event.code, "group": tie.group_code, "rank": tie.rank,
                                                 "order": order, "reason": reason.strip()})
    recompute_event(event, reason="仲裁并列名次")
    return decision


# ---------------------------------------------------------------- theory scores and completion times


def set_entry_inputs(event: Event, values: dict[int, tuple[Decimal | None, int | None]], user) -> int:
    """Theory exam scores and completion times by registration id; audited; recomputes. Returns rows changed."""
    from scoring.results_models import EntryInput

    regs = {r.id: r for r in db.session.scalars(select(Registration).where(Registration.event_id == event.id))}
    unknown = sorted(set(values) - set(regs))
    if unknown:
        raise ResultsError(Msg("以下报名不属于本项目：{ids}", ids=joined([str(u) for u in unknown])))
    settings = settings_for(event)
    if settings.publication != INTERNAL:
        raise ResultsError(Msg("成绩已发布，理论成绩和用时只能经申诉仲裁后修改"))
    existing = {i.registration_id: i for i in db.session.scalars(
        select(EntryInput).where(EntryInput.registration_id.in_(list(values))))} if values else {}
    changes = {}
    for reg_id, (theory, seconds) in values.items():
        if theory is not None and not (0 <= theory <= 100):
            raise ResultsError(Msg("理论成绩 {value} 应在 0–100 之间", value=theory))
        if seconds is not None and seconds < 0:
            raise ResultsError(Msg("用时不能为负数"))
        row = existing.get(reg_id)
        if row is None:
            row = EntryInput(registration_id=reg_id)
            db.session.add(row)
        elif row.theory == theory and row.time_seconds == seconds:
            continue
        changes[str(reg_id)] = {"theory": [_shown(row.theory), _shown(theory)],
                                "time": [row.time_seconds, seconds]}
        row.theory, row.time_seconds, row.updated_by = theory, seconds, getattr(user, "id", None)
    if changes:
        db.session.flush()
        audit.record("result_inputs_changed", settings, after={"event": event.code, "changes": changes})
        on_marks_changed(event)
    return len(changes)


# ---------------------------------------------------------------- verification


@dataclass(frozen=True)
class EventCheck:
    event: Event
    publication: str
    problems: tuple[str, ...]
    differences: dict[int, dict[str, list]]

    @property
    def ok(self) -> bool:
        return not self.problems and not self.differences


def verify_contest(contest, include_internal: bool = False) -> list[EventCheck]:
    """Recompute every published event of the contest from the stored marks and compare with the stored
    results (nothing is written). ``include_internal``: internal events too."""
    from scoring.results_models import PUBLISHED

    checks = []
    events = list(contest.events)
    settings = {e.id: settings_for(e, create=False) for e in events}
    chosen = [e for e in events if settings[e.id].id is not None and
              (include_internal or settings[e.id].publication in PUBLISHED)]
    inputs = load_inputs(chosen, lambda e: settings[e.id])
    for event in chosen:
        s = settings[event.id]
        computed = compute_from_inputs(event, s, inputs[event.id])
        diff = differences(_stored(event.id), computed.rows) if computed.ok else {}
        checks.append(EventCheck(event, s.publication, tuple(computed.problems), diff))
    return checks
