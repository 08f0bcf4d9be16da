"""Benchmark: mark saves under concurrent load, against a bare Flask + SQLAlchemy insert in the same run.

Saiwu: judges of every demo event save marks at once from N threads through a real Werkzeug server on
loopback (threaded, one HTTP connection per request, as tablets do): login session, CSRF header, access
matrix, scope and recusal checks, range/step validation, a new mark version under the UNIQUE constraints
(with retry on a lost race), the score-sheet row and a hash-chained audit entry, one commit.

Bare: the same number of threads POST the same JSON to a minimal Flask app on the same database engine
kind that inserts one row (with a UNIQUE key) and commits: the floor any web app pays.

Run: .venv/bin/python bench/bench_marks.py [--threads 8] [--requests 60] [--pg postgresql://…]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CSRF = re.compile(r'data-csrf="([^"]+)"')
LOGIN_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _serve(app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


class Tablet:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> str:
        return self.opener.open(self.base + path).read().decode()

    def post(self, path: str, body: dict, token: str, form: bool = False) -> tuple[int, dict | None]:
        if form:
            data = urllib.parse.urlencode(body).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
        else:
            data = json.dumps(body).encode()
            headers = {"Content-Type": "application/json", "X-CSRFToken": token}
        req = urllib.request.Request(self.base + path, data=data, headers=headers, method="POST")
        try:
            with self.opener.open(req) as r:
                raw = r.read()
                return r.status, json.loads(raw) if r.headers.get_content_type() == "application/json" else None
        except urllib.error.HTTPError as err:
            return err.code, None


def _setup_saiwu(url: str):
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False}, config_name="testing")
    with app.app_context():
        upgrade()
        from app.demo import load_demo
        from scoring.demo import load_demo_judging

        load_demo()
        db.session.commit()
        load_demo_judging()
        db.session.commit()
        jobs = _jobs()
    return app, jobs


def _jobs():
    """For each marking judge: the event, its codes and the aspects it marks (with a valid value)."""
    from decimal import Decimal

    from sqlalchemy import select

    from app.extensions import db
    from contests.models import Contest, Event
    from scoring import services

    contest = db.session.scalar(select(Contest).where(Contest.code == "FP2020"))
    out = []
    for event in db.session.scalars(select(Event).where(Event.contest_id == contest.id)):
        for judge in services.event_judges(event.id):
            scope = services.scope_for(judge, event)
            aspects = []
            for a in scope.aspects:
                if a.kind == "judgement":
                    value = "2"
                elif a.kind == "pass_fail":
                    value = "1"
                else:
                    value = str((Decimal(a.maximum) / 2).quantize(Decimal(1)))
                aspects.append((a.id, value))
            if scope.codes and aspects:
                out.append({"username": judge.username, "event_id": event.id,
                            "codes": sorted(scope.codes.values()), "aspects": aspects})
    return out


def _bare_app(url: str):
    from flask import Flask, jsonify, request
    from flask_sqlalchemy import SQLAlchemy
    from sqlalchemy import Integer, String, UniqueConstraint
    from sqlalchemy.orm import DeclarativeBase, mapped_column

    class Base(DeclarativeBase):
        pass

    bare_db = SQLAlchemy(model_class=Base)

    class BareMark(bare_db.Model):
        __tablename__ = "bench_bare_mark"
        __table_args__ = (UniqueConstraint("code", "aspect_id", "judge", "version"),)
        id = mapped_column(Integer, primary_key=True)
        code = mapped_column(String(16), nullable=False)
        aspect_id = mapped_column(Integer, nullable=False)
        judge = mapped_column(String(64), nullable=False)
        version = mapped_column(Integer, nullable=False)
        value = mapped_column(String(16), nullable=False)
        key = mapped_column(String(64), unique=True, nullable=False)

    app = Flask("bare")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    bare_db.init_app(app)
    with app.app_context():
        BareMark.__table__.drop(bare_db.engine, checkfirst=True)
        BareMark.__table__.create(bare_db.engine)

    @app.post("/marks")
    def save():
        p = request.get_json()
        row = BareMark(code=p["code"], aspect_id=p["aspect_id"], judge=p["device"], version=p["n"], value=p["value"],
                       key=p["key"])
        bare_db.session.add(row)
        bare_db.session.commit()
        return jsonify(id=row.id), 201

    return app


def _run(threads: int, per_thread: int, work) -> tuple[float, list[float], int]:
    latencies: list[list[float]] = [[] for _ in range(threads)]
    failures = [0] * threads
    barrier = threading.Barrier(threads + 1)

    def runner(i: int):
        send = work(i)
        barrier.wait()
        for n in range(per_thread):
            t = time.perf_counter()
            ok = send(n)
            latencies[i].append(time.perf_counter() - t)
            failures[i] += 0 if ok else 1

    pool = [threading.Thread(target=runner, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in pool:
        t.join()
    return time.perf_counter() - start, [x for lat in latencies for x in lat], sum(failures)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--requests", type=int, default=60, help="saves per thread")
    parser.add_argument("--pg", default="", help="PostgreSQL URL (a fresh schema is used and dropped)")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="bench-marks-")
    schema = None
    if args.pg:
        from sqlalchemy import create_engine, text

        schema = f"bench_{uuid.uuid4().hex[:8]}"
        base = args.pg.replace("postgresql://", "postgresql+psycopg://", 1)
        with create_engine(base).begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
        kind = "PostgreSQL"
    else:
        url = f"sqlite:///{os.path.join(tmp, 'saiwu.db')}"
        kind = "SQLite (WAL)"
    app, jobs = _setup_saiwu(url)
    threads = min(args.threads, len(jobs))
    server, base_url = _serve(app)

    def saiwu_work(i: int):
        job = jobs[i]
        tablet = Tablet(base_url)
        token = LOGIN_CSRF.search(tablet.get("/login")).group(1)
        from app.demo import DEMO_PASSWORD

        tablet.post("/login", {"username": job["username"], "password": DEMO_PASSWORD, "csrf_token": token}, "",
                    form=True)
        sheet_token = CSRF.search(tablet.get(f"/scoring/sheet/{job['event_id']}")).group(1)
        combos = [(c, a, v) for c in job["codes"] for a, v in job["aspects"]]

        def send(n: int) -> bool:
            code, aspect_id, value = combos[n % len(combos)]
            status, _body = tablet.post(f"/scoring/sheet/{job['event_id']}/marks",
                                        {"key": uuid.uuid4().hex, "code": code, "aspect_id": aspect_id,
                                         "value": value, "device": f"bench-{i}"}, sheet_token)
            return status == 201

        return send

    saiwu = _run(threads, args.requests, saiwu_work)
    server.shutdown()

    bare_url = url if args.pg else f"sqlite:///{os.path.join(tmp, 'bare.db')}"
    bare = _bare_app(bare_url)
    # SQLite: the same WAL and busy-timeout settings apply (app/__init__.py's connect hook covers every engine)
    bare_server, bare_base = _serve(bare)

    def bare_work(i: int):
        tablet = Tablet(bare_base)

        def send(n: int) -> bool:
            status, _ = tablet.post("/marks", {"key": uuid.uuid4().hex, "code": f"DG{n:03d}", "aspect_id": 1,
                                               "value": "5", "device": f"bench-{i}", "n": n}, "")
            return status == 201

        return send

    bare_result = _run(threads, args.requests, bare_work)
    bare_server.shutdown()

    with app.app_context():
        from sqlalchemy import func, select

        from app.audit import verify
        from app.extensions import db
        from scoring.models import Mark

        stored = db.session.scalar(select(func.count()).select_from(Mark))
        chain = verify()
        db.engine.dispose()
    if schema:
        from sqlalchemy import create_engine, text

        with create_engine(args.pg.replace("postgresql://", "postgresql+psycopg://", 1)).begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))

    print(f"\nMark saves, {threads} threads × {args.requests} requests, {kind}, Werkzeug threaded server on loopback\n")
    print(f"{'variant':<34} {'requests':>8} {'failed':>6} {'total s':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8}"
          f" {'p99 ms':>8}")
    figures = []
    for label, (total, lat, failed) in (("Saiwu save_mark (full path)", saiwu),
                                        ("bare Flask+SQLAlchemy insert", bare_result)):
        lat_ms = sorted(x * 1000 for x in lat)
        p95 = lat_ms[int(0.95 * (len(lat_ms) - 1))]
        p99 = lat_ms[int(0.99 * (len(lat_ms) - 1))]
        figures.append((len(lat) / total, p99))
        print(f"{label:<34} {len(lat):>8} {failed:>6} {total:>8.2f} {len(lat) / total:>8.1f} "
              f"{statistics.median(lat_ms):>8.1f} {p95:>8.1f} {p99:>8.1f}")
    (saiwu_rate, saiwu_p99), (bare_rate, bare_p99) = figures
    ok_rate, ok_p99 = saiwu_rate >= bare_rate / 2, saiwu_p99 <= 2 * bare_p99
    print(f"\nthroughput ratio {saiwu_rate / bare_rate:.2f} (goal ≥ 0.50: {'ok' if ok_rate else 'NO'});"
          f" p99 ratio {saiwu_p99 / bare_p99:.2f} (goal ≤ 2.00: {'ok' if ok_p99 else 'NO'})")
    print(f"\nmarks stored: {stored} (expected {threads * args.requests - saiwu[2]}); audit chain intact: {chain.ok}"
          f" ({chain.checked} entries)")


if __name__ == "__main__":
    main()
