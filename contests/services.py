"""Registration operations: what views, the Excel import and the CLI call. Services never commit.

The review workflow: draft → submitted → approved (delegation) → confirmed (organiser); a submitted or
approved entry may be returned (with a reason, to be edited and submitted again) or rejected; the person
may withdraw. Every move is stored as a RegistrationStep and in the audit trail.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app import audit
from app.extensions import db
from app.models import User
from app.roles import Role
from app.text import Msg
from app.timeutil import utcnow
from contests.eligibility import field_size_warning, quota_problem
from contests.models import Contest, Delegation, Event, EventGroup, Registration, RegistrationStep
from contests.registration import Checked, EventRules, PersonEntry, check_person  # noqa: F401 (re-export)

COUNTED = ("approved", "confirmed")  # what uses up a quota
ACTIVE = ("submitted", "approved", "confirmed")


class RegistrationRefused(Exception):
    """An operation the rules do not allow; ``message`` is for the person, ``errors`` per form field.

    Messages are translated already (``gettext``) or are :class:`~app.text.Msg` values that the page, the
    flash (``app.i18n.flash``) or the JSON (``app.i18n.translate``) translates.
    """

    def __init__(self, message: str, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


# Who may move a registration from which state to which.
TRANSITIONS: dict[str, dict[str, set[Role]]] = {
    "submit": {"draft": {Role.CONTESTANT, Role.DELEGATION, Role.ORGANISER},
               "returned": {Role.CONTESTANT, Role.DELEGATION, Role.ORGANISER},
               "withdrawn": {Role.CONTESTANT, Role.DELEGATION}},
    "approve": {"submitted": {Role.DELEGATION, Role.ORGANISER}},
    "confirm": {"approved": {Role.ORGANISER}},
    "return": {"submitted": {Role.DELEGATION, Role.ORGANISER}, "approved": {Role.ORGANISER}},
    "reject": {"submitted": {Role.DELEGATION, Role.ORGANISER}, "approved": {Role.ORGANISER}},
    "withdraw": {s: {Role.CONTESTANT, Role.DELEGATION} for s in ("draft", "submitted", "approved", "returned")},
}
TARGET = {"submit": "submitted", "approve": "approved", "confirm": "confirmed", "return": "returned",
          "reject": "rejected", "withdraw": "withdrawn"}
NEEDS_REASON = {"return", "reject"}
EDITABLE = ("draft", "returned", "withdrawn")


def event_rules(event: Event, group: EventGroup) -> EventRules:
    return EventRules(
        contest_date=event.contest.starts_on, min_age=event.effective_min_age, max_age=event.effective_max_age,
        poverty_required=event.contest.poverty_required, must_work_in_occupation=event.must_work_in_occupation,
        group_code=group.code,
    )


def contest_rules(contest: Contest) -> EventRules:
    """The contest's own rules, for checking a person before an event is chosen."""
    return EventRules(contest_date=contest.starts_on, min_age=contest.min_age, max_age=contest.max_age,
                      poverty_required=contest.poverty_required, must_work_in_occupation=False, group_code="open")


def registration_open(contest: Contest, now: datetime | None = None) -> bool:
    now = now or utcnow()
    opens, closes = contest.registration_opens, contest.registration_closes
    return (opens is None or now >= opens) and (closes is None or now <= closes)


def can_see(user: User, reg: Registration) -> bool:
    """Object-level access: the person, their delegation, the contest's organisers."""
    role = user.role_enum
    if role is Role.CONTESTANT:
        return reg.user_id == user.id
    if role is Role.DELEGATION:
        return reg.delegation_id == user.delegation_id
    if role is Role.ORGANISER:
        return user.contest_id in (None, reg.contest_id)
    return False


def _check_window(contest: Contest, user: User) -> None:
    if user.role_enum is not Role.ORGANISER and not registration_open(contest):
        raise RegistrationRefused(Msg("报名时间为 {opens} 至 {closes}，现在不在报名时间内",
                                      opens=_fmt(contest.registration_opens), closes=_fmt(contest.registration_closes)))


def _fmt(value: datetime | None) -> str:
    return Msg("{year}年{month}月{day}日", year=value.year, month=value.month, day=value.day) if value else "—"


