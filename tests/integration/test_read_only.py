"""Endpoints declared read-only (``app.readonly``) run in autocommit on PostgreSQL, so they must never write;
and the connection they used goes back to being transactional for the next request."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

import app.api  # noqa: F401 — the modules that declare read-only endpoints, for the parametrisation
import scoring.views  # noqa: F401
from app import access, readonly
from app.demo import DEMO_LOGINS
from app.extensions import db
from tests.support.route_args import for_rule
from tests.support.web import login

WRITES = ("INSERT", "UPDATE", "DELETE")


def _rules(app):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint in readonly.READ_ONLY]
    assert {r.endpoint for r in rules} == readonly.READ_ONLY  # every declared name is a real endpoint
    return rules


def _role_for(endpoint):
    rule = access.ACCESS[endpoint]
    return next((role, username) for role, username in DEMO_LOGINS
                if rule in (access.PUBLIC, access.LOGGED_IN) or role in rule)


@pytest.mark.parametrize("endpoint", sorted(readonly.READ_ONLY))
def test_a_read_only_endpoint_writes_nothing(demo, endpoint):
    rule = next(r for r in _rules(demo) if r.endpoint == endpoint)
    role, username = _role_for(endpoint)
    client = demo.test_client()
    assert login(client, username).status_code == 302
    statements = []

    def spy(_conn, _cursor, statement, *_args):
        statements.append(statement.lstrip().split(None, 1)[0].upper())

    event.listen(db.engine, "before_cursor_execute", spy)
    try:
        r = client.get(rule.build(for_rule(rule, role), append_unknown=False)[1])
    finally:
        event.remove(db.engine, "before_cursor_execute", spy)
    assert r.status_code == 200, (endpoint, r.status_code)
    assert statements, endpoint  # it did read
    assert not [s for s in statements if s in WRITES], (endpoint, statements)


def test_a_save_after_a_read_only_page_is_still_one_transaction(demo, monkeypatch):
    """The tablet reads its sheet (autocommit), then saves a mark that fails after its INSERT: no mark is kept."""
    from scoring import services
    from scoring.models import Mark

    client = demo.test_client()
    assert login(client, "judge-dg-1").status_code == 302
    rule = next(r for r in demo.url_map.iter_rules() if r.endpoint == "api.sheet")
    sheet_url = rule.build(for_rule(rule, None), append_unknown=False)[1]
    sheet = client.get(sheet_url).json
    aspect = next(a for m in sheet["modules"] for a in m["aspects"] if a["kind"] == "measurement")
    event_id = int(sheet_url.split("/")[-2])
    before = db.session.scalar(select(func.count()).select_from(Mark))

    def failing_answer(*_args):  # after the mark's INSERT (and its audit entry), before the commit
        raise OperationalError("INSERT", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(services, "mark_json", failing_answer)
    token = client.get(f"/scoring/sheet/{event_id}").get_data(as_text=True).split('data-csrf="')[1].split('"')[0]
    r = client.post(f"/scoring/sheet/{event_id}/marks", headers={"X-CSRFToken": token},
                    json={"key": "read-only-then-save-01", "aspect_id": aspect["id"],
                          "code": sheet["contestants"][0], "value": "1"})
    assert r.status_code == 503
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Mark)) == before
