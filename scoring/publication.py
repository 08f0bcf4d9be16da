"""Publication of results (internal → announced → public display 公示 → final) and the public pages' data.

Only published events (announced, public display, final) reach the public; what they see is name, delegation,
event, group, rank, score and award — never ID or phone numbers (``public_rows`` does not even read them).

Cache. The public rows of each (contest, event) are kept in a small in-process dict keyed by the contest's
results version, a counter in the database (``results_version``) that every write changing results bumps
(``scoring.results.clear_results_cache``). Each page view reads the counter (one indexed SELECT), so a bump
made by any process is seen by every process at its next view. Only data is cached, never rendered HTML:
pages carry per-user parts (the CSRF token of the language form, the login bar). The cached rows hold labels
(award, promotion, "competes without award") as :class:`~app.text.Msg`, translated when a page prints them,
so one cache serves readers of every language.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, text

from app import audit
from app.extensions import db
from app.text import Msg, joined
from app.timeutil import utcnow
from contests import teams
from contests.models import Contest, Delegation, Event, EventGroup, Registration
from scoring import rules
from scoring.results import (
    ResultsError,
    clear_results_cache,
    open_ties,
    results_version,
    settings_for,
)
from scoring.results_export import promotion_text, without_award_note
from scoring.results_models import (
    ANNOUNCED,
    FINAL,
    INTERNAL,
    PUBLIC_DISPLAY,
    PUBLICATION_STATES,
    PUBLISHED,
    Appeal,
    ResultSettings,
    StoredResult,
)

STATE_LABELS = {INTERNAL: Msg("内部"), ANNOUNCED: Msg("已公布"), PUBLIC_DISPLAY: Msg("公示中"), FINAL: Msg("最终成绩")}
NEXT = {INTERNAL: ANNOUNCED, ANNOUNCED: PUBLIC_DISPLAY, PUBLIC_DISPLAY: FINAL}


def beijing_today() -> date:
    return (utcnow() + timedelta(hours=8)).date()


def _confirmed(event: Event) -> bool:
    from scoring.models import EventConfirmation

    return db.session.scalar(select(EventConfirmation.id).where(EventConfirmation.event_id == event.id)) is not None


def _decrypted(event: Event) -> bool:
    from contests.draw import is_decrypted

    return is_decrypted(event.id)


def blockers(event: Event, target: str, public_until: date | None = None, today: date | None = None) -> list[str]:
    """Why the event cannot move to ``target`` now (empty: it can), as messages (:class:`~app.text.Msg`)."""
    settings = settings_for(event)
    today = today or beijing_today()
    if target not in PUBLICATION_STATES or NEXT.get(settings.publication) != target:
        return [Msg("成绩状态只能从“{state}”进入下一步", state=STATE_LABELS[settings.publication])]
    problems = []
    if target == ANNOUNCED:
        if not _confirmed(event):
            problems.append(Msg("裁判长尚未确认本项目成绩"))
        if not _decrypted(event):
            problems.append(Msg("本项目尚未解密"))
        if settings.problems:
            # the stored problem is a record (Chinese), quoted as it is
            problems.append(Msg("成绩计算有问题：{problem}", problem=settings.problems.splitlines()[0]))
        if db.session.scalar(select(StoredResult.id).where(StoredResult.event_id == event.id).limit(1)) is None:
            problems.append(Msg("本项目还没有成绩"))
        if open_ties(event):
            problems.append(Msg("还有并列名次等待仲裁"))
    elif target == PUBLIC_DISPLAY:
        if public_until is None:
            problems.append(Msg("请填写公示截止日期"))
        elif public_until < today:
            problems.append(Msg("公示截止日期 {date} 早于今天", date=public_until.isoformat()))
    elif target == FINAL:
        if settings.public_until and today <= settings.public_until:
            problems.append(Msg("公示期至 {date} 结束，之后才能确定最终成绩", date=settings.public_until.isoformat()))
        pending = db.session.scalar(select(Appeal.id).where(Appeal.event_id == event.id,
                                                            Appeal.status == "filed").limit(1))
        if pending is not None:
            problems.append(Msg("还有申诉未处理"))
        if open_ties(event):
            problems.append(Msg("还有并列名次等待仲裁"))
    return problems


def advance(event: Event, target: str, user, public_until: date | None = None,
            today: date | None = None) -> ResultSettings:
    """Move the event's results one step on; audited; clears the results cache. No commit."""
    found = blockers(event, target, public_until, today)
    if found:
        raise ResultsError(joined(found, sentences=True))
    settings = settings_for(event)
    before = settings.publication
    settings.publication = target
    now = utcnow()
    if target == ANNOUNCED:
        settings.announced_at = now
    elif target == PUBLIC_DISPLAY:
        settings.public_until = public_until
    elif target == FINAL:
        settings.final_at = now
    audit.record("results_publication", settings, before={"state": before}, user=user,
                 after={"event": event.code, "state": target,
                        "public_until": public_until.isoformat() if public_until else None})
    clear_results_cache(event.contest_id)
    return settings


def advance_contest(contest: Contest, target: str, user, public_until: date | None = None,
                    today: date | None = None) -> tuple[list[str], list[str]]:
    """Every event that can take the step does; returns (moved event names, refusals as messages)."""
    moved, refused = [], []
    for event in contest.events:
        settings = settings_for(event)
        if settings.publication == target or NEXT.get(settings.publication) != target:
            continue
        found = blockers(event, target, public_until, today)
        if found:
            refused.append(Msg("{event}：{problems}", event=event.name, problems=joined(found, sentences=True)))
            continue
        advance(event, target, user, public_until, today)
        moved.append(event.name)
    return moved, refused


