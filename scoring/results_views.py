"""Results pages: public results (no login), staff pages for publication, arbitration, exports, statistics,
charts, provisional standings, appeals and forwarding.

Thin views: load, check the object is the user's, validate, call one service, commit once.
"""

from __future__ import annotations

import io
import json

from flask import Blueprint, Response, abort, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

import scoring.results_models  # noqa: F401  (the tables, until app/__init__.py imports them)
from app.access import ACCESS, CHIEF, CONT, DEL, ORG, PUBLIC, SUP, declare
from app.extensions import db
from app.i18n import flash, translate
from app.roles import Role
from app.text import joined
from contests.models import Contest, Event, JudgeAssignment, Registration
from scoring import appeals, charts, public_pages, publication, results, results_export, results_forward
from scoring.results_forms import AppealForm, DecisionForm, ForwardForm, InputsForm, PublishForm, SettingsForm, TieForm
from scoring.results_models import Appeal, StoredResult
from scoring.results_policy import PRESETS, describe_awards, parse_award_policy, tie_breaks_text

bp = Blueprint("results", __name__, template_folder="templates", url_prefix="/results")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STAFF = frozenset({ORG, SUP})

declare({
    "results.index": PUBLIC,
    "results.contest": PUBLIC,
    "results.event": PUBLIC,
    "results.medals": PUBLIC,
    "results.medals_svg": PUBLIC,
    "results.distribution_svg": PUBLIC,
    "results.manage": STAFF,
    "results.manage_event": STAFF,
    "results.settings": frozenset({ORG}),
    "results.recompute": frozenset({ORG}),
    "results.publish": frozenset({ORG}),
    "results.publish_contest": frozenset({ORG}),
    "results.inputs": frozenset({ORG}),
    "results.tie": frozenset({SUP}),
    "results.export_event": STAFF,
    "results.export_contest": STAFF,
    "results.statistics": STAFF,
    "results.statistics_xlsx": STAFF,
    "results.standings": frozenset({CHIEF, ORG, SUP}),
    "results.judges": frozenset({CHIEF, ORG, SUP}),
    "results.judges_svg": frozenset({CHIEF, ORG, SUP}),
    "results.appeals": frozenset({CONT, DEL}),
    "results.appeal_new": frozenset({CONT, DEL}),
    "results.appeals_admin": STAFF,
    "results.appeal_decide": frozenset({SUP}),
    "results.forward": frozenset({ORG}),
})


# -- helpers -------------------------------------------------------------------------------------------

def _contest(code: str) -> Contest:
    contest = db.session.scalar(select(Contest).where(Contest.code == code))
    if contest is None:
        abort(404)
    return contest


def _staff_contest(code: str) -> Contest:
    contest = _contest(code)
    _check_staff(contest.id)
    return contest


def _check_staff(contest_id: int) -> None:
    if current_user.role in (Role.ORGANISER, Role.SUPERVISOR) and current_user.contest_id not in (None, contest_id):
        abort(403)


def _staff_event(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None:
        abort(404)
    if current_user.role == Role.CHIEF_JUDGE:
        chief = db.session.scalar(select(JudgeAssignment.id).where(
            JudgeAssignment.event_id == event.id, JudgeAssignment.user_id == current_user.id,
            JudgeAssignment.is_chief.is_(True)))
        if chief is None:
            abort(403)
    else:
        _check_staff(event.contest_id)
    return event


def _public_event(code: str, event_code: str) -> tuple[Contest, Event]:
    contest = _contest(code)
    event = db.session.scalar(select(Event).where(Event.contest_id == contest.id, Event.code == event_code))
    if event is None or not results.settings_for(event, create=False).published:
        abort(404)
    return contest, event


def _xlsx(data: bytes, name: str):
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=name)


def _svg(text: str) -> Response:
    return Response(text, mimetype="image/svg+xml")


