"""Registration pages: contestants on their phones, delegations reviewing and importing, organisers.

Thin views: load, check the object belongs to the user, validate, call one service, commit once.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy import or_, select

from app import audit
from app.access import CONT, DEL, ORG, PUBLIC, declare
from app.auth import staff_reset_page
from app.extensions import db, limiter
from app.forms import show_refusal
from app.i18n import flash, translate
from app.models import User
from app.passwords import weakness
from app.roles import Role
from contests import regions, services, uploads
from contests.choices import (
    chosen_event_group,
    entry_from,
    fill_choices,
    load_registration,
)
from contests.excel import export_registrations, parse, table_workbook, template
from contests.forms import ImportForm, ReasonForm, RegistrationForm, SignupForm
from contests.idnumber import check_mobile, normalize_mobile
from contests.importing import import_sheet
from contests.models import Contest, Delegation, Registration
from contests.statistics import Entrant, as_sheets, summarise

bp = Blueprint("contests", __name__, template_folder="templates", url_prefix="/contests")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

declare({
    "contests.index": PUBLIC,
    "contests.signup": PUBLIC,
    "contests.region_children": PUBLIC,
    "contests.register": frozenset({CONT}),
    "contests.registration": frozenset({CONT, DEL, ORG}),
    "contests.edit": frozenset({CONT, DEL, ORG}),
    "contests.act": frozenset({CONT, DEL, ORG}),
    "contests.upload": frozenset({CONT, DEL, ORG}),
    "contests.reset_password": frozenset({DEL, ORG}),
    "contests.delegation": frozenset({DEL}),
    "contests.delegation_new": frozenset({DEL}),
    "contests.delegation_bulk": frozenset({DEL}),
    "contests.delegation_template": frozenset({DEL}),
    "contests.delegation_import": frozenset({DEL}),
    "contests.delegation_export": frozenset({DEL}),
    "contests.registrations": frozenset({ORG}),
    "contests.bulk_confirm": frozenset({ORG}),
    "contests.export": frozenset({ORG}),
    "contests.statistics": frozenset({ORG}),
    "contests.statistics_xlsx": frozenset({ORG}),
})


# -- helpers -------------------------------------------------------------------------------------------

def _contest(code: str) -> Contest:
    contest = db.session.scalar(select(Contest).where(Contest.code == code))
    if contest is None:
        abort(404)
    if current_user.is_authenticated and current_user.role == Role.ORGANISER and \
            current_user.contest_id not in (None, contest.id):
        abort(403)
    return contest


def _own_registration(reg_id: int) -> Registration:
    reg = db.session.get(Registration, reg_id)
    if reg is None:
        abort(404)
    if not services.can_see(current_user, reg):
        abort(403)  # another delegation's, or another person's: never shown
    return reg


def _my_delegation() -> Delegation:
    delegation = db.session.get(Delegation, current_user.delegation_id) if current_user.delegation_id else None
    if delegation is None:
        abort(403)
    return delegation


def _xlsx(data: bytes, owner: str, title: str):
    """Send a workbook as ``<owner>-<title>.xlsx`` (the title in the reader's language)."""
    from io import BytesIO

    return send_file(BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=f"{owner}-{title}.xlsx")


def _uploads(form: RegistrationForm) -> tuple[str | None, str | None]:
    """Clean and store the files; a refused file becomes the field's error (raised as RegistrationRefused)."""
    folder = current_app.config["UPLOAD_FOLDER"]
    photo = proof = None
    errors = {}
    if form.photo.data and getattr(form.photo.data, "filename", ""):
        try:
            photo = uploads.store(folder, "photos", uploads.clean_photo(form.photo.data.stream), "jpg")
        except uploads.UploadRefused as err:
            errors["photo"] = err.message
    if form.poverty_proof.data and getattr(form.poverty_proof.data, "filename", ""):
        try:
            data, ext = uploads.clean_proof(form.poverty_proof.data.stream)
            proof = uploads.store(folder, "proofs", data, ext)
        except uploads.UploadRefused as err:
            errors["poverty_proof"] = err.message
    if errors:
        raise services.RegistrationRefused(_("上传的文件有问题，请按提示重新选择"), errors)
    return photo, proof


def _require_choices(event, group, delegation, contest: Contest, form: RegistrationForm) -> None:
    """Event and delegation must be chosen; say so together with every other field's problem at once."""
    errors = {}
    if event is None:
        errors["event_group"] = _("请选择参赛项目和组别")
    if delegation is None or delegation.contest_id != contest.id:
        errors["delegation"] = _("请选择代表团")
    if errors:
        rules = services.event_rules(event, group) if event is not None else services.contest_rules(contest)
        errors = services.check_person(entry_from(form), rules).errors | errors
        raise services.RegistrationRefused(_("报名信息有误，请按提示修改"), errors)


def _registration_form_page(contest: Contest, form: RegistrationForm, reg: Registration | None, action_url: str,
                            fixed_delegation: Delegation | None):
    """Handle the registration form for every role: save as draft, submit, or (no JS) choose a region."""
    if request.method == "POST" and form.validate_on_submit() and "choose_region" not in request.form:
        chosen = form.delegation.data or ""
        picked = db.session.get(Delegation, int(chosen)) if chosen.isdigit() and len(chosen) < 10 else None
        # A contestant who picks no delegation gets their home one, read together with the event.
        home = (form.county_code.data or "") if fixed_delegation is None and picked is None else None
        event, group, default = chosen_event_group(form, contest, home)
        delegation = fixed_delegation or picked or default
        try:
            _require_choices(event, group, delegation, contest, form)
            photo, proof = _uploads(form)
            saved = services.save(current_user, contest, delegation, event, group, entry_from(form),
                                  registration=reg, submit="submit" in request.form, photo=photo, proof=proof)
        except services.RegistrationRefused as err:
            db.session.rollback()
            show_refusal(form, err.message, err.errors)
            return _show_form(contest, form, reg, action_url, fixed_delegation), 422
        reg_id, submitted = saved.id, saved.status == "submitted"  # read before the commit expires them
        db.session.commit()
        flash(_("已提交，请等待代表团审核。") if submitted else _("已保存草稿。"), "success")
        return redirect(url_for("contests.registration", reg_id=reg_id))
    return _show_form(contest, form, reg, action_url, fixed_delegation)


def _show_form(contest: Contest, form: RegistrationForm, reg: Registration | None, action_url: str,
               fixed_delegation: Delegation | None) -> str:
    fill_choices(form, contest)
    return render_template("contests/register.html", form=form, contest=contest, reg=reg, action_url=action_url,
                           fixed_delegation=fixed_delegation)


# -- public --------------------------------------------------------------------------------------------

@bp.route("/")
def index():
    contests = db.session.scalars(select(Contest).order_by(Contest.starts_on.desc())).all()
    return render_template("contests/index.html", contests=contests, is_open=services.registration_open)


@bp.route("/regions/<code>")
def region_children(code: str):
    """The next level of the region choice, for the form's script."""
    if len(code) == 2:
        items = [(c.code, c.name) for c in regions.cities_of(code)]
    elif len(code) == 4:
        items = [(c.code, c.name) for c in regions.counties_of(code)]
    else:
        items = []
    return jsonify([{"code": c, "name": n} for c, n in items])


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def signup():
    form = SignupForm()
    if form.validate_on_submit():
        mobile = normalize_mobile(form.mobile.data)
        if problem := check_mobile(mobile):
            form.mobile.errors.append(problem)
        elif db.session.scalar(select(User.id).where(User.username == mobile)):
            form.mobile.errors.append(_("这个手机号码已经注册，请直接登录"))
        elif problem := weakness(form.password.data):
            form.password.errors.append(problem)
        else:
            user = User(username=mobile, display_name=form.display_name.data.strip(), role=Role.CONTESTANT.value)
            user.set_password(form.password.data)
            db.session.add(user)
            db.session.flush()
            audit.record("signup", user, user=user)
            db.session.commit()
            login_user(user)
            flash(_("账号已创建，请选择比赛报名。"), "success")
            return redirect(url_for("contests.index"))
    return render_template("contests/signup.html", form=form)


# -- contestants ---------------------------------------------------------------------------------------

@bp.route("/<code>/register", methods=["GET", "POST"])
def register(code: str):
    contest = _contest(code)
    if not services.registration_open(contest):
        flash(_("现在不在本比赛的报名时间内。"), "error")
        return redirect(url_for("contests.index"))
    form = RegistrationForm()
    if request.method == "GET":
        form.name.data = current_user.display_name
        form.mobile.data = current_user.username
    return _registration_form_page(contest, form, None, url_for("contests.register", code=code), None)


@bp.route("/registrations/<int:reg_id>")
def registration(reg_id: int):
    reg = _own_registration(reg_id)
    return render_template("contests/registration.html", reg=reg, reason_form=ReasonForm(),
                           place=regions.lookup(reg.county_code), services=services)


@bp.route("/registrations/<int:reg_id>/edit", methods=["GET", "POST"])
def edit(reg_id: int):
    reg = _own_registration(reg_id)
    if reg.status not in services.EDITABLE:
        flash(_("报名已提交审核，不能修改；如需修改请联系代表团退回。"), "error")
        return redirect(url_for("contests.registration", reg_id=reg.id))
    form = RegistrationForm()
    if request.method == "GET":
        load_registration(form, reg)
    fixed = reg.delegation if current_user.role == Role.DELEGATION else None
    return _registration_form_page(reg.contest, form, reg, url_for("contests.edit", reg_id=reg.id), fixed)


@bp.route("/registrations/<int:reg_id>/<any(submit,withdraw,approve,confirm,return,reject):action>",
          methods=["POST"])
def act(reg_id: int, action: str):
    reg = _own_registration(reg_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("原因不能超过500个字。"), "error")
        return redirect(url_for("contests.registration", reg_id=reg.id))
    try:
        services.transition(current_user, reg, action, form.reason.data or "")
    except services.RegistrationRefused as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("contests.registration", reg_id=reg.id))
    db.session.commit()
    flash(_("已%(action)s。", action=translate(services.ACTION_LABELS[action])), "success")
    return redirect(request.referrer if request.referrer and "/edit" not in request.referrer
                    else url_for("contests.registration", reg_id=reg.id))


