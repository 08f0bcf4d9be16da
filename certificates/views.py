"""Certificate pages: templates, batches, downloads, admission cards and public verification.

Thin views: load, check the object is the user's, validate, call one service, commit once.

Languages: every message reaches the page in the reader's language — ``gettext`` here, and the services' and
the pipeline's ``Msg`` through ``app.i18n`` (``flash`` and ``translate`` here, Jinja's ``finalize`` in the
templates). The PDFs themselves stay Chinese documents.
"""

from __future__ import annotations

import base64
import io
import logging
from pathlib import Path

from flask import Blueprint, abort, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.access import CHIEF, CONT, DEL, JUDGE, ORG, PUBLIC, declare, require_contest, staff_contest
from app.extensions import db
from app.i18n import cn_date, flash, translate
from app.roles import Role
from certificates import kinds, services
from certificates.chinese_date import chinese_date
from certificates.errors import CertificateError
from certificates.forms import PAGE_SIZES, BatchForm, ReissueForm, RevokeForm, TemplateForm
from certificates.models import ISSUED_KINDS, KINDS, CertificateBatch, IssuedCertificate
from contests.models import Contest, Delegation, Event, Registration
from contests.services import can_see

bp = Blueprint(
    "certificates",
    __name__,
    template_folder="templates",
    url_prefix="/certificates",
    static_folder="static",
    static_url_path="/static",
)
log = logging.getLogger(__name__)
PDF = "application/pdf"
ORG_ONLY = frozenset({ORG})

declare(
    {
        "certificates.static": PUBLIC,
        "certificates.verify_search": PUBLIC,
        "certificates.verify": PUBLIC,
        "certificates.index": ORG_ONLY,
        "certificates.manage": ORG_ONLY,
        "certificates.template": ORG_ONLY,
        "certificates.template_preview": ORG_ONLY,
        "certificates.template_reset": ORG_ONLY,
        "certificates.issued": ORG_ONLY,
        "certificates.detail": ORG_ONLY,
        "certificates.revoke": ORG_ONLY,
        "certificates.reissue": ORG_ONLY,
        "certificates.check": ORG_ONLY,
        "certificates.batch_start": ORG_ONLY,
        "certificates.batch": ORG_ONLY,
        "certificates.batch_status": ORG_ONLY,
        "certificates.batch_download": ORG_ONLY,
        "certificates.checkin": ORG_ONLY,
        "certificates.download": frozenset({ORG, DEL, CONT, CHIEF, JUDGE}),
        "certificates.mine": frozenset({DEL, CONT, CHIEF, JUDGE}),
        "certificates.admission_card": frozenset({ORG, DEL, CONT}),
        "certificates.admission_delegation": frozenset({DEL}),
    }
)


@bp.record_once
def _check_fonts_at_start(state) -> None:
    """At start-up: say loudly when certificates would print as empty boxes (or take seconds each)."""
    problems = services.environment_problems()
    for problem in problems:
        logging.getLogger("saiwu.certificates").warning("certificates cannot be printed properly: %s", problem)


# -- helpers -------------------------------------------------------------------------------------------


def _kind(cert_kind: str) -> str:
    if cert_kind not in KINDS:
        abort(404)
    return cert_kind


def _refused(messages) -> None:
    db.session.rollback()
    for message in messages if isinstance(messages, list | tuple) else [messages]:
        flash(message, "error")


def _form_errors(form) -> None:
    for name, messages in form.errors.items():
        label = getattr(getattr(form, name, None), "label", None)
        for message in messages:
            flash(_("%(label)s：%(message)s", label=label.text if label else name, message=message), "error")


def _pdf(data: bytes, name: str, attachment: bool = True):
    return send_file(io.BytesIO(data), mimetype=PDF, as_attachment=attachment, download_name=name)


def _org_certificate(cert_id: int) -> IssuedCertificate:
    cert = db.session.get(IssuedCertificate, cert_id)
    if cert is None:
        abort(404)
    require_contest(cert.contest_id)
    return cert


