"""The results' fast mark reader (SQL aggregates, memoised raw marks) and the update after a mark changes give
exactly what the reference reader gives: every mark row, the current version of each judge's mark, the judge
counts counted entry by entry. Random data on the demo contest: later versions, judges who disagree on a
measurement, an extra judge on a judgement aspect, invalid values, withdrawn contestants, missing theory."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from sqlalchemy import delete, select

from app.extensions import db
from contests.models import Contest, Event, JudgeAssignment, Registration
from scoring import results, results_marks, rules, services
from scoring.models import Aspect, Mark, MarkingScheme
from scoring.results_demo import demo_marks, put_mark
from scoring.results_models import EntryInput
from scoring.txn import commit_with_retry


def _events() -> list[Event]:
    return list(db.session.scalar(select(Contest).where(Contest.code == "FP2020")).events)


def reference_event_marks(tree, registration_ids, memo=None):
    """The reader before the SQL aggregate, for one event: ``_current_marks`` over every mark of the scheme's
    aspects, ``raw_mark`` per (registration, aspect), judges counted per entry in registration order."""
    by_reg: dict[int, dict[int, list]] = defaultdict(dict)
    for (reg, aspect), values in results_marks._current_marks(list(tree.aspect_ids)).items():
        by_reg[reg][aspect] = values
    marks, counts = {}, defaultdict(Counter)
    for reg in sorted(registration_ids):
        if not by_reg.get(reg):
            continue
        marks[reg] = {}
        for aspect, values in by_reg[reg].items():
            code, kind, _maximum = tree.aspect_ids[aspect]
            marks[reg][code] = results_marks.raw_mark(kind, values)
            if kind in (rules.JUDGEMENT, rules.PANEL):
                counts[code][len(values)] += 1
    return marks, {code: c.most_common(1)[0][0] for code, c in counts.items()}


def _value(rng: random.Random, aspect: Aspect, valid: bool = True) -> Decimal:
    maximum = Decimal(aspect.maximum)
    if not valid:
        return rng.choice([maximum + 1, Decimal("1.5") if aspect.kind == rules.JUDGEMENT else Decimal("0.001")])
    if aspect.kind == rules.JUDGEMENT:
        return Decimal(rng.randint(0, 3))
    if aspect.kind == rules.PASS_FAIL:
        return Decimal(rng.randint(0, 1))
    return Decimal(rng.randint(0, int(maximum * 10))).scaleb(-1)


def _judges(event: Event) -> list[int]:
    return list(db.session.scalars(select(JudgeAssignment.user_id).where(JudgeAssignment.event_id == event.id)
                                   .order_by(JudgeAssignment.user_id)))


def _aspects(event: Event) -> list[Aspect]:
    return list(db.session.scalars(select(Aspect).join(MarkingScheme, MarkingScheme.id == Aspect.scheme_id)
                                   .where(MarkingScheme.event_id == event.id).order_by(Aspect.id)))


def _scramble(rng: random.Random, events: list[Event], changes: int, invalid: bool = True) -> None:
    """Later versions of existing marks, disagreeing or extra judges, now and then an invalid value."""
    for _ in range(changes):
        event = rng.choice(events)
        aspects = _aspects(event)
        regs = list(db.session.scalars(select(Registration.id).where(Registration.event_id == event.id)))
        if not aspects or not regs:
            continue
        aspect, reg = rng.choice(aspects), rng.choice(regs)
        marked = list(db.session.scalars(select(Mark.judge_id).where(
            Mark.registration_id == reg, Mark.aspect_id == aspect.id).distinct()))
        judge = rng.choice(marked) if marked and rng.random() < 0.7 else rng.choice(_judges(event))
        put_mark(reg, aspect.id, judge, _value(rng, aspect, valid=not invalid or rng.random() > 0.05))


def _exactly(marks: dict[int, dict[str, object]]) -> dict[int, list[tuple[str, str]]]:
    return {reg: sorted((code, repr(raw)) for code, raw in by_code.items()) for reg, by_code in marks.items()}


def _compare(events: list[Event]) -> int:
    trees = results_marks._scheme_trees([e.id for e in events])
    people = results_marks._entrants([e.id for e in events])
    compared = 0
    for event in events:
        if event.id not in trees:
            continue
        regs = [p.registration_id for p in people.get(event.id, [])]
        fast = results_marks.event_marks(trees[event.id], regs)
        reference = reference_event_marks(trees[event.id], regs)
        assert fast == reference, event.code
        assert _exactly(fast[0]) == _exactly(reference[0])  # the same Decimal digits, not only equal values
        assert results_marks.event_marks(trees[event.id], regs, results_marks.RawMarks()) == fast  # a cold memo
        compared += sum(len(m) for m in fast[0].values())
    return compared


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_fast_reader_equals_the_reference_reader_on_random_marks(demo, seed):
    rng = random.Random(seed)
    events = _events()
    for event in events:
        demo_marks(event, rng)
    db.session.flush()
    assert _compare(events) > 0
    _scramble(rng, events, 150)
    withdrawn = rng.sample(list(db.session.scalars(select(Registration).where(
        Registration.event_id.in_([e.id for e in events]), Registration.status == "confirmed"))), 3)
    for reg in withdrawn:
        reg.status = "withdrawn"
    db.session.execute(delete(EntryInput).where(EntryInput.registration_id == withdrawn[0].id))
    db.session.commit()
    assert _compare(events) > 0

    # and the results computed from them: the same rows, the same problems
    settings = {e.id: results.settings_for(e) for e in events}
    fast = results_marks.load_inputs(events, lambda e: settings[e.id])
    original = results_marks.event_marks
    results_marks.event_marks = reference_event_marks
    try:
        reference = results_marks.load_inputs(events, lambda e: settings[e.id])
    finally:
        results_marks.event_marks = original
    for event in events:
        assert fast[event.id] == reference[event.id]
        a = results.compute_from_inputs(event, settings[event.id], fast[event.id])
        b = results.compute_from_inputs(event, settings[event.id], reference[event.id])
        assert (a.rows, a.problems) == (b.rows, b.problems)


def _stored_equals_reference(events: list[Event]) -> None:
    """Stored results (left by the update after each change) equal a full recompute by the reference."""
    original = results_marks.event_marks
    results_marks.event_marks = reference_event_marks
    try:
        for event in events:
            settings = results.settings_for(event, create=False)
            computed = results.compute_event(event, settings)
            if computed.ok:
                assert results.differences(results._stored(event.id), computed.rows) == {}, event.code
            else:
                assert settings.problems == "\n".join(computed.problems), event.code
    finally:
        results_marks.event_marks = original


@pytest.mark.parametrize("seed", [4, 5])
def test_the_update_after_each_change_equals_a_full_recompute(demo, seed):
    rng = random.Random(seed)
    events = _events()
    for event in events:
        demo_marks(event, rng)
        results.recompute_event(event, reason="测试")
    db.session.commit()
    _stored_equals_reference(events)
    for step in range(40):
        event = rng.choice(events)
        if step % 2:  # a change through the tablet's save: the results follow in the same transaction
            judge = rng.choice(services.event_judges(event.id))
            scope = services.scope_for(judge, event)
            if not scope.codes or not scope.aspects:
                continue
            aspect = rng.choice(scope.aspects)
            payload = {"key": f"perf-{seed}-{step}-{rng.random()}".replace(".", ""), "aspect_id": aspect.id,
                       "code": rng.choice(sorted(scope.codes.values())), "value": str(_value(rng, aspect))}
            try:
                commit_with_retry(lambda j=judge, e=event, p=payload: services.save_mark(j, e, p))
            except services.JudgingError:
                db.session.rollback()  # recused, or a locked sheet: nothing written
        else:  # a correction written directly, then the hook the judging package calls
            _scramble(rng, [event], 1, invalid=step % 10 == 0)
            results.on_marks_changed(event)
            db.session.commit()
        if step % 8 == 7:
            _stored_equals_reference(events)
    _stored_equals_reference(events)
    assert all(check.ok for check in results.verify_contest(events[0].contest, include_internal=True)
               if not check.problems)
