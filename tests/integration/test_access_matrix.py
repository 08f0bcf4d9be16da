"""Walk every registered route with every role (and anonymous) and compare with ``app.access.ACCESS``.

A role the matrix allows must get through (no 401/403, no redirect to the login page, never a 500); a role
it does not allow gets 403; an anonymous visitor of a protected page is sent to log in (401 under /api/).
"""

from __future__ import annotations

import pytest

from app import access
from app.demo import DEMO_LOGINS
from app.roles import Role
from tests.support.web import login

# Values for URL arguments, taken from the demo data (see ``arguments``).
SKIP_ENDPOINTS = {"static"}


def arguments(rule, role) -> dict:
    """URL arguments for a rule, chosen so the role's own objects are used where there are any."""
    from tests.support import route_args

    return route_args.for_rule(rule, role)


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP_ENDPOINTS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_route_is_declared(app):
    undeclared = sorted({r.endpoint for r, _m in _routes(app)} - set(access.ACCESS))
    assert undeclared == [], f"routes missing from app/access.py: {undeclared}"


def test_matrix_names_only_real_routes(app):
    real = {r.endpoint for r in app.url_map.iter_rules()}
    assert sorted(set(access.ACCESS) - real) == []


def _call(client, rule, method, role):
    url = rule.build(arguments(rule, role), append_unknown=False)[1]
    return client.open(url, method=method, data={})


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r.value if r else "anonymous")
def test_every_route_gives_the_status_the_matrix_says(demo, nocsrf, role):
    app = demo
    client = app.test_client()
    if role is not None:
        username = dict(DEMO_LOGINS)[role]
        assert login(client, username).status_code == 302
    failures = []
    for rule, method in _routes(app):
        if rule.endpoint == "auth.logout" and role is not None:
            continue  # would end this walk's session; covered in test_foundation
        r = _call(client, rule, method, role)
        allowed = access.allowed(rule.endpoint, role)
        public = access.ACCESS[rule.endpoint] == access.PUBLIC
        where = f"{method} {rule.rule} as {role.value if role else 'anonymous'}: {r.status_code}"
        if r.status_code >= 500:
            failures.append(f"{where} (server error)")
        elif allowed:
            to_login = r.status_code == 302 and "/login" in r.headers.get("Location", "") and not public
            if r.status_code in (401, 403) or to_login:
                failures.append(f"{where} (should be allowed)")
        elif role is None:
            expected = 401 if rule.rule.startswith("/api/") else 302
            if r.status_code != expected or (expected == 302 and "/login" not in r.headers["Location"]):
                failures.append(f"{where} (anonymous should be sent to log in)")
        elif r.status_code != 403:
            failures.append(f"{where} (should be 403)")
    assert failures == []