@bp.route("/registrations/<int:reg_id>/<any(photo,proof):kind>")
def upload(reg_id: int, kind: str):
    reg = _own_registration(reg_id)
    name = reg.photo if kind == "photo" else reg.poverty_proof
    path = uploads.resolve(current_app.config["UPLOAD_FOLDER"], name) if name else None
    if path is None:
        abort(404)
    response = send_file(path, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/registrations/<int:reg_id>/password", methods=["GET", "POST"])
def reset_password(reg_id: int):
    """A contestant forgot the password of the account they registered with: their delegation organiser (or
    the contest's organiser) sets a new one and tells them, by phone or in person."""
    reg = _own_registration(reg_id)
    account = db.session.get(User, reg.user_id) if reg.user_id else None
    if account is None or account.role != Role.CONTESTANT.value:
        abort(404)  # entered by the delegation: the person has no account of their own
    return staff_reset_page(account, url_for("contests.registration", reg_id=reg.id),
                            f"{reg.name} · {reg.contest.name}")


# -- delegation organisers -----------------------------------------------------------------------------

def _filtered(query, args):
    if args.get("status"):
        query = query.where(Registration.status == args["status"])
    if args.get("event", "").isdigit():
        query = query.where(Registration.event_id == int(args["event"]))
    if args.get("delegation", "").isdigit():
        query = query.where(Registration.delegation_id == int(args["delegation"]))
    if q := args.get("q", "").strip():
        query = query.where(or_(Registration.name.contains(q), Registration.employer.contains(q)))
    return query.order_by(Registration.event_id, Registration.group_id, Registration.delegation_id, Registration.name)


@bp.route("/delegation")
def delegation():
    own = _my_delegation()
    regs = db.session.scalars(_filtered(select(Registration).where(Registration.delegation_id == own.id),
                                        request.args)).all()
    usage = next(u for u in services.delegation_usage(own.contest) if u["delegation"].id == own.id)
    return render_template("contests/delegation.html", delegation=own, regs=regs, usage=usage,
                           contest=own.contest, form=ReasonForm(), args=request.args)


@bp.route("/delegation/new", methods=["GET", "POST"])
def delegation_new():
    own = _my_delegation()
    form = RegistrationForm()
    return _registration_form_page(own.contest, form, None, url_for("contests.delegation_new"), own)


@bp.route("/delegation/approve", methods=["POST"])
def delegation_bulk():
    own = _my_delegation()
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()]
    regs = db.session.scalars(select(Registration).where(Registration.id.in_(ids),
                                                         Registration.delegation_id == own.id)).all()
    if not ReasonForm().validate_on_submit() or not regs:
        flash(_("请先勾选要审核的选手。"), "error")
        return redirect(url_for("contests.delegation"))
    done, refused = services.bulk(current_user, regs, "approve")
    db.session.commit()
    flash(_("已审核通过 %(n)d 人。", n=done), "success")
    for message in refused:
        flash(message, "error")
    return redirect(url_for("contests.delegation"))


