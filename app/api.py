"""The JSON API, version 1 (``/api/v1/…``), described by ``/api/v1/openapi.json``.

Clients authenticate with a bearer token from ``POST /api/v1/tokens`` (or ``flask api token``). A token names
its user and the scopes it may use, a subset of what the user's role allows; changing the password ends every
token (the token carries the account's session version). Which role may call which endpoint is the same
access matrix as for pages (``app/access.py``).
"""

from __future__ import annotations

import time

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, select

from app import access, readonly
from app.access import DEL, JUDGE, LOGGED_IN, PUBLIC
from app.extensions import csrf, db, limiter, login_manager
from app.i18n import translate
from app.models import Account, User
from app.roles import Role

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens, not cookies; cookie-authenticated writes are checked in ``guard``

TOKEN_DAYS = 30
ROLE_SCOPES: dict[Role, set[str]] = {
    Role.ORGANISER: {"results:read", "registrations:read"},
    Role.DELEGATION: {"results:read", "registrations:read"},
    Role.CHIEF_JUDGE: {"results:read", "marks:read", "marks:write"},
    Role.JUDGE: {"results:read", "marks:read", "marks:write"},
    Role.ENCRYPTION_JUDGE: {"results:read"},
    Role.SUPERVISOR: {"results:read", "marks:read"},
    Role.CONTESTANT: {"results:read"},
}
SCOPE_OF: dict[str, str] = {}  # endpoint -> scope it needs

access.declare({
    "api.openapi": PUBLIC,
    "api.tokens": PUBLIC,
    "api.me": LOGGED_IN,
    "api.registrations": frozenset({DEL}),
    "api.results": PUBLIC,
    "api.sheet": frozenset({JUDGE}),
    "api.save_mark": frozenset({JUDGE}),
})


readonly.declare("api.me", "api.registrations", "api.results", "api.sheet")


def needs(scope: str):
    def mark(view):
        SCOPE_OF[f"{bp.name}.{view.__name__}"] = scope
        return view
    return mark


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="saiwu-api-token")


def issue_token(user: User, scopes: set[str] | None = None) -> tuple[str, list[str]]:
    allowed = ROLE_SCOPES[user.role_enum]
    granted = sorted(allowed if scopes is None else scopes & allowed)
    return _serializer().dumps({"uid": user.id, "v": user.session_version, "scopes": granted}), granted


class TokenUser(Account):
    """Who a bearer token speaks for: the account's columns, read with one Core query, not an ORM ``User``.

    A token is signed in on every request, and for judges that is every save: loading the whole ORM account was
    a seventh of a save's CPU (callgrind: 5.61 M instructions a save, 4.80 M without it). The API's views and
    services read the account and never change it, so a plain object serves; it is not in the session, so
    nothing can write it by accident. It has the ``User`` attributes they read.
    """

    COLUMNS = ("id", "username", "display_name", "role", "contest_id", "delegation_id", "active", "session_version")

    def __init__(self, row) -> None:
        self.__dict__.update(zip(self.COLUMNS, row, strict=True))

    def __repr__(self) -> str:
        return f"<TokenUser {self.username} {self.role}>"


_ACCOUNTS = User.__table__
_ACCOUNT = select(*(_ACCOUNTS.c[name] for name in TokenUser.COLUMNS)).where(_ACCOUNTS.c.id == bindparam("uid"))
_VERIFIED_MAX = 10_000


def token_claims(token: str) -> dict | None:
    """The token's claims if its signature holds and it has not expired.

    A signature once checked is remembered, per app (per secret), so a tablet's every save does not redo the
    HMAC and the JSON; expiry is still checked each time, and revocation (``session_version``) is read from the
    account on every request, as before.
    """
    verified: dict[str, tuple[dict, float]] = current_app.extensions.setdefault("saiwu_api_tokens", {})
    hit = verified.get(token)
    if hit is None:
        try:
            data, signed_at = _serializer().loads(token, max_age=TOKEN_DAYS * 86400, return_timestamp=True)
        except (BadSignature, SignatureExpired):
            return None
        if not isinstance(data, dict):
            return None
        if len(verified) >= _VERIFIED_MAX:  # a flood of distinct tokens must not grow the process
            verified.clear()
        verified[token] = hit = (data, signed_at.timestamp())
    data, signed_at = hit
    if time.time() - signed_at > TOKEN_DAYS * 86400:
        verified.pop(token, None)
        return None
    return data


@login_manager.request_loader
def load_from_token(req):
    header = req.headers.get("Authorization", "")
    if not req.path.startswith("/api/") or not header.startswith("Bearer "):
        return None
    data = token_claims(header[7:].strip())
    uid = data.get("uid") if data else None
    if not isinstance(uid, int):
        return None
    row = db.session.connection().execute(_ACCOUNT, {"uid": uid}).first()
    user = TokenUser(row) if row is not None else None
    if user is None or not user.active or user.session_version != data.get("v"):
        return None
    g.api_scopes = set(data.get("scopes", []))
    return user