def _refused(err: Exception) -> None:
    db.session.rollback()
    flash(getattr(err, "message", None) or str(err), "error")  # a Msg: translated by app.i18n.flash


def _form_errors(form) -> None:
    for field, messages in form.errors.items():
        label = getattr(getattr(form, field, None), "label", None)
        for message in messages:
            flash(_("%(label)s：%(message)s", label=label.text if label else field, message=translate(message)),
                  "error")


# -- public --------------------------------------------------------------------------------------------

def for_the_public(view):
    """This page may be answered to readers who are not logged in from the public page cache
    (``scoring/public_pages.py``): rendered once per language and results version."""
    endpoint = f"{bp.name}.{view.__name__}"
    if ACCESS.get(endpoint) != PUBLIC:  # the fast path skips ``access.enforce``: only public pages may take it
        raise RuntimeError(f"{endpoint} is not public in the access matrix")
    public_pages.ENDPOINTS.add(endpoint)
    return view


@bp.route("/")
@for_the_public
def index():
    contests = db.session.scalars(select(Contest).order_by(Contest.starts_on.desc())).all()
    shown = [(c, publication.published_events(c)) for c in contests]
    return render_template("scoring/results/public_index.html", contests=[(c, ev) for c, ev in shown if ev])


@bp.route("/<code>")
@for_the_public
def contest(code: str):
    contest = _contest(code)
    events = [(e, s, publication.public_rows(e)) for e, s in publication.published_events(contest)]
    return render_template("scoring/results/public_contest.html", contest=contest, events=events,
                           labels=publication.STATE_LABELS)


@bp.route("/<code>/medals")
@for_the_public
def medals(code: str):
    contest = _contest(code)
    return render_template("scoring/results/medals.html", contest=contest,
                           rows=publication.public_medal_table(contest))


@bp.route("/<code>/medals.svg")
def medals_svg(code: str):
    contest = _contest(code)
    return _svg(charts.medals_svg(_("%(name)s 奖牌榜", name=contest.name), publication.public_medal_table(contest)))


@bp.route("/<code>/<event_code>")
@for_the_public
def event(code: str, event_code: str):
    contest, event = _public_event(code, event_code)
    settings = results.settings_for(event, create=False)
    return render_template("scoring/results/public_event.html", contest=contest, event=event, settings=settings,
                           rows=publication.public_rows(event), labels=publication.STATE_LABELS)


@bp.route("/<code>/<event_code>/distribution.svg")
def distribution_svg(code: str, event_code: str):
    _contest_, event = _public_event(code, event_code)
    totals = [r.total for r in publication.public_rows(event)]
    from decimal import Decimal

    return _svg(charts.distribution_svg(_("%(name)s 成绩分布", name=event.name), [Decimal(t) for t in totals]))


# -- staff: contest and event results ------------------------------------------------------------------

@bp.route("/manage/<code>")
def manage(code: str):
    contest = _staff_contest(code)
    rows = []
    for ev in contest.events:
        settings = results.settings_for(ev, create=False)
        count = db.session.scalar(select(db.func.count(StoredResult.id)).where(StoredResult.event_id == ev.id))
        rows.append((ev, settings, count, results.open_ties(ev)))
    return render_template("scoring/results/manage.html", contest=contest, rows=rows, labels=publication.STATE_LABELS,
                           publish_form=PublishForm())


@bp.route("/manage/event/<int:event_id>")
def manage_event(event_id: int):
    event = _staff_event(event_id)
    settings = results.settings_for(event, create=False)
    form = SettingsForm(obj=settings)
    if request.method == "GET":
        form.award_policy.data = json.dumps(settings.award_policy, ensure_ascii=False, indent=1)
        form.tie_breaks.data = tie_breaks_text(settings.tie_breaks)
        if settings.event_ends_at:
            form.event_ends_at.data = settings.event_ends_at + results.BEIJING
    try:
        described = describe_awards(parse_award_policy(settings.award_policy))
    except ValueError:
        described = []
    return render_template(
        "scoring/results/event.html", event=event, settings=settings, form=form, described=described,
        lines=results_export.result_lines([event]), ties=results.open_ties(event), labels=publication.STATE_LABELS,
        publish_form=PublishForm(), tie_form=TieForm(), inputs_form=InputsForm(),
        deadline=translate(appeals.beijing_text(appeals.deadline(event))) if settings.id else "",
        blockers={t: publication.blockers(event, t) for t in publication.NEXT.values()} if settings.id else {},
    )


