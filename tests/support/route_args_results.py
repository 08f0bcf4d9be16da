"""URL arguments of the results pages, from the demo data: each role reaches an object of its own."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db


def _event_code(role):
    return "DG"


def _appeal_id(role):
    from scoring.results_models import Appeal

    return db.session.scalar(select(Appeal.id).order_by(Appeal.id).limit(1)) or 0


# reg_id: route_args_contests resolves it (the contestant's own; a delegation-45 registration).
RESOLVERS = {"event_code": _event_code, "appeal_id": _appeal_id}
