"""Setting a contest up: the contest's facts and rules, its events and their groups, its delegations and
their organisers' accounts. What the organiser's setup pages (``contests.setup_views``) and the CLI call.

Services never commit and never see a request. Each function checks everything first and raises
:class:`SetupRefused` with every field's problem at once (Chinese :class:`~app.text.Msg` messages, shown next
to the fields); only then does it write, flush and ``audit.record`` in the caller's transaction. A refusal
leaves nothing written once the caller rolls back.

Times arrive as naive UTC (the views convert from Beijing time); dates are calendar dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app import audit
from app.extensions import db
from app.models import User
from app.passwords import weakness
from app.roles import Role
from app.text import Msg
from contests import regions
from contests.models import LEVELS, Contest, Delegation, Event, EventGroup, Registration

BEIJING = timedelta(hours=8)  # stored times are naive UTC, organisers type Beijing time (no daylight saving)
COUNTED = ("approved", "confirmed")  # what uses up a quota (as contests.services.COUNTED)
GROUP_CODES = {"employee": "职工组", "student": "学生组", "open": "不分组"}
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{2,63}")


class SetupRefused(Exception):
    """A change the rules do not allow; ``message`` for the page, ``errors`` per form field."""

    def __init__(self, message: str, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


def _refuse_if(errors: dict[str, str]) -> None:
    if errors:
        raise SetupRefused(Msg("保存失败，请按提示修改"), errors)


# -- values: what a form (or the CLI) hands in ------------------------------------------------------------

@dataclass
class ContestValues:
    code: str
    name: str
    level: str
    organiser_name: str
    region_scope: str
    venue: str
    starts_on: date | None
    ends_on: date | None
    registration_opens: datetime | None  # naive UTC
    registration_closes: datetime | None  # naive UTC
    min_age: int | None
    max_age: int | None
    poverty_required: bool
    delegation_quota: int | None
    min_field_size: int | None
    title_holders_without_award: bool
    same_delegation_recusal: bool


@dataclass
class EventValues:
    code: str
    name: str
    position: int | None  # None: after the last
    team_size: int | None
    min_age: int | None  # None: the contest's
    max_age: int | None
    must_work_in_occupation: bool


@dataclass
class GroupValues:
    code: str
    name: str  # "" : the code's usual name (职工组 …)
    position: int | None
    quota_per_delegation: int | None
    min_field_size: int | None  # None: the contest's


@dataclass
class DelegationValues:
    code: str
    name: str
    quota: int | None  # None: the contest's delegation_quota


def values_from(cls, source: Any):
    """A values object from anything with same-named attributes (a form's fields' ``.data``, a model)."""
    out = {}
    for f in fields(cls):
        value = getattr(source, f.name)
        value = getattr(value, "data", value)
        if f.type == "str":  # text fields: never None, no stray spaces
            value = (value or "").strip()
        out[f.name] = value
    return cls(**out)


def _snapshot(obj: Any, cls) -> dict:
    return {f.name: getattr(obj, f.name) for f in fields(cls)}


def _changes(before: dict, after: dict) -> tuple[dict, dict]:
    keys = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def beijing(value: datetime | None) -> datetime | None:
    """A stored UTC time as Beijing time, for a form."""
    return value + BEIJING if value else None


def utc(value: datetime | None) -> datetime | None:
    """A Beijing time typed into a form, as stored."""
    return value - BEIJING if value else None


def scope_label(code: str) -> str:
    """'全国', '广西壮族自治区', '广西壮族自治区柳州市': a contest's region scope, for people."""
    if not code:
        return Msg("全国")
    province = regions.province(code[:2])
    city = next((c for c in regions.cities_of(code[:2]) if c.code == code), None) if len(code) == 4 else None
    if province is None or (len(code) == 4 and city is None):
        return code
    return province.name + (city.name if city else "")


def _count(*where) -> int:
    return db.session.scalar(select(func.count()).select_from(Registration).where(*where)) or 0


