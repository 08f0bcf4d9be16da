"""Appeals: filed in the window by the contestant or their delegation; late ones refused with the deadline;
the arbitration group's decision is recorded, corrected marks are new versions, results are recomputed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit import AuditEntry
from app.extensions import db
from app.models import User
from app.timeutil import utcnow
from contests.models import Registration
from scoring import appeals, results
from scoring.results_demo import score_event
from scoring.results_models import Appeal, StoredResult
from tests.support.web import login, post_form


@pytest.fixture
def app_(demo):
    from scoring.results_views import bp

    if "results" not in demo.blueprints:
        demo.register_blueprint(bp)
    return demo


def _own_registration() -> Registration:
    user = db.session.scalar(select(User).where(User.username == "contestant"))
    return db.session.scalar(select(Registration).where(Registration.user_id == user.id))


def _ended(reg: Registration, hours_ago: float) -> None:
    settings = results.settings_for(reg.event)
    settings.event_ends_at = utcnow() - timedelta(hours=hours_ago)
    db.session.commit()


def test_contestant_appeals_in_the_window_and_late_appeals_are_refused_with_the_deadline(app_):
    reg = _own_registration()
    client = app_.test_client()
    login(client, "contestant")
    assert reg.name in client.get("/results/appeals").get_data(as_text=True)
    _ended(reg, 1)
    r = post_form(client, f"/results/appeals/{reg.id}", {"text": "A1.1 的测量结果有误，请复核"}, follow_redirects=True)
    assert "申诉已提交" in r.get_data(as_text=True)
    appeal = db.session.scalar(select(Appeal))
    assert appeal.registration_id == reg.id and appeal.status == "filed"

    _ended(reg, 3)  # the default window is 2 hours
    r = post_form(client, f"/results/appeals/{reg.id}", {"text": "再次申诉"})
    page = r.get_data(as_text=True)
    due = appeals.beijing_text(appeals.deadline(reg.event))
    assert r.status_code == 422 and "申诉期已于" in page and due in page
    assert db.session.scalar(select(db.func.count(Appeal.id))) == 1


def test_only_own_or_own_delegation_registrations(app_):
    reg = _own_registration()
    other = db.session.scalar(select(Registration).where(Registration.delegation_id != reg.delegation_id,
                                                         Registration.contest_id == reg.contest_id))
    client = app_.test_client()
    login(client, "contestant")
    assert client.get(f"/results/appeals/{other.id}").status_code == 403
    delegation = app_.test_client()
    login(delegation, "deleg-45")
    assert delegation.get(f"/results/appeals/{reg.id}").status_code == 200
    assert delegation.get(f"/results/appeals/{other.id}").status_code == 403


def test_upheld_appeal_corrects_a_mark_and_results_are_recomputed(app_):
    reg = _own_registration()
    event = reg.event
    others = [r.id for r in db.session.scalars(select(Registration).where(
        Registration.event_id == event.id, Registration.status == "confirmed", Registration.id != reg.id))][:2]
    score_event(event, [70, 90, 80], registrations=[reg.id, *others])
    results.on_event_confirmed(event)
    _ended(reg, 1)
    user = db.session.scalar(select(User).where(User.username == "contestant"))
    appeal = appeals.file_appeal(user, reg, "测量有误")
    db.session.commit()

    client = app_.test_client()
    login(client, "supervisor")
    judge = f"judge-{event.code.lower()}-1"
    bad = post_form(client, f"/results/manage/appeal/{appeal.id}",
                    {"outcome": "upheld", "decision": "复核属实", "corrections": f"A1.1 {judge} 250"})
    assert bad.status_code == 422 and "超出范围" in bad.get_data(as_text=True)
    assert db.session.get(Appeal, appeal.id).status == "filed"
    r = post_form(client, f"/results/manage/appeal/{appeal.id}",
                  {"outcome": "upheld", "decision": "复核属实，更正 A1.1", "corrections": f"A1.1 {judge} 99"},
                  follow_redirects=True)
    assert "仲裁结论已记录" in r.get_data(as_text=True)
    db.session.expire_all()
    decided = db.session.get(Appeal, appeal.id)
    assert decided.status == "upheld" and decided.marks_changed == 1
    stored = db.session.scalar(select(StoredResult).where(StoredResult.registration_id == reg.id))
    assert stored.total == 99 and stored.rank == 1
    actions = [a for (a,) in db.session.execute(select(AuditEntry.action).order_by(AuditEntry.id))]
    assert actions[-3:] == ["mark_saved", "appeal_decided", "results_recomputed"]


def test_late_appeal_refused_in_the_service_too(app_):
    reg = _own_registration()
    _ended(reg, 2.5)
    user = db.session.scalar(select(User).where(User.username == "contestant"))
    with pytest.raises(results.ResultsError, match="截止"):
        appeals.file_appeal(user, reg, "迟到的申诉")
