"""Services of the certificates package: templates, who gets which certificate, issuing, revoking, rendering.

The pure pipeline (``certificates.render`` and friends) turns a template and plain-value contexts into PDFs;
this module connects it to the database:

* ``template_for`` / ``save_template`` — the organiser's template of each kind for a contest (created from the
  built-in default on first use), checked before it is saved: unknown placeholders, forbidden URLs, sandbox
  violations, a bad page size or serial pattern, a seal that is not an image;
* ``subjects`` — who gets a certificate of a kind in a scope (contest, event, delegation), with plain values:
  award certificates come from PUBLISHED results only; participation certificates and admission cards from
  confirmed registrations; appointment letters from judge assignments;
* ``check`` — everything that would stop or spoil a batch, as messages, before anything is issued;
* ``issue`` — gets the valid certificate of each subject or issues a new one with the next serial number
  (idempotent: regenerating a batch gives the same serials);
* ``revoke`` / ``reissue`` — a revoked serial is never handed out again (``SerialCounter`` only goes up).

Admission cards and anonymity: the card shows the station (工位号) once the station draw is done — stations are
printed on the public draw sheet and contestants need them to find their place. The sealed code of round two is
NEVER printed on a card: the contestant would carry it past the judges, which is what sealing prevents.

Services never commit; the views, the CLI and the job do.

Languages: refusals and problems are :class:`~app.text.Msg` — Chinese text that the pages, flashes and JSON
show in the reader's language (``app.i18n``), built here or in the pure pipeline, and the same message whether
it is raised in a request, a background job or the CLI. What a certificate PRINTS stays Chinese in every case
(a certificate is an official Chinese document): the contexts hold plain Chinese ``str`` (award names, roles,
dates), and the template name is stored as Chinese text.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import subprocess  # noqa: S404 - fixed argv (pdftoppm), no shell
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask import current_app, has_request_context, request
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from app import audit
from app.extensions import db
from app.text import Msg
from app.timeutil import utcnow
from certificates import fonts, kinds, numbering, render
from certificates.errors import CertificateError, InvalidImageError
from certificates.images import validate_image
from certificates.models import (
    ISSUED_KINDS,
    KINDS,
    CertificateTemplateRecord,
    IssuedCertificate,
    SerialCounter,
)
from certificates.sandbox import find_unknown_placeholders
from contests import teams, uploads
from contests.models import Contest, Delegation, Event, EventGroup, JudgeAssignment, JudgeProfile, Registration

KIND_LABELS = kinds.KIND_LABELS
KIND_CODES = {"award": "HJ", "participation": "CS", "judge": "PS", "admission": "CSZ"}
DEFAULT_PATTERNS = {
    "award": "{year}-{contest}-{event}-{seq:04}",
    "participation": "{year}-{contest}-CS-{seq:04}",
    "judge": "{year}-{contest}-PS-{seq:03}",
    "admission": "",
}
VERIFY_PATH = "/certificates/verify/"
NO_GROUP_CODES = ("open",)  # 不分组: not printed


class CertificatesRefused(Exception):
    """A refused operation; ``messages`` are Chinese (``Msg``, translated where shown), one per problem."""

    def __init__(self, messages: str | Iterable[str]):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("；".join(self.messages))


# ---------------------------------------------------------------- templates


def template_for(contest: Contest, kind: str, create: bool = True) -> CertificateTemplateRecord:
    """The contest's template of ``kind``; made from the built-in default the first time."""
    if kind not in KINDS:
        raise CertificatesRefused(Msg("未知的证书类别：{kind}", kind=kind))
    rec = db.session.scalar(
        select(CertificateTemplateRecord).where(
            CertificateTemplateRecord.contest_id == contest.id, CertificateTemplateRecord.kind == kind
        )
    )
    if rec is None:
        default = kinds.default_template(kind)
        rec = CertificateTemplateRecord(
            contest_id=contest.id,
            kind=kind,
            name=str(KIND_LABELS[kind]),  # the PDF's title: Chinese text, stored as such
            html=default.html,
            css=default.css,
            page_size=default.page_size,
            serial_pattern=DEFAULT_PATTERNS[kind],
            issuer=contest.organiser_name,
            schedule=_default_schedule(contest) if kind == "admission" else "",
            notes="\n".join(kinds.SAMPLE_CONTEXT["admission"]["notes"]) if kind == "admission" else "",
            version=1,
        )
        if create:
            db.session.add(rec)
            db.session.flush()
    return rec


def _default_schedule(contest: Contest) -> str:
    """The admission card's default schedule, printed on the card (Chinese) and edited by the organiser."""
    day = contest.starts_on
    before = day - timedelta(days=1)
    return "\n".join(
        [
            f"{before.month}月{before.day}日 14:00 | 报到、领取参赛证 | {contest.venue}",
            f"{day.month}月{day.day}日 08:00 | 检录 | 赛场入口",
            f"{day.month}月{day.day}日—{contest.ends_on.month}月{contest.ends_on.day}日 | 比赛 | {contest.venue}",
        ]
    )


