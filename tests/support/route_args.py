"""URL arguments for the access-matrix walk, chosen from the demo data so that each role reaches an object of
its own (its delegation's registration, its assigned event).

Each feature adds its own resolvers in a module ``tests/support/route_args_<feature>.py`` that defines
``RESOLVERS = {"argument_name": callable(role) -> value}``; they are merged here.
"""

from __future__ import annotations

import importlib
import pkgutil

from sqlalchemy import select

import tests.support
from app.extensions import db
from app.roles import Role


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
for info in pkgutil.iter_modules(tests.support.__path__):
    if info.name.startswith("route_args_"):
        RESOLVERS.update(importlib.import_module(f"tests.support.{info.name}").RESOLVERS)


def for_rule(rule, role: Role | None) -> dict:
    values = {}
    for name in rule.arguments:
        if name not in RESOLVERS:
            raise AssertionError(f"add a resolver for URL argument {name!r} ({rule.rule}) in route_args_*.py")
        values[name] = RESOLVERS[name](role)
    return values
