"""Lanes: gunicorn threads set aside per kind of request, so a judge's save or a public results page never
waits in line behind a queue of registration forms.

A gunicorn ``gthread`` worker hands every ready connection to one thread pool, first come first served. On a
busy day that line is shared by everyone: a results page that takes a third of a millisecond waits behind
every registration post (form, checks, three inserts) queued before it, and a judge's tablet waits as long as
a contestant's phone. Here the worker keeps one pool per lane. Which lane a request takes is read from the
first bytes of its request line, peeked on the socket (the bytes stay there for gunicorn's parser); a request
that matches no lane goes to the ordinary pool. A new connection whose first bytes have not arrived yet is
handed back to gunicorn's poller (its own "no data yet" answer), so it waits for them without a thread and is
sorted when they come; without that, a judge's first request on a new connection would wait for an ordinary
thread only to learn which lane it belongs to. (gunicorn closes such a connection if nothing comes within its
``keepalive`` time, 2 s; behind the proxy the request follows the connection at once.)

Anyone can write a request line, so lanes are a matter of order, not of trust: every request still goes
through the access matrix. They assume the proxy in front buffers whole requests (nginx does by default), as
gunicorn's threaded worker always has: otherwise a client that sends its request slowly holds a thread of
whichever lane its first bytes name.

Lanes share the process's CPU and its interpreter lock; they bound how many threads each kind of work may
hold, they do not reserve time. The ordinary pool keeps ``threads`` threads, so nothing is served slower
than without lanes when only ordinary requests arrive.

Enable with ``worker_class = "app.lanes.LaneWorker"`` (gunicorn.conf.py does). ``SAIWU_LANES`` sets the
threads per lane, e.g. ``public=2,judging=2``; ``0`` closes a lane (its requests take the ordinary pool).
"""

from __future__ import annotations

import os
import socket
import time
from concurrent.futures import Future, ThreadPoolExecutor

from gunicorn.workers import gthread
from gunicorn.workers.gthread import ThreadWorker

# gunicorn's answer for "no data arrived yet: wait on the poller" (its gthread worker, in recent releases).
# Without it a connection with no bytes yet takes the ordinary pool, as in gunicorn's own worker.
NOT_YET = getattr(gthread, "_DEFER", None)
FIRST_BYTES_WAIT = getattr(gthread, "DEFAULT_WORKER_DATA_TIMEOUT", 5.0)

# Request-line prefixes per lane. Public: plain reads of published results, certificate checks, static files and
# the health checks. Judging: the tablet's sheet and saves, the chief's pages, paper entry, and the same
# through the API. A prefix that names no route is caught by tests/integration/test_lanes.py.
LANES: dict[str, tuple[bytes, ...]] = {
    "public": (b"GET /results/", b"HEAD /results/", b"GET /api/v1/results/", b"GET /certificates/verify",
               b"GET /static/", b"GET /healthz", b"GET /readyz"),
    "judging": (b"GET /scoring/sheet/", b"POST /scoring/sheet/", b"GET /scoring/chief/", b"POST /scoring/chief/",
                b"GET /scoring/paper/", b"POST /scoring/paper/", b"GET /api/v1/events/", b"POST /api/v1/events/"),
}
# A cached public page is a fraction of a millisecond of CPU: one thread per worker keeps up. A save waits on
# the database for most of its time, so more threads overlap those waits; with 4 the judges' rate under the load
# benchmark fell below half the bare app's in some runs, with 6 and 8 it did not (bench/bench_load.py).
DEFAULT_THREADS = {"public": 1, "judging": 6}
PEEK = max(len(p) for prefixes in LANES.values() for p in prefixes)


def lane_threads(spec: str | None) -> dict[str, int]:
    """``"public=2,judging=1"`` → threads per lane; lanes not named keep their default."""
    threads = dict(DEFAULT_THREADS)
    for part in (spec or "").split(","):
        name, _, count = part.partition("=")
        if name.strip() in threads and count.strip().isdigit():
            threads[name.strip()] = int(count)
    return threads


