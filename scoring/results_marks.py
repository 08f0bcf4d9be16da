"""Read-only queries of the judging tables, shaped as the rules core's inputs.

The current mark of (registration, aspect, judge) is its highest version (``scoring.models.Mark``). Marks are
aggregated in SQL, one row per (contestant, aspect) with the judges' values joined, read through the DB-API
cursor; each distinct text is turned into a raw mark once (``RawMarks``). Only the few (contestant, aspect)
with later versions, or with measurement values that differ, are read mark by mark (``_current_marks``, the
reference reader). A national contest (1.2 million marks) loads in well under two seconds.

How a stored mark value becomes the rules core's raw mark, per aspect kind:
- judgement: each judge's level (0–3) → a tuple of ints, in ascending order;
- panel: each judge's score → a tuple of Decimals, in ascending order (the rules core drops highest and lowest);
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
from app.text import Msg
from contests.models import Contest, Delegation, Event, EventGroup, Registration
from scoring import rules
from scoring.results_models import EntryInput
from scoring.results_policy import message

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


def _placeholders(n: int) -> str:
    return ",".join(("?" if db.engine.dialect.paramstyle == "qmark" else "%s",) * n)


def _current_marks(aspect_ids: list[int],
                   registration_ids: list[int] | None = None) -> dict[tuple[int, int], list[tuple[int, Decimal]]]:
    """(registration, aspect) → [(mark id, value)] of the current version of each judge's mark.

    The reference reader: one pass over every row through the DB-API cursor (no ORM). ``load_inputs`` reads
    aggregates instead (``_aggregated_marks``) and comes here only for the few (registration, aspect) whose
    marks have later versions or whose measurement values differ between judges.
    """
    from scoring.models import Mark

    grouped: dict[tuple[int, int], list[tuple[int, Decimal]]] = defaultdict(list)
    if not aspect_ids or registration_ids == []:
        return grouped
    table = Mark.__table__
    later: dict[tuple[int, int, int], tuple[int, int, Decimal]] = {}
    regs = [None] if registration_ids is None else registration_ids
    for reg_start in range(0, len(regs), 400):
        reg_chunk = regs[reg_start : reg_start + 400]
        for start in range(0, len(aspect_ids), 400):  # SQLite's bound-parameter limit
            chunk = aspect_ids[start : start + 400]
            sql = (f"SELECT registration_id, aspect_id, judge_id, version, value, id FROM {table.name} "  # noqa: S608
                   f"WHERE aspect_id IN ({_placeholders(len(chunk))})")
            params = tuple(chunk)
            if registration_ids is not None:
                sql += f" AND registration_id IN ({_placeholders(len(reg_chunk))}) ORDER BY id"
                params += tuple(reg_chunk)
            cursor = db.session.connection().exec_driver_sql(sql, params)
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


def _aggregated_marks(registration_ids: list[int]) -> list[tuple[int, int, int, str]]:
    """(registration, aspect, highest version, the judges' values joined by ",") for each (registration,
    aspect) with marks, in that order: aggregated in SQL, one row per aspect of a contestant instead of one
    per mark version, read through the DB-API cursor (no per-row Row objects). Each contestant's marks are
    one range of the (registration, aspect) index.

    Values are the database's text of the stored number (SQLite: the shortest text of the REAL, as ``repr``
    gives; PostgreSQL: NUMERIC's text), so ``Decimal(text)`` is what ``_decimal`` makes of the driver's value.
    """
    from scoring.models import Mark

    joined = "string_agg(CAST(value AS TEXT), ',')" if db.engine.dialect.name == "postgresql" else "group_concat(value)"
    out: list[tuple[int, int, int, str]] = []
    step = 900  # SQLite allowed 999 bound parameters before 3.32
    for start in range(0, len(registration_ids), step):
        regs = tuple(registration_ids[start : start + step])
        sql = (f"SELECT registration_id, aspect_id, max(version), {joined} FROM {Mark.__table__.name} "  # noqa: S608
               f"WHERE registration_id IN ({_placeholders(len(regs))}) "
               "GROUP BY registration_id, aspect_id ORDER BY registration_id, aspect_id")
        cursor = db.session.connection().connection.cursor()
        try:
            cursor.execute(sql, regs)
            out += cursor.fetchall()
        finally:
            cursor.close()
    return out


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
    """The rules core's raw mark for one aspect of one entry from the judges' current (mark id, value)s.
    The judges' scores of a judgement or panel aspect come in ascending order (the rules core adds them up,
    or sorts them to drop the highest and lowest), so every reader gives the same tuple."""
    if kind in (rules.JUDGEMENT, rules.PANEL):
        return tuple(sorted(_judge_value(kind, v) for _i, v in values))
    value = max(values)[1] if len(values) > 1 else values[0][1]  # the team's value: the one entered last
    if kind == rules.PASS_FAIL:
        return value == 1
    if kind == rules.DEDUCTION:
        return (value,)
    return value.normalize() if value == value.to_integral_value() else value


def _judge_value(kind: str, value: Decimal):
    """One judge's score inside a judgement or panel raw mark, as ``raw_mark`` writes it."""
    if kind == rules.JUDGEMENT:
        return int(value) if value == value.to_integral_value() else value
    return value.normalize() if value == value.to_integral_value() else value