def _flush(errors_on_conflict: dict[str, str]) -> None:
    """Flush inside a savepoint: a unique constraint hit by a racing request becomes a field message."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise SetupRefused(Msg("保存失败，请按提示修改"), errors_on_conflict) from None


def _lock_delegations(contest_id: int) -> None:
    """Write the contest's delegation rows first, as ``contests.services.check_quotas`` does before an
    approval: quota changes and approvals are then counted one after the other, never interleaved."""
    db.session.execute(update(Delegation).where(Delegation.contest_id == contest_id)
                       .values(quota=Delegation.quota))


def _approved_by_delegation(contest_id: int, *where) -> dict[int, int]:
    rows = db.session.execute(
        select(Registration.delegation_id, func.count()).where(
            Registration.contest_id == contest_id, Registration.status.in_(COUNTED), *where)
        .group_by(Registration.delegation_id))
    return dict(rows.all())


def _too_long(model, values: Any, errors: dict[str, str]) -> None:
    """Text longer than its column holds: the forms say so first; this keeps other callers (the CLI) honest."""
    for f in fields(values):
        value, column = getattr(values, f.name), model.__table__.columns.get(f.name)
        limit = getattr(getattr(column, "type", None), "length", None)
        if isinstance(value, str) and limit and len(value) > limit and f.name not in errors:
            errors[f.name] = Msg("不能超过{n}个字符", n=limit)


def _names_changed(contest_id: int) -> None:
    """Published results show contest, event, group and delegation names from cached pages: refresh them."""
    from scoring.results import clear_results_cache  # scoring builds on contests; only this hook looks up

    clear_results_cache(contest_id)


def _names(items: list[str]) -> str:
    return "、".join(items[:3]) + ("等" if len(items) > 3 else "")


# -- the contest -------------------------------------------------------------------------------------------

def contest_form_data(contest: Contest) -> dict:
    """The contest's values for its form, times in Beijing time as the organiser types them."""
    data = _snapshot(contest, ContestValues)
    data["registration_opens"] = beijing(contest.registration_opens)
    data["registration_closes"] = beijing(contest.registration_closes)
    return data


