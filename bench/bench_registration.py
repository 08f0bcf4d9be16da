"""Registration submit latency against a bare Flask + SQLAlchemy insert, measured in the same run.

Both run in-process through the test client on a SQLite file (so network noise is out of the figure):
the baseline is one form field inserted into one table; Saiwu's is a contestant's full registration
submit (CSRF, every field's checks, the unique constraint, the workflow step, the audit chain).
Run: .venv/bin/python bench/bench_registration.py [N]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask, request  # noqa: E402
from flask_sqlalchemy import SQLAlchemy  # noqa: E402
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200


def bare_app(db_path: Path):
    class Base(DeclarativeBase):
        pass

    app = Flask("bare")
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_path}"
    db = SQLAlchemy(app, model_class=Base)

    class Row(db.Model):
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str]

    @app.post("/insert")
    def insert():
        db.session.add(Row(name=request.form["name"]))
        db.session.commit()
        return "ok"

    with app.app_context():
        db.create_all()
    return app


def timed(call, n: int) -> list[float]:
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        call(i)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    from flask_migrate import upgrade

    from app import create_app
    from app.demo import load_demo
    from app.extensions import db
    from contests.idnumber import make_id_number
    from tests.support.registration import form_values, gx, years_before
    from tests.support.web import csrf_token, post_form

    tmp = Path(tempfile.mkdtemp())
    bare = bare_app(tmp / "bare.db").test_client()

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'saiwu.db'}", "UPLOAD_FOLDER": str(tmp / "up"),
                      "RATELIMIT_ENABLED": False}, config_name="testing")
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        contest = gx()
        born = years_before(contest.starts_on, 30)
        forms = [form_values(id_number=make_id_number("450202", born, i % 499, "F"),
                             mobile=f"139{i:08d}") for i in range(N)]
        events = [f"{e.id}:{g.id}" for e in contest.events for g in e.groups if g.code == "employee"]
        code = contest.code
    phone = app.test_client()
    post_form(phone, "/contests/signup", {"mobile": "13900000000", "display_name": "压测", "password": "Bench-2027-ok",
                                          "repeat": "Bench-2027-ok"})
    token = csrf_token(phone, f"/contests/{code}/register")

    def submit(i):
        data = {**forms[i], "event_group": events[i // 499 % len(events)], "submit": "1", "csrf_token": token}
        r = phone.post(f"/contests/{code}/register", data=data)
        assert r.status_code == 302, r.get_data(as_text=True)[-500:]

    def insert(i):
        assert bare.post("/insert", data={"name": f"row {i}"}).status_code == 200

    for _ in range(5):  # warm both up
        insert(0)
    base = timed(insert, N)
    saiwu = timed(submit, N)

    def row(name, xs):
        xs = sorted(xs)
        p95 = xs[int(len(xs) * 0.95) - 1]
        return name, statistics.median(xs), p95, len(xs) / (sum(xs) / 1000)

    rows = [row("bare Flask insert", base), row("registration submit", saiwu)]
    print(f"{'case':<22}{'p50 ms':>9}{'p95 ms':>9}{'req/s':>9}")
    for name, p50, p95, rps in rows:
        print(f"{name:<22}{p50:>9.1f}{p95:>9.1f}{rps:>9.0f}")
    ratio = rows[1][1] / rows[0][1]
    print(f"ratio (p50 submit / p50 bare insert): {ratio:.1f}×  — n={N}, SQLite, in-process test client")


if __name__ == "__main__":
    main()