@bp.route("/manage/event/<int:event_id>/settings", methods=["POST"])
def settings(event_id: int):
    event = _staff_event(event_id)
    form = SettingsForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return redirect(url_for("results.manage_event", event_id=event.id))
    if form.preset.data in PRESETS:
        policy = PRESETS[form.preset.data][1]
    else:
        try:
            policy = json.loads(form.award_policy.data or "{}")
        except json.JSONDecodeError:
            flash(_("奖项设置不是有效的 JSON"), "error")
            return redirect(url_for("results.manage_event", event_id=event.id))
    ends = form.event_ends_at.data - results.BEIJING if form.event_ends_at.data else None
    try:
        results.update_settings(event, {
            "award_policy": policy, "tie_breaks": form.tie_breaks.data or "", "shared_ranks": form.shared_ranks.data,
            "rounding_places": form.rounding_places.data, "rounding_mode": form.rounding_mode.data,
            "standardise": form.standardise.data, "appeal_window_hours": form.appeal_window_hours.data,
            "event_ends_at": ends})
    except results.ResultsError as err:
        _refused(err)
        return redirect(url_for("results.manage_event", event_id=event.id))
    db.session.commit()
    flash(_("计算规则已保存，成绩已重新计算。"), "success")
    return redirect(url_for("results.manage_event", event_id=event.id))


@bp.route("/manage/event/<int:event_id>/recompute", methods=["POST"])
def recompute(event_id: int):
    event = _staff_event(event_id)
    computed = results.recompute_event(event, reason="组委会重新计算")  # the audit entry's reason: a record
    db.session.commit()
    if computed.ok:
        flash(_("成绩已由当前评分重新计算。"), "success")
    else:
        flash(_("成绩无法计算：%(p)s", p=translate(computed.problems[0])), "error")
    return redirect(url_for("results.manage_event", event_id=event.id))


@bp.route("/manage/event/<int:event_id>/publish", methods=["POST"])
def publish(event_id: int):
    event = _staff_event(event_id)
    form = PublishForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return redirect(url_for("results.manage_event", event_id=event.id))
    try:
        publication.advance(event, form.target.data, current_user, form.public_until.data)
    except results.ResultsError as err:
        _refused(err)
        return redirect(url_for("results.manage_event", event_id=event.id))
    db.session.commit()
    flash(_("成绩状态已更新为：%(s)s", s=translate(publication.STATE_LABELS[form.target.data])), "success")
    return redirect(url_for("results.manage_event", event_id=event.id))


@bp.route("/manage/<code>/publish", methods=["POST"])
def publish_contest(code: str):
    contest = _staff_contest(code)
    form = PublishForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return redirect(url_for("results.manage", code=contest.code))
    moved, refused = publication.advance_contest(contest, form.target.data, current_user, form.public_until.data)
    db.session.commit()
    if moved:
        flash(_("已更新：%(e)s", e=translate(joined(moved))), "success")
    for message in refused:
        flash(message, "error")
    if not moved and not refused:
        flash(_("没有可以进入这一步的项目"), "error")
    return redirect(url_for("results.manage", code=contest.code))


