"""gunicorn settings for ``make serve``: several workers behind a reverse proxy that terminates HTTPS."""

import multiprocessing
import os

bind = os.environ.get("SAIWU_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("SAIWU_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("SAIWU_THREADS", 2))
# Requests stay short: certificate batches run in the job worker, never in a request.
timeout = 30
graceful_timeout = 20
forwarded_allow_ips = os.environ.get("SAIWU_PROXY_IPS", "127.0.0.1")
accesslog = None  # the app writes one JSON line per request, with its request id
max_requests = 2000
max_requests_jitter = 200
# Workers fork from an app loaded once in the master: a worker's restart (max_requests) costs a fork, not the
# 1.6 s of CPU that importing Saiwu takes, which under load stalled every request queued on that worker.
# Database connections are not shared across the fork: ``create_app`` drops the pool in each child.
preload_app = True