@bp.before_request
def guard():
    """Scopes for token users; CSRF for cookie users who write through the API (e.g. the tablet sheet)."""
    scope = SCOPE_OF.get(request.endpoint or "")
    if "api_scopes" in g:
        if scope and scope not in g.api_scopes:
            return jsonify(error=_("令牌权限不足"), message=_("这个令牌没有 %(scope)s 权限", scope=scope),
                           status=403), 403
    elif current_user.is_authenticated and request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    return None


@bp.route("/openapi.json")
def openapi():
    from app.openapi import spec

    return jsonify(spec())


@bp.route("/tokens", methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
def tokens():
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("username"), str) or \
            not isinstance(body.get("password"), str):
        return jsonify(error=_("请求无效"), message=_("请以 JSON 提交 username 和 password"), status=400), 400
    scopes = body.get("scopes")
    if scopes is not None and (not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes)):
        return jsonify(error=_("请求无效"), message=_("scopes 应为字符串列表"), status=400), 400
    user = db.session.scalar(select(User).where(User.username == body["username"][:64]))
    if user is None or not user.active or not user.check_password(body["password"][:200]):
        return jsonify(error=_("登录失败"), message=_("用户名或密码不正确"), status=401), 401
    token, granted = issue_token(user, set(scopes) if scopes is not None else None)
    return jsonify(token=token, scopes=granted, expires_in=TOKEN_DAYS * 86400, role=user.role), 201


@bp.route("/me")
def me():
    scopes = sorted(g.api_scopes) if "api_scopes" in g else sorted(ROLE_SCOPES[current_user.role_enum])
    return jsonify(username=current_user.username, role=current_user.role, scopes=scopes)


@bp.route("/registrations")
@needs("registrations:read")
def registrations():
    """The delegation organiser's own delegation's registrations; numbers masked."""
    from contests.idnumber import mask_id, mask_phone
    from contests.models import Registration

    rows = db.session.scalars(select(Registration).where(Registration.delegation_id == current_user.delegation_id)
                              .order_by(Registration.id)).all()
    return jsonify(registrations=[{
        "id": r.id, "name": r.name, "event": r.event.name, "group": r.group.name, "status": r.status,
        "status_reason": r.status_reason, "id_number": mask_id(r.id_number), "mobile": mask_phone(r.mobile),
    } for r in rows])


def _error(message: str, status: int, **extra):
    """A JSON error; ``message`` may be a rules-core :class:`~app.text.Msg`, translated here."""
    message = translate(message)
    return jsonify(error=message, message=message, status=status, **extra), status


@bp.route("/results/<code>")
def results(code: str):
    """Published results of a contest (announced, public display or final): never ID or phone numbers."""
    from contests.models import Contest
    from scoring import publication

    contest = db.session.scalar(select(Contest).where(Contest.code == code[:32]))
    if contest is None:
        return _error(_("没有这个比赛"), 404)
    return jsonify(contest={"code": contest.code, "name": contest.name}, events=[{
        "code": event.code, "name": event.name, "state": settings.publication,
        "results": [{"rank": r.rank, "name": r.name, "delegation": r.delegation, "group": r.group,
                     "total": r.total, "scale": r.scale, "award": r.award, "title": r.title}
                    for r in publication.public_rows(event)],
    } for event, settings in publication.published_events(contest)])


def _judging_event(event_id: int):
    from contests.models import Event

    event = db.session.get(Event, event_id)
    if event is None or current_user.contest_id not in (None, event.contest_id):
        return None
    return event


@bp.route("/events/<int:event_id>/sheet")
@needs("marks:read")
def sheet(event_id: int):
    """The judge's own sheet: aspects, contestant codes (never names) and their current marks."""
    from scoring import services
    from scoring.services import JudgingError

    event = _judging_event(event_id)
    if event is None:
        return _error(_("没有这个项目"), 404)
    try:
        return jsonify(services.sheet_state(current_user, event))
    except JudgingError as err:
        db.session.rollback()
        return _error(err.message, err.status, field=err.field)


@bp.route("/events/<int:event_id>/marks", methods=["POST"])
@needs("marks:write")
def save_mark(event_id: int):
    """One mark, exactly once: a retry with the same idempotency key returns the stored version (200)."""
    from scoring import services
    from scoring.services import JudgingError
    from scoring.txn import commit_with_retry

    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return _error(_("请以 JSON 提交评分"), 400)
    user = current_user._get_current_object()
    try:
        # The id, not the event: save_mark reads the event with the rest of what it checks (404 if not ours).
        saved = commit_with_retry(lambda: services.save_mark(user, event_id, payload, request.remote_addr or ""))
    except JudgingError as err:
        db.session.rollback()
        return _error(err.message, err.status, field=err.field)
    body = services.mark_json(saved.mark, str(payload.get("code", "")), saved.created)
    return jsonify(body), 201 if saved.created else 200
