"""Benchmark of the application-level tally: results of a national contest recomputed from the marks in the
database (SQLite file), through ``scoring.results`` (the same code the pages and ``flask results`` run).

100 events × 60 contestants (two groups of 30) × 5 judges × 40 aspects (10 measurement, 3 pass/fail,
3 deduction, 16 judgement, 8 panel, in 5 modules; every judge marks every aspect): 1,200,000 mark rows,
plus theory scores and completion times. Times, in one run:

  baseline    a bare SELECT of the same mark rows (sqlite3 cursor, then SQLAlchemy Core)
  full        every event: read marks → rules core → compare with stored results (nothing changed: no write)
  full+store  the first computation of every event, storing 6,000 results with one audit entry per event
  one sheet   one judge's sheet (one contestant × one module) gets new mark versions; the event is
              recomputed, the changes stored and audited, committed — what ``on_marks_changed`` does

Goals: full ≤ 2 s, one sheet ≤ 50 ms.  Run: .venv/bin/python bench/bench_results.py [--events N]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CONTESTANTS, JUDGES, MODULES, DELEGATIONS = 60, 5, 5, 35
GOAL_FULL, GOAL_ONE = 2.0, 0.050
MIX = (("measurement", 10, "2.5"), ("pass_fail", 3, "2"), ("deduction", 3, "3"), ("judgement", 16, "2.5"),
       ("panel", 8, "2.5"))


def _value(rng: random.Random, kind: str, maximum: Decimal, skill: float) -> Decimal:
    if kind == "pass_fail":
        return Decimal(1 if rng.random() < skill + 0.1 else 0)
    if kind == "judgement":
        return Decimal(min(3, max(0, round(skill * 3 + rng.uniform(-0.7, 0.7)))))
    tenths = int(maximum * 10)
    if kind == "deduction":
        return Decimal(rng.randint(0, max(0, int(tenths * (1 - skill))))).scaleb(-1)
    return Decimal(min(tenths, max(0, int(tenths * skill + rng.randint(-3, 3))))).scaleb(-1)


def build(app, events: int) -> None:
    from sqlalchemy import insert

    from app.extensions import db
    from app.models import User
    from contests.models import Contest, Delegation, Event, EventGroup, Registration
    from scoring.models import Aspect, Criterion, MarkingScheme, SubCriterion
    from scoring.results_models import EntryInput

    rng = random.Random(7)
    contest = Contest(code="BENCH", name="全国技能大赛（基准）", level="national", organiser_name="人社部",
                      starts_on=date(2025, 9, 1), ends_on=date(2025, 9, 5))
    db.session.add(contest)
    db.session.flush()
    dels = [Delegation(contest_id=contest.id, code=f"{i:02d}", name=f"代表团{i:02d}") for i in range(DELEGATIONS)]
    db.session.add_all(dels)
    db.session.flush()
    judges = [User(username=f"bj{i}", display_name=f"裁判{i}", password_hash="x", role="judge") for i in range(JUDGES)]
    db.session.add_all(judges)
    db.session.flush()
    judge_ids = [j.id for j in judges]
    mark_rows, input_rows = [], []
    now = datetime(2025, 9, 5, 10)
    for e in range(events):
        event = Event(contest_id=contest.id, code=f"E{e:03d}", name=f"项目{e:03d}", position=e)
        event.groups = [EventGroup(code="employee", name="职工组", position=0),
                        EventGroup(code="student", name="学生组", position=1)]
        db.session.add(event)
        db.session.flush()
        scheme = MarkingScheme(event_id=event.id, status="active", theory_weight=Decimal(20),
                               practical_weight=Decimal(80), theory_total=Decimal(100), practical_total=Decimal(100),
                               panel_judges=JUDGES, panel_drop=1, panel_min=Decimal(0), panel_step=Decimal("0.1"),
                               judgement_gap=3, recheck_top=10, recheck_share=Decimal(15),
                               recheck_error_limit=Decimal(5))
        db.session.add(scheme)
        db.session.flush()
        subs = {}
        for m in range(MODULES):
            c = Criterion(scheme_id=scheme.id, code=f"M{m + 1}", name="", position=m)
            db.session.add(c)
            db.session.flush()
            for s in range(2):
                sub = SubCriterion(criterion_id=c.id, code=f"M{m + 1}.{s + 1}", name="", position=s)
                db.session.add(sub)
                db.session.flush()
                subs[(m, s)] = sub.id
        aspects, number = [], 0
        for kind, count, maximum in MIX:
            for _ in range(count):
                a = Aspect(scheme_id=scheme.id, sub_id=subs[(number % MODULES, number % 2)], code=f"X{number:02d}",
                           kind=kind, maximum=Decimal(maximum), position=number, team="")
                db.session.add(a)
                aspects.append(a)
                number += 1
        db.session.flush()
        for c in range(CONTESTANTS):
            group = event.groups[c % 2]
            reg = Registration(contest_id=contest.id, event_id=event.id, group_id=group.id,
                               delegation_id=dels[(c + e) % DELEGATIONS].id, name=f"选手{e}-{c}",
                               id_number=f"{e:06d}{c:012d}", sex="M", birth_date=date(2000, 1, 1), ethnic_code="01",
                               mobile="13800000000", county_code="450102", category=group.code, status="confirmed")
            db.session.add(reg)
            db.session.flush()
            skill = min(max(rng.gauss(0.7, 0.12), 0.2), 1.0)
            input_rows.append({"registration_id": reg.id, "theory": Decimal(rng.randint(400, 1000)).scaleb(-1),
                               "time_seconds": rng.randint(9000, 14400), "updated_at": now})
            for a in aspects:
                agreed = _value(rng, a.kind, a.maximum, skill)
                for j in judge_ids:
                    value = agreed if a.kind not in ("judgement", "panel") else _value(rng, a.kind, a.maximum, skill)
                    mark_rows.append((reg.id, a.id, j, 1, str(value), uuid.uuid4().hex, "", "", "tablet", j, 0, now))
    db.session.execute(insert(EntryInput), input_rows)
    db.session.commit()
    raw = sqlite3.connect(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    raw.executemany("INSERT INTO mark (registration_id, aspect_id, judge_id, version, value, idempotency_key, device,"
                    " ip, source, entered_by, conflict, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", mark_rows)
    raw.commit()
    raw.execute("ANALYZE")
    raw.close()


def timed(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100)
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import select, text

    from app import create_app

    tmp = Path(tempfile.mkdtemp(prefix="bench-results-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.db'}"}, config_name="testing")
    import scoring.results_models  # noqa: F401
    from app.extensions import db
    from contests.models import Contest, Event
    from scoring import results
    from scoring.models import Aspect
    from scoring.results_demo import put_mark
    from scoring.results_marks import load_inputs

    with app.app_context():
        upgrade()
        t = time.perf_counter()
        build(app, args.events)
        print(f"built {args.events} events × {CONTESTANTS} × {JUDGES} judges × 40 aspects in "
              f"{time.perf_counter() - t:.1f} s", file=sys.stderr)
        marks = db.session.scalar(text("SELECT count(*) FROM mark"))
        path = str(tmp / "bench.db")

        def bare_sqlite():
            con = sqlite3.connect(path)
            rows = con.execute("SELECT registration_id, aspect_id, judge_id, version, value FROM mark").fetchall()
            con.close()
            return len(rows)

        def bare_core():
            return len(db.session.execute(text(
                "SELECT registration_id, aspect_id, judge_id, version, value FROM mark")).all())

        contest = db.session.scalar(select(Contest).where(Contest.code == "BENCH"))
        events = list(db.session.scalars(select(Event).where(Event.contest_id == contest.id).order_by(Event.id)))

        def full_store():
            for event in events:
                results.recompute_event(event, reason="bench")
            db.session.commit()

        t_store, _ = timed(full_store, repeat=1)
        settings = {e.id: results.settings_for(e) for e in events}

        def full():
            inputs = load_inputs(events, lambda e: settings[e.id])
            changed = 0
            for event in events:
                computed = results.compute_from_inputs(event, settings[event.id], inputs[event.id], decisions=[])
                assert computed.ok, computed.problems[:3]
                changed += len(results.differences(results._stored(event.id), computed.rows))
            assert changed == 0
            return len(inputs)

        t_sqlite, n = timed(bare_sqlite)
        assert n == marks
        t_core, _ = timed(bare_core)
        db.session.rollback()
        t_full, _ = timed(full)
        db.session.rollback()

        event = events[len(events) // 2]
        first_module = db.session.scalars(select(Aspect).join(Aspect.sub).where(
            Aspect.scheme_id == db.session.scalar(text("SELECT id FROM marking_scheme WHERE event_id = :e"),
                                                  {"e": event.id}))).all()
        sheet = [a for a in first_module if a.sub.criterion.code == "M1"]
        reg_id = db.session.scalar(text("SELECT id FROM registration WHERE event_id = :e ORDER BY id LIMIT 1"),
                                   {"e": event.id})
        judge_id = db.session.scalar(text("SELECT id FROM user WHERE username = 'bj0'"))
        times = []
        for attempt in range(5):
            for a in sheet:  # the judge's corrected sheet: every aspect of module M1 gets a new version
                value = Decimal(min(3, attempt % 4)) if a.kind == "judgement" else \
                    Decimal(1) if a.kind == "pass_fail" else Decimal(a.maximum) - Decimal("0.1") * (attempt % 3)
                put_mark(reg_id, a.id, judge_id, value)
            db.session.commit()
            t = time.perf_counter()
            results.on_marks_changed(event)
            db.session.commit()
            times.append(time.perf_counter() - t)
        t_one = statistics.median(times)

    rows = [
        ("baseline: bare SELECT of the marks (sqlite3)", t_sqlite, None),
        ("baseline: bare SELECT of the marks (SQLAlchemy Core)", t_core, None),
        (f"full tally, {len(events)} events, nothing changed", t_full, GOAL_FULL),
        (f"full tally + store {len(events) * CONTESTANTS} results (first run)", t_store, None),
        ("one sheet confirmed → event recomputed, stored, committed", t_one, GOAL_ONE),
    ]
    print(f"{marks:,} mark rows in SQLite ({tmp / 'bench.db'})")
    print(f"{'what':<62}{'seconds':>10}{'goal':>8}  ")
    for name, seconds, goal in rows:
        verdict = "" if goal is None else ("ok" if seconds <= goal else "SLOW")
        print(f"{name:<62}{seconds:>10.3f}{'' if goal is None else f'{goal:>8.3f}':>8}  {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