@bp.route("/manage/event/<int:event_id>/inputs", methods=["POST"])
def inputs(event_id: int):
    from decimal import Decimal, InvalidOperation

    from contests.draw import codes_for

    event = _staff_event(event_id)
    form = InputsForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return redirect(url_for("results.manage_event", event_id=event.id))
    by_code = {code: reg for reg, code in codes_for(event.id).items()}
    values, errors = {}, []
    for number, line in enumerate(form.lines.data.splitlines(), start=1):
        parts = line.replace("，", " ").replace(",", " ").split()
        if not parts:
            continue
        reg = by_code.get(parts[0])
        try:
            theory = Decimal(parts[1]) if len(parts) > 1 else None
            seconds = int(parts[2]) if len(parts) > 2 else None
        except (InvalidOperation, ValueError):
            theory = seconds = None
            errors.append(_("第 %(n)d 行的成绩或用时不是数字", n=number))
        if reg is None:
            errors.append(_("第 %(n)d 行：本项目没有选手编号 %(c)s", n=number, c=parts[0][:20]))
        elif len(parts) > 3 or len(parts) < 2:
            errors.append(_("第 %(n)d 行应写成：选手编号 理论成绩 [用时秒数]", n=number))
        else:
            values[reg] = (theory, seconds)
    if errors:
        for message in errors[:10]:
            flash(message, "error")
        return redirect(url_for("results.manage_event", event_id=event.id))
    try:
        changed = results.set_entry_inputs(event, values, current_user)
    except results.ResultsError as err:
        _refused(err)
        return redirect(url_for("results.manage_event", event_id=event.id))
    db.session.commit()
    flash(_("已保存 %(n)d 名选手的理论成绩和用时。", n=changed), "success")
    return redirect(url_for("results.manage_event", event_id=event.id))


@bp.route("/manage/event/<int:event_id>/tie", methods=["POST"])
def tie(event_id: int):
    event = _staff_event(event_id)
    form = TieForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return redirect(url_for("results.manage_event", event_id=event.id))
    try:
        order = [int(x) for x in form.order.data.replace(",", " ").replace("，", " ").split()]
    except ValueError:
        flash(_("名次顺序应为报名号，每行一个"), "error")
        return redirect(url_for("results.manage_event", event_id=event.id))
    try:
        results.decide_tie(event, order, form.reason.data, current_user)
    except results.ResultsError as err:
        _refused(err)
        return redirect(url_for("results.manage_event", event_id=event.id))
    db.session.commit()
    flash(_("仲裁决定已记录，名次已更新。"), "success")
    return redirect(url_for("results.manage_event", event_id=event.id))


# -- exports, statistics, charts -----------------------------------------------------------------------

@bp.route("/manage/event/<int:event_id>/results.xlsx")
def export_event(event_id: int):
    event = _staff_event(event_id)
    # File names stay Chinese (the documents' names in the archive), whatever the reader's language.
    return _xlsx(results_export.event_workbook(event), f"{event.contest.code}-{event.code}-成绩.xlsx")


@bp.route("/manage/<code>/results.xlsx")
def export_contest(code: str):
    contest = _staff_contest(code)
    return _xlsx(results_export.contest_workbook(contest), f"{contest.code}-成绩.xlsx")


@bp.route("/manage/<code>/statistics")
def statistics(code: str):
    contest = _staff_contest(code)
    return render_template("scoring/results/statistics.html", contest=contest,
                           s=results_export.poverty_statistics(contest))


@bp.route("/manage/<code>/statistics.xlsx")
def statistics_xlsx(code: str):
    contest = _staff_contest(code)
    data = results_export.statistics_workbook(results_export.poverty_statistics(contest))
    return _xlsx(data, f"{contest.code}-参赛获奖统计.xlsx")


@bp.route("/event/<int:event_id>/standings")
def standings(event_id: int):
    from scoring.results_standings import provisional

    event = _staff_event(event_id)
    return render_template("scoring/results/standings.html", event=event, s=provisional(event))


@bp.route("/manage/event/<int:event_id>/judges")
def judges(event_id: int):
    event = _staff_event(event_id)
    return render_template("scoring/results/judges.html", event=event, rows=charts.judge_consistency(event))


