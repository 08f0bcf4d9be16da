"""Anonymity: every page, export and JSON response a judge or chief judge can reach (with the draws done,
marks entered, sheets signed and a recheck drawn) shows codes only, never a contestant's name or ID number.
Also walks every judging route for every role with the judging data loaded (the access matrix walk in
test_access_matrix.py runs on the plain demo)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app import access
from app.demo import DEMO_LOGINS
from app.extensions import db
from app.models import User
from app.roles import Role
from contests.models import Contest, Registration
from scoring import rechecks, schemes, services
from tests.support import judging as J
from tests.support import route_args
from tests.support.web import login

JUDGING_PREFIXES = ("/scoring", "/draw", "/judges")


@pytest.fixture
def judged(demo):
    J.load_judging()
    dg = J.event("DG")
    J.fill(dg)
    rechecks.draw_sheets(J.user("chief-dg"), dg)
    db.session.commit()
    return dg


def _needles() -> dict[str, str]:
    staff = set(db.session.scalars(select(User.display_name)))
    contest = db.session.scalar(select(Contest).where(Contest.code == "FP2020"))
    out = {}
    for name, id_number in db.session.execute(select(Registration.name, Registration.id_number)
                                              .where(Registration.contest_id == contest.id)):
        for text in (id_number, name if name not in staff else None):
            if text:
                out[text] = text
                out[json.dumps(text)[1:-1]] = text  # as it appears inside JSON (\\u escapes)
    return out


def _get_urls(app, role):
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        if not access.allowed(rule.endpoint, role):
            continue
        yield rule.build(route_args.for_rule(rule, role), append_unknown=False)[1]


@pytest.mark.parametrize("username", ["judge-dg-1", "judge-dg-4", "chief-dg"])
def test_judge_facing_responses_contain_no_names_or_id_numbers(app, judged, username):
    dg = judged
    needles = _needles()
    assert len(needles) > 200  # 150 contestants: names and ID numbers, plain and JSON-escaped
    role = Role(J.user(username).role)
    client = app.test_client()
    login(client, username)
    urls = list(_get_urls(app, role))
    scheme = schemes.scheme_for(dg.id)
    code = sorted(services.scope_for(J.user("judge-dg-1"), dg).codes.values())[0]
    for judge in services.event_judges(dg.id):
        for c in scheme.criteria:
            urls.append(f"/scoring/paper/{dg.id}?code={code}&judge_id={judge.id}&criterion_id={c.id}")
    urls.append(f"/scoring/chief/{dg.id}/progress.json")
    seen = 0
    leaks = []
    for url in urls:
        r = client.get(url)
        assert r.status_code < 500, url
        body = r.get_data(as_text=True)
        seen += 1
        leaks += [f"{url}: {needles[n]}" for n in needles if n in body]
    if role is Role.JUDGE:  # a JSON write answers with codes only, too
        token = J.tablet(client, None, dg.id)
        st = J.state(client, dg.id)
        r = J.post_mark(client, dg.id, token, code=st["contestants"][0], aspect_id=999999, value="1")
        leaks += [f"save: {needles[n]}" for n in needles if n in r.get_data(as_text=True)]
    assert seen > 5
    assert leaks == []


def test_every_judging_route_gives_the_status_the_matrix_says_with_judging_data(app, judged, nocsrf):
    failures = []
    for role, username in DEMO_LOGINS:
        client = app.test_client()
        login(client, username)
        for rule in app.url_map.iter_rules():
            if not rule.rule.startswith(JUDGING_PREFIXES) or rule.endpoint.endswith(".static"):
                continue
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                url = rule.build(route_args.for_rule(rule, role), append_unknown=False)[1]
                r = client.open(url, method=method, data={})
                where = f"{method} {url} as {role.value}: {r.status_code}"
                if r.status_code >= 500:
                    failures.append(where)
                elif access.allowed(rule.endpoint, role) and r.status_code in (401, 403):
                    failures.append(where + " (should be allowed)")
                elif not access.allowed(rule.endpoint, role) and r.status_code != 403:
                    failures.append(where + " (should be 403)")
    assert failures == []