_PLAIN = frozenset("0123456789.,-+eE")  # the characters of numbers' text, and the "," between them


class RawMarks:
    """The judges' values joined by "," → the rules core's raw mark, converted once per distinct text and aspect
    kind: a national contest has a few tens of thousands of distinct texts for a quarter of a million
    (contestant, aspect). A pure function of the text, so one memo serves the whole process (``_MEMO``)."""

    LIMIT = 200_000  # texts kept per kind; then the memo starts again

    def __init__(self):
        self.joined: dict[str, dict[str, object]] = defaultdict(dict)  # kind → joined values → raw mark
        self.scores: dict[tuple[str, str], object] = {}  # (kind, one value's text) → the judge's score

    def of(self, kind: str) -> dict[str, object]:
        converted = self.joined[kind]
        if len(converted) > self.LIMIT:
            converted.clear()
            self.scores.clear()
        return converted

    def joined_raw(self, kind: str, joined: str):
        """The raw mark from the judges' current values joined by "," (every mark at version 1, one per
        judge), exactly as ``raw_mark`` makes it; None when a measurement-kind aspect's values differ (which
        was entered last is then read mark by mark) or a value is not a number's text."""
        if not _PLAIN.issuperset(joined):  # not a number's text (SQLite keeps any text): the reference decides
            return None
        parts = joined.split(",")
        if kind in (rules.JUDGEMENT, rules.PANEL):
            scores = []
            for part in parts:
                score = self.scores.get((kind, part))
                if score is None:
                    score = self.scores[(kind, part)] = _judge_value(kind, Decimal(part))
                scores.append(score)
            scores.sort()
            return tuple(scores)
        if len(parts) > 1 and len(set(parts)) > 1:
            return None
        return raw_mark(kind, [(0, Decimal(parts[0]))])


_MEMO = RawMarks()


def _entrants(event_ids: list[int]) -> dict[int, list[Entrant]]:
    rows = db.session.execute(
        select(Registration.id, Registration.event_id, Registration.name, Registration.delegation_id,
               Delegation.name, EventGroup.code, EventGroup.name, Registration.category, Registration.sex,
               Registration.county_code, Registration.poor_household, Registration.previous_title_holder,
               Registration.team_id, Event.team_size)
        .join(Delegation, Delegation.id == Registration.delegation_id)
        .join(EventGroup, EventGroup.id == Registration.group_id)
        .join(Event, Event.id == Registration.event_id)
        .where(Registration.event_id.in_(event_ids), Registration.status.in_(COMPETING))
        .order_by(Registration.id))
    out: dict[int, list[Entrant]] = defaultdict(list)
    teams: dict[int, list] = defaultdict(list)
    for r in rows:
        if r[13] > 1:  # a team event: members are gathered into their team's one entry below
            if r[12] is not None:
                teams[r[12]].append(r)
            continue
        out[r[1]].append(Entrant(r[0], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], bool(r[10]), bool(r[11])))
    for members in teams.values():
        first = members[0]
        if len(members) != first[13]:
            continue  # an incomplete team does not compete (the draw refuses to run while one exists)
        # Titles for "employees only" need every member to be an employee; a team competes without award
        # only if every member is a previous title holder.
        category = "employee" if all(m[7] == "employee" for m in members) else "student"
        out[first[1]].append(Entrant(first[0], "、".join(m[2] for m in members), first[3], first[4], first[5],
                                     first[6], category, first[8], first[9], any(bool(m[10]) for m in members),
                                     all(bool(m[11]) for m in members)))
    for entrants in out.values():
        entrants.sort(key=lambda e: e.registration_id)
    return out


def _inputs(event_ids: list[int]) -> dict[int, tuple[Decimal | None, int | None]]:
    """registration id → (theory score, completion time in seconds) of these events' registrations."""
    return {reg: (theory, seconds) for reg, theory, seconds in db.session.execute(
        select(EntryInput.registration_id, EntryInput.theory, EntryInput.time_seconds)
        .join(Registration, Registration.id == EntryInput.registration_id)
        .where(Registration.event_id.in_(event_ids)))}