def to_template(
    rec: CertificateTemplateRecord,
    *,
    seal: bytes | None = None,
    html: str | None = None,
    css: str | None = None,
    page_size: str | None = None,
) -> kinds.CertificateTemplate:
    """The pipeline's plain template for a record (``html``/``css``/``page_size``/``seal`` override it)."""
    seal_bytes = seal if seal is not None else rec.seal
    assets = {"seal": bytes(seal_bytes)} if seal_bytes else {}
    return kinds.CertificateTemplate(
        rec.kind,
        rec.html if html is None else html,
        rec.css if css is None else css,
        page_size or rec.page_size,
        assets,
        rec.name or KIND_LABELS[rec.kind],
    )


@dataclass
class TemplateValues:
    html: str
    css: str
    page_size: str
    serial_pattern: str = ""
    issuer: str = ""
    issue_date: date | None = None
    name: str = ""
    schedule: str = ""
    notes: str = ""
    seal: bytes | None = None  # a new upload
    seal_filename: str = ""
    remove_seal: bool = False


def template_problems(
    kind: str, values: TemplateValues, current_seal: bytes | None = None, render_sample: bool = True
) -> list[str]:
    """Everything wrong with the template values, as Chinese messages (empty: fine to save)."""
    problems: list[str] = []
    if kind in ISSUED_KINDS:
        problems += numbering.validate_serial_pattern(values.serial_pattern or "")
    if not (values.issuer or "").strip():
        problems.append(Msg("请填写发证单位。"))
    if values.seal is not None:
        try:
            validate_image(values.seal, Msg("印章图片"), values.seal_filename or None)
        except InvalidImageError as exc:
            problems.append(exc.message)
            return problems
    try:
        kinds.page_size_mm(values.page_size)
    except CertificateError as exc:
        problems.append(exc.message)
        return problems
    if kind == "admission":
        problems += _schedule_problems(values.schedule)
    seal = None if values.remove_seal else (values.seal if values.seal is not None else current_seal)
    tpl = kinds.CertificateTemplate(kind, values.html, values.css, values.page_size, {"seal": seal} if seal else {})
    problems += render.validate_template(tpl, render_sample=render_sample and not problems)
    return list(dict.fromkeys(problems))


def _schedule_problems(text_value: str) -> list[str]:
    out = []
    for n, line in enumerate((text_value or "").splitlines(), 1):
        if line.strip() and len([p for p in line.split("|")]) > 3:
            out.append(Msg("日程第 {n} 行的格式应为“时间 | 安排 | 地点”。", n=n))
    return out


def parse_schedule(text_value: str) -> list[dict[str, str]]:
    rows = []
    for line in (text_value or "").splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")] + ["", ""]
        rows.append({"time": parts[0], "item": parts[1], "place": parts[2]})
    return rows


def save_template(rec: CertificateTemplateRecord, values: TemplateValues, user) -> CertificateTemplateRecord:
    """Check and store new template values (version + 1); refuses with every problem found."""
    problems = template_problems(rec.kind, values, rec.seal)
    if problems:
        raise CertificatesRefused(problems)
    before = {
        "version": rec.version,
        "html_sha256": _sha(rec.html),
        "css_sha256": _sha(rec.css),
        "page_size": rec.page_size,
        "serial_pattern": rec.serial_pattern,
        "issuer": rec.issuer,
    }
    rec.html, rec.css, rec.page_size = values.html, values.css, values.page_size.strip()
    rec.serial_pattern = values.serial_pattern.strip() if rec.kind in ISSUED_KINDS else ""
    rec.issuer = values.issuer.strip()
    rec.issue_date = values.issue_date
    rec.name = (values.name or "").strip() or str(KIND_LABELS[rec.kind])
    rec.schedule, rec.notes = values.schedule or "", values.notes or ""
    if values.remove_seal:
        rec.seal, rec.seal_filename = None, ""
    elif values.seal is not None:
        rec.seal, rec.seal_filename = values.seal, (values.seal_filename or "")[:120]
    rec.version += 1
    rec.updated_by = getattr(user, "id", None)
    db.session.flush()
    audit.record(
        "certificate_template_saved",
        rec,
        user=user,
        before=before,
        after={
            "kind": rec.kind,
            "version": rec.version,
            "html_sha256": _sha(rec.html),
            "css_sha256": _sha(rec.css),
            "page_size": rec.page_size,
            "serial_pattern": rec.serial_pattern,
            "issuer": rec.issuer,
            "seal_sha256": _sha(rec.seal) if rec.seal else None,
        },
    )
    return rec


def reset_template(rec: CertificateTemplateRecord, user) -> CertificateTemplateRecord:
    """Back to the built-in HTML and CSS (settings such as the seal and the issuer are kept)."""
    default = kinds.default_template(rec.kind)
    rec.html, rec.css, rec.page_size = default.html, default.css, default.page_size
    rec.version += 1
    rec.updated_by = getattr(user, "id", None)
    db.session.flush()
    audit.record("certificate_template_reset", rec, user=user, after={"kind": rec.kind, "version": rec.version})
    return rec


