"""Logging in and out. Thin views: load, check, call one service, commit once."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from app import audit
from app.extensions import db, limiter, login_manager
from app.forms import LoginForm, PasswordForm
from app.models import User
from app.timeutil import utcnow

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(token: str) -> User | None:
    user_id, _sep, version = token.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version):
        return None
    return user


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def safe_next(target: str | None) -> str | None:
    """Only local paths: a crafted ?next= must not send a judge to another site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data.strip()))
        if user is None or not user.check_password(form.password.data) or not user.active:
            # One message for unknown users and wrong passwords: it must not reveal which accounts exist.
            form.password.errors.append(_("用户名或密码不正确"))
            return render_template("auth/login.html", form=form), 200
        lang = session.get("lang")
        session.clear()  # a fresh session on login: a fixed cookie from before can't ride along
        if lang:
            session["lang"] = lang
        login_user(user)
        user.last_login_at = utcnow()
        audit.record("login", user, user=user)
        db.session.commit()
        return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
    if request.method == "GET" and request.args.get("next"):
        flash(_("请先登录。"), "info")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    session.clear()
    flash(_("您已退出登录。"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_("当前密码不正确"))
        else:
            current_user.set_password(form.new.data)
            current_user.session_version += 1  # other devices' sessions end here
            audit.record("password_change", current_user)
            db.session.commit()
            login_user(current_user)
            flash(_("密码已修改，其他设备上的登录已失效。"), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/password.html", form=form)