# -- public verification -------------------------------------------------------------------------------


@bp.route("/verify")
def verify_search():
    serial = (request.args.get("serial") or "").strip()
    if serial:
        if services.find_by_serial(serial) is not None:
            return redirect(url_for("certificates.verify", serial=serial))
        return render_template("certificates/verify_search.html", serial=serial, not_found=True), 404
    return render_template("certificates/verify_search.html", serial="", not_found=False)


@bp.route("/verify/<serial>")
def verify(serial: str):
    cert = services.find_by_serial(serial)
    if cert is None:
        return render_template("certificates/verify_search.html", serial=serial, not_found=True), 404
    contest = db.session.get(Contest, cert.contest_id)
    ctx = services.render_context(cert, "/")
    return render_template(
        "certificates/verify.html",
        cert=cert,
        ctx=ctx,
        contest=contest,
        label=kinds.KIND_LABELS[cert.kind],
        issued_on=_issued_on(ctx.get("issue_date")),
        revoked_on=services._cn(cert.revoked_at) if cert.revoked_at else "",
    )


def _issued_on(day) -> str:
    """The issue date: in Chinese as the certificate prints it (二〇二〇年八月十三日), else in the reader's language."""
    if not day:
        return ""
    return cn_date(day) if str(get_locale()).startswith("en") else chinese_date(day)


# -- organiser: overview, templates --------------------------------------------------------------------


@bp.route("/")
def index():
    contests = [
        c
        for c in db.session.scalars(select(Contest).order_by(Contest.starts_on.desc()))
        if current_user.contest_id in (None, c.id)
    ]
    if len(contests) == 1:
        return redirect(url_for("certificates.manage", code=contests[0].code))
    return render_template("certificates/index.html", contests=contests)


def _batch_form(contest: Contest, form: BatchForm | None = None) -> BatchForm:
    form = form or BatchForm()
    # WTForms renders the options itself (not through Jinja's finalize): the labels are translated here.
    form.kind.choices = [(k, translate(kinds.KIND_LABELS[k])) for k in KINDS]
    form.event_id.choices = [(0, _("全部项目"))] + [(e.id, e.name) for e in contest.events]
    form.delegation_id.choices = [(0, _("全部代表队"))] + [(d.id, d.name) for d in contest.delegations]
    return form


def _manage_page(contest: Contest, form: BatchForm | None = None, problems: list[str] | None = None, checked: str = ""):
    counts = dict(
        db.session.execute(
            select(IssuedCertificate.kind, func.count())
            .where(IssuedCertificate.contest_id == contest.id, IssuedCertificate.revoked_at.is_(None))
            .group_by(IssuedCertificate.kind)
        ).all()
    )
    revoked = dict(
        db.session.execute(
            select(IssuedCertificate.kind, func.count())
            .where(IssuedCertificate.contest_id == contest.id, IssuedCertificate.revoked_at.is_not(None))
            .group_by(IssuedCertificate.kind)
        ).all()
    )
    batches = db.session.scalars(
        select(CertificateBatch)
        .where(CertificateBatch.contest_id == contest.id)
        .order_by(CertificateBatch.id.desc())
        .limit(10)
    ).all()
    return render_template(
        "certificates/manage.html",
        contest=contest,
        kinds=KINDS,
        labels=kinds.KIND_LABELS,
        counts=counts,
        revoked=revoked,
        batches=batches,
        scopes={b.id: services.describe_batch(b) for b in batches},
        form=_batch_form(contest, form),
        environment=services.environment_problems(),
        problems=problems,
        checked=checked,
        issued_kinds=ISSUED_KINDS,
    )


@bp.route("/manage/<code>")
def manage(code: str):
    return _manage_page(staff_contest(code))


