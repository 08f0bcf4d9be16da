"""Load: Saiwu under gunicorn on PostgreSQL, driven from a second process, against a bare Flask + SQLAlchemy app
under the same load in the same run.

    .venv/bin/python bench/bench_load.py [--seconds 60] [--phases 4] [--judges 200] [--contestants 100]
                                         [--readers 200]

Each app gets the load for ``--seconds`` in all, in ``--phases`` turns taken alternately (bare, Saiwu, Saiwu,
bare, …) while both servers run, so that a slow spell of this shared 2-core machine falls on both alike
rather than on whichever app happened to be measured then. Percentiles are over every request of every phase.

Simulated users (asyncio + aiohttp, one driver process):
- judges save marks through the API (bearer token, a fresh idempotency key per save);
- contestants register through the phone form (cookie session, CSRF token, a new ID number each time),
  logged in before the clock starts (a login is a deliberately slow password hash, not the load measured);
- public readers open the published results page.
The bare app gets the same users: inserts for judges and contestants, a 50-row page for readers. Saiwu runs
with its lane worker (app/lanes.py); the bare app runs gunicorn's plain threaded worker with as many threads
per worker as Saiwu's lanes hold together.
Afterwards every acknowledged mark is looked up in the database by its key: present exactly once.
The driver runs ahead of the servers in the scheduler (nice -10, as root), as the devices it stands for have
CPUs of their own; the "driver lag" line shows how late its loop ran, and so whether it measured the servers.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "Load-Bench-2026"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def schema_url(schema: str) -> str:
    return f"{PG}?options=-csearch_path%3D{schema}"


def reset_schema(schema: str) -> None:
    from sqlalchemy import create_engine, text

    with create_engine(PG).begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))


def prepare_saiwu(url: str, contestants: int) -> dict:
    """Migrate, load the demo with published results, and make the contestants' accounts."""
    from flask_migrate import upgrade
    from sqlalchemy import select
    from werkzeug.security import generate_password_hash

    from app import create_app
    from app.extensions import db
    from app.models import User
    from contests.models import Contest, Event, JudgeAssignment
    from scoring.results_demo import load_demo_results

    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, config_name="testing")
    with app.app_context():
        upgrade()
        from app.demo import load_demo

        load_demo()
        db.session.commit()
        # Published results for the readers come from SQSZ2019; FP2020 stays open for the judges to mark.
        import scoring.results_demo as results_demo

        results_demo.DEMO_CONTESTS = ("SQSZ2019",)
        load_demo_results()
        hashed = generate_password_hash(PASSWORD)
        for i in range(contestants):
            db.session.add(User(username=f"1370000{i:04d}", display_name="压测选手", role="contestant",
                                password_hash=hashed))
        gx = db.session.scalar(select(Contest).where(Contest.code == "GX2027"))
        groups = [f"{e.id}:{g.id}" for e in gx.events for g in e.groups if g.code == "employee"]
        judges = db.session.execute(
            select(User.username, Event.id).join(JudgeAssignment, JudgeAssignment.user_id == User.id)
            .join(Event, Event.id == JudgeAssignment.event_id)
            .where(User.role == "judge", Event.contest_id == db.session.scalar(
                select(Contest.id).where(Contest.code == "FP2020")))).all()
        from app import demo

        for user in db.session.scalars(select(User).where(User.username.in_([u for u, _e in judges]))):
            user.password_hash = generate_password_hash(demo.DEMO_PASSWORD)
        db.session.commit()
        return {"judges": [(u, e) for u, e in judges], "groups": groups, "contest_date": gx.starts_on,
                "contest": "GX2027"}


def gunicorn(app_spec: str, env: dict, port: int, chdir: Path, args: list[str]) -> subprocess.Popen:
    cmd = [str(ROOT / ".venv/bin/gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}",
           "--chdir", str(chdir), *args, app_spec]
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=subprocess.DEVNULL,  # noqa: S603
                            stderr=subprocess.DEVNULL)
    import requests

    for _ in range(200):
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code in (200, 404):
                return proc
        except requests.RequestException:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"gunicorn did not start: {app_spec}")