def _sha(data: str | bytes | None) -> str:
    raw = data.encode() if isinstance(data, str) else (data or b"")
    return hashlib.sha256(raw).hexdigest()[:16]


def preview_pdf(tpl: kinds.CertificateTemplate) -> bytes:
    """The template with its sample data (the demo seal stands in when no seal is uploaded)."""
    if "seal" not in tpl.assets and tpl.kind != "admission":
        tpl = kinds.CertificateTemplate(
            tpl.kind, tpl.html, tpl.css, tpl.page_size, {"seal": kinds.demo_seal_png()}, tpl.title
        )
    return render.render_preview(tpl, limit=1)


def pdf_first_page_png(pdf: bytes, dpi: int = 60) -> bytes | None:
    """The first page as PNG with poppler's pdftoppm (None when poppler is not installed)."""
    exe = shutil.which("pdftoppm")
    if exe is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.pdf"
        src.write_bytes(pdf)
        out = Path(tmp) / "page"
        done = subprocess.run(  # noqa: S603 - fixed argv, our own temporary files
            [exe, "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", str(src), str(out)],
            capture_output=True,
            timeout=30,
            check=False,
        )
        png = out.with_suffix(".png")
        return png.read_bytes() if done.returncode == 0 and png.is_file() else None


# ---------------------------------------------------------------- who gets what


@dataclass
class Subject:
    """One person's certificate-to-be: plain values only."""

    key: str
    kind: str
    name: str
    context: dict[str, Any]
    order: tuple
    event_id: int | None = None
    delegation_id: int | None = None
    registration_id: int | None = None
    judge_id: int | None = None
    award: str = ""
    title: str = ""
    rank: int | None = None
    serial_fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class Scope:
    contest: Contest
    kind: str
    event: Event | None = None
    delegation: Delegation | None = None

    def describe(self) -> str:
        """“赛事 · 代表队 · 项目 · 类别” (a Msg: the kind is translated where it is shown)."""
        return describe(self.contest.name, self.kind, self.event.name if self.event is not None else None,
                        self.delegation.name if self.delegation is not None else None)


def describe(contest: str, kind: str, event: str | None = None, delegation: str | None = None) -> Msg:
    label = KIND_LABELS[kind]
    if event is not None and delegation is not None:
        return Msg("{contest} · {delegation} · {event} · {kind}", contest=contest, delegation=delegation, event=event,
                   kind=label)
    if event is not None:
        return Msg("{contest} · {event} · {kind}", contest=contest, event=event, kind=label)
    if delegation is not None:
        return Msg("{contest} · {delegation} · {kind}", contest=contest, delegation=delegation, kind=label)
    return Msg("{contest} · {kind}", contest=contest, kind=label)


def describe_batch(batch) -> str:
    """What a batch covers, in the reader's language (the stored ``scope`` is the Chinese text of record)."""
    contest = db.session.get(Contest, batch.contest_id)
    event = db.session.get(Event, batch.event_id) if batch.event_id else None
    delegation = db.session.get(Delegation, batch.delegation_id) if batch.delegation_id else None
    if contest is None or batch.kind not in KIND_LABELS or (batch.event_id and event is None) \
            or (batch.delegation_id and delegation is None):
        return batch.scope
    return describe(contest.name, batch.kind, event.name if event else None, delegation.name if delegation else None)


def _group_name(group: EventGroup | None) -> str | None:
    if group is None or group.code in NO_GROUP_CODES:
        return None
    return group.name


def _issue_date(rec: CertificateTemplateRecord, contest: Contest) -> date:
    if rec.issue_date:
        return rec.issue_date
    return contest.starts_on if rec.kind == "judge" else contest.ends_on


def _events(scope: Scope) -> list[Event]:
    if scope.event is not None:
        return [scope.event]
    return list(scope.contest.events)


def unpublished_refusal(event: Event, state: str | None) -> str:
    from scoring.publication import STATE_LABELS

    label = STATE_LABELS.get(state or "internal") or STATE_LABELS["internal"]
    return Msg("“{event}”的成绩尚未公布（当前状态：{state}），不能发放获奖证书。请先在“成绩与发布”中公布成绩。",
               event=event.name, state=label)


def subjects(scope: Scope, rec: CertificateTemplateRecord | None = None) -> list[Subject]:
    """Who gets a certificate of ``scope.kind`` in the scope, ordered by delegation, event, group and rank.

    Award certificates: only results of published events (announced, public display or final); asking for an
    unpublished event raises :class:`CertificatesRefused`."""
    rec = rec or template_for(scope.contest, scope.kind)
    kind = scope.kind
    if kind == "award":
        return _award_subjects(scope, rec)
    if kind == "judge":
        return _judge_subjects(scope, rec)
    return _registration_subjects(scope, rec)


