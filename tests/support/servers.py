"""Real app processes on loopback ports, against the test's own database: for tests of what happens between
processes (shared state, kill -9). Each process is a plain WSGI server started with ``python -c``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
SERVE = """
import sys
from werkzeug.serving import make_server
from app import create_app
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "UPLOAD_FOLDER": sys.argv[3]}, config_name="testing")
make_server("127.0.0.1", int(sys.argv[2]), app, threaded=True).serve_forever()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(base: str, proc: subprocess.Popen, seconds: float) -> None:
    """Until ``base/healthz`` answers 200; a process that does not start is killed and its error shown."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"app process did not start: {proc.stderr.read(3000) if proc.stderr else ''}")


class AppProcess:
    def __init__(self, database_url: str, upload_folder: str, secret: str):
        self.url, self.uploads, self.secret = database_url, upload_folder, secret
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> AppProcess:
        env = {**os.environ, "SECRET_KEY": self.secret, "PYTHONPATH": str(ROOT)}
        env.pop("DATABASE_URL", None)  # the URL is passed explicitly (with the test's schema)
        self.proc = subprocess.Popen([sys.executable, "-c", SERVE, self.url, str(self.port), self.uploads],  # noqa: S603
                                     cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_healthy(self.base, self.proc, 30)
        return self

    def kill9(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill9()
