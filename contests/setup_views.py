"""The organiser's setup pages: a contest's facts and rules, its events and groups, its delegations and their
organisers' accounts.

Thin views: load, check the contest belongs to the organiser, validate the form, call one service in
``contests.setup``, commit once. A refusal rolls back and shows each field's message next to it.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.access import ORG, declare, staff_contest
from app.auth import staff_reset_page
from app.extensions import db
from app.forms import show_refusal
from app.i18n import flash
from app.models import User
from app.roles import Role
from contests import services, setup
from contests.forms import (
    ButtonForm,
    ContestSettingsForm,
    DelegationAccountForm,
    DelegationForm,
    EventForm,
    GroupForm,
)
from contests.models import Contest, Delegation, Event, EventGroup

bp = Blueprint("setup", __name__, template_folder="templates", url_prefix="/setup")

declare({
    "setup.index": frozenset({ORG}),
    "setup.contest_new": frozenset({ORG}),
    "setup.contest": frozenset({ORG}),
    "setup.contest_edit": frozenset({ORG}),
    "setup.event_new": frozenset({ORG}),
    "setup.event_edit": frozenset({ORG}),
    "setup.event_move": frozenset({ORG}),
    "setup.event_delete": frozenset({ORG}),
    "setup.group_new": frozenset({ORG}),
    "setup.group_edit": frozenset({ORG}),
    "setup.group_delete": frozenset({ORG}),
    "setup.delegation_new": frozenset({ORG}),
    "setup.delegations_from_regions": frozenset({ORG}),
    "setup.delegation_edit": frozenset({ORG}),
    "setup.delegation_account": frozenset({ORG}),
    "setup.delegation_password": frozenset({ORG}),
})

T = "contests/setup/"


# -- helpers -------------------------------------------------------------------------------------------

def _event(contest: Contest, event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None or event.contest_id != contest.id:
        abort(404)
    return event


def _group(contest: Contest, group_id: int) -> EventGroup:
    group = db.session.get(EventGroup, group_id)
    if group is None or group.event.contest_id != contest.id:
        abort(404)
    return group


def _delegation(contest: Contest, delegation_id: int) -> Delegation:
    delegation = db.session.get(Delegation, delegation_id)
    if delegation is None or delegation.contest_id != contest.id:
        abort(404)
    return delegation


def _refused(form, err: setup.SetupRefused) -> None:
    """Roll back whatever the service began, and put its messages next to the fields."""
    db.session.rollback()
    show_refusal(form, err.message, err.errors)


def _save(form, act) -> tuple[bool, object]:
    """Validate the form and call one service; on success commit once. ``(False, None)`` means: show the form
    again, with the problems (the form's, or the service's next to their fields)."""
    if not form.validate_on_submit():
        return False, None
    try:
        result = act()
    except setup.SetupRefused as err:
        _refused(form, err)
        return False, None
    db.session.commit()
    return True, result


def _page(template: str, form, **context):
    """The form page; 422 when it comes back with errors, so tests and tools can tell."""
    status = 422 if request.method == "POST" and any(field.errors for field in form) else 200
    return render_template(T + template, form=form, **context), status


def _contest_values(form: ContestSettingsForm) -> setup.ContestValues:
    values = setup.values_from(setup.ContestValues, form)
    values.registration_opens = setup.utc(values.registration_opens)
    values.registration_closes = setup.utc(values.registration_closes)
    return values


def _button_form_ok() -> bool:
    return ButtonForm().validate_on_submit()


# -- contests ------------------------------------------------------------------------------------------

@bp.route("/")
def index():
    query = select(Contest).order_by(Contest.starts_on.desc())
    if current_user.contest_id is not None:
        query = query.where(Contest.id == current_user.contest_id)
    return render_template(T + "index.html", contests=db.session.scalars(query).all(),
                           may_create=current_user.contest_id is None)


@bp.route("/new", methods=["GET", "POST"])
def contest_new():
    if current_user.contest_id is not None:
        contest = db.session.get(Contest, current_user.contest_id)
        flash(_("您的账号只管理本比赛，不能新建比赛；如需新建，请联系系统管理员。"), "error")
        return redirect(url_for("setup.contest", code=contest.code) if contest else url_for("setup.index"))
    form = ContestSettingsForm()
    saved, contest = _save(form, lambda: setup.create_contest(current_user, _contest_values(form)))
    if saved:
        flash(_("已新建比赛，请继续添加项目和代表团。"), "success")
        return redirect(url_for("setup.contest", code=contest.code))
    return _page("contest_form.html", form, contest=None)


@bp.route("/<code>")
def contest(code: str):
    contest = staff_contest(code)
    by_event, by_group = setup.registration_counts(contest)
    accounts = {d.id: setup.delegation_accounts(d) for d in contest.delegations}
    return render_template(T + "contest.html", contest=contest, by_event=by_event, by_group=by_group,
                           approved=setup.approved_counts(contest), accounts=accounts,
                           scope=setup.scope_label(contest.region_scope), is_open=services.registration_open(contest),
                           opens=setup.beijing(contest.registration_opens),
                           closes=setup.beijing(contest.registration_closes))


@bp.route("/<code>/edit", methods=["GET", "POST"])
def contest_edit(code: str):
    contest = staff_contest(code)
    form = ContestSettingsForm(data=setup.contest_form_data(contest))
    saved, warnings = _save(form, lambda: setup.update_contest(contest, _contest_values(form)))
    if saved:
        flash(_("已保存比赛信息。"), "success")
        for warning in warnings:
            flash(warning, "warning")
        return redirect(url_for("setup.contest", code=contest.code))
    return _page("contest_form.html", form, contest=contest)


# -- events --------------------------------------------------------------------------------------------

@bp.route("/<code>/events/new", methods=["GET", "POST"])
def event_new(code: str):
    contest = staff_contest(code)
    form = EventForm()
    saved, event = _save(form, lambda: setup.create_event(contest, setup.values_from(setup.EventValues, form)))
    if saved:
        flash(_("已添加项目“%(name)s”。请为它添加组别（职工组、学生组或不分组），选手才能报名。",
                name=event.name), "success")
        return redirect(url_for("setup.event_edit", code=contest.code, event_id=event.id))
    return _page("event_form.html", form, contest=contest, event=None)


@bp.route("/<code>/events/<int:event_id>", methods=["GET", "POST"])
def event_edit(code: str, event_id: int):
    contest = staff_contest(code)
    event = _event(contest, event_id)
    form = EventForm(obj=event)
    saved, _result = _save(form, lambda: setup.update_event(event, setup.values_from(setup.EventValues, form)))
    if saved:
        flash(_("已保存项目“%(name)s”。", name=event.name), "success")
        return redirect(url_for("setup.contest", code=contest.code))
    _by_event, by_group = setup.registration_counts(contest)
    return _page("event_form.html", form, contest=contest, event=event, by_group=by_group)


@bp.route("/<code>/events/<int:event_id>/move/<any(up,down):direction>", methods=["POST"])
def event_move(code: str, event_id: int, direction: str):
    contest = staff_contest(code)
    event = _event(contest, event_id)
    if _button_form_ok() and setup.move_event(event, direction):
        db.session.commit()
    return redirect(url_for("setup.contest", code=contest.code) + "#events")


@bp.route("/<code>/events/<int:event_id>/delete", methods=["POST"])
def event_delete(code: str, event_id: int):
    contest = staff_contest(code)
    event = _event(contest, event_id)
    if not _button_form_ok():
        return redirect(url_for("setup.contest", code=contest.code))
    name = event.name
    try:
        setup.delete_event(event)
    except setup.SetupRefused as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("setup.contest", code=contest.code) + "#events")
    db.session.commit()
    flash(_("已删除项目“%(name)s”。", name=name), "success")
    return redirect(url_for("setup.contest", code=contest.code) + "#events")


# -- groups --------------------------------------------------------------------------------------------

@bp.route("/<code>/events/<int:event_id>/groups/new", methods=["GET", "POST"])
def group_new(code: str, event_id: int):
    contest = staff_contest(code)
    event = _event(contest, event_id)
    form = GroupForm()
    saved, group = _save(form, lambda: setup.create_group(event, setup.values_from(setup.GroupValues, form)))
    if saved:
        flash(_("已为“%(event)s”添加组别“%(name)s”。", event=event.name, name=group.name), "success")
        return redirect(url_for("setup.event_edit", code=contest.code, event_id=event.id))
    return _page("group_form.html", form, contest=contest, event=event, group=None)


@bp.route("/<code>/groups/<int:group_id>", methods=["GET", "POST"])
def group_edit(code: str, group_id: int):
    contest = staff_contest(code)
    group = _group(contest, group_id)
    form = GroupForm(obj=group)
    saved, _result = _save(form, lambda: setup.update_group(group, setup.values_from(setup.GroupValues, form)))
    if saved:
        flash(_("已保存组别“%(name)s”。", name=group.name), "success")
        return redirect(url_for("setup.event_edit", code=contest.code, event_id=group.event_id))
    return _page("group_form.html", form, contest=contest, event=group.event, group=group)


@bp.route("/<code>/groups/<int:group_id>/delete", methods=["POST"])
def group_delete(code: str, group_id: int):
    contest = staff_contest(code)
    group = _group(contest, group_id)
    event_id, name = group.event_id, group.name
    back = url_for("setup.event_edit", code=contest.code, event_id=event_id)
    if not _button_form_ok():
        return redirect(back)
    try:
        setup.delete_group(group)
    except setup.SetupRefused as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(back)
    db.session.commit()
    flash(_("已删除组别“%(name)s”。", name=name), "success")
    return redirect(back)


# -- delegations ---------------------------------------------------------------------------------------

@bp.route("/<code>/delegations/new", methods=["GET", "POST"])
def delegation_new(code: str):
    contest = staff_contest(code)
    form = DelegationForm()
    saved, delegation = _save(form, lambda: setup.create_delegation(
        contest, setup.values_from(setup.DelegationValues, form)))
    if saved:
        flash(_("已添加代表团“%(name)s”。请为它创建领队账号。", name=delegation.name), "success")
        return redirect(url_for("setup.delegation_edit", code=contest.code, delegation_id=delegation.id))
    return _page("delegation_form.html", form, contest=contest, delegation=None)


@bp.route("/<code>/delegations/from-regions", methods=["POST"])
def delegations_from_regions(code: str):
    contest = staff_contest(code)
    back = url_for("setup.contest", code=contest.code) + "#delegations"
    if not ButtonForm().validate_on_submit():
        flash(_("页面已过期，请刷新后重试"), "error")
        return redirect(back)
    added = setup.add_region_delegations(contest)
    db.session.commit()
    flash(_("已添加 %(n)d 个代表团，请为它们创建领队账号。", n=len(added)) if added
          else _("范围内的地区都已有代表团。"), "success")
    return redirect(back)


@bp.route("/<code>/delegations/<int:delegation_id>", methods=["GET", "POST"])
def delegation_edit(code: str, delegation_id: int):
    contest = staff_contest(code)
    delegation = _delegation(contest, delegation_id)
    form = DelegationForm(obj=delegation)
    saved, _result = _save(form, lambda: setup.update_delegation(
        delegation, setup.values_from(setup.DelegationValues, form)))
    if saved:
        flash(_("已保存代表团“%(name)s”。", name=delegation.name), "success")
        return redirect(url_for("setup.contest", code=contest.code) + "#delegations")
    return _page("delegation_form.html", form, contest=contest, delegation=delegation,
                 accounts=setup.delegation_accounts(delegation),
                 approved=setup.approved_counts(contest).get(delegation.id, 0))


@bp.route("/<code>/delegations/<int:delegation_id>/account", methods=["GET", "POST"])
def delegation_account(code: str, delegation_id: int):
    contest = staff_contest(code)
    delegation = _delegation(contest, delegation_id)
    form = DelegationAccountForm()
    saved, user = _save(form, lambda: setup.create_delegation_account(
        delegation, form.username.data, form.display_name.data, form.password.data))
    if saved:
        flash(_("已创建领队账号“%(username)s”。请把用户名和初始密码交给领队，并提醒其登录后修改密码。",
                username=user.username), "success")
        return redirect(url_for("setup.delegation_edit", code=contest.code, delegation_id=delegation.id))
    return _page("account_form.html", form, contest=contest, delegation=delegation,
                 accounts=setup.delegation_accounts(delegation))


@bp.route("/<code>/delegations/<int:delegation_id>/accounts/<int:account_id>/password", methods=["GET", "POST"])
def delegation_password(code: str, delegation_id: int, account_id: int):
    """A delegation organiser forgot their password: the contest's organiser sets a new one."""
    contest = staff_contest(code)
    delegation = _delegation(contest, delegation_id)
    account = db.session.get(User, account_id)
    if account is None or account.delegation_id != delegation.id or account.role != Role.DELEGATION.value:
        abort(404)
    back = url_for("setup.delegation_edit", code=contest.code, delegation_id=delegation.id) + "#accounts"
    return staff_reset_page(account, back, f"{delegation.name} · {contest.name}")