def _base_context(
    contest: Contest,
    rec: CertificateTemplateRecord,
    name: str,
    delegation: str | None,
    event: str | None,
    group: str | None,
) -> dict[str, Any]:
    return {
        "name": name,
        "delegation": delegation,
        "contest": contest.name,
        "event": event,
        "group": group,
        "issuer": rec.issuer or contest.organiser_name,
    }


def _award_subjects(scope: Scope, rec: CertificateTemplateRecord) -> list[Subject]:
    from scoring import rules
    from scoring.results_models import PUBLISHED, ResultSettings, StoredResult

    contest = scope.contest
    events = _events(scope)
    states = dict(
        db.session.execute(
            select(ResultSettings.event_id, ResultSettings.publication).where(
                ResultSettings.event_id.in_([e.id for e in events])
            )
        ).all()
    )
    published = [e for e in events if states.get(e.id) in PUBLISHED]
    if scope.event is not None and not published:
        raise CertificatesRefused(unpublished_refusal(scope.event, states.get(scope.event.id)))
    if not published:
        raise CertificatesRefused(Msg("{contest}还没有公布成绩的项目，不能发放获奖证书。", contest=contest.name))
    query = (
        select(StoredResult, Registration, Delegation, Event, EventGroup)
        .join(Registration, Registration.id == StoredResult.registration_id)
        .join(Delegation, Delegation.id == Registration.delegation_id)
        .join(Event, Event.id == StoredResult.event_id)
        .join(EventGroup, EventGroup.id == Registration.group_id)
        .where(
            StoredResult.event_id.in_([e.id for e in published]),
            StoredResult.settled.is_(True),
            StoredResult.without_award.is_(False),
            (StoredResult.award != "") | (StoredResult.title != ""),
        )
    )
    if scope.delegation is not None:
        query = query.where(Registration.delegation_id == scope.delegation.id)
    issue_date = _issue_date(rec, contest)
    rows = db.session.execute(query).all()
    # A team's result is carried by one registration; each member gets a certificate of their own.
    team_members = {k: v for k, v in teams.members(r[1].id for r in rows).items() if len(v) > 1}
    people = {p.id: p for p in db.session.scalars(select(Registration).where(
        Registration.id.in_([m for ms in team_members.values() for m in ms])))} if team_members else {}
    out = []
    for result, entry, deleg, event, group in rows:
        # Printed on the certificate: the plain Chinese award name (a context holds exact ``str`` only).
        award = str(rules.AWARD_LABELS.get(result.award, result.award)) if result.award else ""
        for reg in [people[m] for m in team_members[entry.id]] if entry.id in team_members else [entry]:
            ctx = _base_context(contest, rec, reg.name, deleg.name, event.name, _group_name(group))
            ctx.update(award=award or result.title, title=result.title if award else "", issue_date=issue_date)
            out.append(
                Subject(
                    key=f"award:reg:{reg.id}",
                    kind="award",
                    name=reg.name,
                    context=ctx,
                    order=(deleg.code, event.position, event.id, group.position, result.rank, reg.name, reg.id),
                    event_id=event.id,
                    delegation_id=deleg.id,
                    registration_id=reg.id,
                    award=award,
                    title=result.title,
                    rank=result.rank,
                    serial_fields=_serial_fields(contest, event, group, "award"),
                )
            )
    return sorted(out, key=lambda s: s.order)


def _registration_subjects(scope: Scope, rec: CertificateTemplateRecord) -> list[Subject]:
    contest = scope.contest
    query = (
        select(Registration, Delegation, Event, EventGroup)
        .join(Delegation, Delegation.id == Registration.delegation_id)
        .join(Event, Event.id == Registration.event_id)
        .join(EventGroup, EventGroup.id == Registration.group_id)
        .where(Registration.contest_id == contest.id, Registration.status == "confirmed")
    )
    if scope.event is not None:
        query = query.where(Registration.event_id == scope.event.id)
    if scope.delegation is not None:
        query = query.where(Registration.delegation_id == scope.delegation.id)
    rows = db.session.execute(query).all()
    issue_date = _issue_date(rec, contest)
    stations = _stations([reg.id for reg, *_ in rows]) if scope.kind == "admission" else {}
    out = []
    for reg, deleg, event, group in rows:
        ctx = _base_context(contest, rec, reg.name, deleg.name, event.name, _group_name(group))
        if scope.kind == "admission":
            ctx.pop("issuer")
            ctx.update(
                issuer=rec.issuer or contest.organiser_name,
                venue=contest.venue or "—",
                station=stations.get(reg.id),
                contestant_code=None,
                schedule=parse_schedule(rec.schedule),
                notes=[n.strip() for n in rec.notes.splitlines() if n.strip()],
            )
        else:
            ctx["issue_date"] = issue_date
        out.append(
            Subject(
                key=f"{scope.kind}:reg:{reg.id}",
                kind=scope.kind,
                name=reg.name,
                context=ctx,
                order=(deleg.code, event.position, event.id, group.position, reg.name, reg.id),
                event_id=event.id,
                delegation_id=deleg.id,
                registration_id=reg.id,
                serial_fields=_serial_fields(contest, event, group, scope.kind),
            )
        )
    return sorted(out, key=lambda s: s.order)


