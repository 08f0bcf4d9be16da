"""Judges: assignment to events and marking teams, declared relationships, recusal conflicts (organiser).

The assignment screen shows a judge's conflicts before saving: the first POST previews them, and only a
second POST with ``confirm=1`` assigns a judge who has conflicts (the score sheet refuses recused marks
anyway).

Login cards (``app.login_cards``): the organiser prints one-time QR login cards for the event's judges. The
print page is the POST's response (the secrets exist only there, never stored), not cached.
"""

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app import access, login_cards
from app.access import ORG, require_contest
from app.card_forms import IssueCardsForm, RevokeCardsForm
from app.extensions import db
from app.models import User
from contests import judges
from contests.models import Event
from scoring.forms import ActionForm

bp = Blueprint("judges", __name__, template_folder="templates", url_prefix="/judges")

access.declare({
    "judges.index": frozenset({ORG}),
    "judges.event": frozenset({ORG}),
    "judges.assign": frozenset({ORG}),
    "judges.unassign": frozenset({ORG}),
    "judges.team": frozenset({ORG}),
    "judges.team_member": frozenset({ORG}),
    "judges.relationship": frozenset({ORG}),
    "judges.cards": frozenset({ORG}),
    "judges.cards_print": frozenset({ORG}),
    "judges.cards_revoke": frozenset({ORG}),
})


