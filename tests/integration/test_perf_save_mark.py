"""The tablet's save reads what it checks in one query (``services._SaveContext``): the same answers as the
checks it replaces — ``scope_for`` (assignment, active scheme, the judge's aspects and their modules), the
contestant behind the code, ``judges.recusals``, the sheet's lock, the module's confirmation, ``latest`` and
whether results follow — for every judge, contestant and aspect of the demo contest, with random recusal
facts."""

from __future__ import annotations

import random

from sqlalchemy import select

from app.audit import AuditEntry, verify
from app.extensions import db
from app.models import User
from contests import draw, judges
from contests.judging_models import JudgeRelationship
from contests.models import Contest, Event, JudgeAssignment, JudgeProfile, Registration
from scoring import results, services
from scoring.models import Aspect, MarkingScheme, ModuleConfirmation
from scoring.txn import commit_with_retry
from tests.support import judging as J


def _events() -> list[Event]:
    return list(db.session.scalar(select(Contest).where(Contest.code == "FP2020")).events)


def _randomise_recusal_facts(rng: random.Random, events: list[Event]) -> None:
    regs = list(db.session.scalars(select(Registration).where(Registration.event_id.in_([e.id for e in events]))))
    for profile in db.session.scalars(select(JudgeProfile)):
        roll = rng.random()
        if roll < 0.3:
            profile.unit = f"  {rng.choice(regs).employer.upper()} "  # the same unit, written differently
        elif roll < 0.4:
            profile.unit = ""
        if rng.random() < 0.3:
            profile.delegation_id = rng.choice(regs).delegation_id
    for judge_id in rng.sample(list(db.session.scalars(select(JudgeAssignment.user_id))), 6):
        reg = rng.choice(regs)
        if not db.session.scalar(select(JudgeRelationship.id).where(JudgeRelationship.judge_id == judge_id,
                                                                    JudgeRelationship.registration_id == reg.id)):
            db.session.add(JudgeRelationship(judge_id=judge_id, registration_id=reg.id,
                                             note=rng.choice(["", "亲属", "师生"])))
    drawn = [r for r in regs if r.id in {reg for e in events for reg in draw.codes_for(e.id)}]
    judge_ids = list(db.session.scalars(select(JudgeAssignment.user_id)))
    for reg in rng.sample(drawn, 4):  # no longer a contestant: no recusal, even with a declared relationship
        reg.status = rng.choice(["withdrawn", "approved"])
        for judge_id in judge_ids:
            if not db.session.scalar(select(JudgeRelationship.id).where(
                    JudgeRelationship.judge_id == judge_id, JudgeRelationship.registration_id == reg.id)):
                db.session.add(JudgeRelationship(judge_id=judge_id, registration_id=reg.id, note="亲属"))
    events[0].contest.same_delegation_recusal = rng.random() < 0.5
    db.session.commit()


