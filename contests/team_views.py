"""Team events: the delegation organiser forms their teams before the draw. Thin views over contests.teams."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from app.access import DEL, declare
from app.extensions import db
from app.i18n import flash
from contests import teams
from contests.models import Delegation, Event, Registration, Team

bp = Blueprint("teams", __name__, template_folder="templates", url_prefix="/contests/teams")

declare({
    "teams.index": frozenset({DEL}),
    "teams.form": frozenset({DEL}),
    "teams.disband": frozenset({DEL}),
})


def _my_delegation() -> Delegation:
    delegation = db.session.get(Delegation, current_user.delegation_id) if current_user.delegation_id else None
    if delegation is None:
        abort(403)
    return delegation


@bp.route("/")
def index():
    own = _my_delegation()
    events = [e for e in own.contest.events if teams.is_team_event(e)]
    rows = []
    for event in events:
        formed = teams.teams_of(event.id, own.id)
        free = list(db.session.scalars(
            select(Registration).where(Registration.event_id == event.id, Registration.delegation_id == own.id,
                                       Registration.team_id.is_(None), Registration.status.in_(teams.TEAM_STATES))
            .order_by(Registration.group_id, Registration.id)))
        rows.append((event, formed, free))
    return render_template("contests/teams/index.html", delegation=own, rows=rows, form=FlaskForm())


@bp.route("/<int:event_id>", methods=["POST"])
def form(event_id: int):
    own = _my_delegation()
    event = db.session.get(Event, event_id)
    if event is None or event.contest_id != own.contest_id:
        abort(404)
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()]
    if not FlaskForm().validate_on_submit():
        flash(_("页面已过期，请刷新后重试"), "error")
        return redirect(url_for("teams.index"))
    try:
        team = teams.form_team(event, own.id, ids, current_user)
    except teams.TeamError as err:
        db.session.rollback()
        flash(str(err), "error")
        return redirect(url_for("teams.index"))
    db.session.commit()
    flash(_("已组成 %(event)s %(n)d 队", event=event.name, n=team.number), "success")
    return redirect(url_for("teams.index"))


@bp.route("/team/<int:team_id>/disband", methods=["POST"])
def disband(team_id: int):
    own = _my_delegation()
    team = db.session.get(Team, team_id)
    if team is None or team.delegation_id != own.id:
        abort(404)  # another delegation's team is not even acknowledged
    if not FlaskForm().validate_on_submit():
        flash(_("页面已过期，请刷新后重试"), "error")
        return redirect(url_for("teams.index"))
    try:
        teams.disband_team(team, current_user)
    except teams.TeamError as err:
        db.session.rollback()
        flash(str(err), "error")
        return redirect(url_for("teams.index"))
    db.session.commit()
    flash(_("团队已解散，成员可重新组队"), "success")
    return redirect(url_for("teams.index"))
