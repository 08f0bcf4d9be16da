"""Lanes (app/lanes.py) in a real gunicorn started from gunicorn.conf.py, one worker with two ordinary threads:
while two slow phones hold both ordinary threads, a judge's save and the public results page are still
answered, and an ordinary page waits. With the lanes closed the results page waits too (the control)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid

import pytest
import requests
from sqlalchemy import select

from app.demo import DEMO_PASSWORD
from app.extensions import db
from contests.models import Event
from scoring.models import Mark
from tests.support.servers import ROOT, free_port, wait_healthy

SLOW_POST = (b"POST /login HTTP/1.1\r\nHost: saiwu\r\nContent-Type: application/x-www-form-urlencoded\r\n"
             b"Content-Length: 50000\r\n\r\nusername=1370")  # the body never comes: the thread waits for it


@pytest.fixture
def gunicorn(demo, tmp_path):
    started = []

    def start(lanes: str) -> str:
        port = free_port()
        env = {**os.environ, "SAIWU_WORKERS": "1", "SAIWU_THREADS": "2", "SAIWU_LANES": lanes,
               "SAIWU_BIND": f"127.0.0.1:{port}", "SAIWU_ENV": "development", "SAIWU_RATELIMIT": "0",
               "DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
               "SECRET_KEY": uuid.uuid4().hex * 2, "UPLOAD_FOLDER": str(tmp_path / "uploads")}
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:create_app()"],  # noqa: S603
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        started.append(proc)
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, proc, 60)
        return base

    yield start
    for proc in started:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _hold_ordinary_threads(base: str, n: int = 2) -> list[socket.socket]:
    port = int(base.rsplit(":", 1)[1])
    phones = []
    for _ in range(n):
        phone = socket.create_connection(("127.0.0.1", port))
        phone.sendall(SLOW_POST)
        phones.append(phone)
    time.sleep(0.5)  # both are being handled: each ordinary thread waits for a body that does not come
    return phones


def _answered(call) -> bool:
    try:
        call()
        return True
    except requests.Timeout:
        return False


def test_judges_and_results_readers_are_answered_while_slow_phones_hold_the_ordinary_threads(gunicorn):
    base = gunicorn("public=1,judging=2")
    token = requests.post(base + "/api/v1/tokens", json={"username": "judge-dg-1", "password": DEMO_PASSWORD},
                          timeout=10).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    event_id = db.session.scalar(select(Event.id).where(Event.code == "DG").order_by(Event.id))
    phones = _hold_ordinary_threads(base)
    try:
        assert not _answered(lambda: requests.get(base + "/login", timeout=1.5))  # the ordinary pool is full
        results = requests.get(base + "/results/", timeout=10)
        assert results.status_code == 200 and "成绩" in results.text
        sheet = requests.get(f"{base}/api/v1/events/{event_id}/sheet", headers=auth, timeout=10).json()
        aspect = next(a["id"] for m in sheet["modules"] for a in m["aspects"] if a["kind"] == "measurement")
        key = uuid.uuid4().hex
        saved = requests.post(f"{base}/api/v1/events/{event_id}/marks", headers=auth, timeout=10,
                              json={"key": key, "aspect_id": aspect, "code": sheet["contestants"][0], "value": "1"})
        assert saved.status_code == 201, saved.text
    finally:
        for phone in phones:
            phone.close()
    assert requests.get(base + "/login", timeout=10).status_code == 200  # the phones gave up: threads free
    db.session.rollback()  # a fresh snapshot: the save was committed by the gunicorn process
    assert db.session.scalar(select(Mark.value).where(Mark.idempotency_key == key)) is not None


def test_a_phone_whose_request_follows_its_connection_by_seconds_is_still_answered(gunicorn):
    """A new connection with nothing to read yet is parked, not cut off: the lanes give its first bytes as long
    as plain gunicorn does (a thread's 5 s wait, then the 2 s keep-alive), here 3 s after connecting."""
    base = gunicorn("public=1,judging=2")
    port = int(base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as phone:
        time.sleep(3)  # weak signal: the request comes late
        phone.sendall(b"GET /results/ HTTP/1.1\r\nHost: saiwu\r\nConnection: close\r\n\r\n")
        phone.settimeout(10)
        answer = phone.recv(64)
    assert answer.startswith(b"HTTP/1.1 200"), answer


def test_without_lanes_the_results_page_waits_behind_the_slow_phones(gunicorn):
    base = gunicorn("public=0,judging=0")
    phones = _hold_ordinary_threads(base)
    try:
        assert not _answered(lambda: requests.get(base + "/results/", timeout=1.5))
    finally:
        for phone in phones:
            phone.close()
    assert requests.get(base + "/results/", timeout=10).status_code == 200


def test_every_lane_prefix_names_routes_of_the_app(app):
    """A renamed blueprint must not leave a lane silently empty: every prefix starts some route that takes
    its method."""
    from app.lanes import LANES

    rules = [(str(rule), rule.methods) for rule in app.url_map.iter_rules()]
    for lane, prefixes in LANES.items():
        for prefix in prefixes:
            method, path = prefix.decode().split(" ", 1)
            assert any(rule.startswith(path) and method in methods for rule, methods in rules), (lane, prefix)


@pytest.mark.parametrize("waiting", ["keepalived", "pending"])
def test_a_request_that_arrives_as_its_connections_time_runs_out_is_served_not_reset(waiting):
    """gunicorn reads its poller, then closes the connections whose time is up; on a busy worker a request can
    come in between. Closing then would reset the client's connection with its request unread."""
    import selectors
    from collections import deque

    from gunicorn.workers.gthread import TConn

    from app.lanes import LaneWorker

    worker = LaneWorker.__new__(LaneWorker)  # only what the timeouts touch: no process, no app
    worker.poller, worker.keepalived_conns, worker.pending_conns = selectors.DefaultSelector(), deque(), deque()
    worker.nr_conns = 2
    served = []
    worker.enqueue_req = served.append
    conns, clients = [], []
    for _ in range(2):
        server_side, client = socket.socketpair()
        conn = TConn(None, server_side, ("127.0.0.1", 50000), ("127.0.0.1", 8000))
        conn.timeout = time.monotonic() - 0.05  # just ran out
        worker.poller.register(server_side, selectors.EVENT_READ)
        getattr(worker, f"{waiting}_conns").append(conn)
        conns.append(conn)
        clients.append(client)
    clients[0].sendall(b"POST /api/v1/events/1/marks HTTP/1.1\r\nHost: saiwu\r\n\r\n")  # the last moment's save

    getattr(worker, "murder_keepalived" if waiting == "keepalived" else "murder_pending")()

    assert served == [conns[0]]  # handed to a thread, request intact
    assert conns[0].sock.fileno() != -1 and conns[0].sock.recv(4, socket.MSG_PEEK) == b"POST"
    assert conns[1].sock.fileno() == -1  # the idle one is closed as before
    assert not worker.keepalived_conns and not worker.pending_conns and worker.nr_conns == 1
    for sock in (*clients, conns[0].sock):
        sock.close()
