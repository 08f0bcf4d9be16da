"""The draw: two rounds (order, then sealed codes) and the station draw, per event; decryption.

Organiser: round one and the station draw; sees order and stations, never codes before decryption.
Encryption judge: round two; the only one who sees code ↔ person before decryption; asks for decryption.
Supervisor: approves decryption (a second person).
"""

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app import access
from app.access import ENC, ORG, SUP, require_contest
from app.extensions import db
from app.i18n import flash
from contests import draw
from contests.models import Event
from scoring.forms import ActionForm
from scoring.models import EventConfirmation

bp = Blueprint("draw", __name__, template_folder="templates", url_prefix="/draw")

access.declare({
    "draw.index": frozenset({ORG, ENC, SUP}),
    "draw.event": frozenset({ORG, ENC, SUP}),
    "draw.sheet": frozenset({ORG, ENC}),
    "draw.order": frozenset({ORG}),
    "draw.codes": frozenset({ENC}),
    "draw.stations": frozenset({ORG}),
    "draw.decrypt_request": frozenset({ENC}),
    "draw.decrypt_approve": frozenset({SUP}),
})


def _event(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None:
        abort(404)
    require_contest(event.contest_id)
    return event


@bp.route("/")
def index():
    q = select(Event).order_by(Event.contest_id, Event.position)
    if current_user.contest_id:
        q = q.where(Event.contest_id == current_user.contest_id)
    events = list(db.session.scalars(q))
    states = {e.id: draw.state(e) for e in events}
    decryptions = {e.id: draw.decryption(e.id) for e in events}
    return render_template("contests/draw/index.html", events=events, states=states, decryptions=decryptions)


@bp.route("/event/<int:event_id>")
def event(event_id: int):
    ev = _event(event_id)
    rows = draw.sheet_rows(ev, current_user) if current_user.role != SUP else []
    confirmed = db.session.scalar(select(EventConfirmation.id).where(EventConfirmation.event_id == ev.id))
    return render_template("contests/draw/event.html", event=ev, state=draw.state(ev), rows=rows,
                           decryption=draw.decryption(ev.id), confirmed=confirmed is not None, form=ActionForm(),
                           show_codes=draw.may_see_codes(current_user, ev.id))


@bp.route("/event/<int:event_id>/sheet")
def sheet(event_id: int):
    ev = _event(event_id)
    return render_template("contests/draw/sheet.html", event=ev, state=draw.state(ev),
                           rows=draw.sheet_rows(ev, current_user), show_codes=draw.may_see_codes(current_user, ev.id))


def _step(event_id: int, operation, done: str):
    ev = _event(event_id)
    if not ActionForm().validate_on_submit():
        flash(_("页面已过期或缺少安全令牌，请刷新页面后重新提交。"), "error")
        return redirect(url_for("draw.event", event_id=ev.id))
    try:
        operation(ev, current_user)
        db.session.commit()
    except draw.DrawError as err:
        db.session.rollback()
        flash(err.args[0] if err.args else str(err), "error")
    else:
        flash(done, "success")
    return redirect(url_for("draw.event", event_id=ev.id))


@bp.route("/event/<int:event_id>/order", methods=["POST"])
def order(event_id: int):
    return _step(event_id, draw.run_order, _("第一轮（顺序）抽签完成。"))


@bp.route("/event/<int:event_id>/codes", methods=["POST"])
def codes(event_id: int):
    return _step(event_id, draw.run_codes, _("第二轮（加密编号）抽签完成。请打印抽签表并密封保存。"))


@bp.route("/event/<int:event_id>/stations", methods=["POST"])
def stations(event_id: int):
    return _step(event_id, draw.run_stations, _("工位号抽签完成。"))


@bp.route("/event/<int:event_id>/decrypt/request", methods=["POST"])
def decrypt_request(event_id: int):
    return _step(event_id, draw.request_decryption, _("已申请解密，等待监督人员批准。"))


@bp.route("/event/<int:event_id>/decrypt/approve", methods=["POST"])
def decrypt_approve(event_id: int):
    return _step(event_id, draw.approve_decryption, _("已批准解密，本项目编号与选手的对应关系已公开给成绩工作。"))