def _event(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None:
        abort(404)
    require_contest(event.contest_id)
    return event


def _int(name: str) -> int | None:
    value = request.form.get(name, "")
    return int(value) if value.isdigit() else None


@bp.route("/")
def index():
    q = select(Event).order_by(Event.contest_id, Event.position)
    if current_user.contest_id:
        q = q.where(Event.contest_id == current_user.contest_id)
    events = list(db.session.scalars(q))
    counts = {e.id: len(judges.assignments(e)) for e in events}
    return render_template("contests/judges/index.html", events=events, counts=counts)


def _page(event: Event, preview=None, status: int = 200):
    assigned = judges.assignments(event)
    conflicts = judges.recusals(event, [u.id for _a, u, _p in assigned])
    regs = {r.id: r for r in judges.contestants(event)}
    assigned_ids = {u.id for _a, u, _p in assigned}
    return render_template(
        "contests/judges/event.html", event=event, assigned=assigned, conflicts=conflicts, regs=regs,
        candidates=[u for u in judges.assignable_judges(event) if u.id not in assigned_ids],
        teams=judges.teams(event), relationships=judges.relationships(event), preview=preview, form=ActionForm(),
    ), status


@bp.route("/event/<int:event_id>")
def event(event_id: int):
    return _page(_event(event_id))


def _done(ev: Event, message: str):
    flash(message, "success")
    return redirect(url_for("judges.event", event_id=ev.id))


def _refused(ev: Event, message: str):
    db.session.rollback()
    flash(message, "error")
    return redirect(url_for("judges.event", event_id=ev.id))


@bp.route("/event/<int:event_id>/assign", methods=["POST"])
def assign(event_id: int):
    ev = _event(event_id)
    user_id = _int("user_id")
    if not ActionForm().validate_on_submit() or user_id is None:
        return _refused(ev, _("请选择裁判员"))
    is_chief = request.form.get("is_chief") == "1"
    if request.form.get("confirm") != "1":
        found = judges.recusals(ev, [user_id])[user_id]
        if found:
            user = db.session.get(User, user_id)
            regs = {r.id: r for r in judges.contestants(ev)}
            preview = {"user": user, "is_chief": is_chief,
                       "conflicts": [(regs[rid], reasons) for rid, reasons in found.items() if rid in regs]}
            return _page(ev, preview=preview)
    try:
        judges.assign(ev, user_id, is_chief)
        db.session.commit()
    except judges.JudgesError as err:
        return _refused(ev, str(err))
    return _done(ev, _("已分配。"))


@bp.route("/event/<int:event_id>/unassign", methods=["POST"])
def unassign(event_id: int):
    ev = _event(event_id)
    user_id = _int("user_id")
    if not ActionForm().validate_on_submit() or user_id is None:
        return _refused(ev, _("请选择裁判员"))
    try:
        judges.unassign(ev, user_id)
        db.session.commit()
    except judges.JudgesError as err:
        return _refused(ev, str(err))
    return _done(ev, _("已取消分配。"))


@bp.route("/event/<int:event_id>/teams", methods=["POST"])
def team(event_id: int):
    ev = _event(event_id)
    if not ActionForm().validate_on_submit():
        return _refused(ev, _("页面已过期，请刷新后重试"))
    try:
        judges.create_team(ev, request.form.get("name", ""))
        db.session.commit()
    except judges.JudgesError as err:
        return _refused(ev, str(err))
    return _done(ev, _("评分组已建立。"))


@bp.route("/event/<int:event_id>/teams/member", methods=["POST"])
def team_member(event_id: int):
    ev = _event(event_id)
    team_id, user_id = _int("team_id"), _int("user_id")
    if not ActionForm().validate_on_submit() or team_id is None or user_id is None:
        return _refused(ev, _("请选择评分组和裁判员"))
    try:
        judges.set_member(ev, team_id, user_id, request.form.get("action") != "remove")
        db.session.commit()
    except judges.JudgesError as err:
        return _refused(ev, str(err))
    return _done(ev, _("评分组成员已更新。"))


@bp.route("/event/<int:event_id>/relationships", methods=["POST"])
def relationship(event_id: int):
    ev = _event(event_id)
    judge_id, reg_id = _int("judge_id"), _int("registration_id")
    if not ActionForm().validate_on_submit() or judge_id is None or reg_id is None:
        return _refused(ev, _("请选择裁判员和选手"))
    try:
        judges.declare_relationship(ev, judge_id, reg_id, request.form.get("note", ""), current_user)
        db.session.commit()
    except judges.JudgesError as err:
        return _refused(ev, str(err))
    return _done(ev, _("关系已申报，该裁判将回避这名选手。"))


# -- login cards -----------------------------------------------------------------------------------------

def _issue_form(ev: Event) -> IssueCardsForm:
    form = IssueCardsForm()
    form.validity.choices = login_cards.validity_choices(ev.contest)
    return form


def _cards_refused(ev: Event, message: str):
    db.session.rollback()
    flash(message, "error")
    return redirect(url_for("judges.cards", event_id=ev.id))


@bp.route("/event/<int:event_id>/cards")
def cards(event_id: int):
    ev = _event(event_id)
    return render_template("contests/judges/cards.html", event=ev, states=login_cards.overview(ev),
                           form=_issue_form(ev), revoke_form=RevokeCardsForm(), status=login_cards.status)


@bp.route("/event/<int:event_id>/cards/print", methods=["POST"])
def cards_print(event_id: int):
    ev = _event(event_id)
    form = _issue_form(ev)
    if not form.validate_on_submit():
        return _cards_refused(ev, _("请选择登录卡的有效期后重新打印"))
    try:
        issued = login_cards.issue(ev, current_user, login_cards.expiry_for(ev.contest, form.validity.data),
                                   user_id=form.user_id.data)
        db.session.commit()
    except login_cards.CardRefused as err:
        return _cards_refused(ev, err.message)
    base = (current_app.config.get("PUBLIC_BASE_URL") or request.host_url).rstrip("/")
    printed = []
    for item in issued:
        url = base + url_for("auth.card_login", token=item.token)
        printed.append({"item": item, "url": url, "qr": login_cards.qr_data_uri(url),
                        "role": login_cards.role_label(item.is_chief)})
    code_url = (urlsplit(base).netloc or base) + url_for("auth.card_code")
    response = make_response(render_template("contests/judges/cards_print.html", event=ev, printed=printed,
                                             code_url=code_url))
    response.headers["Cache-Control"] = "no-store"  # the page holds the cards' secrets
    return response


@bp.route("/event/<int:event_id>/cards/revoke", methods=["POST"])
def cards_revoke(event_id: int):
    ev = _event(event_id)
    form = RevokeCardsForm()
    if not form.validate_on_submit():
        return _cards_refused(ev, _("页面已过期，请刷新后重试"))
    count = login_cards.revoke(ev, current_user, user_id=form.user_id.data)
    db.session.commit()
    flash(_("已作废 %(n)d 张未使用的登录卡。", n=count), "success")
    return redirect(url_for("judges.cards", event_id=ev.id))
