"""A judge's tablet cycle on PostgreSQL: after each flush of saved marks the tablet reads its sheet again.

psycopg 3 forgets a connection's prepared statements when a transaction on it is rolled back, and a request
that only reads ends with a rollback, so the saves after a sheet read used to run unprepared. The sheet reads
are now declared read-only (``app.readonly``: autocommit, no rollback). In one run, in-process (Flask test
client, one judge, the API with a bearer token):

  saves alone            the baseline: mark saves one after another
  save + read-only read  each save followed by the tablet's sheet read, as shipped
  save + read in a txn   the same with the read-only declaration switched off (as before)

Only the saves are timed. Run: .venv/bin/python bench/bench_sheet_cycle.py [--saves 400]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_load import reset_schema, schema_url  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--saves", type=int, default=400)
    args = parser.parse_args()
    os.environ["SAIWU_RATELIMIT"] = "0"
    reset_schema("bench_sheet")
    from flask_migrate import upgrade
    from sqlalchemy import select

    from app import create_app, readonly
    from app.demo import DEMO_PASSWORD, load_demo
    from app.extensions import db
    from contests.models import Event

    app = create_app({"SQLALCHEMY_DATABASE_URI": schema_url("bench_sheet")}, config_name="testing")
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        event_id = db.session.scalar(select(Event.id).where(Event.code == "DG").order_by(Event.id))
    client = app.test_client()
    token = client.post("/api/v1/tokens", json={"username": "judge-dg-1", "password": DEMO_PASSWORD}).json["token"]
    auth = {"Authorization": f"Bearer {token}"}
    sheet_url = f"/api/v1/events/{event_id}/sheet"
    sheet = client.get(sheet_url, headers=auth).json
    options = [(a["id"], code) for m in sheet["modules"] for a in m["aspects"] if a["kind"] == "measurement"
               for code in sheet["contestants"]]

    def save(i: int) -> None:
        aspect, code = options[i % len(options)]
        r = client.post(f"/api/v1/events/{event_id}/marks", headers=auth,
                        json={"key": f"cycle-{uuid.uuid4().hex}", "aspect_id": aspect, "code": code, "value": "1"})
        assert r.status_code == 201, r.get_data(as_text=True)

    def run(read: bool) -> tuple[float, float]:
        wall = cpu = 0.0
        for i in range(args.saves):
            t0, c0 = time.perf_counter(), time.process_time()
            save(i)
            wall, cpu = wall + time.perf_counter() - t0, cpu + time.process_time() - c0
            if read:
                assert client.get(sheet_url, headers=auth).status_code == 200
        return wall / args.saves * 1000, cpu / args.saves * 1000

    declared = set(readonly.READ_ONLY)
    for i in range(30):
        save(i)  # warm: compiled SQL, prepared statements
    rows = {}
    for _round in range(2):  # twice, interleaved: this machine is noisy
        rows.setdefault("saves alone", []).append(run(read=False))
        rows.setdefault("save + read-only read", []).append(run(read=True))
        readonly.READ_ONLY.clear()
        rows.setdefault("save + read in a txn", []).append(run(read=True))
        readonly.READ_ONLY.update(declared)
    print(f"\nOne judge, {args.saves} saves per row per round, PostgreSQL, in-process; the save alone is timed\n")
    print(f"{'variant':<24}{'ms/save wall':>14}{'ms/save CPU':>13}{'× saves alone':>15}")
    base = min(w for w, _c in rows["saves alone"])
    for label, values in rows.items():
        wall, cpu = min(w for w, _c in values), min(c for _w, c in values)
        print(f"{label:<24}{wall:>14.2f}{cpu:>13.2f}{wall / base:>15.2f}")


if __name__ == "__main__":
    main()
