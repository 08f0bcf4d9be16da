"""Results in Excel (per event, per contest, with the delegation medal table) and the statistics poverty work
needs (participants and award winners by delegation, poor-household share, the 52 counties, 三区三州, age, sex).

Every text cell goes through ``contests.excel.safe_cell``: a cell starting with = + - @ gets a leading
apostrophe, so a spreadsheet shows it instead of running it. No ID or phone numbers are exported.

Language. The results workbook is built for each download: its headers, sheet titles and labels (award,
promotion, notes: :class:`~app.text.Msg`) are written in the reader's language; the data (names,
delegations, events, groups, titles and special awards entered by the organiser) as stored. The poverty
statistics workbook stays Chinese like the rest of that report (``contests.statistics.as_sheets``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from app.extensions import db
from app.i18n import translate
from app.text import Msg
from contests import teams
from contests.excel import safe_cell, table_workbook
from contests.models import Contest, Delegation, Event, EventGroup, Registration
from contests.registration import SKILL_LEVELS
from contests.statistics import Entrant, as_sheets, share, summarise
from scoring import rules
from scoring.results_models import StoredResult

HEADERS = [Msg("名次"), Msg("代表团"), Msg("姓名"), Msg("项目"), Msg("组别"), Msg("理论成绩"), Msg("实操成绩"),
           Msg("总成绩"), Msg("标准分"), Msg("奖项"), Msg("称号"), Msg("技能等级晋升"), Msg("特别奖"), Msg("备注")]
MEDAL_HEADERS = [Msg("名次"), Msg("代表团"), Msg("金牌"), Msg("银牌"), Msg("铜牌"), Msg("优胜奖"), Msg("优秀奖章"),
                 Msg("积分")]
RESULTS_SHEET, MEDALS_SHEET = Msg("成绩"), Msg("奖牌榜")


@dataclass(frozen=True)
class ResultLine:
    rank: int
    delegation: str
    name: str
    event: str
    group: str
    theory: Decimal | None
    practical: Decimal | None
    total: Decimal
    scale: Decimal | None
    award: str
    title: str
    delegation_id: int
    registration_id: int
    settled: bool
    promotion: str = ""
    special: str = ""
    note: str = ""


def promotion_text(levels: int, current: str) -> str:
    """"晋升 1 级（四级/中级工 → 三级/高级工）": what a promotion means for this contestant's certificate."""
    if levels <= 0:
        return ""
    if current in SKILL_LEVELS[1:]:
        now = SKILL_LEVELS.index(current)
        after = min(now + levels, len(SKILL_LEVELS) - 1)
        if after > now:
            return Msg("晋升 {n} 级（{before} → {after}）", n=after - now, before=current, after=SKILL_LEVELS[after])
        return Msg("晋升 {n} 级（已是最高等级：{level}）", n=levels, level=current)
    return Msg("晋升 {n} 级", n=levels)


def without_award_note(without_award: bool) -> str:
    return Msg("曾获称号，参赛不参与评奖") if without_award else ""


def result_lines(events: list[Event]) -> list[ResultLine]:
    """Stored results of these events, event by event, group by group, by rank (staff: published or not)."""
    if not events:
        return []
    order = {e.id: i for i, e in enumerate(events)}
    names = {e.id: e.name for e in events}
    rows = db.session.execute(
        select(StoredResult, Registration.name, Delegation.name, Delegation.id, EventGroup.name,
               EventGroup.position, Registration.skill_level)
        .join(Registration, Registration.id == StoredResult.registration_id)
        .join(Delegation, Delegation.id == Registration.delegation_id)
        .join(EventGroup, EventGroup.id == Registration.group_id)
        .where(StoredResult.event_id.in_(list(order)))).all()
    rows.sort(key=lambda r: (order[r[0].event_id], r[5], r[0].rank, r[0].registration_id))
    team_names = teams.entry_names(r[0].registration_id for r in rows) \
        if any(teams.is_team_event(e) for e in events) else {}
    return [ResultLine(r.rank, d_name, team_names.get(r.registration_id, name), names[r.event_id], g_name,
                       r.theory, r.practical, r.total,
                       r.scale_score, rules.AWARD_LABELS.get(r.award, "") if r.award else "", r.title, d_id,
                       r.registration_id, r.settled, promotion_text(r.promotion, level), "、".join(r.special),
                       without_award_note(r.without_award))
            for r, name, d_name, d_id, g_name, _pos, level in rows]