def _stations(registration_ids: list[int]) -> dict[int, str]:
    """registration id → station, for events whose station draw is done. Never the sealed code."""
    from contests.judging_models import DrawResult, EventDraw

    if not registration_ids:
        return {}
    entry_of = teams.entries_of(registration_ids)  # a team's members share its station
    rows = db.session.execute(
        select(DrawResult.registration_id, DrawResult.station)
        .join(EventDraw, EventDraw.event_id == DrawResult.event_id)
        .where(
            DrawResult.registration_id.in_(set(entry_of.values())),
            EventDraw.stations_drawn_at.is_not(None),
            DrawResult.station.is_not(None),
        )
    ).all()
    stations = dict(rows)
    return {reg: stations[entry] for reg, entry in entry_of.items() if entry in stations}


def _judge_subjects(scope: Scope, rec: CertificateTemplateRecord) -> list[Subject]:
    from app.models import User

    contest = scope.contest
    query = (
        select(JudgeAssignment, User, Event, JudgeProfile, Delegation)
        .join(User, User.id == JudgeAssignment.user_id)
        .join(Event, Event.id == JudgeAssignment.event_id)
        .outerjoin(JudgeProfile, JudgeProfile.user_id == User.id)
        .outerjoin(Delegation, Delegation.id == JudgeProfile.delegation_id)
        .where(Event.contest_id == contest.id)
    )
    if scope.event is not None:
        query = query.where(Event.id == scope.event.id)
    if scope.delegation is not None:
        query = query.where(JudgeProfile.delegation_id == scope.delegation.id)
    issue_date = _issue_date(rec, contest)
    out = []
    for assignment, user, event, profile, deleg in db.session.execute(query).all():
        name = _judge_name(user.display_name)
        unit = profile.unit if profile and profile.unit else (deleg.name if deleg else None)
        ctx = {
            "name": name,
            "delegation": unit,
            "contest": contest.name,
            "event": event.name,
            "role": "裁判长" if assignment.is_chief else "裁判员",
            "term_start": contest.starts_on,
            "term_end": contest.ends_on,
            "issuer": rec.issuer or contest.organiser_name,
            "issue_date": issue_date,
        }
        out.append(
            Subject(
                key=f"judge:{user.id}:{event.id}",
                kind="judge",
                name=name,
                context=ctx,
                order=(
                    deleg.code if deleg else "",
                    event.position,
                    event.id,
                    0 if assignment.is_chief else 1,
                    name,
                    user.id,
                ),
                event_id=event.id,
                delegation_id=deleg.id if deleg else None,
                judge_id=user.id,
                serial_fields=_serial_fields(contest, event, None, "judge"),
            )
        )
    return sorted(out, key=lambda s: s.order)


def _judge_name(display_name: str) -> str:
    """Demo chief judges are shown as "电工裁判长 王建国": the letter needs the person's name only."""
    return display_name.rsplit(" ", 1)[-1] if " " in display_name else display_name


def _serial_fields(contest: Contest, event: Event | None, group: EventGroup | None, kind: str) -> dict[str, Any]:
    return {
        "year": contest.starts_on.year,
        "contest": contest.code,
        "event": event.code if event else None,
        "group": group.code if group else None,
        "kind": KIND_CODES[kind],
    }


# ---------------------------------------------------------------- checks


def environment_problems() -> list[str]:
    """A CJK font and the HarfBuzz subsetter: without them certificates print as boxes, or take seconds each."""
    return fonts.check_environment()


def check(
    scope: Scope,
    rec: CertificateTemplateRecord | None = None,
    found: Sequence[Subject] | None = None,
    allow_unprintable: bool = False,
) -> list[str]:
    """Everything that should stop a batch, as Chinese messages (empty: go): fonts and HarfBuzz, unknown
    placeholders, forbidden URLs, the serial pattern, a seal that is not an image, and names with characters
    the font lacks (unless ``allow_unprintable``). Refusals of the scope itself (unpublished results) are
    raised by ``subjects``."""
    rec = rec or template_for(scope.contest, scope.kind)
    problems = environment_problems() + _template_checks(rec)
    found = list(found) if found is not None else subjects(scope, rec)
    if not found:
        problems.append(Msg("{scope}：没有要生成的证书。", scope=scope.describe()))
        return list(dict.fromkeys(problems))
    if rec.kind in ISSUED_KINDS and not numbering.validate_serial_pattern(rec.serial_pattern):
        for s in found:
            try:
                numbering.format_serial(rec.serial_pattern, seq=1, **s.serial_fields)
            except CertificateError as exc:
                problems.append(Msg("{name}：{problem}", name=s.name, problem=exc.message))
                break
    if not allow_unprintable and not fonts.lacks_cjk_font(problems):
        texts = {v: None for s in found for v in _texts(s.context)}
        problems += unprintable_names(texts)
    return list(dict.fromkeys(problems))