def _check_contest(v: ContestValues, contest: Contest | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not _CODE.fullmatch(v.code or "") or len(v.code) > 32:
        errors["code"] = Msg("比赛代码只能包含字母、数字、“-”和“_”，以字母或数字开头，不超过32个字符")
    else:
        clash = select(Contest.id).where(func.lower(Contest.code) == v.code.lower())
        if contest is not None:
            clash = clash.where(Contest.id != contest.id)
        if db.session.scalar(clash) is not None:
            errors["code"] = Msg("比赛代码“{code}”已被其他比赛使用", code=v.code)
        elif contest is not None and v.code != contest.code and _count(Registration.contest_id == contest.id):
            # The code is in every link, Excel file name and certificate of the contest: fixed once people
            # have registered.
            errors["code"] = Msg("本比赛已有报名，比赛代码不能再修改")
    if not v.name:
        errors["name"] = Msg("请填写比赛名称")
    if not v.organiser_name:
        errors["organiser_name"] = Msg("请填写主办单位")
    if v.level not in LEVELS:
        errors["level"] = Msg("请选择比赛级别")
    elif v.level == "national" and v.region_scope:
        errors["region_scope"] = Msg("全国性比赛的范围请选“全国”")
    elif v.level == "provincial" and (len(v.region_scope) != 2 or regions.province(v.region_scope) is None):
        errors["region_scope"] = Msg("省级比赛请选择一个省（自治区、直辖市）")
    elif v.level == "prefectural" and (
            len(v.region_scope) != 4 or all(c.code != v.region_scope for c in regions.cities_of(v.region_scope[:2]))):
        errors["region_scope"] = Msg("地市级比赛请选择一个市（州）")
    if v.starts_on is None:
        errors["starts_on"] = Msg("请填写比赛开始日期")
    if v.ends_on is None:
        errors["ends_on"] = Msg("请填写比赛结束日期")
    elif v.starts_on is not None and v.ends_on < v.starts_on:
        errors["ends_on"] = Msg("比赛结束日期不能早于开始日期")
    opens, closes = v.registration_opens, v.registration_closes
    if opens is not None and closes is not None and closes <= opens:
        errors["registration_closes"] = Msg("报名截止时间必须晚于报名开始时间")
    elif closes is not None and v.starts_on is not None and (closes + BEIJING).date() > v.starts_on:
        errors["registration_closes"] = Msg("报名截止时间不能晚于比赛开始日期")
    if v.min_age is None:
        errors["min_age"] = Msg("请填写最低年龄")
    elif not 0 <= v.min_age <= 100:
        errors["min_age"] = Msg("年龄应在0至100周岁之间")
    if v.max_age is not None and not 0 <= v.max_age <= 100:
        errors["max_age"] = Msg("年龄应在0至100周岁之间")
    elif v.max_age is not None and v.min_age is not None and v.min_age > v.max_age:
        errors["max_age"] = Msg("最高年龄（{max}周岁）不能低于最低年龄（{min}周岁）", max=v.max_age, min=v.min_age)
    if v.delegation_quota is not None and v.delegation_quota < 1:
        errors["delegation_quota"] = Msg("名额至少为1人；不限名额请留空")
    if v.min_field_size is None:
        errors["min_field_size"] = Msg("请填写最少参赛人数，不限填0")
    elif v.min_field_size < 0:
        errors["min_field_size"] = Msg("最少参赛人数不能为负数")
    if contest is not None and "min_age" not in errors and "max_age" not in errors:
        # An event that keeps one limit of its own must still have a possible age range under the new limits.
        for event in contest.events:
            low = event.min_age if event.min_age is not None else v.min_age
            high = event.max_age if event.max_age is not None else v.max_age
            if high is not None and low > high:
                errors["max_age" if event.max_age is None else "min_age"] = Msg(
                    "项目“{event}”的年龄范围将变为{low}至{high}周岁，无人可以报名；请先修改该项目的年龄限制",
                    event=event.name, low=low, high=high)
                break
    if contest is not None and "delegation_quota" not in errors and v.delegation_quota is not None:
        errors.update(_contest_quota_problems(contest, v.delegation_quota))
    _too_long(Contest, v, errors)
    return errors


def _contest_quota_problems(contest: Contest, quota: int) -> dict[str, str]:
    """A quota below what is already approved is refused, not just warned about: approving stops at the quota,
    so a lower one would leave approvals standing that the rules no longer allow, with nobody told which.
    The organiser returns the extra entries first (the message names the delegations), then lowers it."""
    _lock_delegations(contest.id)
    approved = _approved_by_delegation(contest.id)
    over = [d for d in contest.delegations if d.quota is None and approved.get(d.id, 0) > quota]
    if not over:
        return {}
    most = max(approved[d.id] for d in over)
    return {"delegation_quota": Msg(
        "{names}已批准{most}人，名额不能少于已批准的人数；如需减少，请先退回多余的报名",
        names=_names([d.name for d in over]), most=most)}


def _apply(obj: Any, values: Any) -> None:
    for f in fields(values):
        setattr(obj, f.name, getattr(values, f.name))


def create_contest(user: User, values: ContestValues) -> Contest:
    """A new contest. Only an organiser not bound to a contest may create one."""
    if user.role_enum is not Role.ORGANISER or user.contest_id is not None:
        raise SetupRefused(Msg("您的账号只能管理本比赛，不能新建比赛"))
    _refuse_if(_check_contest(values, None))
    contest = Contest()
    _apply(contest, values)
    db.session.add(contest)
    _flush({"code": Msg("比赛代码“{code}”已被其他比赛使用", code=values.code)})
    audit.record("contest_created", contest, after=_snapshot(contest, ContestValues), user=user)
    return contest


def update_contest(contest: Contest, values: ContestValues) -> list[str]:
    """Save the contest's facts and rules; returns warnings to show (the change is made)."""
    _refuse_if(_check_contest(values, contest))
    before = _snapshot(contest, ContestValues)
    _apply(contest, values)
    _flush({"code": Msg("比赛代码“{code}”已被其他比赛使用", code=values.code)})
    old, new = _changes(before, _snapshot(contest, ContestValues))
    warnings = []
    rules = {"min_age", "max_age", "poverty_required"}
    if rules & set(new) and _count(Registration.contest_id == contest.id,
                                   Registration.status.in_(("submitted", "approved", "confirmed"))):
        warnings.append(Msg("报名规则已修改。已提交的报名不会自动按新规则重新检查，请在审核时留意"))
    if new:
        audit.record("contest_updated", contest, before=old, after=new)
        _names_changed(contest.id)
    return warnings


# -- events ------------------------------------------------------------------------------------------------

def _check_event(contest: Contest, v: EventValues, event: Event | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    others = [e for e in contest.events if event is None or e.id != event.id]
    used = _count(Registration.event_id == event.id) if event is not None else 0
    if not _CODE.fullmatch(v.code or "") or len(v.code) > 32:
        errors["code"] = Msg("项目代码只能包含字母、数字、“-”和“_”，以字母或数字开头，不超过32个字符")
    elif any(e.code.lower() == v.code.lower() for e in others):
        errors["code"] = Msg("本比赛已有代码为“{code}”的项目", code=v.code)
    elif event is not None and v.code != event.code and used:
        # Results pages, score sheets and certificates name the event by its code.
        errors["code"] = Msg("本项目已有报名，项目代码不能再修改")
    if not v.name:
        errors["name"] = Msg("请填写项目名称")
    elif any(e.name == v.name for e in others):
        errors["name"] = Msg("本比赛已有名为“{name}”的项目", name=v.name)
    if v.team_size is None or not 1 <= v.team_size <= 3:
        errors["team_size"] = Msg("每队人数应为1（个人项目）或2至3（团体项目）")
    if v.position is not None and not 0 <= v.position <= 10000:
        errors["position"] = Msg("顺序应在0至10000之间")
    for name in ("min_age", "max_age"):
        value = getattr(v, name)
        if value is not None and not 0 <= value <= 100:
            errors[name] = Msg("年龄应在0至100周岁之间")
    if "min_age" not in errors and "max_age" not in errors:
        low = v.min_age if v.min_age is not None else contest.min_age
        high = v.max_age if v.max_age is not None else contest.max_age
        if high is not None and low > high:
            if v.max_age is not None:
                errors["max_age"] = Msg("最高年龄（{high}周岁）不能低于最低年龄（{low}周岁）", high=high, low=low)
            else:
                errors["min_age"] = Msg("最低年龄（{low}周岁）高于比赛规定的最高年龄（{high}周岁）", low=low, high=high)
    _too_long(Event, v, errors)
    return errors


def _next_position(items) -> int:
    return max((i.position for i in items), default=-1) + 1


def create_event(contest: Contest, values: EventValues) -> Event:
    _refuse_if(_check_event(contest, values, None))
    event = Event(contest_id=contest.id)
    _apply(event, values)
    if values.position is None:
        event.position = _next_position(contest.events)
    contest.events.append(event)
    _flush({"code": Msg("本比赛已有代码为“{code}”的项目", code=values.code)})
    audit.record("event_created", event, after={"contest": contest.code, **_snapshot(event, EventValues)})
    return event


def update_event(event: Event, values: EventValues) -> None:
    _refuse_if(_check_event(event.contest, values, event))
    before = _snapshot(event, EventValues)
    _apply(event, values)
    if values.position is None:
        event.position = before["position"]
    _flush({"code": Msg("本比赛已有代码为“{code}”的项目", code=values.code)})
    old, new = _changes(before, _snapshot(event, EventValues))
    if new:
        audit.record("event_updated", event, before=old, after=new)
        _names_changed(event.contest_id)


def move_event(event: Event, direction: str) -> bool:
    """Swap with the neighbour above or below; positions become 0, 1, 2 … Returns False at either end."""
    contest = event.contest
    order = sorted(contest.events, key=lambda e: (e.position, e.id))
    i = order.index(event)
    j = i - 1 if direction == "up" else i + 1
    if not 0 <= j < len(order):
        return False
    before = [e.code for e in order]
    order[i], order[j] = order[j], order[i]
    for position, e in enumerate(order):
        e.position = position
    db.session.flush()
    db.session.expire(contest, ["events"])
    audit.record("events_reordered", contest, before={"order": before}, after={"order": [e.code for e in order]})
    _names_changed(contest.id)
    return True


def _other_references(table_name: str, row_id: int, skip: set[str]) -> int:
    """Rows of any table (judges, marking schemes, draws, results …) that point at this row by a foreign key."""
    total = 0
    for table in db.metadata.sorted_tables:
        if table.name in skip:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == table_name:
                total += db.session.scalar(select(func.count()).select_from(table).where(fk.parent == row_id)) or 0
    return total


def delete_event(event: Event) -> None:
    """Only an event nobody has registered for (not even a draft) and nothing else refers to."""
    used = _count(Registration.event_id == event.id)
    if used:
        raise SetupRefused(Msg("项目“{name}”已有{n}条报名记录（含草稿、已撤回），不能删除",
                               name=event.name, n=used))
    if _other_references("event", event.id, {"event_group", "registration"}):
        raise SetupRefused(Msg("项目“{name}”已有裁判分配、评分标准或抽签等数据，不能删除", name=event.name))
    snapshot = {"contest": event.contest.code, **_snapshot(event, EventValues),
                "groups": [g.code for g in event.groups]}
    contest, event_id = event.contest, event.id
    for group in list(event.groups):
        db.session.delete(group)
    db.session.delete(event)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # something referred to it after all (a racing request): keep it
        raise SetupRefused(Msg("项目“{name}”已被其他数据引用，不能删除", name=snapshot["name"])) from None
    db.session.expire(contest, ["events"])
    audit.record("event_deleted", object_type="Event", object_id=event_id, before=snapshot)


# -- groups ------------------------------------------------------------------------------------------------

def _check_group(event: Event, v: GroupValues, group: EventGroup | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    others = [g for g in event.groups if group is None or g.id != group.id]
    if v.code not in GROUP_CODES:
        errors["code"] = Msg("请选择组别类型")
    elif any(g.code == v.code for g in others):
        errors["code"] = Msg("本项目已有“{label}”", label=GROUP_CODES[v.code])
    elif group is not None and v.code != group.code and _count(Registration.group_id == group.id):
        # The type decides who may enter (职工 or 学生): fixed once people have entered the group.
        errors["code"] = Msg("本组别已有报名，组别类型不能再修改")
    name = v.name or GROUP_CODES.get(v.code, "")
    if len(name) > 30:
        errors["name"] = Msg("组别名称不能超过30个字")
    elif name and any(g.name == name for g in others):
        errors["name"] = Msg("本项目已有名为“{name}”的组别", name=name)
    if v.position is not None and not 0 <= v.position <= 10000:
        errors["position"] = Msg("顺序应在0至10000之间")
    if v.min_field_size is not None and v.min_field_size < 0:
        errors["min_field_size"] = Msg("最少参赛人数不能为负数")
    if v.quota_per_delegation is not None:
        if v.quota_per_delegation < 1:
            errors["quota_per_delegation"] = Msg("名额至少为1人；不限名额请留空")
        elif group is not None:
            # Refused, as for the contest's quota: see _contest_quota_problems.
            _lock_delegations(event.contest_id)
            approved = _approved_by_delegation(event.contest_id, Registration.group_id == group.id)
            over = [d for d in event.contest.delegations if approved.get(d.id, 0) > v.quota_per_delegation]
            if over:
                errors["quota_per_delegation"] = Msg(
                    "{names}在本组别已批准{most}人，名额不能少于已批准的人数；如需减少，请先退回多余的报名",
                    names=_names([d.name for d in over]), most=max(approved[d.id] for d in over))
    _too_long(EventGroup, v, errors)
    return errors


def create_group(event: Event, values: GroupValues) -> EventGroup:
    _refuse_if(_check_group(event, values, None))
    group = EventGroup(event_id=event.id)
    _apply(group, values)
    group.name = values.name or GROUP_CODES[values.code]
    if values.position is None:
        group.position = _next_position(event.groups)
    event.groups.append(group)
    _flush({"code": Msg("本项目已有“{label}”", label=GROUP_CODES[values.code])})
    audit.record("group_created", group, after={"event": event.code, **_snapshot(group, GroupValues)})
    return group


def update_group(group: EventGroup, values: GroupValues) -> None:
    _refuse_if(_check_group(group.event, values, group))
    before = _snapshot(group, GroupValues)
    _apply(group, values)
    group.name = values.name or GROUP_CODES[values.code]
    if values.position is None:
        group.position = before["position"]
    _flush({"code": Msg("本项目已有“{label}”", label=GROUP_CODES[values.code])})
    old, new = _changes(before, _snapshot(group, GroupValues))
    if new:
        audit.record("group_updated", group, before=old, after=new)
        _names_changed(group.event.contest_id)


def delete_group(group: EventGroup) -> None:
    used = _count(Registration.group_id == group.id)
    if used:
        raise SetupRefused(Msg("组别“{name}”已有{n}条报名记录（含草稿、已撤回），不能删除", name=group.name, n=used))
    event = group.event
    snapshot = {"event": event.code, **_snapshot(group, GroupValues)}
    group_id = group.id
    db.session.delete(group)
    db.session.flush()
    db.session.expire(event, ["groups"])
    audit.record("group_deleted", object_type="EventGroup", object_id=group_id, before=snapshot)


# -- delegations -------------------------------------------------------------------------------------------

def _check_delegation(contest: Contest, v: DelegationValues, delegation: Delegation | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    others = [d for d in contest.delegations if delegation is None or d.id != delegation.id]
    if not _CODE.fullmatch(v.code or "") or len(v.code) > 16:
        errors["code"] = Msg("代表团代码只能包含字母、数字、“-”和“_”，不超过16个字符")
    elif any(d.code.lower() == v.code.lower() for d in others):
        errors["code"] = Msg("本比赛已有代码为“{code}”的代表团", code=v.code)
    if not v.name:
        errors["name"] = Msg("请填写代表团名称")
    elif any(d.name == v.name for d in others):
        errors["name"] = Msg("本比赛已有名为“{name}”的代表团", name=v.name)
    if v.quota is not None and v.quota < 1:
        errors["quota"] = Msg("名额至少为1人；不限名额请留空")
    elif delegation is not None:
        quota = v.quota if v.quota is not None else contest.delegation_quota
        if quota is not None:
            # Refused, as for the contest's quota: see _contest_quota_problems.
            _lock_delegations(contest.id)
            approved = _approved_by_delegation(contest.id, Registration.delegation_id == delegation.id)
            if approved.get(delegation.id, 0) > quota:
                errors["quota"] = Msg(
                    "本代表团已批准{n}人，名额不能少于已批准的人数；如需减少，请先退回多余的报名",
                    n=approved[delegation.id])
    _too_long(Delegation, v, errors)
    return errors


def create_delegation(contest: Contest, values: DelegationValues) -> Delegation:
    _refuse_if(_check_delegation(contest, values, None))
    delegation = Delegation(contest_id=contest.id)
    _apply(delegation, values)
    contest.delegations.append(delegation)
    _flush({"code": Msg("本比赛已有代码为“{code}”的代表团", code=values.code)})
    audit.record("delegation_created", delegation,
                 after={"contest": contest.code, **_snapshot(delegation, DelegationValues)})
    return delegation


def add_region_delegations(contest: Contest) -> list[Delegation]:
    """One delegation per region inside the contest's scope (every province for a national contest, every
    city of the province for a provincial one, every county of the city for a prefectural one), skipping
    codes the contest already has. Named "<region>代表团"; quotas are the contest's."""
    from contests import regions

    scope = contest.region_scope or ""
    if not scope:
        places = [(p.code, p.name) for p in regions.provinces()]
    elif len(scope) == 2:
        places = [(c.code, c.name) for c in regions.cities_of(scope)]
    else:
        places = [(c.code, c.name) for c in regions.counties_of(scope[:4])]
    have = {d.code for d in contest.delegations}
    added = []
    for code, name in places:
        if code in have:
            continue
        delegation = Delegation(contest_id=contest.id, code=code, name=f"{name}代表团")
        contest.delegations.append(delegation)
        added.append(delegation)
    db.session.flush()
    if added:
        audit.record("delegations_added_from_regions", contest,
                     after={"contest": contest.code, "codes": [d.code for d in added]})
    return added


def update_delegation(delegation: Delegation, values: DelegationValues) -> None:
    _refuse_if(_check_delegation(delegation.contest, values, delegation))
    before = _snapshot(delegation, DelegationValues)
    _apply(delegation, values)
    _flush({"code": Msg("本比赛已有代码为“{code}”的代表团", code=values.code)})
    old, new = _changes(before, _snapshot(delegation, DelegationValues))
    if new:
        audit.record("delegation_updated", delegation, before=old, after=new)
        _names_changed(delegation.contest_id)


def delegation_accounts(delegation: Delegation) -> list[User]:
    return list(db.session.scalars(select(User).where(User.delegation_id == delegation.id,
                                                      User.role == Role.DELEGATION.value).order_by(User.id)))


def create_delegation_account(delegation: Delegation, username: str, display_name: str, password: str) -> User:
    """The delegation organiser's (领队's) login, bound to this contest and delegation."""
    username, display_name = (username or "").strip(), (display_name or "").strip()
    errors: dict[str, str] = {}
    if not _USERNAME.fullmatch(username):
        errors["username"] = Msg("用户名为3至64个字符，可用字母、数字和“-”“_”“.”“@”，以字母或数字开头")
    elif db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())) is not None:
        errors["username"] = Msg("用户名“{username}”已被使用，请换一个", username=username)
    if not display_name:
        errors["display_name"] = Msg("请填写姓名或称呼")
    elif len(display_name) > 60:
        errors["display_name"] = Msg("姓名或称呼不能超过60个字")
    if problem := weakness(password or ""):
        errors["password"] = problem
    _refuse_if(errors)
    user = User(username=username, display_name=display_name, role=Role.DELEGATION.value,
                contest_id=delegation.contest_id, delegation_id=delegation.id)
    user.set_password(password)
    db.session.add(user)
    _flush({"username": Msg("用户名“{username}”已被使用，请换一个", username=username)})
    audit.record("delegation_account_created", user, after={
        "username": username, "display_name": display_name, "role": user.role,
        "contest": delegation.contest.code, "delegation": delegation.code})
    return user


def approved_counts(contest: Contest) -> dict[int, int]:
    """Approved or confirmed entries per delegation: what the quotas are measured against."""
    return _approved_by_delegation(contest.id)


def registration_counts(contest: Contest) -> tuple[dict[int, int], dict[int, int]]:
    """Entries of any state per event and per group: an event or group with any cannot be deleted."""
    by_event = dict(db.session.execute(
        select(Registration.event_id, func.count()).where(Registration.contest_id == contest.id)
        .group_by(Registration.event_id)).all())
    by_group = dict(db.session.execute(
        select(Registration.group_id, func.count()).where(Registration.contest_id == contest.id)
        .group_by(Registration.group_id)).all())
    return by_event, by_group