@bp.route("/delegation/template.xlsx")
def delegation_template():
    contest = _my_delegation().contest
    events = [(e.name, [g.name for g in e.groups]) for e in contest.events]
    return _xlsx(template(events), contest.code, _("报名模板"))


@bp.route("/delegation/import", methods=["GET", "POST"])
def delegation_import():
    own = _my_delegation()
    form = ImportForm()
    report = None
    if form.validate_on_submit() and form.file.data:
        data = form.file.data.read(5 * 1024 * 1024 + 1)
        if len(data) > 5 * 1024 * 1024:
            flash(_("Excel 文件不能超过5MB。"), "error")
        else:
            dry_run = "confirm" not in request.form
            report = import_sheet(current_user, own.contest, parse(data), delegation=own, dry_run=dry_run)
            if report.ok and not dry_run:
                db.session.commit()
                flash(_("已导入 %(n)d 名选手，状态为“已提交”，请审核。", n=report.imported), "success")
                return redirect(url_for("contests.delegation"))
            db.session.rollback()
    return render_template("contests/import.html", form=form, report=report, delegation=own)


@bp.route("/delegation/export.xlsx")
def delegation_export():
    own = _my_delegation()
    regs = db.session.scalars(_filtered(select(Registration).where(Registration.delegation_id == own.id),
                                        request.args)).all()
    full = request.args.get("full") == "1"
    if full:
        audit.record("registrations_exported_full", own, after={"count": len(regs)})
        db.session.commit()
    return _xlsx(export_registrations(regs, full), own.name, _("报名名单"))