def save(user: User, contest: Contest, delegation: Delegation, event: Event, group: EventGroup,
         entry: PersonEntry, *, registration: Registration | None = None, submit: bool = False,
         photo: str | None = None, proof: str | None = None) -> Registration:
    """Create or update a registration from a form (or an Excel row); optionally submit it at once."""
    _check_window(contest, user)
    if event.contest_id != contest.id or group.event_id != event.id or delegation.contest_id != contest.id:
        raise RegistrationRefused(_("项目、组别或代表团不属于本比赛"))
    checked: Checked = check_person(entry, event_rules(event, group))
    if checked.person is None:
        raise RegistrationRefused(_("报名信息有误，请按提示修改"), checked.errors)
    if registration is not None and registration.status not in EDITABLE:
        raise RegistrationRefused(_("报名已提交审核，不能修改；如需修改请联系代表团退回"))
    before = _snapshot(registration) if registration else None
    reg = registration or Registration(contest_id=contest.id, user_id=user.id if user.role == "contestant" else None,
                                       source="self" if user.role == "contestant" else "delegation", status="draft")
    for key, value in asdict(checked.person).items():
        setattr(reg, key, value)
    reg.event_id, reg.group_id, reg.delegation_id = event.id, group.id, delegation.id
    if photo:
        reg.photo = photo
    if proof:
        reg.poverty_proof = proof
    if contest.poverty_required and reg.poor_household and not reg.poverty_proof and submit:
        raise RegistrationRefused(_("请上传建档立卡贫困户证明材料"),
                                  {"poverty_proof": _("请上传证明材料（图片或PDF）")})
    if registration is None:
        db.session.add(reg)
    if reg.status == "withdrawn":
        _move(reg, user, "draft", "")
    audit.record("registration_saved", reg, before=before, after=_snapshot(reg), user=user)
    if submit:
        transition(user, reg, "submit")
    try:
        # Everything is decided before the one flush (a submitted registration is inserted as submitted,
        # not inserted and then updated). No savepoint: a refusal ends the whole request's transaction (the
        # caller rolls back); the unique key, not a read, decides a race between two posts of one person.
        db.session.flush()
    except IntegrityError:
        raise RegistrationRefused(
            _("这个身份证号码已经报名了本比赛的这个项目，不能重复报名"), {"id_number": _("该身份证号码已报名此项目")}
        ) from None
    return reg


def transition(user: User, reg: Registration, action: str, reason: str = "") -> Registration:
    """Move a registration one step, checking who may do it, the reason, and the quotas."""
    allowed = TRANSITIONS.get(action, {}).get(reg.status)
    if not allowed or user.role_enum not in allowed or not can_see(user, reg):
        raise RegistrationRefused(Msg("当前状态为“{status}”，不能{action}", status=STATUS_LABELS[reg.status],
                                      action=ACTION_LABELS.get(action, action)))
    reason = (reason or "").strip()
    if action in NEEDS_REASON and not reason:
        raise RegistrationRefused(_("退回或不通过时必须写明原因"), {"reason": _("请填写原因")})
    if len(reason) > 500:
        raise RegistrationRefused(_("原因不能超过500个字"), {"reason": _("原因不能超过500个字")})
    if action == "approve":
        check_quotas(reg)
    if reg.team_id is not None and TARGET[action] in ("withdrawn", "returned", "rejected", "draft"):
        # A team enters as one: a member leaving would silently break the entry after the draw.
        raise RegistrationRefused(_("该选手在团队中，请先由代表团解散该团队"))
    before = reg.status
    _move(reg, user, TARGET[action], reason)
    audit.record(f"registration_{action}", reg, before={"status": before},
                 after={"status": reg.status, "reason": reason}, user=user)
    return reg


def _move(reg: Registration, user: User | None, to: str, reason: str) -> None:
    # Added, not appended to ``reg.steps``: appending would first load the history just to add to it.
    db.session.add(RegistrationStep(registration=reg, from_status=reg.status, to_status=to, reason=reason,
                                    user_id=getattr(user, "id", None)))
    reg.status = to
    reg.status_reason = reason