@bp.route("/manage/event/<int:event_id>/judges.svg")
def judges_svg(event_id: int):
    event = _staff_event(event_id)
    return _svg(charts.consistency_svg(_("%(name)s 裁判评分宽严", name=event.name), charts.judge_consistency(event)))


# -- appeals -------------------------------------------------------------------------------------------

@bp.route("/appeals", endpoint="appeals")
def appeals_page():
    regs = appeals.appealable(current_user)
    return render_template("scoring/results/appeals.html", regs=regs, own=appeals.own_appeals(current_user),
                           deadline=lambda ev: appeals.beijing_text(appeals.deadline(ev)))


@bp.route("/appeals/<int:reg_id>", methods=["GET", "POST"])
def appeal_new(reg_id: int):
    reg = db.session.get(Registration, reg_id)
    if reg is None:
        abort(404)
    if not appeals.may_appeal_for(current_user, reg):
        abort(403)
    form = AppealForm()
    due = translate(appeals.beijing_text(appeals.deadline(reg.event)))
    if form.validate_on_submit():
        try:
            appeals.file_appeal(current_user, reg, form.text.data)
        except results.ResultsError as err:
            _refused(err)
            return render_template("scoring/results/appeal_new.html", reg=reg, form=form, deadline=due), 422
        db.session.commit()
        flash(_("申诉已提交，仲裁组将作出书面结论。"), "success")
        return redirect(url_for("results.appeals"))
    status = 422 if request.method == "POST" else 200
    return render_template("scoring/results/appeal_new.html", reg=reg, form=form, deadline=due), status


@bp.route("/manage/<code>/appeals")
def appeals_admin(code: str):
    contest = _staff_contest(code)
    return render_template("scoring/results/appeals_admin.html", contest=contest,
                           appeals=appeals.appeals_of(contest.id))


@bp.route("/manage/appeal/<int:appeal_id>", methods=["GET", "POST"])
def appeal_decide(appeal_id: int):
    appeal = db.session.get(Appeal, appeal_id)
    if appeal is None:
        abort(404)
    _check_staff(appeal.registration.contest_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            corrections = appeals.parse_corrections(form.corrections.data or "")
            appeals.decide(current_user, appeal, form.outcome.data, form.decision.data, corrections,
                           ip=request.remote_addr or "")
        except results.ResultsError as err:
            _refused(err)
            return render_template("scoring/results/appeal_decide.html", appeal=appeal, form=form), 422
        db.session.commit()
        flash(_("仲裁结论已记录。"), "success")
        return redirect(url_for("results.appeals_admin", code=appeal.registration.contest.code))
    status = 422 if request.method == "POST" else 200
    return render_template("scoring/results/appeal_decide.html", appeal=appeal, form=form), status


# -- regional to national ------------------------------------------------------------------------------

@bp.route("/manage/<code>/forward", methods=["GET", "POST"])
def forward(code: str):
    contest = _staff_contest(code)
    form = ForwardForm()
    form.target.choices = [(c.id, c.name) for c in results_forward.targets(contest)]
    if form.validate_on_submit():
        target = db.session.get(Contest, form.target.data)
        ids = [int(x) for x in request.form.getlist("registration") if x.isdigit()]
        try:
            made = results_forward.forward(current_user, contest, target, ids)
        except results.ResultsError as err:
            _refused(err)
        else:
            db.session.commit()
            flash(_("已向 %(c)s 推荐 %(n)d 名选手，等待代表团审核。", c=target.name, n=len(made)), "success")
            return redirect(url_for("results.forward", code=contest.code))
    elif request.method == "POST":
        _form_errors(form)
    return render_template("scoring/results/forward.html", contest=contest, form=form,
                           candidates=results_forward.candidates(contest),
                           done=results_forward.forwarded_ids(contest))
