"""The JSON API: tokens scoped like the roles, the OpenAPI description, and schemathesis finding no server error."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings

from app.demo import DEMO_PASSWORD
from app.extensions import db
from app.models import User


def token_for(client, username, scopes=None):
    body = {"username": username, "password": DEMO_PASSWORD}
    if scopes is not None:
        body["scopes"] = scopes
    r = client.post("/api/v1/tokens", json=body)
    assert r.status_code == 201, r.json
    return r.json["token"]


def test_openapi_is_served(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.") and "/registrations" in spec["paths"]


def test_token_login_refusals(demo, client):
    assert client.post("/api/v1/tokens", json={"username": "deleg-45", "password": "wrong"}).status_code == 401
    r = client.post("/api/v1/tokens", data="not json", content_type="application/json")
    assert r.status_code == 400 and "JSON" in r.json["message"]


def test_delegation_sees_only_its_own_registrations_masked(demo, client):
    token = token_for(client, "deleg-45")
    r = client.get("/api/v1/registrations", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    rows = r.json["registrations"]
    assert rows and all("********" in row["id_number"] and "****" in row["mobile"] for row in rows)
    from contests.models import Delegation, Registration

    own = db.session.scalar(db.select(Delegation).where(Delegation.code == "45"))
    ids = {row["id"] for row in rows}
    assert all(db.session.get(Registration, i).delegation_id == own.id for i in ids)


def test_scopes_are_a_subset_of_the_role(demo, client):
    r = client.post("/api/v1/tokens", json={"username": "deleg-45", "password": DEMO_PASSWORD,
                                            "scopes": ["results:read", "marks:write"]})
    assert r.json["scopes"] == ["results:read"]  # marks:write is not a delegation's to give
    narrow = r.json["token"]
    r = client.get("/api/v1/registrations", headers={"Authorization": f"Bearer {narrow}"})
    assert r.status_code == 403 and "registrations:read" in r.json["message"]


def test_other_roles_and_anonymous_are_refused(demo, client):
    judge = token_for(client, "judge-dg-1")
    assert client.get("/api/v1/registrations", headers={"Authorization": f"Bearer {judge}"}).status_code == 403
    assert client.get("/api/v1/registrations").status_code == 401
    assert client.get("/api/v1/registrations", headers={"Authorization": "Bearer forged"}).status_code == 401


def test_password_change_ends_tokens(demo, client):
    token = token_for(client, "deleg-45")
    user = db.session.scalar(db.select(User).where(User.username == "deleg-45"))
    user.session_version += 1
    db.session.commit()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_used_token_still_ends_with_its_account_and_its_time(demo, client, monkeypatch):
    """A token's signature is remembered once checked; its account (deactivated) and its age are not."""
    import time

    from app import api

    token = token_for(client, "judge-dg-1")
    me = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=me).json["username"] == "judge-dg-1"  # checked and remembered
    tampered = {"Authorization": f"Bearer {token[:-2]}{'AB' if token[-2:] != 'AB' else 'CD'}"}
    assert client.get("/api/v1/me", headers=tampered).status_code == 401

    later = time.time() + api.TOKEN_DAYS * 86400 + 60
    monkeypatch.setattr(api.time, "time", lambda: later)
    assert client.get("/api/v1/me", headers=me).status_code == 401  # expired, though remembered
    monkeypatch.undo()
    fresh = {"Authorization": f"Bearer {token_for(client, 'judge-dg-1')}"}
    assert client.get("/api/v1/me", headers=fresh).status_code == 200

    judge = db.session.scalar(db.select(User).where(User.username == "judge-dg-1"))
    judge.active = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=fresh).status_code == 401  # at once, not after some cache's time


def test_cookie_writes_through_the_api_need_csrf(demo, client):
    from tests.support.web import login

    login(client, "deleg-45")
    assert client.get("/api/v1/me").status_code == 200  # reading with the session is fine
    r = client.post("/api/v1/tokens", json={"username": "deleg-45", "password": DEMO_PASSWORD})
    assert r.status_code == 400  # a write through the cookie session without a CSRF token


