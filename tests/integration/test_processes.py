"""Several app processes on one database, and a process killed in the middle of a burst of mark saves.

The app keeps no state of its own (sessions in signed cookies, tokens signed, data in the database), so a
mark saved through one process is seen through another, and a retry with the same idempotency key after a
crash stores the mark exactly once.
"""

from __future__ import annotations

import threading
import uuid

import pytest
import requests
from sqlalchemy import func, select

from app.demo import DEMO_PASSWORD
from app.extensions import db
from contests.models import Event
from scoring.models import Mark
from tests.support.web import TOKEN


@pytest.fixture
def processes(demo, tmp_path):
    url = str(db.engine.url.render_as_string(hide_password=False))
    from tests.support.servers import AppProcess

    secret = uuid.uuid4().hex * 2
    started = []

    def start():
        proc = AppProcess(url, str(tmp_path / "uploads"), secret).start()
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()


def _token(base: str, username: str = "judge-dg-1") -> dict:
    r = requests.post(base + "/api/v1/tokens", json={"username": username, "password": DEMO_PASSWORD}, timeout=10)
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _target(base: str, auth: dict) -> tuple[int, list[int], list[str]]:
    event_id = db.session.scalar(select(Event.id).where(Event.code == "DG").order_by(Event.id))
    sheet = requests.get(f"{base}/api/v1/events/{event_id}/sheet", headers=auth, timeout=10).json()
    aspects = [a["id"] for m in sheet["modules"] for a in m["aspects"] if a["kind"] == "measurement"]
    return event_id, aspects, sheet["contestants"]


def test_a_mark_saved_through_one_process_is_seen_through_another(processes):
    a, b = processes(), processes()
    auth = _token(a.base)
    event_id, aspects, codes = _target(a.base, auth)
    body = {"key": uuid.uuid4().hex, "aspect_id": aspects[0], "code": codes[0], "value": "1"}
    assert requests.post(f"{a.base}/api/v1/events/{event_id}/marks", json=body, headers=auth, timeout=10).status_code \
        == 201
    seen = requests.get(f"{b.base}/api/v1/events/{event_id}/sheet", headers=auth, timeout=10).json()
    assert seen["marks"][codes[0]][str(aspects[0])]["value"] == "1"
    # a browser session made on one process works on the other (signed cookie, no server-side state)
    web = requests.Session()
    page = web.get(a.base + "/login", timeout=10).text
    token = TOKEN.search(page).group(1)
    web.post(a.base + "/login", data={"username": "judge-dg-1", "password": DEMO_PASSWORD, "csrf_token": token},
             timeout=10)
    assert "裁判员工作台" in web.get(b.base + "/home", timeout=10).text


def test_kill_9_mid_burst_then_retry_stores_each_acknowledged_mark_once(processes):
    server = processes()
    auth = _token(server.base)
    event_id, aspects, codes = _target(server.base, auth)
    entries = [{"key": f"burst-{uuid.uuid4().hex}", "aspect_id": aspects[i % len(aspects)],
                "code": codes[(i // len(aspects)) % len(codes)], "value": "1"} for i in range(120)]
    acknowledged: set[str] = set()
    sent: set[str] = set()
    killed = threading.Event()

    def burst(base: str, batch: list[dict]):
        for entry in batch:
            sent.add(entry["key"])
            try:
                r = requests.post(f"{base}/api/v1/events/{event_id}/marks", json=entry, headers=auth, timeout=5)
            except requests.RequestException:
                continue  # the server died under this request: the client will retry it
            if r.status_code in (200, 201):
                acknowledged.add(entry["key"])

    def killer():
        while len(acknowledged) < 30:
            pass
        server.kill9()
        killed.set()

    threading.Thread(target=killer, daemon=True).start()
    burst(server.base, entries)
    assert killed.is_set() and 30 <= len(acknowledged) < len(entries)
    server.proc = None
    restarted = processes()
    # the tablet retries everything it has not seen acknowledged, and (to be sure) a few it has
    retry = [e for e in entries if e["key"] not in acknowledged] + entries[:5]
    burst(restarted.base, retry)
    assert acknowledged == {e["key"] for e in entries}
    db.session.rollback()  # end the test's own read transaction: see what the processes committed
    stored = dict(db.session.execute(select(Mark.idempotency_key, func.count()).where(
        Mark.idempotency_key.like("burst-%")).group_by(Mark.idempotency_key)).all())
    assert set(stored) == {e["key"] for e in entries}  # nothing else was stored
    assert set(stored.values()) == {1}  # and each exactly once


def test_two_processes_confirming_one_module_at_once(processes):
    """The chief judge presses 'confirm' on two tablets served by two processes at the same moment: one
    confirmation is stored, the other tablet gets a clear message, and nothing fails."""
    import re

    from scoring.models import ModuleConfirmation
    from scoring.schemes import scheme_for
    from tests.support import judging as J

    event = J.event("DG")
    J.fill(event)
    db.session.commit()
    criterion_id = scheme_for(event.id).criteria[0].id
    a, b = processes(), processes()
    sessions = []
    for server in (a, b):
        web = requests.Session()
        page = web.get(server.base + "/login", timeout=10).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        web.post(server.base + "/login", data={"username": "chief-dg", "password": DEMO_PASSWORD,
                                               "csrf_token": token}, timeout=10)
        chief_page = web.get(f"{server.base}/scoring/chief/{event.id}", timeout=10).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', chief_page).group(1)
        sessions.append((server, web, token))
    barrier = threading.Barrier(2)
    pages = []

    def confirm(server, web, token):
        barrier.wait()
        r = web.post(f"{server.base}/scoring/chief/{event.id}/confirm-module",
                     data={"criterion_id": str(criterion_id), "csrf_token": token}, timeout=30)
        pages.append((r.status_code, r.text))

    threads = [threading.Thread(target=confirm, args=s) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(status == 200 for status, _text in pages), [s for s, _t in pages]
    texts = [text for _status, text in pages]
    assert sum("模块成绩已确认" in t for t in texts) == 1
    assert sum("已确认" in t and "模块成绩已确认" not in t for t in texts) == 1
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ModuleConfirmation)
                             .where(ModuleConfirmation.criterion_id == criterion_id)) == 1
