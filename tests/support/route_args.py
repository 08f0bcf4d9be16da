"""URL arguments for the access-matrix walk: one value per argument name, chosen from the demo data so that
each role reaches an object of its own (its delegation's registration, its assigned event)."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.roles import Role


def for_rule(rule, role: Role | None) -> dict:
    values = {}
    for name in rule.arguments:
        if name not in RESOLVERS:
            raise AssertionError(f"add a value for URL argument {name!r} ({rule.rule}) in tests/support/route_args.py")
        values[name] = RESOLVERS[name](role)
    return values


def _contest_code(role):
    return "FP2020"


def _contest_id(role):
    from contests.models import Contest

    return db.session.scalar(select(Contest.id).where(Contest.code == "FP2020"))


def _event_id(role):
    from contests.models import Event

    return db.session.scalar(select(Event.id).where(Event.code == "DG").order_by(Event.id))


def _filename(role):
    return "css/saiwu.css"


RESOLVERS = {
    "code": _contest_code,
    "contest_code": _contest_code,
    "contest_id": _contest_id,
    "event_id": _event_id,
    "filename": _filename,
}
