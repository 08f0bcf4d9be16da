"""URL arguments of the registration pages: each role gets an object of its own."""

from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.roles import Role
from contests.models import Contest, Delegation, Registration


def _reg_id(role):
    fp = select(Contest.id).where(Contest.code == "FP2020").scalar_subquery()
    query = select(Registration.id).where(Registration.contest_id == fp).order_by(Registration.id)
    if role is Role.CONTESTANT:
        user_id = db.session.scalar(select(User.id).where(User.username == "contestant"))
        query = query.where(Registration.user_id == user_id)
    elif role is Role.DELEGATION:
        query = query.join(Delegation).where(Delegation.code == "45")
    return db.session.scalar(query)


RESOLVERS = {
    "reg_id": _reg_id,
    "action": lambda role: "submit",
    "kind": lambda role: "photo",
}