def _template_values(form: TemplateForm) -> services.TemplateValues:
    seal = filename = None
    upload = form.seal.data
    if upload is not None and getattr(upload, "filename", ""):
        seal = upload.read(6 * 1024 * 1024)
        filename = upload.filename
    return services.TemplateValues(
        html=form.html.data or "",
        css=form.css.data or "",
        page_size=form.page_size.data or "",
        serial_pattern=form.serial_pattern.data or "",
        issuer=form.issuer.data or "",
        issue_date=form.issue_date.data,
        name=form.name.data or "",
        schedule=form.schedule.data or "",
        notes=form.notes.data or "",
        seal=seal,
        seal_filename=filename or "",
        remove_seal=bool(form.remove_seal.data),
    )


@bp.route("/manage/<code>/template/<cert_kind>", methods=["GET", "POST"])
def template(code: str, cert_kind: str):
    contest = staff_contest(code)
    kind = _kind(cert_kind)
    rec = services.template_for(contest, kind)
    db.session.commit()  # the default template, made on first visit
    form = TemplateForm(obj=rec)
    problems: list[str] = []
    preview_png = None
    if form.validate_on_submit():
        values = _template_values(form)
        if request.form.get("action") == "preview":
            problems = services.template_problems(kind, values, rec.seal, render_sample=False)
            if not problems:
                seal = None if values.remove_seal else (values.seal if values.seal is not None else rec.seal)
                try:
                    tpl = kinds.CertificateTemplate(
                        kind, values.html, values.css, values.page_size, {"seal": seal} if seal else {}
                    )
                    png = services.pdf_first_page_png(services.preview_pdf(tpl))
                    preview_png = base64.b64encode(png).decode() if png else None
                except CertificateError as exc:
                    problems.append(exc.message)
        else:
            try:
                services.save_template(rec, values, current_user)
                db.session.commit()
                label = translate(kinds.KIND_LABELS[kind])
                flash(_("%(label)s模板已保存（第 %(v)d 版）。", label=label, v=rec.version), "success")
                return redirect(url_for("certificates.template", code=code, cert_kind=kind))
            except services.CertificatesRefused as err:
                db.session.rollback()
                problems = err.messages
    elif request.method == "POST":
        _form_errors(form)
    return render_template(
        "certificates/template.html",
        contest=contest,
        rec=rec,
        form=form,
        kind=kind,
        label=translate(kinds.KIND_LABELS[kind]),  # also a value of gettext's %-formatting in the template
        problems=problems,
        preview_png=preview_png,
        placeholders=kinds.ALLOWED_PLACEHOLDERS[kind],
        page_sizes=PAGE_SIZES,
        serial_fields=translate(services.numbering.fields_help()),  # joined into a hint there
        issued=kind in ISSUED_KINDS,
    )


@bp.route("/manage/<code>/template/<cert_kind>/preview.<any(pdf,png):fmt>")
def template_preview(code: str, cert_kind: str, fmt: str):
    contest = staff_contest(code)
    rec = services.template_for(contest, _kind(cert_kind))
    db.session.commit()
    try:
        pdf = services.preview_pdf(services.to_template(rec))
    except CertificateError as exc:
        return render_template(
            "certificates/problem.html",
            title=_("无法预览"),
            problems=[exc.message],
            back=url_for("certificates.template", code=code, cert_kind=cert_kind),
        ), 422
    if fmt == "png":
        png = services.pdf_first_page_png(pdf, dpi=72)
        if png is None:
            abort(404)
        return send_file(io.BytesIO(png), mimetype="image/png")
    return _pdf(pdf, f"preview-{rec.kind}.pdf", attachment=False)


@bp.route("/manage/<code>/template/<cert_kind>/reset", methods=["POST"])
def template_reset(code: str, cert_kind: str):
    contest = staff_contest(code)
    rec = services.template_for(contest, _kind(cert_kind))
    services.reset_template(rec, current_user)
    db.session.commit()
    flash(_("已恢复为系统默认的模板（印章和发证单位保留）。"), "success")
    return redirect(url_for("certificates.template", code=code, cert_kind=cert_kind))


# -- organiser: issued certificates -------------------------------------------------------------------


