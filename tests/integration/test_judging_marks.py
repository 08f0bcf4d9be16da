"""Marks from the tablet: versions, idempotent replays, every refusal (with nothing written), signing and
unlocking, and two devices saving the same mark at once (real threads, separate sessions; on PostgreSQL real
concurrency)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit import AuditEntry
from app.extensions import db
from scoring.models import Mark, ScoreSheet, SheetUnlock
from tests.support import judging as J
from tests.support.web import login


@pytest.fixture
def dg(demo):
    J.load_judging()
    return J.event("DG")


def _marks() -> int:
    return db.session.scalar(select(func.count()).select_from(Mark))


def _first(client, dg, username="judge-dg-1"):
    token = J.tablet(client, username, dg.id)
    st = J.state(client, dg.id)
    return token, st, st["contestants"][0]


def test_a_mark_is_saved_as_version_one_and_a_change_as_version_two(client, dg):
    token, st, code = _first(client, dg)
    a = J.aspect(st, "A1.1")
    r = J.post_mark(client, dg.id, token, code=code, aspect_id=a["id"], value="7.5", base_version=0)
    assert r.status_code == 201 and r.get_json()["version"] == 1
    r2 = J.post_mark(client, dg.id, token, code=code, aspect_id=a["id"], value="8", base_version=1)
    assert r2.status_code == 201 and r2.get_json()["version"] == 2
    rows = db.session.scalars(select(Mark).order_by(Mark.version)).all()
    assert [(str(m.value.normalize()), m.version) for m in rows] == [("7.5", 1), ("8", 2)]
    assert rows[1].previous_id == rows[0].id and rows[0].source == "tablet" and rows[1].ip
    assert J.state(client, dg.id)["marks"][code][str(a["id"])] == {"value": "8", "version": 2}
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "mark_saved")) == 2


def test_each_saved_version_has_an_audit_entry_naming_it_and_the_judge(client, dg):
    """On PostgreSQL the mark and its entry are written by one statement, on SQLite by two: the same entry."""
    import json

    from app.audit import verify

    token, st, code = _first(client, dg)
    a = J.aspect(st, "A1.1")
    J.post_mark(client, dg.id, token, code=code, aspect_id=a["id"], value="7.5", base_version=0)
    J.post_mark(client, dg.id, token, code=code, aspect_id=a["id"], value="8", base_version=1)
    marks = db.session.scalars(select(Mark).order_by(Mark.version)).all()
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "mark_saved")
                                 .order_by(AuditEntry.id)).all()
    assert [(e.object_type, e.object_id) for e in entries] == [("Mark", str(m.id)) for m in marks]
    assert {(e.username, e.role) for e in entries} == {("judge-dg-1", "judge")}
    assert entries[0].ip and entries[0].before == ""
    assert json.loads(entries[1].before) == {"value": "7.5", "version": 1}
    assert {k: json.loads(entries[1].after)[k] for k in ("code", "aspect", "value", "version")} == \
        {"code": code, "aspect": "A1.1", "value": "8", "version": 2}
    assert verify().ok  # sealed into the chain like every other entry


def test_a_retry_with_the_same_key_never_creates_a_second_mark(client, dg):
    token, st, code = _first(client, dg)
    a = J.aspect(st, "A1.1")
    k = J.key()
    first = J.post_mark(client, dg.id, token, key=k, code=code, aspect_id=a["id"], value="5")
    again = J.post_mark(client, dg.id, token, key=k, code=code, aspect_id=a["id"], value="5", queued_ms=60000)
    assert first.status_code == 201 and again.status_code == 200
    assert again.get_json()["status"] == "replayed" and again.get_json()["version"] == 1
    assert _marks() == 1


def _refused(response, status, text):
    body = response.get_json()
    assert response.status_code == status, body
    assert text in body["error"], body["error"]


@pytest.mark.parametrize("value,text", [
    ("10.5", "超出范围 0–10"), ("-1", "超出范围"), ("7.3", "不符合步长 0.5"), ("abc", "不是有效的分数"),
    ("", "请输入分数"), ("NaN", "不是有效的分数"), ("1e999", "超出范围"),
])
def test_bad_values_are_refused_with_a_chinese_message_and_nothing_written(client, dg, value, text):
    token, st, code = _first(client, dg)
    _refused(J.post_mark(client, dg.id, token, code=code, aspect_id=J.aspect(st, "A1.1")["id"], value=value), 422, text)
    assert _marks() == 0


def test_judgement_and_pass_fail_values(client, dg):
    token = J.tablet(client, "judge-dg-5", dg.id)
    st = J.state(client, dg.id)
    code = st["contestants"][0]
    _refused(J.post_mark(client, dg.id, token, code=code, aspect_id=J.aspect(st, "C1.1")["id"], value="4"), 422,
             "超出范围 0–3")
    _refused(J.post_mark(client, dg.id, token, code=code, aspect_id=J.aspect(st, "C1.1")["id"], value="1.5"), 422,
             "不符合步长 1")
    ok = J.post_mark(client, dg.id, token, code=code, aspect_id=J.aspect(st, "C1.1")["id"], value="3")
    assert ok.status_code == 201
    assert _marks() == 1


def test_unassigned_aspect_unknown_code_and_missing_key_are_refused(client, dg):
    token, st, code = _first(client, dg)  # judge-dg-1 is in the measurement team, not the judgement team
    from scoring.models import Aspect

    judgement = db.session.scalar(select(Aspect).where(Aspect.code == "C1.1", Aspect.scheme_id == st_scheme(dg)))
    _refused(J.post_mark(client, dg.id, token, code=code, aspect_id=judgement.id, value="2"), 403, "没有分配给您")
    _refused(J.post_mark(client, dg.id, token, code="XX999", aspect_id=J.aspect(st, "A1.1")["id"], value="2"), 404,
             "不存在")
    _refused(J.post_mark(client, dg.id, token, key="", code=code, aspect_id=J.aspect(st, "A1.1")["id"], value="2"),
             400, "记录编号")
    assert _marks() == 0


def st_scheme(dg):
    from scoring.schemes import scheme_for

    return scheme_for(dg.id).id


def test_a_judge_of_another_event_and_a_missing_csrf_token_are_refused(client, dg):
    token = J.tablet(client, "judge-qg-1", J.event("QG").id)
    r = J.post_mark(client, dg.id, token, code="DG001", aspect_id=1, value="2")
    _refused(r, 403, "没有被分配")
    r = client.post(f"/scoring/sheet/{dg.id}/marks", json={"key": J.key(), "code": "DG001", "aspect_id": 1, "value": 1})
    assert r.status_code == 400
    assert _marks() == 0


def test_a_recused_judge_is_refused_even_if_the_assignment_slipped_through(client, dg):
    from contests.draw import registration_for_code
    from contests.judging_models import JudgeRelationship

    token, st, code = _first(client, dg)
    judge = J.user("judge-dg-1")
    # declared after the assignment, straight into the table: the sheet must still refuse
    db.session.add(JudgeRelationship(judge_id=judge.id, registration_id=registration_for_code(dg.id, code).id,
                                     note="师徒"))
    db.session.commit()
    _refused(J.post_mark(client, dg.id, token, code=code, aspect_id=J.aspect(st, "A1.1")["id"], value="5"), 403,
             "须回避")
    assert code not in J.state(client, dg.id)["contestants"]
    assert _marks() == 0


def test_signed_sheets_are_locked_until_the_chief_unlocks_with_a_reason(client, dg):
    token, st, code = _first(client, dg)
    module_a = st["modules"][0]
    sign = client.post(f"/scoring/sheet/{dg.id}/sign", json={"code": code, "criterion_id": module_a["id"]},
                       headers={"X-CSRFToken": token})
    _refused(sign, 409, "未录入")
    for a in module_a["aspects"]:
        value = "1" if a["kind"] == "pass_fail" else "2"
        assert J.post_mark(client, dg.id, token, code=code, aspect_id=a["id"], value=value).status_code == 201
    sign = client.post(f"/scoring/sheet/{dg.id}/sign", json={"code": code, "criterion_id": module_a["id"]},
                       headers={"X-CSRFToken": token})
    assert sign.status_code == 200
    before = _marks()
    _refused(J.post_mark(client, dg.id, token, code=code, aspect_id=module_a["aspects"][0]["id"], value="3"), 409,
             "已签字锁定")
    assert _marks() == before

    chief = J.user("chief-dg")
    sheet = db.session.scalar(select(ScoreSheet).where(ScoreSheet.status == "signed"))
    chief_client = client.application.test_client()
    login(chief_client, "chief-dg")
    from tests.support.web import csrf_token

    tok = csrf_token(chief_client, f"/scoring/chief/{dg.id}")
    r = chief_client.post(f"/scoring/chief/{dg.id}/unlock",
                          data={"sheet_id": sheet.id, "reason": "改", "csrf_token": tok}, follow_redirects=True)
    assert "原因应为 4–1000 个字" in r.get_data(as_text=True)
    assert db.session.get(ScoreSheet, sheet.id).status == "signed"
    r = chief_client.post(f"/scoring/chief/{dg.id}/unlock",
                          data={"sheet_id": sheet.id, "reason": "裁判录入A1.1时看错刻度", "csrf_token": tok})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(ScoreSheet, sheet.id).status == "open"
    unlock = db.session.scalar(select(SheetUnlock))
    assert unlock.by_id == chief.id and "看错刻度" in unlock.reason
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "sheet_unlocked")) is not None
    again = J.post_mark(client, dg.id, token, code=code, aspect_id=module_a["aspects"][0]["id"], value="3")
    assert again.status_code == 201


def test_a_second_device_replaying_an_old_offline_entry_is_refused(client, dg):
    token, st, code = _first(client, dg)
    a = J.aspect(st, "A1.1")
    # tablet A saved v1 at some point; tablet B (offline for a minute, based on nothing) typed before...
    assert J.post_mark(client, dg.id, token, code=code, aspect_id=a["id"], value="5", device="A").status_code == 201
    # ...tablet A corrected it (v2) just now; B comes back online and replays its entry typed 60 s ago, based on v1
    assert J.post_mark(client, dg.id, token, code=code, aspect_id=a["id"], value="6", device="A",
                       base_version=1).status_code == 201
    old = J.post_mark(client, dg.id, token, code=code, aspect_id=a["id"], value="9", device="B", base_version=1,
                      queued_ms=60_000)
    _refused(old, 409, "较旧的记录没有保存")
    assert _marks() == 2
    # the same device replaying its own queue is fine; a live save racing another device is kept and flagged
    live = J.post_mark(client, dg.id, token, code=code, aspect_id=a["id"], value="7", device="B", base_version=1)
    assert live.status_code == 201 and live.get_json()["conflict"] is True and live.get_json()["version"] == 3


def test_an_entry_typed_after_the_other_device_saved_is_kept_and_flagged(client, dg):
    token, st, code = _first(client, dg)
    a = J.aspect(st, "A1.1")
    assert J.post_mark(client, dg.id, token, code=code, aspect_id=a["id"], value="5", device="A").status_code == 201
    m = db.session.scalar(select(Mark))
    m.created_at = m.created_at - timedelta(minutes=5)  # A's save was long before B's queued entry was typed
    db.session.commit()
    r = J.post_mark(client, dg.id, token, code=code, aspect_id=a["id"], value="6", device="B", base_version=0,
                    queued_ms=60_000)
    assert r.status_code == 201 and r.get_json()["conflict"] is True


# ---------------------------------------------------------------- concurrency

def _race(app, jobs):
    """Run each job in its own thread with its own app context and session, released together."""
    barrier = threading.Barrier(len(jobs))
    results, errors = [None] * len(jobs), []

    def run(i, job):
        with app.app_context():
            try:
                barrier.wait()
                results[i] = job()
            except Exception as err:  # noqa: BLE001 — reported below
                errors.append(err)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    return results


def _saver(event_id, username, payload):
    def job():
        from contests.models import Event
        from scoring import services
        from scoring.txn import commit_with_retry

        judge = J.user(username)
        ev = db.session.get(Event, event_id)
        saved = commit_with_retry(lambda: services.save_mark(judge, ev, dict(payload)))
        return saved.mark.version, saved.created

    return job


def test_two_devices_saving_the_same_mark_at_once_keep_both_versions_and_one_current(app, dg):
    from scoring import services

    judge = J.user("judge-dg-1")
    scope = services.scope_for(judge, dg)
    code, a = sorted(scope.codes.values())[0], scope.aspects[0]
    event_id, aspect_id = dg.id, a.id
    db.session.commit()  # and read nothing more here: an open read transaction would keep an old snapshot
    for round_ in range(3):
        results = _race(app, [
            _saver(event_id, "judge-dg-1", {"key": J.key(), "code": code, "aspect_id": aspect_id, "value": "4",
                                            "device": "A", "base_version": 2 * round_}),
            _saver(event_id, "judge-dg-1", {"key": J.key(), "code": code, "aspect_id": aspect_id, "value": "6",
                                            "device": "B", "base_version": 2 * round_}),
        ])
        assert sorted(v for v, _created in results) == [2 * round_ + 1, 2 * round_ + 2]
    db.session.expire_all()
    versions = db.session.scalars(select(Mark).order_by(Mark.version)).all()
    assert [m.version for m in versions] == [1, 2, 3, 4, 5, 6]  # every version kept, none lost, none doubled
    assert [m.previous_id for m in versions[1:]] == [m.id for m in versions[:-1]]
    current = services.current_marks([aspect_id])
    assert len(current) == 1 and next(iter(current.values())).version == 6


def test_the_same_entry_sent_twice_at_once_is_stored_once(app, dg):
    from scoring import services

    judge = J.user("judge-dg-1")
    scope = services.scope_for(judge, dg)
    code, aspect_id, event_id = sorted(scope.codes.values())[0], scope.aspects[0].id, dg.id
    db.session.commit()  # and read nothing more here: an open read transaction would keep an old snapshot
    payload = {"key": J.key(), "code": code, "aspect_id": aspect_id, "value": "4", "device": "A"}
    results = _race(app, [_saver(event_id, "judge-dg-1", payload) for _ in range(4)])
    assert [v for v, _c in results] == [1, 1, 1, 1]
    assert sorted(c for _v, c in results) == [False, False, False, True]
    db.session.expire_all()
    assert _marks() == 1