_template_check_cache: dict[str, list[str]] = {}


def _template_checks(rec: CertificateTemplateRecord) -> list[str]:
    """Placeholders, URLs, serial pattern and seal of a template (cached by content: a single download should
    not parse the template and decode the seal every time)."""
    key = hashlib.sha256("\x00".join([rec.kind, rec.html, rec.css, rec.serial_pattern or "", _sha(rec.seal)])
                         .encode()).hexdigest()
    cached = _template_check_cache.get(key)
    if cached is not None:
        return list(cached)
    tpl = to_template(rec)
    problems = find_unknown_placeholders(rec.html, tpl.allowed_placeholders)
    problems += render.find_forbidden_urls(tpl)
    if rec.kind in ISSUED_KINDS:
        problems += numbering.validate_serial_pattern(rec.serial_pattern)
    try:
        render.validate_assets(tpl)
    except InvalidImageError as exc:
        problems.append(exc.message)
    if len(_template_check_cache) > 256:
        _template_check_cache.clear()
    _template_check_cache[key] = list(problems)
    return problems


def unprintable_names(texts: Iterable[str]) -> list[str]:
    """Chinese messages for texts (names, units …) with characters the certificate fonts lack."""
    unprintable: dict[str, list[str]] = {}
    for family in fonts.DEFAULT_FAMILIES:
        font = fonts.find_font(family)
        if font is None:
            continue
        for text_value, chars in fonts.names_that_would_not_print(texts, font.path, font.index):
            have = unprintable.setdefault(text_value, [])
            have += [c for c in chars if c not in have]
    return fonts.describe_unprintable(list(unprintable.items()))