@bp.route("/manage/<code>/issued")
def issued(code: str):
    contest = staff_contest(code)
    query = select(IssuedCertificate).where(IssuedCertificate.contest_id == contest.id)
    kind = request.args.get("kind", "")
    if kind in ISSUED_KINDS:
        query = query.where(IssuedCertificate.kind == kind)
    q = (request.args.get("q") or "").strip()[:60]
    if q:
        like = f"%{q.replace('%', '').replace('_', '')}%"
        query = query.where(IssuedCertificate.name.like(like) | IssuedCertificate.serial.like(like))
    certs = db.session.scalars(query.order_by(IssuedCertificate.id).limit(500)).all()
    events = {e.id: e.name for e in contest.events}
    delegations = {d.id: d.name for d in contest.delegations}
    return render_template(
        "certificates/issued.html",
        contest=contest,
        certs=certs,
        events=events,
        delegations=delegations,
        labels=kinds.KIND_LABELS,
        kind=kind,
        q=q,
        issued_kinds=ISSUED_KINDS,
    )


@bp.route("/<int:cert_id>")
def detail(cert_id: int):
    cert = _org_certificate(cert_id)
    contest = db.session.get(Contest, cert.contest_id)
    return render_template(
        "certificates/detail.html",
        cert=cert,
        contest=contest,
        ctx=services.render_context(cert),
        label=kinds.KIND_LABELS[cert.kind],
        revoke_form=RevokeForm(),
        reissue_form=ReissueForm(),
    )