# -------------------------------------------------------------------------------------------- the driver

class Stats:
    def __init__(self):
        self.latencies: list[float] = []
        self.errors = 0
        self.error_samples: list[str] = []
        self.started = time.monotonic()  # the phase's clock: error samples say when in the phase they came

    def add(self, ms: float, ok: bool, sample: str = "") -> None:
        self.latencies.append(ms)
        if not ok:
            self.errors += 1
            if len(self.error_samples) < 3:
                self.error_samples.append(f"{sample} (at {time.monotonic() - self.started:.1f} s, after {ms:.0f} ms)")


async def _timed(stats: Stats, call, ok_codes=(200, 201, 302)):
    t0 = time.perf_counter()
    try:
        status, text = await call()
    except Exception as err:  # a refused connection or timeout is an error of the run
        stats.add((time.perf_counter() - t0) * 1000, False, repr(err)[:120])
        return None
    ok = status in ok_codes
    stats.add((time.perf_counter() - t0) * 1000, ok, f"{status} {text[:120]}")
    return status, text


async def drive(base: str, bare: bool, setup: dict, seconds: float, counts: dict) -> dict:
    import aiohttp

    from contests.idnumber import make_id_number

    stop_at = 0.0  # set when every simulated user is signed in: logins are not part of the measured load
    stats = {"marks": Stats(), "register": Stats(), "read": Stats()}
    acked: list[str] = []
    timeout = aiohttp.ClientTimeout(total=60)
    shared = aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0, keepalive_timeout=1))

    async def judge(i: int, targets: dict):
        username, event_id = setup["judges"][i % len(setup["judges"])]
        auth, options = targets.get(username, ({}, []))
        rng = random.Random(i)
        while time.monotonic() < stop_at:
            key = f"load-{uuid.uuid4().hex}"
            if bare:
                url, body = f"{base}/insert", {"key": key}
            else:
                aspect, code, value = rng.choice(options)
                url, body = f"{base}/api/v1/events/{event_id}/marks", {"key": key, "aspect_id": aspect,
                                                                        "code": code, "value": value}

            async def call(url=url, body=body):
                async with shared.post(url, json=body, headers=auth) as r:
                    return r.status, await r.text()
            got = await _timed(stats["marks"], call)
            if got and got[0] in (200, 201):
                acked.append(key)

    async def sign_in(i: int):
        """A contestant's phone: logged in, the registration form open (before the clock starts)."""
        # unsafe=True: aiohttp keeps no cookies for bare IP addresses otherwise
        own = aiohttp.ClientSession(timeout=timeout, cookie_jar=aiohttp.CookieJar(unsafe=True),
                                    connector=aiohttp.TCPConnector(keepalive_timeout=1))
        token = ""
        if not bare:
            async with own.get(f"{base}/login") as r:
                token = TOKEN.search(await r.text()).group(1)
            async with own.post(f"{base}/login", data={"username": f"1370000{i:04d}", "password": PASSWORD,
                                                       "csrf_token": token}, allow_redirects=False) as r:
                assert r.status == 302, await r.text()
            async with own.get(f"{base}/contests/{setup['contest']}/register") as r:
                token = TOKEN.search(await r.text()).group(1)
        return own, token

    async def contestant(i: int, own, token: str):
        rng = random.Random(10_000 + i + 1_000 * counts.get("phase", 0))  # new people in every phase
        async with own:
            n = 0
            while time.monotonic() < stop_at:
                n += 1
                born = date(1990 + rng.randrange(10), 1 + rng.randrange(12), 1 + rng.randrange(28))
                id_number = make_id_number("450202", born, (i * 5 + n) % 499, "F")
                form = {"name": "覃海燕", "id_number": id_number, "sex": "F", "ethnic": "08",
                        "mobile": f"139{rng.randrange(10**8):08d}", "province": "45", "city": "4502",
                        "county_code": "450202", "employer": "柳州市建筑工程集团", "category": "employee",
                        "event_group": setup["groups"][(i + n) % len(setup["groups"])],
                        "works_in_occupation": "y", "submit": "1", "csrf_token": token}

                async def call(form=form):
                    url = f"{base}/insert" if bare else f"{base}/contests/{setup['contest']}/register"
                    data = {"key": f"reg-{uuid.uuid4().hex}"} if bare else form
                    async with own.post(url, data=data, allow_redirects=False) as r:
                        return r.status, await r.text()
                # 422 is a person refused for a rule (here: the same person drawn twice): a handled answer
                await _timed(stats["register"], call, ok_codes=(201, 302, 422))

    async def reader(i: int):
        path = "/page" if bare else "/results/SQSZ2019"
        while time.monotonic() < stop_at:
            async def call():
                async with shared.get(base + path) as r:
                    return r.status, await r.text()
            await _timed(stats["read"], call, ok_codes=(200,))

    targets = {}
    if not bare:
        for username, event_id in {u: e for u, e in setup["judges"]}.items():
            async with shared.post(f"{base}/api/v1/tokens", json={"username": username,
                                                                   "password": setup["judge_password"]}) as r:
                auth = {"Authorization": f"Bearer {(await r.json())['token']}"}
            async with shared.get(f"{base}/api/v1/events/{event_id}/sheet", headers=auth) as r:
                sheet = await r.json()
            value = {"measurement": lambda a: "1", "pass_fail": lambda a: "1", "judgement": lambda a: "2",
                     "panel": lambda a: a["max"]}
            options = [(a["id"], code, value[a["kind"]](a)) for m in sheet["modules"] for a in m["aspects"]
                       if a["kind"] in value for code in sheet["contestants"]]
            if options:
                targets[username] = (auth, options)
        setup = {**setup, "judges": [(u, e) for u, e in setup["judges"] if u in targets]}
    phones = await asyncio.gather(*[sign_in(i) for i in range(counts["contestants"])])
    stop_at = time.monotonic() + seconds
    for s in stats.values():
        s.started = time.monotonic()
    tasks = [judge(i, targets) for i in range(counts["judges"])] + \
        [contestant(i, *phone) for i, phone in enumerate(phones)] + [reader(i) for i in range(counts["readers"])]
    lags: list[float] = []

    async def clock():
        """How late the driver's own loop runs: a late loop reads answers late and sends on connections the
        server has rightly closed, so its figures would measure the driver rather than the server."""
        while time.monotonic() < stop_at:
            t = time.monotonic()
            await asyncio.sleep(0.05)
            lags.append((time.monotonic() - t - 0.05) * 1000)
    t0 = time.perf_counter()
    await asyncio.gather(*tasks, clock())
    elapsed = time.perf_counter() - t0
    await shared.close()
    return {"elapsed": elapsed, "acked": acked, "lags": lags,
            "stats": {k: (v.latencies, v.errors, v.error_samples) for k, v in stats.items()}}