def check_quotas(reg: Registration) -> None:
    """Refuse approval past a quota, with a message naming the quota.

    The delegation row is written first: that takes its row lock (PostgreSQL) or the write lock (SQLite),
    so two approvals for one delegation are counted one after the other and cannot both slip under it.
    """
    db.session.execute(update(Delegation).where(Delegation.id == reg.delegation_id)
                       .values(quota=Delegation.quota))
    delegation = db.session.get(Delegation, reg.delegation_id)
    contest = db.session.get(Contest, reg.contest_id)
    quota = delegation.quota if delegation.quota is not None else contest.delegation_quota
    count = _count(Registration.delegation_id == delegation.id, Registration.id != reg.id)
    if problem := quota_problem(delegation.name, count, quota, Msg("{contest}全部项目", contest=contest.name)):
        raise RegistrationRefused(problem)
    group = db.session.get(EventGroup, reg.group_id)
    if group.quota_per_delegation is not None:
        count = _count(Registration.delegation_id == delegation.id, Registration.group_id == group.id,
                       Registration.id != reg.id)
        label = f"{group.event.name}·{group.name}" if group.code != "open" else group.event.name
        if problem := quota_problem(delegation.name, count, group.quota_per_delegation, label):
            raise RegistrationRefused(problem)


def _count(*where) -> int:
    return db.session.scalar(select(func.count()).select_from(Registration)
                             .where(Registration.status.in_(COUNTED), *where))


def bulk(user: User, regs: list[Registration], action: str) -> tuple[int, list[str]]:
    """Approve or confirm many at once; each refusal is reported by name, the rest go through."""
    done, refused = 0, []
    for reg in regs:
        try:
            with db.session.begin_nested():
                transition(user, reg, action)
            done += 1
        except RegistrationRefused as err:
            refused.append(Msg("{name}：{message}", name=reg.name, message=err.message))
    return done, refused


def field_overview(contest: Contest) -> list[dict]:
    """Per event/group: counts by state, against the minimum field size."""
    counts = {
        (group_id, status): n for group_id, status, n in db.session.execute(
            select(Registration.group_id, Registration.status, func.count())
            .where(Registration.contest_id == contest.id).group_by(Registration.group_id, Registration.status))
    }
    rows = []
    for event in contest.events:
        for group in event.groups:
            by_status = {s: counts.get((group.id, s), 0) for s in STATUS_LABELS}
            active = sum(by_status[s] for s in ACTIVE)
            minimum = group.min_field_size if group.min_field_size is not None else contest.min_field_size
            label = event.name if group.code == "open" else f"{event.name}·{group.name}"
            rows.append({"event": event, "group": group, "label": label, "by_status": by_status, "active": active,
                         "minimum": minimum, "warning": field_size_warning(active, minimum or None, label)})
    return rows


def delegation_usage(contest: Contest) -> list[dict]:
    rows = db.session.execute(
        select(Registration.delegation_id, func.count()).where(Registration.contest_id == contest.id,
                                                               Registration.status.in_(COUNTED))
        .group_by(Registration.delegation_id))
    used = dict(rows.all())
    return [{"delegation": d, "used": used.get(d.id, 0),
             "quota": d.quota if d.quota is not None else contest.delegation_quota} for d in contest.delegations]


def _snapshot(reg: Registration | None) -> dict | None:
    if reg is None:
        return None
    # Masked: the audit trail is read by more people than the registration itself.
    from contests.idnumber import mask_id, mask_phone

    return {"name": reg.name, "id_number": mask_id(reg.id_number), "mobile": mask_phone(reg.mobile),
            "event_id": reg.event_id, "group_id": reg.group_id, "status": reg.status}


# Msg values: Chinese where a plain string is needed (the Excel export), translated wherever a page prints them.
STATUS_LABELS = {"draft": Msg("草稿"), "submitted": Msg("已提交"), "approved": Msg("代表团已审核"),
                 "confirmed": Msg("组委会已确认"), "returned": Msg("已退回"), "rejected": Msg("未通过"),
                 "withdrawn": Msg("已撤回")}
ACTION_LABELS = {"submit": Msg("提交"), "approve": Msg("审核通过"), "confirm": Msg("确认"), "return": Msg("退回"),
                 "reject": Msg("不通过"), "withdraw": Msg("撤回")}