def _n(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _text(value):
    """A cell's value: a message in the reader's language (as a plain str), anything else as it is."""
    value = translate(value)
    return str(value) if isinstance(value, str) else value


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list]) -> None:
    ws = wb.create_sheet(_text(title)[:31])
    ws.append([_text(h) for h in header])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([safe_cell(_text(v)) for v in row])
    for i in range(1, len(header) + 1):
        ws.column_dimensions[get_column_letter(i)].width = 14


def medal_rows(lines: list[ResultLine]) -> list[rules.MedalRow]:
    label_to_award = {v: k for k, v in rules.AWARD_LABELS.items()}
    outcomes = [rules.Outcome(str(x.registration_id), x.group, x.delegation, x.rank,
                              award=label_to_award.get(x.award)) for x in lines]
    return list(rules.medal_table(outcomes))


def workbook(events: list[Event], with_medals: bool) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    lines = result_lines(events)
    _sheet(wb, RESULTS_SHEET, HEADERS, [[x.rank, x.delegation, x.name, x.event, x.group, _n(x.theory), _n(x.practical),
                                 _n(x.total), _n(x.scale), x.award, x.title, x.promotion, x.special, x.note]
                                for x in lines])
    if with_medals:
        _sheet(wb, MEDALS_SHEET, MEDAL_HEADERS, [[m.rank, m.delegation, m.gold, m.silver, m.bronze, m.excellence,
                                            m.medallion, m.points] for m in medal_rows(lines)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def event_workbook(event: Event) -> bytes:
    return workbook([event], with_medals=False)


def contest_workbook(contest: Contest) -> bytes:
    return workbook(list(contest.events), with_medals=True)


# ---------------------------------------------------------------- statistics for poverty work


def _entrants(contest: Contest) -> tuple[list[Entrant], set[int]]:
    """Every competing person as a statistics Entrant, and the indexes of those who won an award (each member
    of an awarded team counts as a winner)."""
    rows = db.session.execute(
        select(Registration.id, Delegation.name, Event.name, Registration.sex, Registration.birth_date,
               Registration.county_code, Registration.poor_household, Registration.category)
        .join(Delegation, Delegation.id == Registration.delegation_id)
        .join(Event, Event.id == Registration.event_id)
        .where(Registration.contest_id == contest.id, Registration.status == "confirmed")
        .order_by(Registration.id)).all()
    awarded = dict(db.session.execute(
        select(StoredResult.registration_id, StoredResult.award)
        .join(Event, Event.id == StoredResult.event_id)
        .where(Event.contest_id == contest.id, StoredResult.award != "")).all())
    winner_ids = {m for ms in teams.members(awarded).values() for m in ms}
    entrants, winners = [], set()
    for i, (reg_id, delegation, event, sex, birth, county, poor, category) in enumerate(rows):
        entrants.append(Entrant(delegation, event, sex, birth, county, bool(poor), category))
        if reg_id in winner_ids:
            winners.add(i)
    return entrants, winners


@dataclass
class PovertyStats:
    participants: dict
    winners: dict
    by_delegation: list[tuple[str, int, int, int, str, str]]  # name, participants, poor, winners, poor winners, rate


def poverty_statistics(contest: Contest, on: date | None = None) -> PovertyStats:
    entrants, winner_idx = _entrants(contest)
    winners = [e for i, e in enumerate(entrants) if i in winner_idx]
    on = on or contest.starts_on
    per: dict[str, list[int]] = {}
    for i, e in enumerate(entrants):
        row = per.setdefault(e.delegation, [0, 0, 0, 0])
        row[0] += 1
        row[1] += e.poor_household
        if i in winner_idx:
            row[2] += 1
            row[3] += e.poor_household
    by_delegation = [(name, n, poor, won, won_poor, share(won, n))
                     for name, (n, poor, won, won_poor) in sorted(per.items(), key=lambda kv: (-kv[1][2], kv[0]))]
    return PovertyStats(summarise(entrants, on), summarise(winners, on), by_delegation)


def statistics_workbook(stats: PovertyStats) -> bytes:
    sheets = {"按代表团": [["代表团", "参赛人数", "其中建档立卡贫困户", "获奖人数", "获奖者中贫困户", "获奖率"],
                        *map(list, stats.by_delegation)]}
    for prefix, summary in (("参赛", stats.participants), ("获奖", stats.winners)):
        for title, rows in as_sheets(summary).items():
            sheets[f"{prefix}-{title}"] = rows
    return table_workbook(sheets)