@bp.route("/<int:cert_id>/revoke", methods=["POST"])
def revoke(cert_id: int):
    cert = _org_certificate(cert_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return redirect(url_for("certificates.detail", cert_id=cert_id))
    try:
        services.revoke(cert, form.reason.data, current_user)
        db.session.commit()
        flash(_("证书 %(serial)s 已撤销。", serial=cert.serial), "success")
    except services.CertificatesRefused as err:
        _refused(err.messages)
    return redirect(url_for("certificates.detail", cert_id=cert_id))


@bp.route("/<int:cert_id>/reissue", methods=["POST"])
def reissue(cert_id: int):
    cert = _org_certificate(cert_id)
    form = ReissueForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return redirect(url_for("certificates.detail", cert_id=cert_id))
    try:
        new = services.reissue(cert, form.reason.data, current_user)
        db.session.commit()
        flash(_("已补发新证书 %(new)s，原证书 %(old)s 已撤销。", new=new.serial, old=cert.serial), "success")
        return redirect(url_for("certificates.detail", cert_id=new.id))
    except services.CertificatesRefused as err:
        _refused(err.messages)
    return redirect(url_for("certificates.detail", cert_id=cert_id))


# -- organiser: batches ------------------------------------------------------------------------------


def _scope_from(contest: Contest, form: BatchForm) -> services.Scope:
    event = db.session.get(Event, form.event_id.data) if form.event_id.data else None
    delegation = db.session.get(Delegation, form.delegation_id.data) if form.delegation_id.data else None
    if (event and event.contest_id != contest.id) or (delegation and delegation.contest_id != contest.id):
        abort(404)
    return services.Scope(contest, form.kind.data, event=event, delegation=delegation)


def _examine(contest: Contest, form: BatchForm) -> tuple[services.Scope, list, list]:
    """The form's scope, whom it would print for, and what stops it (nothing is written)."""
    scope = _scope_from(contest, form)
    try:
        found = services.subjects(scope)
        return scope, found, services.check(scope, found=found, allow_unprintable=form.allow_unprintable.data)
    except services.CertificatesRefused as err:
        return scope, [], err.messages


@bp.route("/manage/<code>/check", methods=["POST"])
def check(code: str):
    contest = staff_contest(code)
    form = _batch_form(contest)
    if not form.validate_on_submit():
        _form_errors(form)
        return redirect(url_for("certificates.manage", code=code))
    scope, found, problems = _examine(contest, form)
    db.session.commit()
    if problems:
        checked = _("%(scope)s：共 %(n)d 份。", scope=translate(scope.describe()), n=len(found))
    else:
        checked = _("%(scope)s：共 %(n)d 份，可以生成。", scope=translate(scope.describe()), n=len(found))
    return _manage_page(contest, form, problems, checked)


@bp.route("/manage/<code>/batch", methods=["POST"])
def batch_start(code: str):
    contest = staff_contest(code)
    form = _batch_form(contest)
    if not form.validate_on_submit():
        _form_errors(form)
        return redirect(url_for("certificates.manage", code=code))
    scope, found, problems = _examine(contest, form)
    if problems:
        db.session.rollback()
        return _manage_page(contest, form, problems, _("%(scope)s：没有生成。", scope=translate(scope.describe()))), 422
    batch = CertificateBatch(
        contest_id=contest.id,
        kind=scope.kind,
        event_id=scope.event.id if scope.event else None,
        delegation_id=scope.delegation.id if scope.delegation else None,
        format=form.format.data,
        scope=str(scope.describe())[:200],  # the Chinese text of record; pages describe the batch anew
        total=len(found),
        base_url=services.public_base_url()[:200],
        created_by=current_user.id,
        allow_unprintable=bool(form.allow_unprintable.data),
    )
    db.session.add(batch)
    db.session.flush()
    from app import audit

    audit.record(
        "certificate_batch_started", batch, after={"scope": batch.scope, "format": batch.format, "total": batch.total}
    )
    db.session.commit()
    from certificates import jobs

    jobs.enqueue(batch.id)
    return redirect(url_for("certificates.batch", batch_id=batch.id))


def _batch(batch_id: int) -> CertificateBatch:
    batch = db.session.get(CertificateBatch, batch_id)
    if batch is None:
        abort(404)
    require_contest(batch.contest_id)
    return batch


def _status(batch: CertificateBatch) -> dict:
    return {
        "id": batch.id,
        "status": batch.status,
        "done": batch.done,
        "total": batch.total,
        "percent": batch.percent,
        "error": translate(batch.error_message),
        "download_url": url_for("certificates.batch_download", batch_id=batch.id) if batch.status == "done" else None,
    }


@bp.route("/batch/<int:batch_id>")
def batch(batch_id: int):
    batch = _batch(batch_id)
    contest = db.session.get(Contest, batch.contest_id)
    form = _batch_form(contest)
    form.kind.data, form.format.data = batch.kind, batch.format
    form.event_id.data, form.delegation_id.data = batch.event_id or 0, batch.delegation_id or 0
    form.allow_unprintable.data = batch.allow_unprintable
    return render_template(
        "certificates/batch.html",
        batch=batch,
        contest=contest,
        status=_status(batch),
        scope=services.describe_batch(batch),
        form=form,
        labels=kinds.KIND_LABELS,
        states={"queued": _("排队中"), "running": _("生成中"), "done": _("完成"), "failed": _("失败")},
    )


@bp.route("/batch/<int:batch_id>/status")
def batch_status(batch_id: int):
    response = jsonify(_status(_batch(batch_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/batch/<int:batch_id>/download")
def batch_download(batch_id: int):
    batch = _batch(batch_id)
    path = Path(batch.output_path) if batch.output_path else None
    if batch.status != "done" or path is None or not path.is_file():
        abort(404)
    contest = db.session.get(Contest, batch.contest_id)
    name = f"{contest.code}-{batch.kind}-{batch.id}.{batch.format}"
    mimetype = PDF if batch.format == "pdf" else "application/zip"
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=name)


# -- downloads for everyone concerned -----------------------------------------------------------------


@bp.route("/download/<serial>.pdf")
def download(serial: str):
    cert = services.find_by_serial(serial)
    if cert is None or not services.may_download(current_user, cert):
        abort(404)
    if cert.revoked_at is not None and current_user.role_enum is not Role.ORGANISER:
        abort(404)
    return _pdf(services.certificate_pdf(cert), f"{cert.serial}.pdf")


@bp.route("/mine")
def mine():
    role = current_user.role_enum
    query = select(IssuedCertificate).where(IssuedCertificate.revoked_at.is_(None))
    regs: list[Registration] = []
    delegation = None
    if role is Role.CONTESTANT:
        regs = list(db.session.scalars(select(Registration).where(Registration.user_id == current_user.id)))
        query = query.where(IssuedCertificate.registration_id.in_([r.id for r in regs] or [0]))
    elif role is Role.DELEGATION:
        delegation = db.session.get(Delegation, current_user.delegation_id) if current_user.delegation_id else None
        if delegation is not None:
            regs = list(
                db.session.scalars(
                    select(Registration)
                    .where(Registration.delegation_id == delegation.id, Registration.status == "confirmed")
                    .order_by(Registration.event_id, Registration.name)
                )
            )
        query = query.where(IssuedCertificate.delegation_id == (current_user.delegation_id or 0))
    else:
        query = query.where(IssuedCertificate.judge_id == current_user.id)
    certs = db.session.scalars(query.order_by(IssuedCertificate.kind, IssuedCertificate.serial)).all()
    return render_template(
        "certificates/mine.html", certs=certs, regs=regs, delegation=delegation, labels=kinds.KIND_LABELS
    )


def _admission_scope(reg: Registration) -> services.Scope:
    return services.Scope(reg.contest, "admission", event=reg.event, delegation=reg.delegation)


@bp.route("/admission/<int:reg_id>.pdf")
def admission_card(reg_id: int):
    reg = db.session.get(Registration, reg_id)
    if reg is None or not can_see(current_user, reg):
        abort(404)
    if reg.status != "confirmed":
        flash(_("报名经组委会确认后才能打印参赛证。"), "error")
        return redirect(
            url_for("certificates.mine")
            if current_user.role_enum is not Role.ORGANISER
            else url_for("certificates.manage", code=reg.contest.code)
        )
    found = [s for s in services.subjects(_admission_scope(reg)) if s.registration_id == reg.id]
    db.session.commit()
    return _admission_pdf(_admission_scope(reg), found, reg.name, back=url_for("main.home"))


def _admission_pdf(scope: services.Scope, found: list, name: str, back: str):
    """The admission cards as one PDF, or the page saying why they cannot be made."""
    try:
        pdf = services.admission_pdf(scope, found)
    except (services.CertificatesRefused, CertificateError) as err:
        messages = err.messages if isinstance(err, services.CertificatesRefused) else [err.message]
        return render_template("certificates/problem.html", title=_("参赛证无法生成"), problems=messages,
                               back=back), 422
    return _pdf(pdf, _("参赛证-%(name)s.pdf", name=name))


@bp.route("/admission/delegation.pdf")
def admission_delegation():
    delegation = db.session.get(Delegation, current_user.delegation_id) if current_user.delegation_id else None
    if delegation is None:
        abort(404)
    scope = services.Scope(delegation.contest, "admission", delegation=delegation)
    found = services.subjects(scope)
    db.session.commit()
    if not found:
        flash(_("本代表队还没有经组委会确认的选手。"), "error")
        return redirect(url_for("certificates.mine"))
    return _admission_pdf(scope, found, delegation.name, back=url_for("certificates.mine"))


@bp.route("/checkin/<int:reg_id>/<token>")
def checkin(reg_id: int, token: str):
    import hmac

    reg = db.session.get(Registration, reg_id)
    if reg is None or not hmac.compare_digest(token, services.checkin_token(reg_id)) or not can_see(current_user, reg):
        abort(404)
    found = [s for s in services.subjects(_admission_scope(reg)) if s.registration_id == reg.id]
    db.session.commit()
    photo = None
    if reg.photo:
        from flask import current_app

        from contests import uploads

        path = uploads.resolve(current_app.config["UPLOAD_FOLDER"], reg.photo)
        photo = base64.b64encode(path.read_bytes()).decode() if path else None
    return render_template("certificates/checkin.html", reg=reg, ctx=found[0].context if found else None, photo=photo)