# -- organisers ----------------------------------------------------------------------------------------

@bp.route("/<code>/registrations")
def registrations(code: str):
    contest = _contest(code)
    regs = db.session.scalars(_filtered(select(Registration).where(Registration.contest_id == contest.id),
                                        request.args).limit(500)).all()
    return render_template("contests/registrations.html", contest=contest, regs=regs, args=request.args,
                           fields=services.field_overview(contest), usage=services.delegation_usage(contest),
                           form=ReasonForm())


@bp.route("/<code>/registrations/confirm", methods=["POST"])
def bulk_confirm(code: str):
    contest = _contest(code)
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()]
    regs = db.session.scalars(select(Registration).where(Registration.id.in_(ids),
                                                         Registration.contest_id == contest.id)).all()
    if not ReasonForm().validate_on_submit() or not regs:
        flash(_("请先勾选要确认的选手。"), "error")
        return redirect(url_for("contests.registrations", code=code))
    done, refused = services.bulk(current_user, regs, "confirm")
    db.session.commit()
    flash(_("已确认 %(n)d 人。", n=done), "success")
    for message in refused:
        flash(message, "error")
    return redirect(url_for("contests.registrations", code=code, **request.args))


@bp.route("/<code>/registrations.xlsx")
def export(code: str):
    contest = _contest(code)
    regs = db.session.scalars(_filtered(select(Registration).where(Registration.contest_id == contest.id),
                                        request.args)).all()
    full = request.args.get("full") == "1"
    if full:  # the full numbers leave the system: say who took them
        audit.record("registrations_exported_full", contest, after={"count": len(regs)})
        db.session.commit()
    return _xlsx(export_registrations(regs, full), contest.code, _("报名名单"))


def _summary(contest: Contest) -> dict:
    regs = db.session.scalars(select(Registration).where(Registration.contest_id == contest.id,
                                                         Registration.status.in_(services.COUNTED))).all()
    entrants = [Entrant(r.delegation.name, r.event.name, r.sex, r.birth_date, r.county_code, r.poor_household,
                        r.category) for r in regs]
    return summarise(entrants, contest.starts_on)


@bp.route("/<code>/statistics")
def statistics(code: str):
    contest = _contest(code)
    return render_template("contests/statistics.html", contest=contest, s=_summary(contest))


@bp.route("/<code>/statistics.xlsx")
def statistics_xlsx(code: str):
    contest = _contest(code)
    return _xlsx(table_workbook(as_sheets(_summary(contest))), contest.code, _("报名统计"))