def _check_every_context(rng: random.Random, events: list[Event]) -> int:
    checked = 0
    outsiders = list(db.session.scalars(select(JudgeAssignment.user_id).where(
        JudgeAssignment.event_id == events[-1].id)))
    for event in events:
        assigned = list(db.session.scalars(select(JudgeAssignment.user_id).where(
            JudgeAssignment.event_id == event.id)))
        aspects = list(db.session.scalars(select(Aspect).join(MarkingScheme, MarkingScheme.id == Aspect.scheme_id)
                                          .where(MarkingScheme.event_id == event.id)))
        foreign = list(db.session.scalars(select(Aspect.id).where(Aspect.id.not_in([a.id for a in aspects]))
                                          .limit(2)))
        codes = draw.codes_for(event.id)
        follows = results.needs_recompute(event)
        for user_id in set(assigned) | set(outsiders[:2]):
            user = db.session.get(User, user_id)
            marking = judges.is_assigned(user.id, event.id, chief=False)
            scope = services.scope_for(user, event) if marking else None
            mine = {a.id: a for a in scope.aspects} if scope else {}
            recused = judges.recusals(event, [user.id])[user.id]
            for code in sorted(codes.values()) + ["无此编号"]:
                registration = draw.registration_for_code(event.id, code)
                for aspect_id in rng.sample([a.id for a in aspects], min(4, len(aspects))) + foreign + [None]:
                    ctx = services._SaveContext.read(user, event.id, aspect_id, J.key(), code)
                    assert (ctx.contest_id, ctx.team_size) == (event.contest_id, event.team_size)
                    assert not ctx.replay
                    if registration is None:
                        assert ctx.registration is None
                    else:
                        assert (ctx.registration.id, ctx.registration.status, ctx.registration.employer,
                                ctx.registration.delegation_id) == (registration.id, registration.status,
                                                                    registration.employer, registration.delegation_id)
                    assert ctx.assigned == marking
                    assert ctx.scheme_status == "active"
                    if not marking:  # refused before the aspect matters
                        continue
                    assert (ctx.aspect is not None) == (aspect_id in mine), (user.username, aspect_id)
                    if ctx.aspect is not None:
                        expected = mine[aspect_id]
                        assert (ctx.aspect.code, ctx.aspect.kind, ctx.aspect.maximum, ctx.aspect.step) == \
                            (expected.code, expected.kind, expected.maximum, expected.step)
                        assert ctx.criterion_id == expected.sub.criterion_id
                        sheet = services.sheet_of(registration.id, user.id, expected.sub.criterion_id) \
                            if registration else None
                        assert ctx.sheet_id == (sheet.id if sheet else None)
                        assert ctx.sheet_status == (sheet.status if sheet else None)
                        assert ctx.module_confirmed == bool(db.session.scalar(select(ModuleConfirmation.id).where(
                            ModuleConfirmation.criterion_id == expected.sub.criterion_id)))
                        current = services.latest(registration.id, aspect_id, user.id) if registration else None
                        if current is None:
                            assert ctx.current is None
                        else:
                            assert (ctx.current.id, ctx.current.version, ctx.current.value, ctx.current.device,
                                    ctx.current.created_at) == (current.id, current.version, current.value,
                                                                current.device, current.created_at)
                    if registration is not None:
                        assert ctx.recusal == recused.get(registration.id, []), (user.username, code)
                    assert ctx.results_follow == follows
                    checked += 1
    return checked


def test_the_save_context_answers_as_the_checks_it_replaces(demo):
    rng = random.Random(7)
    events = _events()
    _randomise_recusal_facts(rng, events)
    assert _check_every_context(rng, events) > 500

    # after marks, a signed sheet, a confirmed module and results: still the same answers
    dg = J.event("DG")
    J.fill(dg, sign=False)
    judge = services.event_judges(dg.id)[0]
    scope = services.scope_for(judge, dg)
    code = sorted(scope.codes.values())[0]
    services.sign_sheet(judge, dg, code, scope.criteria[0].id)
    db.session.add(ModuleConfirmation(criterion_id=scope.criteria[-1].id, by_id=judge.id))
    results.recompute_event(dg)
    db.session.commit()
    assert _check_every_context(rng, [dg]) > 50


def test_a_save_after_results_exist_audits_the_mark_then_the_recompute(demo):
    from scoring.results_demo import score_event
    from scoring.results_models import StoredResult

    dg = J.event("DG")
    regs = score_event(dg, [70, 90, 80, 60, 50, 40])
    results.on_event_confirmed(dg)
    db.session.commit()
    judge = services.event_judges(dg.id)[0]  # the judge whose marks score_event stored
    scope = services.scope_for(judge, dg)
    reg, code = next((r, scope.codes[r]) for r in regs if r in scope.codes)
    saved = commit_with_retry(lambda: services.save_mark(judge, dg, {"key": J.key(), "code": code,
                                                                      "aspect_id": scope.aspects[0].id,
                                                                      "value": "99"}))
    assert saved.created and saved.body["version"] == 2 and saved.body["value"] == "99"
    actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(2)))
    assert actions == ["results_recomputed", "mark_saved"]
    assert db.session.scalar(select(StoredResult.rank).where(StoredResult.registration_id == reg)) == 1
    # a replay of the same key: the stored version, nothing written
    again = commit_with_retry(lambda: services.save_mark(judge, dg, {"key": saved.mark.idempotency_key,
                                                                      "code": code, "aspect_id": scope.aspects[0].id,
                                                                      "value": "99"}))
    assert not again.created and again.mark.id == saved.mark.id and again.body["status"] == "replayed"
    assert verify().ok
