"""Bulk entry from Excel: every row checked, nothing imported unless every row is valid.

Problems are (row, column, message): the column is the template's Chinese header, as the person sees it in
the file; the message is a :class:`~app.text.Msg`, shown in the reader's language.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import audit
from app.extensions import db
from app.models import User
from app.text import Msg, joined
from contests.excel import COLUMNS, ParsedSheet
from contests.models import Contest, Delegation, Registration, RegistrationStep
from contests.registration import check_person
from contests.services import RegistrationRefused, _check_window, event_rules

# Field name -> the template column it came from (the headers are the Excel template's, so they stay Chinese).
HEADER_OF = {key: header for header, key, _r in COLUMNS} | {"poverty_proof": "贫困户编号"}


@dataclass
class ImportReport:
    rows: list[dict] = field(default_factory=list)  # preview: one dict per valid row
    errors: list[tuple[int | None, str, str]] = field(default_factory=list)
    imported: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def import_sheet(user: User, contest: Contest, parsed: ParsedSheet, *, delegation: Delegation | None,
                 dry_run: bool) -> ImportReport:
    """Check every row; with ``dry_run`` or any error, write nothing. ``delegation`` None: per-row column."""
    report = ImportReport(errors=list(parsed.errors))
    if report.errors and not parsed.rows:
        return report
    try:
        _check_window(contest, user)
    except RegistrationRefused as err:
        report.errors.append((None, "", err.message))
        return report
    events = {e.name: e for e in contest.events}
    delegations = {d.name: d for d in contest.delegations}
    delegations |= {d.name.removesuffix("代表团"): d for d in contest.delegations}
    existing = set(db.session.execute(
        select(Registration.event_id, Registration.id_number).where(Registration.contest_id == contest.id)).all())
    seen: dict[tuple[int, str], int] = {}
    planned = []
    for row in parsed.rows:
        errors = []
        event = events.get(row.event)
        if event is None:
            message = Msg("本比赛没有“{event}”项目", event=row.event) if row.event else Msg("请选择项目")
            errors.append((row.row, "项目", message))
        group = None
        if event is not None:
            groups = {g.name: g for g in event.groups}
            group = groups.get(row.group) or (event.groups[0] if len(event.groups) == 1 and not row.group else None)
            if group is None:
                errors.append((row.row, "组别", Msg("“{event}”的组别应为：{groups}", event=event.name,
                                                    groups=joined(groups))))
        target = delegation or delegations.get(row.delegation)
        if target is None:
            message = (Msg("本比赛没有“{delegation}”代表团", delegation=row.delegation) if row.delegation
                       else Msg("请填写代表团"))
            errors.append((row.row, "代表团", message))
        if event is not None and group is not None:
            checked = check_person(row.entry, event_rules(event, group))
            for key, message in checked.errors.items():
                errors.append((row.row, HEADER_OF.get(key, key), message))
            if checked.person is not None:
                key = (event.id, checked.person.id_number)
                if key in seen:
                    errors.append((row.row, "身份证号码",
                                   Msg("与第{row}行重复：同一人同一项目只能报名一次", row=seen[key])))
                elif key in existing:
                    errors.append((row.row, "身份证号码", Msg("此人已报名本项目，不能重复报名")))
                seen.setdefault(key, row.row)
                if not errors:
                    planned.append((row, event, group, target, checked.person))
        report.errors.extend(errors)
    report.rows = [{"row": r.row, "name": p.name, "event": e.name, "group": g.name, "delegation": d.name}
                   for r, e, g, d, p in planned]
    if report.errors or dry_run:
        return report
    for _row, event, group, target, person in planned:
        reg = Registration(contest_id=contest.id, event_id=event.id, group_id=group.id, delegation_id=target.id,
                           status="submitted", source="import", **asdict(person))
        # Stored with the step like a reviewer's reason, so it is data in the language it was written in.
        reg.steps.append(RegistrationStep(from_status="draft", to_status="submitted", user_id=user.id,
                                          reason="Excel导入"))
        db.session.add(reg)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # someone registered one of these people while we were checking
        report.errors.append((None, "身份证号码", Msg("导入时发现有选手刚刚已被报名，请重新预览后再导入")))
        return report
    report.imported = len(planned)
    audit.record("registrations_imported", contest, after={"count": len(planned),
                                                           "rows": [r["row"] for r in report.rows]}, user=user)
    return report
