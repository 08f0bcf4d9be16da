"""Helpers for the judging tests: the demo with marking schemes, teams and draws; tablet-style JSON posts."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select

from app.extensions import db
from app.models import User
from contests.models import Event
from tests.support.web import login

CSRF = re.compile(r'data-csrf="([^"]+)"')


def load_judging() -> None:
    from scoring.demo import load_demo_judging

    load_demo_judging()
    db.session.commit()


def undraw(event_obj: Event) -> Event:
    """The demo runs every draw; tests of the draw itself start from an event whose draw has not happened."""
    from sqlalchemy import delete

    from contests.judging_models import DrawResult, EventDraw

    db.session.execute(delete(DrawResult).where(DrawResult.event_id == event_obj.id))
    db.session.execute(delete(EventDraw).where(EventDraw.event_id == event_obj.id))
    db.session.commit()
    return event_obj


def event(code: str = "DG") -> Event:
    return db.session.scalar(select(Event).where(Event.code == code).order_by(Event.id))


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def key() -> str:
    return uuid.uuid4().hex


def tablet(client, username: str | None, event_id: int) -> str:
    """Log in (unless ``username`` is None) and open the sheet as a tablet does; returns the CSRF token for
    the X-CSRFToken header."""
    if username is not None:
        assert login(client, username).status_code == 302
    html = client.get(f"/scoring/sheet/{event_id}").get_data(as_text=True)
    match = CSRF.search(html)
    assert match, html[:500]
    return match.group(1)


def post_mark(client, event_id: int, token: str, **payload):
    payload.setdefault("key", key())
    payload.setdefault("device", "tablet-A")
    return client.post(f"/scoring/sheet/{event_id}/marks", json=payload, headers={"X-CSRFToken": token})


def state(client, event_id: int) -> dict:
    return client.get(f"/scoring/sheet/{event_id}/state").get_json()


def aspect(state_json: dict, code: str) -> dict:
    return next(a for m in state_json["modules"] for a in m["aspects"] if a["code"] == code)


def fill(event_obj, value_for=None, sign: bool = True) -> int:
    """Every marking judge enters every aspect for every contestant they may mark (through the service), and
    signs; ``value_for(judge_username, code, aspect)`` chooses the value (default: a valid middle value)."""
    from decimal import Decimal

    from scoring import services
    from scoring.txn import commit_with_retry

    saved = 0
    for judge in services.event_judges(event_obj.id):
        scope = services.scope_for(judge, event_obj)
        for code in sorted(scope.codes.values()):
            for a in scope.aspects:
                if value_for:
                    value = value_for(judge.username, code, a)
                elif a.kind == "judgement":
                    value = "2"
                elif a.kind == "pass_fail":
                    value = "1"
                else:
                    value = str((Decimal(a.maximum) / 2).quantize(Decimal(1)))
                commit_with_retry(lambda j=judge, c=code, asp=a, v=value: services.save_mark(
                    j, event_obj, {"key": key(), "code": c, "aspect_id": asp.id, "value": v, "device": "fill"}))
                saved += 1
            if sign:
                for c in scope.criteria:
                    services.sign_sheet(judge, event_obj, code, c.id)
                    db.session.commit()
    return saved