# ---------------------------------------------------------------- public data (cached)


@dataclass(frozen=True)
class PublicRow:
    rank: int
    name: str
    delegation: str
    event: str
    group: str
    total: str
    scale: str
    award: str
    title: str
    honours: tuple[str, ...] = ()  # skill-level promotion, special awards, "competes without award"


_cache: dict[tuple[int, int, int], Any] = {}
_lock = threading.Lock()
stats = {"hits": 0, "misses": 0}


def _cached(contest_id: int, key: int, build):
    version = results_version(contest_id)
    full_key = (contest_id, key, version)
    with _lock:
        if full_key in _cache:
            stats["hits"] += 1
            return _cache[full_key]
    value = build()
    with _lock:
        stats["misses"] += 1
        for old in [k for k in _cache if k[0] == contest_id and k[2] != version]:
            del _cache[old]  # older versions of this contest will never be asked for again
        if len(_cache) > 2000:
            _cache.clear()
        _cache[full_key] = value
    return value


def forget_local_cache() -> None:
    from scoring import public_pages

    with _lock:
        _cache.clear()
    public_pages.forget()


def page_version(code: str | None, connection=None) -> tuple | None:
    """The results version a public page of this contest (or, without a code, the index) depends on;
    None for an unknown contest. Asked on every public page view, so it is plain SQL (no statement to build)
    and may run on a connection of its own outside any transaction (``public_pages``)."""
    run = (connection or db.session).execute
    if code is None:
        return tuple(run(_INDEX_VERSION).one())
    row = run(_CONTEST_VERSION, {"code": code}).one_or_none()
    return None if row is None else (row[0], row[1] or 1)


_INDEX_VERSION = text("SELECT count(contest.id), coalesce(sum(results_version.version), 0) FROM contest "
                      "LEFT OUTER JOIN results_version ON results_version.contest_id = contest.id")
_CONTEST_VERSION = text("SELECT contest.id, results_version.version FROM contest "
                        "LEFT OUTER JOIN results_version ON results_version.contest_id = contest.id "
                        "WHERE contest.code = :code")


def published_events(contest: Contest) -> list[tuple[Event, ResultSettings]]:
    rows = db.session.execute(
        select(Event, ResultSettings).join(ResultSettings, ResultSettings.event_id == Event.id)
        .where(Event.contest_id == contest.id, ResultSettings.publication.in_(PUBLISHED))
        .order_by(Event.position, Event.id)).all()
    return [(e, s) for e, s in rows]


def _label(award: str, prize_names: bool = False) -> str:
    labels = rules.PRIZE_LABELS if prize_names else rules.AWARD_LABELS
    return labels.get(award, "") if award else ""


def _build_rows(event: Event, places: int = 2) -> list[PublicRow]:
    rows = db.session.execute(
        select(StoredResult.rank, Registration.name, Delegation.name, EventGroup.name, EventGroup.position,
               StoredResult.total, StoredResult.scale_score, StoredResult.award, StoredResult.title,
               StoredResult.registration_id, StoredResult.promotion, StoredResult.special_json,
               StoredResult.without_award, Registration.skill_level)
        .join(Registration, Registration.id == StoredResult.registration_id)
        .join(Delegation, Delegation.id == Registration.delegation_id)
        .join(EventGroup, EventGroup.id == Registration.group_id)
        .where(StoredResult.event_id == event.id)
        .order_by(EventGroup.position, StoredResult.rank, StoredResult.registration_id)).all()
    fmt = f"{{:.{places}f}}"
    team_names = teams.entry_names(r[9] for r in rows) if teams.is_team_event(event) else {}
    out = []
    for r in rows:
        honours = (promotion_text(r[10], r[13]), *json.loads(r[11] or "[]"), without_award_note(r[12]))
        out.append(PublicRow(r[0], team_names.get(r[9], r[1]), r[2], event.name, r[3], fmt.format(r[5]),
                             str(int(r[6])) if r[6] is not None else "", _label(r[7]), r[8],
                             tuple(h for h in honours if h)))
    return out


def public_rows(event: Event) -> list[PublicRow]:
    """The event's published results (cached); empty unless the event is published."""
    settings = settings_for(event, create=False)
    if settings.id is None or not settings.published:
        return []
    return _cached(event.contest_id, event.id, lambda: _build_rows(event, settings.rounding_places))


def public_medal_table(contest: Contest) -> list[rules.MedalRow]:
    """The medal table over the published events (cached)."""
    def build():
        events = [e.id for e, _s in published_events(contest)]
        if not events:
            return []
        rows = db.session.execute(
            select(StoredResult.registration_id, StoredResult.group_code, StoredResult.rank, StoredResult.award,
                   Delegation.name)
            .join(Registration, Registration.id == StoredResult.registration_id)
            .join(Delegation, Delegation.id == Registration.delegation_id)
            .where(StoredResult.event_id.in_(events))).all()
        outcomes = [rules.Outcome(str(r[0]), r[1], r[4], r[2], award=r[3] or None) for r in rows]
        return list(rules.medal_table(outcomes))
    return _cached(contest.id, 0, build)
