"""Helpers for driving the app through the test client as a person would: with CSRF tokens."""

from __future__ import annotations

import re

from app.demo import DEMO_PASSWORD

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = TOKEN.search(html)
    if match is None and not client.application.config.get("WTF_CSRF_ENABLED", True):
        return ""  # the nocsrf fixture: forms render no token
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, username: str, password: str = DEMO_PASSWORD, follow: bool = False):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       follow_redirects=follow)


def post_form(client, path: str, data: dict, form_page: str | None = None, **kw):
    """POST a form with a token taken from the page that shows it (``form_page``, else ``path``)."""
    token = csrf_token(client, form_page or path)
    return client.post(path, data={**data, "csrf_token": token}, **kw)