def test_api_fuzz_finds_no_server_error(demo):
    """Schemathesis generates requests for every operation of the OpenAPI description (valid and invalid bodies,
    with and without a token); no response is a server error and every response matches the description."""

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", demo)
    client = demo.test_client()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6
    tokens = {u: {"Authorization": f"Bearer {token_for(client, u)}"} for u in ("deleg-45", "judge-dg-1")}
    for headers, operation in [(h, op) for h in tokens.values() for op in operations]:
        _fuzz(operation, headers)


def _fuzz(operation, headers):
    from hypothesis import given

    @given(case=operation.as_strategy())
    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    def check(case):
        response = case.call(headers=headers)
        assert response.status_code < 500, f"{case.method} {case.path}: {response.text}"
        case.validate_response(response)

    check()


def test_public_results_have_no_private_numbers(demo, client):
    from scoring.results_demo import load_demo_results

    load_demo_results()
    db.session.commit()
    r = client.get("/api/v1/results/FP2020")
    assert r.status_code == 200, r.json
    body = r.json
    assert body["events"] and body["events"][0]["results"]
    text = str(body)
    from contests.models import Registration

    for reg in db.session.scalars(db.select(Registration).limit(50)):
        assert reg.id_number not in text and reg.mobile not in text
    assert client.get("/api/v1/results/NOPE").status_code == 404


def test_judge_saves_a_mark_once_through_the_api(demo, client):
    from scoring.models import Mark

    token = token_for(client, "judge-dg-1")
    auth = {"Authorization": f"Bearer {token}"}
    from contests.models import Event

    event = db.session.scalar(db.select(Event).where(Event.code == "DG").order_by(Event.id))
    sheet = client.get(f"/api/v1/events/{event.id}/sheet", headers=auth).json
    aspect = next(a for m in sheet["modules"] for a in m["aspects"] if a["kind"] == "measurement")
    code = sheet["contestants"][0]
    body = {"key": "api-test-0001", "aspect_id": aspect["id"], "code": code, "value": "1"}
    first = client.post(f"/api/v1/events/{event.id}/marks", json=body, headers=auth)
    again = client.post(f"/api/v1/events/{event.id}/marks", json=body, headers=auth)
    assert first.status_code == 201 and again.status_code == 200 and again.json["status"] == "replayed"
    stored = db.select(func_count()).select_from(Mark).where(Mark.idempotency_key == "api-test-0001")
    assert db.session.scalar(stored) == 1
    bad = client.post(f"/api/v1/events/{event.id}/marks", json={**body, "key": "api-test-0002", "value": "999"},
                      headers=auth)
    assert bad.status_code == 422 and "超出范围" in bad.json["message"]
    text = str(sheet)
    from contests.models import Registration

    for reg in db.session.scalars(db.select(Registration).where(Registration.event_id == event.id)):
        assert reg.name not in text and reg.id_number not in text


def test_a_mark_for_a_missing_or_foreign_event_is_refused_and_not_stored(demo, client):
    from contests.models import Event
    from scoring.models import Mark

    judge = db.session.scalar(db.select(User).where(User.username == "judge-dg-1"))
    assert judge.contest_id is not None  # a judge belongs to one contest
    auth = {"Authorization": f"Bearer {token_for(client, 'judge-dg-1')}"}
    own = db.session.scalar(db.select(Event).where(Event.code == "DG", Event.contest_id == judge.contest_id))
    sheet = client.get(f"/api/v1/events/{own.id}/sheet", headers=auth).json
    aspect = next(a for m in sheet["modules"] for a in m["aspects"] if a["kind"] == "measurement")
    foreign = db.session.scalar(db.select(Event).where(Event.contest_id != judge.contest_id).order_by(Event.id))
    missing = db.session.scalar(db.select(db.func.max(Event.id))) + 1
    for event_id in (foreign.id, missing):
        body = {"key": f"api-foreign-{event_id}", "aspect_id": aspect["id"], "code": sheet["contestants"][0],
                "value": "1"}
        r = client.post(f"/api/v1/events/{event_id}/marks", json=body, headers=auth)
        assert r.status_code == 404 and r.json["message"] == "没有这个项目"
        assert db.session.scalar(db.select(func_count()).select_from(Mark)
                                 .where(Mark.idempotency_key == body["key"])) == 0


def func_count():
    from sqlalchemy import func

    return func.count()
