"""gunicorn settings for ``make serve``: several workers behind a reverse proxy that terminates HTTPS."""

import gc
import multiprocessing
import os

bind = os.environ.get("SAIWU_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("SAIWU_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("SAIWU_THREADS", 2))
# Judges' saves and public results pages get threads of their own (app/lanes.py, SAIWU_LANES), so they never
# queue behind registration forms; ``threads`` is the ordinary pool that serves everything else.
worker_class = "app.lanes.LaneWorker"
# Requests stay short: certificate batches run in the job worker, never in a request.
timeout = 30
graceful_timeout = 20
forwarded_allow_ips = os.environ.get("SAIWU_PROXY_IPS", "127.0.0.1")
accesslog = None  # the app writes one JSON line per request, with its request id
# A restart is a guard against slow leaks, and it is not free: the worker's kept-alive clients are cut off and
# reconnect, and its caches (results pages, compiled SQL, prepared statements) start empty. At 2000, a worker
# under a results-day load restarted every 20 s (bench_load.py: Saiwu's throughput sagged as restarts began).
max_requests = int(os.environ.get("SAIWU_MAX_REQUESTS", 20000))
max_requests_jitter = max_requests // 10
# Workers fork from an app loaded once in the master: a worker's restart (max_requests) costs a fork, not the
# 1.6 s of CPU that importing Saiwu takes, which under load stalled every request queued on that worker.
# Database connections are not shared across the fork: ``create_app`` drops the pool in each child.
preload_app = True
# gunicorn's runtime control socket (one fixed path per user) is not used by Saiwu; off, so that two servers on
# one host (the load benchmark runs Saiwu and its baseline side by side) do not take each other's socket.
control_socket_disable = True


def pre_fork(server, worker):
    # The app's own objects (some 200,000, imported once in the master) move out of the collector's reach
    # before each fork: a worker's full collection then scans only what the worker made (~100 ms to a few
    # ms), and does not write to the shared pages (copy-on-write stays shared). Python's documented recipe.
    gc.freeze()
