"""Demo results, and small mark-making helpers shared by the demo, the tests and the benchmark.

``load_demo_results()`` gives the demo contests results: the judging package's demo schemes (created if
missing), synthetic marks from the events' own judges for every confirmed contestant, theory scores, a
recompute, and publication (FP2020: every event final except the last, still internal; SQSZ2019: final).
Marks are bulk-inserted as version 1 with one audit entry for the whole load, not one per mark: demo data.
Idempotent: an event that already has marks is left alone.
"""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select

from app import audit
from app.extensions import db
from app.models import User
from app.roles import Role
from app.timeutil import utcnow
from contests.models import Contest, Event, JudgeAssignment, Registration
from scoring import rules
from scoring.results_models import EntryInput

DEMO_CONTESTS = ("FP2020", "SQSZ2019")


# ---------------------------------------------------------------- helpers for tests


def simple_scheme(event: Event, theory_weight: int = 0, aspects: int = 1):
    """An active scheme of ``aspects`` measurement aspects (module A, one sub-criterion) adding up to 100.
    An unmarked scheme the event already has (the demo's) is emptied and reused: one scheme per event."""
    from scoring.models import Aspect, Criterion, MarkingScheme, SubCriterion
    from scoring.schemes import scheme_for

    scheme = scheme_for(event.id)
    if scheme is None:
        scheme = MarkingScheme(event_id=event.id)
        db.session.add(scheme)
    else:
        scheme.criteria.clear()
        db.session.flush()
    for key, value in dict(status="active", method="aspects", theory_weight=Decimal(theory_weight),
                           practical_weight=Decimal(100 - theory_weight), theory_total=Decimal(100),
                           practical_total=Decimal(100), panel_judges=5, panel_drop=1, panel_min=Decimal(0),
                           judgement_gap=1, recheck_top=10, recheck_share=Decimal(15),
                           recheck_error_limit=Decimal(5)).items():
        if hasattr(scheme, key):
            setattr(scheme, key, value)
    db.session.flush()
    criterion = Criterion(scheme_id=scheme.id, code="A", name="实操", position=0)
    db.session.add(criterion)
    db.session.flush()
    sub = SubCriterion(criterion_id=criterion.id, code="A1", name="", position=0)
    db.session.add(sub)
    db.session.flush()
    share = Decimal(100) / aspects
    for i in range(aspects):
        db.session.add(Aspect(scheme_id=scheme.id, sub_id=sub.id, code=f"A1.{i + 1}", kind=rules.MEASUREMENT,
                              maximum=share, position=i, team=""))
    db.session.flush()
    return scheme


def put_mark(registration_id: int, aspect_id: int, judge_id: int, value: Decimal) -> None:
    """Store the next version of one mark (tests): the latest version becomes the current mark."""
    from scoring.models import Mark

    version = db.session.scalar(select(func.max(Mark.version)).where(
        Mark.registration_id == registration_id, Mark.aspect_id == aspect_id, Mark.judge_id == judge_id)) or 0
    db.session.add(Mark(registration_id=registration_id, aspect_id=aspect_id, judge_id=judge_id,
                        version=version + 1, value=Decimal(value), idempotency_key=uuid.uuid4().hex,
                        source="tablet", entered_by=judge_id, created_at=utcnow()))
    db.session.flush()


def first_aspect_id(event: Event) -> int:
    from scoring.models import Aspect, MarkingScheme

    return db.session.scalar(select(Aspect.id).join(MarkingScheme, MarkingScheme.id == Aspect.scheme_id)
                             .where(MarkingScheme.event_id == event.id).order_by(Aspect.id).limit(1))


# ---------------------------------------------------------------- demo


def _competing(event: Event) -> list[Registration]:
    from contests.judges import contestants

    return contestants(event)  # in a team event, each team's entry


def _skill(rng: random.Random) -> float:
    return min(max(rng.gauss(0.72, 0.12), 0.25), 1.0)


def _value(rng: random.Random, aspect, skill: float, scheme) -> Decimal:
    maximum = Decimal(aspect.maximum)
    if aspect.kind == rules.PASS_FAIL:
        return Decimal(1 if rng.random() < skill + 0.1 else 0)
    if aspect.kind == rules.JUDGEMENT:
        return Decimal(min(3, max(0, round(skill * 3 + rng.uniform(-0.6, 0.6)))))
    step = aspect.step if aspect.step is not None else (scheme.panel_step if aspect.kind == rules.PANEL else None)
    step = Decimal(step) if step else Decimal(1)
    if aspect.kind == rules.DEDUCTION:
        raw = maximum * Decimal(1 - skill) * Decimal(rng.uniform(0.6, 1.4))
    else:
        raw = maximum * Decimal(skill) * Decimal(rng.uniform(0.92, 1.05))
    steps = (min(max(raw, Decimal(0)), maximum) / step).to_integral_value()
    return min(steps * step, maximum)