def _texts(value) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _texts(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _texts(v)


# ---------------------------------------------------------------- issuing


def next_serial(pattern: str, fields: dict[str, Any]) -> str:
    """The next unused serial for the pattern. The counter row of the pattern's prefix only ever goes up
    (``UPDATE … RETURNING`` locks it), and a serial that exists already (another pattern made the same text)
    is skipped: a number is never handed out twice, revoked or not."""
    probe = numbering.format_serial(pattern, seq=1, **fields)  # raises SerialPatternError (Chinese)
    key = json.dumps([pattern, {k: v for k, v in sorted(fields.items()) if v is not None}], ensure_ascii=False)
    key = key if len(key) <= 255 else hashlib.sha256(key.encode()).hexdigest()
    del probe
    while True:
        seq = _bump(key)
        serial = numbering.format_serial(pattern, seq=seq, **fields)
        exists = db.session.scalar(select(IssuedCertificate.id).where(IssuedCertificate.serial == serial))
        if exists is None:
            return serial


def _bump(key: str) -> int:
    row = db.session.execute(
        text("UPDATE certificate_serial_counter SET last = last + 1 WHERE key = :k RETURNING last"), {"k": key}
    ).one_or_none()
    if row is not None:
        return int(row[0])
    try:
        with db.session.begin_nested():
            db.session.add(SerialCounter(key=key, last=1))
        return 1
    except IntegrityError:  # another transaction created it meanwhile: now it can be bumped
        row = db.session.execute(
            text("UPDATE certificate_serial_counter SET last = last + 1 WHERE key = :k RETURNING last"), {"k": key}
        ).one()
        return int(row[0])


def _snapshot(ctx: dict[str, Any]) -> str:
    def plain(value):
        if isinstance(value, date):
            return {"$date": value.isoformat()}
        return value

    return json.dumps({k: plain(v) for k, v in ctx.items()}, ensure_ascii=False, sort_keys=True)


def _restore(snapshot: dict[str, Any]) -> dict[str, Any]:
    return {
        k: date.fromisoformat(v["$date"]) if isinstance(v, dict) and "$date" in v else v for k, v in snapshot.items()
    }


def issue(
    scope: Scope, found: Sequence[Subject], user=None, rec: CertificateTemplateRecord | None = None
) -> list[IssuedCertificate]:
    """The valid certificate of each subject, in the subjects' order: an existing one (same serial as before)
    or a new one with the next serial. One audit entry for the new ones. Admission cards are not issued."""
    if scope.kind not in ISSUED_KINDS:
        raise CertificatesRefused(Msg("参赛证不发证书编号，直接打印。"))
    rec = rec or template_for(scope.contest, scope.kind)
    problems = numbering.validate_serial_pattern(rec.serial_pattern)
    if problems:
        raise CertificatesRefused(problems)
    keys = [s.key for s in found]
    existing: dict[str, IssuedCertificate] = {}
    for i in range(0, len(keys), 500):
        for cert in db.session.scalars(
            select(IssuedCertificate).where(IssuedCertificate.current_key.in_(keys[i : i + 500]))
        ):
            existing[cert.current_key] = cert
    out, new = [], []
    now = utcnow()
    for s in found:
        cert = existing.get(s.key)
        if cert is None:
            cert = _new_certificate(scope.contest, rec, s, user, now)
            new.append(cert)
        out.append(cert)
    if new:
        db.session.flush()
        audit.record(
            "certificates_issued",
            user=user,
            object_type="Contest",
            object_id=scope.contest.id,
            after={
                "kind": scope.kind,
                "scope": scope.describe(),
                "count": len(new),
                "first": new[0].serial,
                "last": new[-1].serial,
            },
        )
    return out


def _new_certificate(contest: Contest, rec: CertificateTemplateRecord, s: Subject, user, now: datetime):
    serial = next_serial(rec.serial_pattern, s.serial_fields)
    cert = IssuedCertificate(
        serial=serial,
        kind=s.kind,
        contest_id=contest.id,
        event_id=s.event_id,
        delegation_id=s.delegation_id,
        registration_id=s.registration_id,
        judge_id=s.judge_id,
        template_id=rec.id,
        template_version=rec.version,
        award=s.award,
        title=s.title,
        rank=s.rank,
        name=s.name[:60],
        context_json=_snapshot(s.context),
        current_key=s.key,
        issued_at=now,
        issued_by=getattr(user, "id", None),
    )
    db.session.add(cert)
    return cert


def issue_with_retry(scope: Scope, found: Sequence[Subject], user=None) -> list[IssuedCertificate]:
    """``issue`` in a savepoint, once more if another batch issued the same subject at the same moment
    (the UNIQUE ``current_key`` refused the duplicate): the second pass finds the other batch's certificate."""
    for attempt in range(3):
        try:
            with db.session.begin_nested():
                return issue(scope, found, user)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def revoke(cert: IssuedCertificate, reason: str, user) -> IssuedCertificate:
    reason = (reason or "").strip()
    if not reason:
        raise CertificatesRefused(Msg("请填写撤销原因（会显示在公开的验证页面上）。"))
    if cert.revoked_at is not None:
        raise CertificatesRefused(
            Msg("证书 {serial} 已撤销（{date}），不能再次撤销。", serial=cert.serial, date=_cn(cert.revoked_at))
        )
    cert.revoked_at, cert.revoked_by, cert.revoke_reason = utcnow(), getattr(user, "id", None), reason[:500]
    cert.current_key = None
    db.session.flush()
    audit.record("certificate_revoked", cert, user=user, after={"serial": cert.serial, "reason": cert.revoke_reason})
    return cert


def reissue(cert: IssuedCertificate, reason: str, user) -> IssuedCertificate:
    """Revoke (if still valid) and issue a new certificate from today's data, with a NEW serial number."""
    contest = db.session.get(Contest, cert.contest_id)
    event = db.session.get(Event, cert.event_id) if cert.event_id else None
    key = cert.current_key or _subject_key(cert)
    if cert.revoked_at is None:
        revoke(cert, reason, user)
    elif cert.replaced_by_id is not None:
        raise CertificatesRefused(
            Msg("证书 {serial} 已经补发过（新证书 {new}）。", serial=cert.serial, new=cert.replaced_by.serial)
        )
    scope = Scope(contest, cert.kind, event=event)
    found = [s for s in subjects(scope) if s.key == key]
    if not found:
        what = Msg("已公布的奖项") if cert.kind == "award" else Msg("有效的报名或裁判聘任")
        raise CertificatesRefused(Msg("{name}现在没有{what}，不能补发；原证书已撤销。", name=cert.name, what=what))
    new = issue(scope, found, user)[0]
    cert.replaced_by_id = new.id
    db.session.flush()
    audit.record("certificate_reissued", new, user=user, after={"old": cert.serial, "new": new.serial})
    return new


def _subject_key(cert: IssuedCertificate) -> str:
    if cert.kind == "judge":
        return f"judge:{cert.judge_id}:{cert.event_id}"
    return f"{cert.kind}:reg:{cert.registration_id}"


def _cn(value: datetime) -> str:
    """A stored (UTC) time as a Beijing date in the reader's language: 2020年8月13日, August 13, 2020."""
    from app.i18n import cn_date

    return cn_date(value + timedelta(hours=8))


# ---------------------------------------------------------------- rendering


def public_base_url() -> str:
    """Where the verification page lives, for the QR codes: PUBLIC_BASE_URL (config or environment), else the
    address of the current request, else the development server's."""
    base = current_app.config.get("PUBLIC_BASE_URL") or os.environ.get("PUBLIC_BASE_URL")
    if not base and has_request_context():
        base = request.host_url
    return (base or "http://127.0.0.1:5000/").rstrip("/") + "/"


def verify_url(serial: str, base: str | None = None) -> str:
    return (base or public_base_url()).rstrip("/") + VERIFY_PATH + quote(serial, safe="")


def render_context(cert: IssuedCertificate, base: str | None = None) -> dict[str, Any]:
    ctx = _restore(cert.context)
    ctx["serial"] = cert.serial
    ctx["verify_url"] = verify_url(cert.serial, base)
    allowed = kinds.ALLOWED_PLACEHOLDERS[cert.kind]
    return {k: v for k, v in ctx.items() if k in allowed}


def certificate_pdf(cert: IssuedCertificate, base: str | None = None) -> bytes:
    rec = db.session.get(CertificateTemplateRecord, cert.template_id)
    return render.render_one(to_template(rec), render_context(cert, base), allowed_dirs=allowed_dirs())


def allowed_dirs() -> dict[str, Path]:
    """Directories templates may load images from: the app's static files (``/static/app/…``)."""
    return {"app": Path(current_app.static_folder)}


def checkin_token(registration_id: int) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"checkin:{registration_id}".encode(), hashlib.sha256).hexdigest()[:16]