def lane_of(head: bytes) -> str | None:
    for lane, prefixes in LANES.items():
        if head.startswith(prefixes):
            return lane
    return None


def peek(sock: socket.socket) -> bytes:
    """The first bytes waiting on the socket, without taking them and without waiting for them."""
    try:
        return sock.recv(PEEK, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except (OSError, ValueError):  # nothing yet (EAGAIN), a closed socket, or one already detached
        return b""


class LanePool:
    """What gunicorn's worker takes for its thread pool: ``submit(handle, conn)`` picks the lane by peeking."""

    def __init__(self, threads: int, lanes: dict[str, int]):
        self.ordinary = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="ordinary")
        self.lanes = {name: ThreadPoolExecutor(max_workers=n, thread_name_prefix=name)
                      for name, n in lanes.items() if n > 0}

    def submit(self, fn, conn, *args, **kwargs):
        sock = getattr(conn, "sock", None)
        if not self.lanes or sock is None:
            return self.ordinary.submit(fn, conn, *args, **kwargs)
        head = peek(sock)
        if not head and NOT_YET is not None and not getattr(conn, "initialized", True) \
                and not getattr(conn, "data_ready", True):
            waiting: Future = Future()
            waiting.set_result(NOT_YET)  # gunicorn parks the connection on its poller until bytes arrive
            waiting.first_bytes = True  # LaneWorker.finish_request: give it gunicorn's usual time for them
            return waiting
        return self.lanes.get(lane_of(head), self.ordinary).submit(fn, conn, *args, **kwargs)

    def shutdown(self, wait: bool = True, **kwargs) -> None:
        for pool in (self.ordinary, *self.lanes.values()):
            pool.shutdown(wait=wait, **kwargs)


class LaneWorker(ThreadWorker):
    def get_thread_pool(self):
        return LanePool(self.cfg.threads, lane_threads(os.environ.get("SAIWU_LANES")))

    def finish_request(self, conn, fs):
        super().finish_request(conn, fs)
        if getattr(fs, "first_bytes", False) and conn in getattr(self, "pending_conns", ()):
            # gunicorn parks a connection whose first bytes are late for ``keepalive`` (2 s) only after a
            # thread has waited FIRST_BYTES_WAIT (5 s) for them. A new connection is parked here without that
            # wait, so it gets both: a phone on a weak signal, or a client whose request follows its connect by
            # a few seconds, is not cut off sooner than plain gunicorn would. Every connection parked here
            # gets the same allowance, so the parked ones stay in order of their deadlines.
            conn.timeout = time.monotonic() + FIRST_BYTES_WAIT + self.cfg.keepalive

    def murder_keepalived(self, force=False):
        """Close idle connections whose time ran out, but serve any whose request came in meanwhile.

        gunicorn's loop reads the poller, runs what it reported, then closes every connection past its time. On
        a busy worker the main thread waits for the interpreter lock at each step, so a request can arrive
        after the poller was read and before its connection's time is checked; gunicorn then closes a socket
        holding that request, and the client sees the connection reset (the load benchmark: some hundreds of
        judges' saves and registrations in a minute). A client may rightly send on a kept-alive connection up
        to its last moment: such a request is taken, as if the poller had reported it.
        """
        if not force:
            now = time.monotonic()
            for conn in list(self.keepalived_conns):  # in order of deadline
                if conn.timeout > now:
                    break
                if peek(conn.sock):
                    self.on_client_socket_readable(conn, conn.sock)
        super().murder_keepalived(force)

    def murder_pending(self):
        """The same for a new connection whose first bytes came just as its wait for them ran out."""
        now = time.monotonic()
        for conn in list(self.pending_conns):  # gunicorn closes the run of expired ones at the front
            if conn.timeout > now:
                break
            if peek(conn.sock):
                self.on_pending_socket_readable(conn, conn.sock)
        super().murder_pending()
