"""The lane worker's sorting (app/lanes.py), on real sockets: which pool serves which request line, and a new
connection whose bytes have not arrived yet is handed back to gunicorn's poller instead of taking a thread."""

from __future__ import annotations

import socket
import threading
from types import SimpleNamespace

import pytest

from app.lanes import NOT_YET, LanePool, lane_of, lane_threads


@pytest.mark.parametrize(("line", "lane"), [
    (b"GET /results/FP2020/DG HTTP/1.1", "public"),
    (b"GET /certificates/verify/FP2020-0001 HTTP/1.1", "public"),
    (b"GET /static/app.css HTTP/1.1", "public"),
    (b"POST /api/v1/events/12/marks HTTP/1.1", "judging"),
    (b"POST /scoring/sheet/12/marks HTTP/1.1", "judging"),
    (b"GET /scoring/chief/12/progress.json HTTP/1.1", "judging"),
    (b"POST /results/FP2020/appeals HTTP/1.1", None),  # a form post is ordinary work, even under /results/
    (b"POST /contests/GX2027/register HTTP/1.1", None),
    (b"POST /api/v1/tokens HTTP/1.1", None),
    (b"GET /scoring/scheme/12 HTTP/1.1", None),  # the organiser's scheme editor is not the tablet
    (b"GE", None),
    (b"", None),
])
def test_request_lines_take_their_lane(line, lane):
    assert lane_of(line) == lane


def test_lane_threads_from_the_setting():
    assert lane_threads(None) == {"public": 1, "judging": 6}
    assert lane_threads("public=3, judging=0") == {"public": 3, "judging": 0}
    assert lane_threads("judging=x,unknown=5,public") == {"public": 1, "judging": 6}  # nonsense keeps defaults


def _served_by(pool: LanePool, head: bytes, *, new: bool = False):
    """Send ``head`` on a socket pair and submit its server end: the name of the thread that ran it."""
    client, server = socket.socketpair()
    try:
        if head:
            client.sendall(head)
        conn = SimpleNamespace(sock=server, initialized=not new, data_ready=False)
        future = pool.submit(lambda c: threading.current_thread().name, conn)
        return future.result(timeout=5)
    finally:
        client.close()
        server.close()


def test_the_pool_runs_each_request_in_its_lane():
    pool = LanePool(2, {"public": 1, "judging": 2})
    try:
        assert _served_by(pool, b"GET /results/FP2020 HTTP/1.1\r\n").startswith("public")
        assert _served_by(pool, b"POST /api/v1/events/3/marks HTTP/1.1\r\n").startswith("judging")
        assert _served_by(pool, b"POST /contests/GX2027/register HTTP/1.1\r\n").startswith("ordinary")
        # the peeked bytes stay on the socket for gunicorn's parser
        client, server = socket.socketpair()
        client.sendall(b"GET /results/ HTTP/1.1\r\n")
        pool.submit(lambda c: None, SimpleNamespace(sock=server, initialized=True, data_ready=True)).result(5)
        assert server.recv(100).startswith(b"GET /results/")
        client.close()
        server.close()
    finally:
        pool.shutdown()


def test_a_new_connection_without_bytes_goes_back_to_the_poller():
    pool = LanePool(1, {"public": 1, "judging": 1})
    try:
        if NOT_YET is None:  # an older gunicorn without the poller's "not yet": the ordinary pool waits
            assert _served_by(pool, b"", new=True).startswith("ordinary")
        else:
            assert _served_by(pool, b"", new=True) is NOT_YET
        assert _served_by(pool, b"", new=False).startswith("ordinary")  # a kept-alive one: gunicorn's own way
    finally:
        pool.shutdown()


def test_with_every_lane_closed_everything_is_ordinary():
    pool = LanePool(2, lane_threads("public=0,judging=0"))
    try:
        assert _served_by(pool, b"GET /results/ HTTP/1.1\r\n").startswith("ordinary")
    finally:
        pool.shutdown()