def load_inputs(events: list[Event], settings_of) -> dict[int, EventInputs]:
    """Everything the rules core needs for these events, read in a handful of queries per event.

    ``settings_of(event) → ResultSettings`` gives each event's rounding.
    """
    ids = [e.id for e in events]
    trees = _scheme_trees(ids)
    entrants = _entrants(ids)
    inputs = _inputs(ids)
    titles_without_award = {e.id: _contest(e).title_holders_without_award for e in events}
    out = {}
    for event in events:
        tree = trees.get(event.id)
        result = EventInputs(event.id, None)
        out[event.id] = result
        people = entrants.get(event.id, [])
        result.entrants = {p.registration_id: p for p in people}
        if tree is None:
            result.problems.append(Msg("该项目还没有评分方案"))
            continue
        marks_by_reg, counts = event_marks(tree, [p.registration_id for p in people])
        settings = settings_of(event)
        try:
            result.scheme = rules_scheme(tree, settings, counts)
        except ValueError as err:
            result.problems.append(message(err))
            continue
        has_theory = result.scheme.component(rules.THEORY) is not None and \
            rules.THEORY not in {a.component for a in result.scheme.aspects}
        for person in people:
            marks = marks_by_reg.get(person.registration_id, {})
            theory, seconds = inputs.get(person.registration_id, (None, None))
            if not marks and theory is None:
                result.absent.append(person.registration_id)
                continue
            given = {rules.THEORY: Decimal(theory)} if has_theory and theory is not None else {}
            metrics = {"time": Decimal(seconds)} if seconds is not None else {}
            result.entries.append(rules.EntryMarks(
                entry_id=str(person.registration_id), marks=marks, given=given, group=person.group_code,
                delegation=str(person.delegation_id), metrics=metrics, employee=person.category == "employee",
                without_award=person.previous_title_holder and titles_without_award[event.id],
                team_size=event.team_size,
            ))
    return out


def event_marks(tree, registration_ids: list[int], memo: RawMarks | None = None,
                ) -> tuple[dict[int, dict[str, object]], dict[str, int]]:
    """registration id → aspect code → the rules core's raw mark, for these registrations of one event (in id
    order); and how many judges scored each judgement / panel aspect (see ``_judge_counts``).

    Most (registration, aspect) come straight from the SQL aggregate: every mark still at version 1 and, for
    the measurement kinds, the judges agreeing. The rest (a later version, or measurement values that differ,
    where the one entered last counts) are read mark by mark with the reference reader ``_current_marks``.
    Marks of aspects outside the event's scheme are left out.
    """
    memo = _MEMO if memo is None else memo
    info = {aspect_id: (code, memo.of(kind), kind, kind in (rules.JUDGEMENT, rules.PANEL))
            for aspect_id, (code, kind, _m) in tree.aspect_ids.items()}
    marks_by_reg: dict[int, dict[str, object]] = {}
    counts: dict[str, Counter] = defaultdict(Counter)
    irregular: list[tuple[int, int]] = []
    last_reg, marks = None, {}
    for reg, aspect, top, joined in _aggregated_marks(sorted(registration_ids)):
        found = info.get(aspect)
        if found is None:
            continue
        code, converted, kind, counted = found
        if top == 1:  # every mark at version 1: one per judge, all current
            raw = converted.get(joined, converted)
            if raw is converted:
                raw = converted[joined] = memo.joined_raw(kind, joined)
            if raw is None:
                irregular.append((reg, aspect))
            elif counted:  # rows come by registration id: each count is first seen where _judge_counts sees it
                counts[code][len(raw)] += 1
        else:
            raw = None
            irregular.append((reg, aspect))
        if reg != last_reg:
            last_reg, marks = reg, marks_by_reg.setdefault(reg, {})
        marks[code] = raw
    if irregular:
        wanted = set(irregular)
        found_marks = _current_marks(sorted({a for _r, a in irregular}), sorted({r for r, _a in irregular}))
        for (reg, aspect), values in found_marks.items():
            if (reg, aspect) in wanted:
                code, _converted, kind, _counted = info[aspect]
                marks_by_reg[reg][code] = raw_mark(kind, values)
        counts = _judge_counts(tree, marks_by_reg.values())
    return marks_by_reg, _most_common(counts)


def _most_common(counts: dict[str, Counter]) -> dict[str, int]:
    return {code: c.most_common(1)[0][0] for code, c in counts.items()}


def _judge_counts(tree, marks_by_reg) -> dict[str, Counter]:
    """How many judges scored each judgement / panel aspect, counted in registration order: the most common
    count over the entries is used (a whole panel short by one judge is then still valid; a single entry
    short is reported)."""
    counted = {code for code, kind, _m in tree.aspect_ids.values() if kind in (rules.JUDGEMENT, rules.PANEL)}
    counts: dict[str, Counter] = defaultdict(Counter)
    for marks in marks_by_reg:
        for code, raw in marks.items():
            if code in counted:
                counts[code][len(raw)] += 1
    return counts


def _contest(event: Event) -> Contest:
    return event.contest
