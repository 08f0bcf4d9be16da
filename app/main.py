"""Landing page, each role's home, language choice, health checks and the audit log."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select, text

from app import home
from app.audit import AuditEntry
from app.auth import safe_next
from app.extensions import db
from app.i18n import LANG_COOKIE

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    return render_template("index.html", contests=home.public_contests())


@bp.route("/home", endpoint="home")
def home_page():
    return render_template(f"home/{current_user.role}.html", **home.context_for(current_user))


@bp.route("/language", methods=["GET", "POST"])
def language():
    # A plain link on every page (GET): choosing a language only sets a preference cookie, and without a
    # form the public pages carry no CSRF token, so they need no session and can be served from cache.
    lang = request.values.get("lang", "")
    response = redirect(safe_next(request.values.get("next")) or url_for("main.index"))
    if lang in current_app.config["LANGUAGES"]:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, httponly=True, samesite="Lax")
    return response


@bp.route("/healthz")
def healthz():
    """Liveness: the process answers. It does not touch the database."""
    return jsonify(status="ok")


@bp.route("/readyz")
def readyz():
    """Readiness: the database answers."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.route("/audit")
def audit_log():
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    entries = db.paginate(select(AuditEntry).order_by(AuditEntry.id.desc()), page=page, per_page=50,
                          error_out=False)
    return render_template("audit.html", entries=entries)