def demo_marks(event: Event, rng: random.Random) -> int:
    """Synthetic marks for every confirmed contestant of the event by the judges who mark each aspect."""
    from scoring import schemes
    from scoring.models import Mark
    from scoring.services import markers

    scheme = schemes.scheme_for(event.id)
    if scheme is None or schemes.has_marks(scheme):
        return 0
    who = markers(event, scheme)
    rows, now = [], utcnow()
    aspects = schemes.aspects_of(scheme)
    for reg in _competing(event):
        skill = _skill(rng)
        for aspect in aspects:
            judges = sorted(who.get(aspect.id, ()))
            if aspect.kind == rules.JUDGEMENT:
                judges = judges[:3]
            elif aspect.kind == rules.PANEL:
                judges = judges[: scheme.panel_judges]
            elif judges:
                judges = judges[:1]
            agreed = _value(rng, aspect, skill, scheme)
            for judge_id in judges:
                value = agreed if aspect.kind not in (rules.JUDGEMENT, rules.PANEL) \
                    else _value(rng, aspect, skill, scheme)
                rows.append({"registration_id": reg.id, "aspect_id": aspect.id, "judge_id": judge_id, "version": 1,
                             "value": value, "idempotency_key": uuid.uuid4().hex, "device": "demo", "ip": "",
                             "source": "tablet", "entered_by": judge_id, "conflict": False, "created_at": now})
        theory = Decimal(round(min(100, max(30, rng.gauss(75, 10))) * 2) / 2)
        db.session.add(EntryInput(registration_id=reg.id, theory=theory, time_seconds=rng.randint(9000, 14400)))
    if rows:
        db.session.execute(insert(Mark), rows)
    return len(rows)


def load_demo_results() -> bool:
    """Results for the demo contests (see the module doc). Returns True when marks were created."""
    from scoring import publication
    from scoring.demo import load_demo_schemes
    from scoring.results import recompute_event
    from scoring.results_models import ANNOUNCED, FINAL, PUBLIC_DISPLAY

    rng = random.Random(2020)
    made = 0
    for code in DEMO_CONTESTS:
        contest = db.session.scalar(select(Contest).where(Contest.code == code))
        if contest is None:
            continue
        load_demo_schemes(contest)
        events = list(contest.events)
        organiser = db.session.scalar(select(User).where(User.contest_id == contest.id,
                                                         User.role == Role.ORGANISER.value))
        for index, event in enumerate(events):
            created = demo_marks(event, rng)
            made += created
            if not created:
                continue
            recompute_event(event, reason="演示数据")
            if code == "FP2020" and index == len(events) - 1:
                continue  # one event left internal, to show the publication workflow
            _confirm_and_decrypt(event, contest)
            until = contest.ends_on + timedelta(days=7)
            publication.advance(event, ANNOUNCED, organiser)
            publication.advance(event, PUBLIC_DISPLAY, organiser, public_until=until, today=contest.ends_on)
            publication.advance(event, FINAL, organiser, today=until + timedelta(days=1))
    if made:
        audit.record("demo_results_loaded", after={"marks": made, "contests": list(DEMO_CONTESTS)})
    return bool(made)


def _confirm_and_decrypt(event: Event, contest: Contest) -> None:
    """The chief judge's confirmation and the two-person decryption, as the demo's judging would end."""
    from contests.judging_models import Decryption
    from scoring.models import EventConfirmation

    chief = chief_of(event)
    staff = {u.role: u for u in db.session.scalars(select(User).where(User.contest_id == contest.id))}
    if chief and not db.session.scalar(select(EventConfirmation.id).where(EventConfirmation.event_id == event.id)):
        db.session.add(EventConfirmation(event_id=event.id, by_id=chief.id, at=utcnow()))
    requester = staff.get(Role.ENCRYPTION_JUDGE.value) or staff.get(Role.ORGANISER.value)
    approver = staff.get(Role.SUPERVISOR.value) or chief
    if requester and approver and not db.session.scalar(select(Decryption.id).where(Decryption.event_id == event.id)):
        db.session.add(Decryption(event_id=event.id, requested_by=requester.id, requested_at=utcnow(),
                                  approved_by=approver.id, approved_at=utcnow()))
    db.session.flush()


def chief_of(event: Event) -> User | None:
    return db.session.scalar(select(User).join(JudgeAssignment, JudgeAssignment.user_id == User.id)
                             .where(JudgeAssignment.event_id == event.id, JudgeAssignment.is_chief.is_(True)))


def score_event(event: Event, totals: list, judge_username: str | None = None,
                registrations: list[int] | None = None) -> list[int]:
    """Tests: a one-aspect scheme for the event and marks giving its first confirmed contestants (or these
    registrations) these totals, in order. Returns the registration ids that got marks."""
    from scoring.schemes import scheme_for

    scheme = scheme_for(event.id)
    if scheme is None or len(scheme.criteria) != 1 or len(scheme.criteria[0].subs[0].aspects) != 1:
        simple_scheme(event)
    judge = db.session.scalar(select(User).where(User.username == judge_username)) if judge_username else \
        db.session.scalar(select(User).join(JudgeAssignment, JudgeAssignment.user_id == User.id)
                          .where(JudgeAssignment.event_id == event.id, JudgeAssignment.is_chief.is_(False))
                          .order_by(User.username))
    aspect = first_aspect_id(event)
    regs = registrations or [r.id for r in _competing(event)][: len(totals)]
    for reg_id, total in zip(regs, totals, strict=True):
        put_mark(reg_id, aspect, judge.id, Decimal(str(total)))
    return regs


def confirm_and_decrypt(event: Event) -> None:
    _confirm_and_decrypt(event, event.contest)
