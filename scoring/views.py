"""Judging pages: marking schemes (organiser), the tablet score sheet (judges), the chief judge's desk,
recheck and the paper fallback. Thin views: load, check, validate, call one service, commit once."""

from __future__ import annotations

import json
import re
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app import access, readonly
from app.access import CHIEF, JUDGE, ORG, PUBLIC, require_contest
from app.extensions import db
from app.i18n import flash, translate
from contests import draw, judges
from contests.models import Event, JudgeAssignment
from scoring import paper, rechecks, schemes, services
from scoring.cli import scheme_cli
from scoring.forms import (
    ActionForm,
    AspectForm,
    DeleteAspectForm,
    FindingForm,
    ImportForm,
    ModuleForm,
    SettingsForm,
    UnlockForm,
    VoidForm,
)
from scoring.services import JudgingError
from scoring.txn import commit_with_retry

STATIC = Path(__file__).resolve().parent / "static"
SW_TEXT = re.compile(r"^var TEXT = .*;$", re.M)  # the offline page's words in sw.js
bp = Blueprint("scoring", __name__, template_folder="templates", url_prefix="/scoring",
               static_folder="static", static_url_path="/static", cli_group=None)
bp.cli.add_command(scheme_cli)  # `flask scheme import|export`

readonly.declare("scoring.sheet", "scoring.sheet_state", "scoring.chief_progress")  # the tablets' reads
access.declare({
    "scoring.static": PUBLIC,
    "scoring.service_worker": PUBLIC,
    "scoring.index": frozenset({ORG, CHIEF, JUDGE}),
    "scoring.scheme": frozenset({ORG}),
    "scoring.scheme_import": frozenset({ORG}),
    "scoring.scheme_export": frozenset({ORG}),
    "scoring.scheme_add_aspect": frozenset({ORG}),
    "scoring.scheme_delete_aspect": frozenset({ORG}),
    "scoring.scheme_activate": frozenset({ORG}),
    "scoring.sheet": frozenset({JUDGE}),
    "scoring.sheet_state": frozenset({JUDGE}),
    "scoring.save_mark": frozenset({JUDGE}),
    "scoring.sign": frozenset({JUDGE}),
    "scoring.chief": frozenset({CHIEF}),
    "scoring.chief_progress": frozenset({CHIEF}),
    "scoring.unlock": frozenset({CHIEF}),
    "scoring.confirm_module": frozenset({CHIEF}),
    "scoring.confirm_event": frozenset({CHIEF}),
    "scoring.recheck": frozenset({CHIEF}),
    "scoring.recheck_draw": frozenset({CHIEF}),
    "scoring.recheck_finding": frozenset({CHIEF}),
    "scoring.paper": frozenset({JUDGE, CHIEF}),
    "scoring.paper_void": frozenset({CHIEF}),
})


