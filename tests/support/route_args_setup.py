"""URL arguments of the organiser's setup pages (``contests.setup_views``).

``code`` and ``event_id`` come from route_args.py (FP2020 and its 电工 DG, the demo organiser's own contest).
The group and delegation are FP2020's too, and in use: 电工's group has registrations, the 广西 delegation (45)
approved entries, so the walk's empty POSTs (delete, edit) are refused or change nothing that later routes need.
"""

from sqlalchemy import select

from app.extensions import db
from contests.models import Contest, Delegation, Event, EventGroup


def _fp_id():
    return select(Contest.id).where(Contest.code == "FP2020").scalar_subquery()


def _group_id(role):
    return db.session.scalar(select(EventGroup.id).join(Event).where(Event.contest_id == _fp_id(), Event.code == "DG")
                             .order_by(EventGroup.position, EventGroup.id))


def _delegation_id(role):
    return db.session.scalar(select(Delegation.id).where(Delegation.contest_id == _fp_id(), Delegation.code == "45"))


def _account_id(role):
    from app.models import User

    return db.session.scalar(select(User.id).where(User.username == "deleg-45"))


RESOLVERS = {
    "account_id": _account_id,
    "group_id": _group_id,
    "delegation_id": _delegation_id,
    "direction": lambda role: "down",
}
