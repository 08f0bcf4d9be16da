"""Read-only queries of the judging tables, shaped as the rules core's inputs.

The current mark of (registration, aspect, judge) is its highest version (``scoring.models.Mark``). Marks are
read with a few Core queries (no ORM objects), so a whole national contest loads in one pass.

How a stored mark value becomes the rules core's raw mark, per aspect kind:
- judgement: each judge's level (0–3) → a tuple of ints;
- panel: each judge's score → a tuple of Decimals (the rules core drops highest and lowest);
- measurement: the team's agreed mark; if the judges' values differ (the judging pages flag that), the one
  entered last, as ``scoring.services.raw_marks`` does;
- pass/fail: the agreed value, 1 = yes;
- deduction: the agreed total deduction → a one-item tuple (the rules core subtracts it from the maximum).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import select

from app.extensions import db
from contests.models import Contest, Delegation, Event, EventGroup, Registration
from scoring import rules
from scoring.results_models import EntryInput

COMPETING = ("confirmed",)  # registrations that take part and are ranked


@dataclass(frozen=True)
class Entrant:
    """What results need to know about one registration (no ID or phone number)."""

    registration_id: int
    name: str
    delegation_id: int
    delegation: str
    group_code: str
    group_name: str
    category: str
    sex: str
    county_code: str
    poor_household: bool
    previous_title_holder: bool


@dataclass
class EventInputs:
    event_id: int
    scheme: rules.MarkingScheme | None
    entries: list[rules.EntryMarks] = field(default_factory=list)
    entrants: dict[int, Entrant] = field(default_factory=dict)
    absent: list[int] = field(default_factory=list)  # competing registrations with no marks and no theory
    problems: list[str] = field(default_factory=list)  # marks that cannot be turned into raw marks


@dataclass(frozen=True)
class JudgeMark:
    registration_id: int
    aspect_code: str
    kind: str
    maximum: Decimal
    judge_id: int
    value: Decimal


# ---------------------------------------------------------------- schemes


def _scheme_trees(event_ids: list[int]) -> dict[int, SimpleNamespace]:
    """event id → a plain copy of its marking scheme (criteria → subs → aspects), in two queries."""
    from scoring.models import Aspect, Criterion, MarkingScheme, SubCriterion

    if not event_ids:
        return {}
    schemes = {s.id: s for s in db.session.execute(
        select(MarkingScheme.id, MarkingScheme.event_id, MarkingScheme.theory_weight,
               MarkingScheme.practical_weight, MarkingScheme.theory_total, MarkingScheme.practical_total,
               MarkingScheme.panel_judges, MarkingScheme.panel_drop, MarkingScheme.panel_step,
               MarkingScheme.judgement_gap).where(MarkingScheme.event_id.in_(event_ids)))}
    trees = {sid: SimpleNamespace(**s._asdict(), criteria=[], aspect_ids={}) for sid, s in schemes.items()}
    rows = db.session.execute(
        select(Criterion.scheme_id, Criterion.code, SubCriterion.code, Aspect.id, Aspect.code, Aspect.kind,
               Aspect.maximum, Aspect.step, Aspect.description)
        .join(SubCriterion, SubCriterion.criterion_id == Criterion.id)
        .join(Aspect, Aspect.sub_id == SubCriterion.id)
        .where(Criterion.scheme_id.in_(list(schemes)))
        .order_by(Criterion.scheme_id, Criterion.position, Criterion.id, SubCriterion.position, SubCriterion.id,
                  Aspect.position, Aspect.id))
    for scheme_id, c_code, s_code, a_id, a_code, kind, maximum, step, description in rows:
        tree = trees[scheme_id]
        if not tree.criteria or tree.criteria[-1].code != c_code:
            tree.criteria.append(SimpleNamespace(code=c_code, subs=[]))
        subs = tree.criteria[-1].subs
        if not subs or subs[-1].code != s_code:
            subs.append(SimpleNamespace(code=s_code, aspects=[]))
        subs[-1].aspects.append(SimpleNamespace(id=a_id, code=a_code, kind=kind, maximum=maximum, step=step,
                                                description=description))
        tree.aspect_ids[a_id] = (a_code, kind, Decimal(maximum))
    return {t.event_id: t for t in trees.values()}


def rules_scheme(tree: SimpleNamespace, settings, judges: dict[str, int] | None = None) -> rules.MarkingScheme:
    """The rules core's scheme (through the judging package's ``to_rules``) with the event's rounding;
    a component weighted 0 (e.g. no theory exam) is left out."""
    from scoring.results_policy import rounding
    from scoring.schemes import to_rules

    scheme = to_rules(tree, judges=judges)
    components = tuple(c for c in scheme.components if c.weight != 0)
    return replace(scheme, components=components, rounding=rounding(settings))


# ---------------------------------------------------------------- marks


def _decimal(value) -> Decimal:
    # SQLite hands NUMERIC back as float or int; repr() of a float is its shortest round-trip text ("2.5").
    return value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else value)


def _current_marks(aspect_ids: list[int]) -> dict[tuple[int, int], list[tuple[int, Decimal]]]:
    """(registration, aspect) → [(mark id, value)] of the current version of each judge's mark.

    One pass over the rows through the DB-API cursor (no ORM, no per-row type processing): most marks have
    a single version, and only the few (registration, aspect, judge) with later versions are resolved.
    """
    from scoring.models import Mark

    grouped: dict[tuple[int, int], list[tuple[int, Decimal]]] = defaultdict(list)
    if not aspect_ids:
        return grouped
    table = Mark.__table__
    later: dict[tuple[int, int, int], tuple[int, int, Decimal]] = {}
    for start in range(0, len(aspect_ids), 900):  # SQLite's bound-parameter limit
        chunk = aspect_ids[start : start + 900]
        marks = ",".join("?" if db.engine.dialect.paramstyle == "qmark" else "%s" for _ in chunk)
        sql = (f"SELECT registration_id, aspect_id, judge_id, version, value, id FROM {table.name} "  # noqa: S608
               f"WHERE aspect_id IN ({marks})")
        cursor = db.session.connection().exec_driver_sql(sql, tuple(chunk))
        for reg, aspect, judge, version, value, mark_id in cursor:
            key = (reg, aspect, judge)
            held = later.get(key)
            if held is None:
                later[key] = (version, mark_id, value)
            elif version > held[0]:
                later[key] = (version, mark_id, value)
    for (reg, aspect, _judge), (_version, mark_id, value) in later.items():
        grouped[(reg, aspect)].append((mark_id, _decimal(value)))
    return grouped


def judge_marks(event: Event) -> list[JudgeMark]:
    """Every current mark of the event with its judge: for the judge-consistency analysis."""
    tree = _scheme_trees([event.id]).get(event.id)
    if tree is None:
        return []
    from scoring.models import Mark

    latest: dict[tuple[int, int, int], tuple[int, Decimal]] = {}
    rows = db.session.execute(select(Mark.registration_id, Mark.aspect_id, Mark.judge_id, Mark.version, Mark.value)
                              .where(Mark.aspect_id.in_(list(tree.aspect_ids))))
    for reg, aspect_id, judge, version, value in rows:
        if (reg, aspect_id, judge) not in latest or version > latest[(reg, aspect_id, judge)][0]:
            latest[(reg, aspect_id, judge)] = (version, value)
    out = []
    for (reg, aspect_id, judge), (_v, value) in latest.items():
        code, kind, maximum = tree.aspect_ids[aspect_id]
        out.append(JudgeMark(reg, code, kind, maximum, judge, Decimal(value)))
    return out


def raw_mark(kind: str, values: list[tuple[int, Decimal]]):
    """The rules core's raw mark for one aspect of one entry from the judges' current (mark id, value)s."""
    if kind == rules.JUDGEMENT:
        return tuple(int(v) if v == v.to_integral_value() else v for _i, v in values)
    if kind == rules.PANEL:
        return tuple(v.normalize() if v == v.to_integral_value() else v for _i, v in values)
    value = max(values)[1] if len(values) > 1 else values[0][1]  # the team's value: the one entered last
    if kind == rules.PASS_FAIL:
        return value == 1
    if kind == rules.DEDUCTION:
        return (value,)
    return value.normalize() if value == value.to_integral_value() else value


def _entrants(event_ids: list[int]) -> dict[int, list[Entrant]]:
    rows = db.session.execute(
        select(Registration.id, Registration.event_id, Registration.name, Registration.delegation_id,
               Delegation.name, EventGroup.code, EventGroup.name, Registration.category, Registration.sex,
               Registration.county_code, Registration.poor_household, Registration.previous_title_holder)
        .join(Delegation, Delegation.id == Registration.delegation_id)
        .join(EventGroup, EventGroup.id == Registration.group_id)
        .where(Registration.event_id.in_(event_ids), Registration.status.in_(COMPETING))
        .order_by(Registration.id))
    out: dict[int, list[Entrant]] = defaultdict(list)
    for r in rows:
        out[r[1]].append(Entrant(r[0], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], bool(r[10]), bool(r[11])))
    return out


def _inputs(reg_ids: list[int]) -> dict[int, tuple[Decimal | None, int | None]]:
    out = {}
    for start in range(0, len(reg_ids), 900):
        chunk = reg_ids[start : start + 900]
        for reg, theory, seconds in db.session.execute(
            select(EntryInput.registration_id, EntryInput.theory, EntryInput.time_seconds)
            .where(EntryInput.registration_id.in_(chunk))
        ):
            out[reg] = (theory, seconds)
    return out


def load_inputs(events: list[Event], settings_of) -> dict[int, EventInputs]:
    """Everything the rules core needs for these events, read in a handful of queries.

    ``settings_of(event) → ResultSettings`` gives each event's rounding.
    """
    ids = [e.id for e in events]
    trees = _scheme_trees(ids)
    aspect_ids = [a for t in trees.values() for a in t.aspect_ids]
    by_reg: dict[int, dict[int, list[tuple[int, Decimal]]]] = defaultdict(dict)
    for (reg, aspect), values in _current_marks(aspect_ids).items():
        by_reg[reg][aspect] = values
    entrants = _entrants(ids)
    inputs = _inputs([e.registration_id for group in entrants.values() for e in group])
    titles_without_award = {e.id: _contest(e).title_holders_without_award for e in events}
    out = {}
    for event in events:
        tree = trees.get(event.id)
        result = EventInputs(event.id, None)
        out[event.id] = result
        people = entrants.get(event.id, [])
        result.entrants = {p.registration_id: p for p in people}
        if tree is None:
            result.problems.append("该项目还没有评分方案")
            continue
        counts = _judge_counts(tree, people, by_reg)
        settings = settings_of(event)
        try:
            result.scheme = rules_scheme(tree, settings, counts)
        except ValueError as err:
            result.problems.append(str(err))
            continue
        has_theory = result.scheme.component(rules.THEORY) is not None and \
            rules.THEORY not in {a.component for a in result.scheme.aspects}
        for person in people:
            marks_of = by_reg.get(person.registration_id, {})
            theory, seconds = inputs.get(person.registration_id, (None, None))
            if not marks_of and theory is None:
                result.absent.append(person.registration_id)
                continue
            marks = {}
            for aspect_id, values in marks_of.items():
                code, kind, _maximum = tree.aspect_ids[aspect_id]
                marks[code] = raw_mark(kind, values)
            given = {rules.THEORY: Decimal(theory)} if has_theory and theory is not None else {}
            metrics = {"time": Decimal(seconds)} if seconds is not None else {}
            result.entries.append(rules.EntryMarks(
                entry_id=str(person.registration_id), marks=marks, given=given, group=person.group_code,
                delegation=str(person.delegation_id), metrics=metrics, employee=person.category == "employee",
                without_award=person.previous_title_holder and titles_without_award[event.id],
                team_size=event.team_size,
            ))
    return out


def _judge_counts(tree, people: list[Entrant], by_reg) -> dict[str, int]:
    """How many judges scored each judgement / panel aspect: the most common count over the entries
    (a whole panel short by one judge is then still valid; a single entry short is reported)."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for person in people:
        for aspect_id, values in by_reg.get(person.registration_id, {}).items():
            code, kind, _maximum = tree.aspect_ids[aspect_id]
            if kind in (rules.JUDGEMENT, rules.PANEL):
                counts[code][len(values)] += 1
    return {code: c.most_common(1)[0][0] for code, c in counts.items()}


def _contest(event: Event) -> Contest:
    return event.contest