def checkin_url(registration_id: int, base: str | None = None) -> str:
    return (
        (base or public_base_url()).rstrip("/")
        + f"/certificates/checkin/{registration_id}/"
        + checkin_token(registration_id)
    )


def admission_contexts(found: Sequence[Subject], base: str | None = None) -> list[dict[str, Any]]:
    """Contexts of admission cards: the photo read from the upload folder, the check-in address."""
    folder = current_app.config["UPLOAD_FOLDER"]
    photos = (
        dict(
            db.session.execute(
                select(Registration.id, Registration.photo).where(
                    Registration.id.in_([s.registration_id for s in found])
                )
            ).all()
        )
        if found
        else {}
    )
    out = []
    for s in found:
        ctx = dict(s.context)
        name = photos.get(s.registration_id)
        path = uploads.resolve(folder, name) if name else None
        ctx["photo"] = path.read_bytes() if path else None
        ctx["checkin_url"] = checkin_url(s.registration_id, base)
        out.append(ctx)
    return out


def admission_pdf(scope: Scope, found: Sequence[Subject], base: str | None = None) -> bytes:
    rec = template_for(scope.contest, "admission")
    problems = check(scope, rec, found)
    if problems:
        raise CertificatesRefused(problems)
    contexts = admission_contexts(found, base)
    tpl = to_template(rec)
    if len(contexts) == 1:
        return render.render_one(tpl, contexts[0], allowed_dirs=allowed_dirs())
    return render.render_batch(tpl, contexts, processes=processes(), allowed_dirs=allowed_dirs())


def processes() -> int:
    return int(current_app.config.get("CERTIFICATE_PROCESSES", 2))


def output_folder() -> Path:
    folder = (
        current_app.config.get("CERTIFICATE_OUTPUT_FOLDER")
        or Path(current_app.config["UPLOAD_FOLDER"]) / "certificates"
    )
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def find_by_serial(serial: str) -> IssuedCertificate | None:
    serial = (serial or "").strip()
    if not serial or len(serial) > 120:
        return None
    return db.session.scalar(select(IssuedCertificate).where(IssuedCertificate.serial == serial))


def may_download(user, cert: IssuedCertificate) -> bool:
    from app.roles import Role

    role = user.role_enum
    if role is Role.ORGANISER:
        return user.contest_id in (None, cert.contest_id)
    if role is Role.DELEGATION:
        return cert.delegation_id is not None and cert.delegation_id == user.delegation_id
    if role is Role.CONTESTANT:
        reg = db.session.get(Registration, cert.registration_id) if cert.registration_id else None
        return reg is not None and reg.user_id == user.id
    if role in (Role.JUDGE, Role.CHIEF_JUDGE):
        return cert.judge_id == user.id
    return False


# ---------------------------------------------------------------- demo


DEMO_CONTESTS = ("FP2020", "SQSZ2019")


def load_demo_certificates() -> int:
    """Demo: the built-in templates (with the clearly marked demo seal) for the demo contests, and award
    certificates for their published results. Idempotent; returns how many certificates were issued."""
    from app.models import User
    from app.roles import Role

    made = 0
    for code in DEMO_CONTESTS:
        contest = db.session.scalar(select(Contest).where(Contest.code == code))
        if contest is None:
            continue
        for kind in KINDS:
            rec = template_for(contest, kind)
            if rec.seal is None:
                rec.seal, rec.seal_filename = kinds.demo_seal_png(), "seal-demo.png"
        organiser = db.session.scalar(
            select(User).where(User.contest_id == contest.id, User.role == Role.ORGANISER.value)
        )
        scope = Scope(contest, "award")
        try:
            found = subjects(scope)
        except CertificatesRefused:
            continue  # nothing published yet
        before = db.session.scalar(select(db.func.count(IssuedCertificate.id)))
        issue(scope, found, organiser)
        made += db.session.scalar(select(db.func.count(IssuedCertificate.id))) - before
    return made