def _event(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None:
        abort(404)
    require_contest(event.contest_id)
    return event


def _json_error(err: JudgingError):
    db.session.rollback()
    return jsonify(error=translate(err.message), field=err.field, status=err.status), err.status


def _flash_error(err: JudgingError, endpoint: str, **values):
    db.session.rollback()
    if err.status == 403:
        abort(403)
    flash(err.message, "error")
    return redirect(url_for(endpoint, **values))


def _form_errors(form) -> None:
    for field_errors in form.errors.values():
        for e in field_errors:
            flash(str(e), "error")


def _ip() -> str:
    return request.remote_addr or ""


# ---------------------------------------------------------------- index

@bp.route("/")
def index():
    q = select(Event).order_by(Event.contest_id, Event.position)
    if current_user.role != ORG:
        q = q.join(JudgeAssignment, JudgeAssignment.event_id == Event.id).where(
            JudgeAssignment.user_id == current_user.id)
    elif current_user.contest_id:
        q = q.where(Event.contest_id == current_user.contest_id)
    events = list(db.session.scalars(q))
    status = {e.id: (s.status if (s := schemes.scheme_for(e.id)) else None) for e in events}
    return render_template("scoring/index.html", events=events, status=status)


# ---------------------------------------------------------------- marking schemes (organiser)

def _scheme_page(event, settings_form=None, aspect_form=None, import_form=None, status=200):
    scheme = schemes.scheme_for(event.id)
    if settings_form is None:
        settings_form = SettingsForm(obj=scheme) if scheme else SettingsForm(
            theory_weight=20, practical_weight=80, theory_total=100, practical_total=100, panel_judges=5,
            panel_drop=1, panel_min=0, judgement_gap=1, recheck_top=10, recheck_share=15, recheck_error_limit=5)
    return render_template(
        "scoring/scheme.html", event=event, scheme=scheme, settings_form=settings_form,
        aspect_form=aspect_form or AspectForm(), import_form=import_form or ImportForm(),
        action_form=ActionForm(), delete_form=DeleteAspectForm(),
        problems=schemes.problems(scheme) if scheme else [], teams=judges.teams(event),
        locked=bool(scheme and scheme.status == "active" and schemes.has_marks(scheme)),
        type_codes=schemes.KIND_TO_TYPE,
    ), status


@bp.route("/scheme/<int:event_id>", methods=["GET", "POST"])
def scheme(event_id: int):
    event = _event(event_id)
    form = SettingsForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return _scheme_page(event, settings_form=form, status=422)
        try:
            s = schemes.ensure_scheme(event)
            schemes.update_settings(s, {f: getattr(form, f).data for f in SettingsForm.FIELDS})
            db.session.commit()
        except schemes.SchemeError as err:
            db.session.rollback()
            for p in err.problems:
                flash(p, "error")
            return redirect(url_for("scoring.scheme", event_id=event.id))
        flash(_("设置已保存。评分方案回到草稿状态，检查无误后请重新启用。"), "success")
        return redirect(url_for("scoring.scheme", event_id=event.id))
    return _scheme_page(event)


@bp.route("/scheme/<int:event_id>/import", methods=["POST"])
def scheme_import(event_id: int):
    event = _event(event_id)
    form = ImportForm()
    if not form.validate_on_submit():
        return _scheme_page(event, import_form=form, status=422)
    upload = form.file.data
    raw = upload.read()
    name = (upload.filename or "").lower()
    try:
        data = schemes.read_json(raw) if name.endswith(".json") else schemes.read_excel(raw)
        schemes.replace_scheme(event, data, source=name[-80:])
        db.session.commit()
    except schemes.SchemeError as err:
        db.session.rollback()
        form.file.errors = list(err.problems[:20])
        return _scheme_page(event, import_form=form, status=422)
    flash(_("评分方案已导入。请检查后启用。"), "success")
    return redirect(url_for("scoring.scheme", event_id=event.id))


@bp.route("/scheme/<int:event_id>/export")
def scheme_export(event_id: int):
    event = _event(event_id)
    s = schemes.scheme_for(event.id)
    if s is None:
        abort(404)
    fmt = request.args.get("format", "xlsx")
    filename = f"scheme-{event.contest.code}-{event.code}"
    if fmt == "json":
        response = jsonify(schemes.export_dict(s))
        response.headers["Content-Disposition"] = f"attachment; filename={filename}.json"
        return response
    import io

    return send_file(io.BytesIO(schemes.export_excel(s)), as_attachment=True, download_name=f"{filename}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/scheme/<int:event_id>/aspects", methods=["POST"])
def scheme_add_aspect(event_id: int):
    event = _event(event_id)
    form = AspectForm()
    if not form.validate_on_submit():
        return _scheme_page(event, aspect_form=form, status=422)
    levels = [form.level0.data or "", form.level1.data or "", form.level2.data or "", form.level3.data or ""]
    data = schemes.AspectData(code=form.code.data.strip(), kind=form.kind.data, maximum=form.maximum.data,
                              description=(form.description.data or "").strip(), levels=levels if any(levels) else [],
                              step=form.step.data, marking_day=form.marking_day.data,
                              team=(form.team.data or "").strip())
    try:
        s = schemes.ensure_scheme(event)
        schemes.add_aspect(s, form.criterion.data.strip(), (form.sub.data or "").strip(), data)
        db.session.commit()
    except schemes.SchemeError as err:
        db.session.rollback()
        form.code.errors = list(form.code.errors) + err.problems
        return _scheme_page(event, aspect_form=form, status=422)
    flash(_("评分项 %(code)s 已添加。", code=data.code), "success")
    return redirect(url_for("scoring.scheme", event_id=event.id))


@bp.route("/scheme/<int:event_id>/aspects/delete", methods=["POST"])
def scheme_delete_aspect(event_id: int):
    event = _event(event_id)
    form = DeleteAspectForm()
    s = schemes.scheme_for(event.id)
    if not form.validate_on_submit() or s is None or not str(form.aspect_id.data).isdigit():
        flash(_("请选择要删除的评分项"), "error")
        return redirect(url_for("scoring.scheme", event_id=event.id))
    try:
        schemes.delete_aspect(s, int(form.aspect_id.data))
        db.session.commit()
    except schemes.SchemeError as err:
        db.session.rollback()
        for p in err.problems:
            flash(p, "error")
    return redirect(url_for("scoring.scheme", event_id=event.id))


@bp.route("/scheme/<int:event_id>/activate", methods=["POST"])
def scheme_activate(event_id: int):
    event = _event(event_id)
    s = schemes.scheme_for(event.id)
    if not ActionForm().validate_on_submit() or s is None:
        flash(_("请先建立评分方案"), "error")
        return redirect(url_for("scoring.scheme", event_id=event.id))
    try:
        schemes.activate(s)
        db.session.commit()
    except schemes.SchemeError as err:
        db.session.rollback()
        for p in err.problems:
            flash(p, "error")
        return redirect(url_for("scoring.scheme", event_id=event.id))
    flash(_("评分方案已启用，裁判可以开始评分。"), "success")
    return redirect(url_for("scoring.scheme", event_id=event.id))


# ---------------------------------------------------------------- the tablet score sheet (judges)

@bp.route("/sw.js")
def service_worker():
    """The service worker, served from /scoring/ so that its scope covers the score sheets."""
    words = {"title": _("离线"), "message": _("离线：这个页面还没有保存在本机。")}
    text = json.dumps(words, ensure_ascii=False).replace("<", "\\u003c")
    script = SW_TEXT.sub(lambda _m: f"var TEXT = {text};", (STATIC / "sw.js").read_text(encoding="utf-8"), count=1)
    response = make_response(script)
    response.headers["Content-Type"] = "application/javascript; charset=utf-8"
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/scoring/"
    return response


@bp.route("/sheet/<int:event_id>")
def sheet(event_id: int):
    event = _event(event_id)
    try:
        state = services.sheet_state(current_user, event)
    except JudgingError as err:
        if err.status == 403:
            abort(403)
        return render_template("scoring/unavailable.html", event=event, message=err.message)
    response = make_response(render_template("scoring/sheet.html", event=event, state=state))
    response.headers["Cache-Control"] = "no-store"  # the service worker keeps its own copy for offline use
    return response


@bp.route("/sheet/<int:event_id>/state")
def sheet_state(event_id: int):
    event = _event(event_id)
    try:
        return jsonify(services.sheet_state(current_user, event))
    except JudgingError as err:
        return _json_error(err)


@bp.route("/sheet/<int:event_id>/marks", methods=["POST"])
def save_mark(event_id: int):
    event = _event(event_id)
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return jsonify(error=_("请求格式不正确"), field="", status=400), 400
    user, ip = current_user._get_current_object(), _ip()  # the user itself: the proxy costs on every use
    try:
        saved = commit_with_retry(lambda: services.save_mark(user, event, payload, ip))
    except JudgingError as err:
        return _json_error(err)
    body = saved.body or services.mark_json(saved.mark, str(payload.get("code", "")), saved.created)
    return jsonify(body), 201 if saved.created else 200


@bp.route("/sheet/<int:event_id>/sign", methods=["POST"])
def sign(event_id: int):
    event = _event(event_id)
    payload = request.get_json(silent=True) or request.form
    try:
        sheet = services.sign_sheet(current_user, event, payload.get("code", ""), payload.get("criterion_id"))
        db.session.commit()
    except JudgingError as err:
        return _json_error(err)
    return jsonify(status="signed", code=payload.get("code"), criterion_id=sheet.criterion_id)


# ---------------------------------------------------------------- the chief judge

def _chief_event(event_id: int) -> Event:
    event = _event(event_id)
    try:
        services.require_chief(current_user, event)
    except JudgingError:
        abort(403)
    return event


@bp.route("/chief/<int:event_id>")
def chief(event_id: int):
    event = _chief_event(event_id)
    s = schemes.scheme_for(event.id)
    if s is None or s.status != "active":
        return render_template("scoring/unavailable.html", event=event, message=_("本项目的评分方案尚未启用"))
    return render_template(
        "scoring/chief.html", event=event, scheme=s, progress=services.progress(event, s),
        flags=services.disagreements(event, s), panel=services.panel_details(event, s),
        scores=services.practical_scores(event, s), mismatches=paper.mismatches(event),
        unlock_form=UnlockForm(), module_form=ModuleForm(), action_form=ActionForm(), void_form=VoidForm(),
        decrypted=draw.is_decrypted(event.id), number=services.number,
    )


@bp.route("/chief/<int:event_id>/progress.json")
def chief_progress(event_id: int):
    event = _chief_event(event_id)
    s = schemes.scheme_for(event.id)
    if s is None or s.status != "active":
        return jsonify(error=_("本项目的评分方案尚未启用"), status=409), 409
    return jsonify(progress=services.progress(event, s), flags=services.disagreements(event, s))


def _chief_action(event, form, act, done, back: str = "scoring.chief"):
    """One of the chief judge's buttons: check the form, call one service, commit once, say what happened
    (``done`` is the message, or makes it from what the service returned) and go back to the page."""
    if not form.validate_on_submit():
        if type(form) is ActionForm:  # a bare button: only its CSRF token can be wrong
            flash(_("页面已过期，请刷新后重试"), "error")
        else:
            _form_errors(form)
        return redirect(url_for(back, event_id=event.id))
    try:
        result = act(form)
        db.session.commit()
    except JudgingError as err:
        return _flash_error(err, back, event_id=event.id)
    message, category = done(result) if callable(done) else (done, "success")
    flash(message, category)
    return redirect(url_for(back, event_id=event.id))


@bp.route("/chief/<int:event_id>/unlock", methods=["POST"])
def unlock(event_id: int):
    event = _chief_event(event_id)
    return _chief_action(event, UnlockForm(),
                         lambda f: services.unlock_sheet(current_user, event, f.sheet_id.data, f.reason.data),
                         _("评分表已解锁，裁判可以修改后重新签字。"))


@bp.route("/chief/<int:event_id>/confirm-module", methods=["POST"])
def confirm_module(event_id: int):
    event = _chief_event(event_id)
    return _chief_action(event, ModuleForm(),
                         lambda f: services.confirm_module(current_user, event, f.criterion_id.data),
                         _("模块成绩已确认。"))


@bp.route("/chief/<int:event_id>/confirm-event", methods=["POST"])
def confirm_event(event_id: int):
    event = _chief_event(event_id)
    return _chief_action(event, ActionForm(), lambda f: services.confirm_event(current_user, event),
                         _("本项目成绩已确认，可以由加密裁判申请解密。"))


@bp.route("/chief/<int:event_id>/recheck")
def recheck(event_id: int):
    event = _chief_event(event_id)
    s = schemes.scheme_for(event.id)
    if s is None or s.status != "active":
        return render_template("scoring/unavailable.html", event=event, message=_("本项目的评分方案尚未启用"))
    items = rechecks.items(event)
    info = rechecks.item_info(event, items)
    return render_template("scoring/recheck.html", event=event, scheme=s, items=items, info=info,
                           verdict=rechecks.verdict(event, s), action_form=ActionForm(), finding_form=FindingForm())


@bp.route("/chief/<int:event_id>/recheck/draw", methods=["POST"])
def recheck_draw(event_id: int):
    event = _chief_event(event_id)
    return _chief_action(event, ActionForm(), lambda f: rechecks.draw_sheets(current_user, event),
                         lambda n: (_("已抽取 %(n)d 张评分表复核。", n=n), "success"), back="scoring.recheck")


@bp.route("/chief/<int:event_id>/recheck/finding", methods=["POST"])
def recheck_finding(event_id: int):
    event = _chief_event(event_id)

    def said(outcome):
        if outcome["added"]:
            return _("错误率超过规定，须全部复核：已加入其余 %(n)d 张评分表。", n=outcome["added"]), "warning"
        return _("复核结果已记录。"), "success"

    return _chief_action(event, FindingForm(), lambda f: rechecks.record_finding(
        current_user, event, f.item_id.data, f.result.data, f.finding.data), said, back="scoring.recheck")


@bp.route("/chief/<int:event_id>/paper/void", methods=["POST"])
def paper_void(event_id: int):
    event = _chief_event(event_id)
    return _chief_action(event, VoidForm(), lambda f: paper.void_mismatch(current_user, event, f.entry_id.data),
                         _("已作废这对不一致的录入，请两位录入员重新录入。"))


# ---------------------------------------------------------------- paper fallback (two clerks)

@bp.route("/paper/<int:event_id>", methods=["GET", "POST"], endpoint="paper")
def paper_entry(event_id: int):
    event = _event(event_id)
    try:
        paper.require_clerk(current_user, event)
        s = services.active_scheme(event)
    except JudgingError as err:
        if err.status == 403:
            abort(403)
        return render_template("scoring/unavailable.html", event=event, message=err.message)
    src = request.form if request.method == "POST" else request.args
    code, judge_id, criterion_id = src.get("code", "").strip(), src.get("judge_id", ""), src.get("criterion_id", "")
    aspects = []
    if judge_id.isdigit() and criterion_id.isdigit():
        aspects = paper.sheet_aspects(event, int(judge_id), criterion_id)
    errors: dict[str, str] = {}
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            errors[""] = _("页面已过期或缺少安全令牌，请刷新页面后重新提交。")
        else:
            values = {a.id: request.form.get(f"aspect-{a.id}", "") for a in aspects}
            try:
                outcome = paper.enter(current_user, event, code, judge_id, criterion_id, values, _ip())
                db.session.commit()
            except JudgingError as err:
                db.session.rollback()
                if err.status == 403 and not err.field:
                    abort(403)
                errors[err.field or ""] = err.message
            else:
                flash(_("已录入：%(p)d 项等待第二位录入员核对，%(m)d 项一致并生效，%(x)d 项不一致已提交裁判长。",
                        p=outcome.pending, m=outcome.matched, x=outcome.mismatched),
                      "warning" if outcome.mismatched else "success")
                return redirect(url_for("scoring.paper", event_id=event.id))
    status = 422 if errors else 200
    return render_template("scoring/paper.html", event=event, scheme=s, judges=services.event_judges(event.id),
                           codes=sorted(draw.codes_for(event.id).values()), aspects=aspects, code=code,
                           judge_id=judge_id, criterion_id=criterion_id, errors=errors, form=form,
                           values=request.form), status
