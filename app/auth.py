"""Logging in and out: with a password, or with a one-time login card (QR code or typed code, see
``app.login_cards``). Thin views: load, check, call one service, commit once."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from app import audit, login_cards, passwords
from app.card_forms import CardCodeForm, CardConfirmForm
from app.extensions import db, limiter, login_manager
from app.forms import LoginForm, NewPasswordForm, PasswordForm
from app.models import User
from app.timeutil import utcnow
from contests.models import Event

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


def start_session(user: User, **how) -> None:
    """Log a user in, the same way for a password and a login card; the caller commits."""
    lang = session.get("lang")
    session.clear()  # a fresh session on login: a fixed cookie from before can't ride along
    if lang:
        session["lang"] = lang
    login_user(user)
    user.last_login_at = utcnow()
    audit.record("login", user, user=user, after=how or None)


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
        start_session(user)
        db.session.commit()
        return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
    if request.method == "GET" and request.args.get("next"):
        flash(_("请先登录。"), "info")
    return render_template("auth/login.html", form=form)


def _private(response):
    """A card's page: never cached, never indexed (its URL is the card's secret)."""
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _card_refused(err: login_cards.CardRefused):
    return _private((render_template("auth/card_refused.html", message=err.message), err.status))


def _card_logged_in(user: User):
    flash(_("欢迎，%(name)s。您已用登录卡登录。", name=user.display_name), "success")
    return redirect(url_for("main.home"))


@bp.route("/login/card/<token>", methods=["GET", "POST"])
def card_login(token: str):
    """The URL in a card's QR code. GET only shows whose card it is; the button (POST) uses the card."""
    form = CardConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return _card_refused(login_cards.CardRefused(_("页面已过期，请重新扫描登录卡"), 400))
        try:
            _card, user = login_cards.consume(token=token, ip=request.remote_addr or "")
        except login_cards.CardRefused as err:
            db.session.rollback()
            return _card_refused(err)
        start_session(user, via="login_card")
        db.session.commit()
        return _card_logged_in(user)
    try:
        card, user = login_cards.peek(token)
    except login_cards.CardRefused as err:
        return _card_refused(err)
    if current_user.is_authenticated and current_user.id == user.id:
        flash(_("您已登录，这张登录卡仍可使用。"), "info")  # don't burn the card for nothing
        return redirect(url_for("main.home"))
    event = card.event_id and db.session.get(Event, card.event_id)
    return _private(render_template("auth/card_confirm.html", form=form, user=user, event=event))


@bp.route("/login/card", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def card_code():
    """The typed code of a card, for when the tablet's camera cannot read the QR code."""
    form = CardCodeForm()
    if form.validate_on_submit():
        try:
            _card, user = login_cards.consume(code=form.code.data, ip=request.remote_addr or "")
        except login_cards.CardRefused as err:
            db.session.rollback()
            form.code.errors.append(err.message)
            return _private((render_template("auth/card_code.html", form=form), err.status))
        start_session(user, via="login_card")
        db.session.commit()
        return _card_logged_in(user)
    return _private(render_template("auth/card_code.html", form=form))


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


def staff_reset_page(account: User, back: str, where: str):
    """The page where staff set a new password for ``account`` (someone who forgot theirs). The caller has
    resolved the account and checked that this user may reach it; ``back`` is where to return."""
    form = NewPasswordForm()
    if form.validate_on_submit():
        passwords.reset(account, form.new.data, by=current_user)
        db.session.commit()
        flash(_("已为“%(username)s”设置新密码，其原有登录已全部失效。请当面或电话告知本人，并提醒其登录后修改密码。",
                username=account.username), "success")
        return redirect(back)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/password_reset.html", form=form, account=account, back=back, where=where), status
