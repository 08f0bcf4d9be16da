"""Who may do what: the one access matrix.

Every endpoint of the application is listed here with the roles that may reach it. ``enforce`` runs before
every request: an endpoint missing from the matrix is refused (fail closed), anonymous visitors of a
protected page are sent to log in, and a logged-in user of another role gets 403.

This matrix decides *which pages* a role may open. *Which objects* on them (only one's own delegation,
only one's assigned events) is decided by the services, which scope every query to the user.
``tests/integration/test_access_matrix.py`` walks every route with every role against this table.
"""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_login import current_user

from app.roles import Role

PUBLIC = "public"
LOGGED_IN = frozenset(Role)

ORG, DEL, CHIEF, JUDGE, ENC, SUP, CONT = (Role.ORGANISER, Role.DELEGATION, Role.CHIEF_JUDGE, Role.JUDGE,
                                          Role.ENCRYPTION_JUDGE, Role.SUPERVISOR, Role.CONTESTANT)

ACCESS: dict[str, str | frozenset[Role]] = {
    # app: accounts, home, health
    "static": PUBLIC,
    "main.healthz": PUBLIC,
    "main.readyz": PUBLIC,
    "main.language": PUBLIC,
    "main.index": PUBLIC,
    "auth.login": PUBLIC,
    "auth.card_login": PUBLIC,  # a judge's one-time login card (QR code); GET only looks, POST logs in
    "auth.card_code": PUBLIC,  # the same card's typed code
    "auth.logout": LOGGED_IN,
    "auth.password": LOGGED_IN,
    "main.home": LOGGED_IN,
    "main.audit_log": frozenset({ORG, SUP}),
}


def declare(endpoints: dict[str, str | frozenset[Role]]) -> None:
    """Feature packages add their endpoints here at import, so the matrix stays the one place to look."""
    clash = set(endpoints) & set(ACCESS)
    if clash:
        raise RuntimeError(f"access declared twice: {sorted(clash)}")
    ACCESS.update(endpoints)


def require_contest(contest_id: int) -> None:
    """Staff bound to one contest (``User.contest_id``) reach only its objects: another contest's gives 403."""
    if current_user.contest_id not in (None, contest_id):
        abort(403)


def staff_contest(code: str):
    """The contest by its code for contest staff: 404 for none, 403 for a contest the user is not bound to."""
    from sqlalchemy import select

    from app.extensions import db
    from contests.models import Contest

    contest = db.session.scalar(select(Contest).where(Contest.code == code))
    if contest is None:
        abort(404)
    require_contest(contest.id)
    return contest


def allowed(endpoint: str, role: Role | None) -> bool:
    rule = ACCESS.get(endpoint)
    if rule is None:
        return False
    if rule == PUBLIC:
        return True
    return role is not None and role in rule


def enforce():
    endpoint = request.endpoint
    if endpoint is None:  # no route matched: let the 404/405 handler speak
        return None
    rule = ACCESS.get(endpoint)
    if rule is None:
        abort(403)
    if rule == PUBLIC:
        return None
    if not current_user.is_authenticated:
        if request.path.startswith("/api/"):
            abort(401)
        return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
    if current_user.role_enum not in rule:
        abort(403)
    return None