def run_driver(base, bare, setup, seconds, counts, queue):
    # The driver stands for hundreds of phones and tablets, each with a CPU of its own. Sharing this machine's
    # two cores with the servers, it fell behind by up to 2 s (see "driver lag"): it then read answers late
    # and sent on kept-alive connections the server had closed meanwhile (connection reset), and its
    # latencies were partly its own. Ahead of the servers in the scheduler's queue, it measures them.
    try:
        os.nice(-10)
    except OSError:  # not root: measured as before, and the driver lag line shows what that costs
        pass
    queue.put(asyncio.run(drive(base, bare, setup, seconds, counts)))


def in_second_process(*args) -> dict:
    queue = multiprocessing.Queue()
    proc = multiprocessing.Process(target=run_driver, args=(*args, queue))
    proc.start()
    import queue as queues

    while True:  # a driver that dies (say, aiohttp missing) must end the run, not leave it waiting forever
        try:
            result = queue.get(timeout=5)
            break
        except queues.Empty:
            if not proc.is_alive():
                raise RuntimeError(f"the load driver died (exit code {proc.exitcode}); see its error above") from None
    proc.join()
    return result


def summary(latencies: list[float], errors: int, elapsed: float) -> dict:
    xs = sorted(latencies) or [0.0]

    def pct(p):
        return xs[min(len(xs) - 1, int(len(xs) * p))]

    return {"n": len(latencies), "rps": len(latencies) / elapsed, "p50": statistics.median(xs), "p95": pct(0.95),
            "p99": pct(0.99), "errors": errors}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--phases", type=int, default=4, help="alternate the load between the two apps")
    parser.add_argument("--judges", type=int, default=200)
    parser.add_argument("--contestants", type=int, default=100)
    parser.add_argument("--readers", type=int, default=200)
    args = parser.parse_args()
    counts = {"judges": args.judges, "contestants": args.contestants, "readers": args.readers}

    reset_schema("bench_load")
    reset_schema("bench_bare")
    saiwu_url, bare_url = schema_url("bench_load"), schema_url("bench_bare")
    print("preparing the demo contest on PostgreSQL …", flush=True)
    setup = prepare_saiwu(saiwu_url, args.contestants)
    from app.demo import DEMO_PASSWORD

    setup["judge_password"] = DEMO_PASSWORD
    os.environ["BARE_DATABASE_URL"] = bare_url
    sys.path.insert(0, str(ROOT / "bench"))
    import bare_app

    bare_app.create_tables()

    env = {"SAIWU_RATELIMIT": "0", "SECRET_KEY": uuid.uuid4().hex * 2, "SAIWU_ENV": "development",
           "DATABASE_URL": saiwu_url.replace("postgresql+psycopg", "postgresql")}
    # Saiwu runs as served (gunicorn.conf.py: its lane worker). The bare app gets gunicorn's plain threaded
    # worker with as many threads per worker as Saiwu's lanes hold together, so neither has more threads.
    import runpy

    from app.lanes import lane_threads

    served = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    lanes = lane_threads(os.environ.get("SAIWU_LANES"))
    threads = served["threads"] + sum(lanes.values())
    print(f"Saiwu: {served['workers']} workers × ({served['threads']} ordinary threads + lanes "
          f"{', '.join(f'{k} {v}' for k, v in lanes.items())}); bare: {served['workers']} workers × "
          f"{threads} threads", flush=True)
    # Both servers run throughout; the load goes to one at a time, in short phases taken in the order bare,
    # Saiwu, Saiwu, bare, bare, … so that a slow spell of this shared machine falls on both alike.
    servers = {}
    try:
        for name, spec, port, extra, chdir, server_args in [
            ("bare", "bare_app:app", 8761, {"BARE_DATABASE_URL": bare_url}, ROOT / "bench",
             ["--worker-class", "gthread", "--threads", str(threads)]),
            ("saiwu", "app:create_app()", 8762, env, ROOT, []),
        ]:
            log = Path(tempfile.gettempdir()) / f"bench_load-{name}.log"  # gunicorn's own messages (restarts)
            log.unlink(missing_ok=True)
            servers[name] = (port, gunicorn(spec, extra, port, chdir, [*server_args, "--error-logfile", str(log)]))
        phase_seconds = args.seconds / args.phases
        print(f"driving each for {args.seconds:.0f} s in {args.phases} phases of {phase_seconds:.0f} s …", flush=True)
        rows = {name: {"elapsed": 0.0, "acked": [], "stats": {}, "lags": []} for name in servers}
        for phase in range(args.phases):
            for name in ("bare", "saiwu") if phase % 2 == 0 else ("saiwu", "bare"):
                result = in_second_process(f"http://127.0.0.1:{servers[name][0]}", name == "bare", setup,
                                           phase_seconds, {**counts, "phase": phase})
                row = rows[name]
                row["elapsed"] += result["elapsed"]
                row["acked"] += result["acked"]
                row["lags"] += result["lags"]
                for scenario, (lat, errors, samples) in result["stats"].items():
                    lat0, errors0, samples0 = row["stats"].get(scenario, ([], 0, []))
                    row["stats"][scenario] = (lat0 + lat, errors0 + errors, (samples0 + samples)[:5])
    finally:
        for _port, server in servers.values():
            server.terminate()
            server.wait(20)

    print()
    print(f"{'app':<7}{'scenario':<12}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    table = {}
    for name, result in rows.items():
        for scenario, (lat, errors, samples) in result["stats"].items():
            s = summary(lat, errors, result["elapsed"])
            table[(name, scenario)] = s
            print(f"{name:<7}{scenario:<12}{s['n']:>9}{s['rps']:>8.1f}{s['p50']:>9.1f}{s['p95']:>9.1f}{s['p99']:>9.1f}"
                  f"{s['errors']:>8}")
            for sample in samples:
                print(f"         error sample: {sample}")
    for name, result in rows.items():
        lag = summary(result["lags"], 0, 1)
        print(f"{name:<7}{'driver lag':<12}{'':>9}{'':>8}{lag['p50']:>9.1f}{lag['p95']:>9.1f}{lag['p99']:>9.1f}"
              f"   (how late the driver's loop ran)")
    marks, bare_marks = table[("saiwu", "marks")], table[("bare", "marks")]
    reads, bare_reads = table[("saiwu", "read")], table[("bare", "read")]
    print()
    print(f"mark saves: throughput {marks['rps'] / bare_marks['rps']:.2f}× bare insert (goal ≥ 0.5), "
          f"p99 {marks['p99'] / bare_marks['p99']:.2f}× bare (goal ≤ 2)")
    print(f"results page: throughput {reads['rps'] / bare_reads['rps']:.2f}× bare 50-row page (goal ≥ 0.8)")
    # The simulated users share the servers' queues, so each scenario's rate follows the whole mix's average
    # cost; run a scenario alone (the other counts 0) to measure its own.
    every = {name: sum(s["rps"] for (n, _), s in table.items() if n == name) for name in rows}
    saiwu_all, bare_all = every["saiwu"], every["bare"]
    print(f"all requests: {saiwu_all:.0f} vs {bare_all:.0f} req/s, {saiwu_all / bare_all:.2f}× bare")

    from sqlalchemy import create_engine, func, select, text

    acked = rows["saiwu"]["acked"]
    engine = create_engine(saiwu_url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT idempotency_key, count(*) FROM mark WHERE idempotency_key LIKE 'load-%' "
                                   "GROUP BY idempotency_key")).all()
    counts_by_key = dict(stored)
    missing = [k for k in acked if k not in counts_by_key]
    doubled = [k for k, n in counts_by_key.items() if n != 1]
    print(f"acknowledged mark saves: {len(acked)}; in the database: {len(counts_by_key)} keys; "
          f"missing: {len(missing)}; stored more than once: {len(doubled)}")
    del func, select
    errors = sum(s["errors"] for (name, _), s in table.items() if name == "saiwu")
    goals = {
        "mark throughput ≥ 0.5× bare": marks["rps"] >= 0.5 * bare_marks["rps"],
        "mark p99 ≤ 2× bare": marks["p99"] <= 2 * bare_marks["p99"],
        "results page ≥ 0.8× bare page": reads["rps"] >= 0.8 * bare_reads["rps"],
        "zero errors": errors == 0,
        "every acknowledged mark exactly once": not missing and not doubled,
    }
    for goal, met in goals.items():
        print(f"{'PASS' if met else 'FAIL'}  {goal}")
    if errors:
        print(f"gunicorn's own messages (restarts, timeouts): {Path(tempfile.gettempdir()) / 'bench_load-saiwu.log'}")


if __name__ == "__main__":
    main()
