"""Structured logs: one JSON line per request, each carrying a request id (also sent back in X-Request-ID)."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from flask import Flask, g, has_request_context, request, session

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
SECRET_PATH = re.compile(r"^(/login/card/)[^/]+")  # one-time login card tokens


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            entry["request_id"] = getattr(g, "request_id", None)
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


access = logging.getLogger("saiwu.access")


def request_id(given: str) -> str:
    """The proxy's request id when it sent a sane one, else a new one."""
    return given if REQUEST_ID.match(given) else uuid.uuid4().hex


def log_request(method: str, path: str, status: int, started: float, user, ip: str | None, rid: str) -> None:
    # A login card's token is a password until it is used: never write it to the logs.
    access.info("request", extra={"fields": {
        "method": method, "path": SECRET_PATH.sub(r"\1…", path), "status": status,
        "ms": round((time.perf_counter() - started) * 1000, 1), "user": user, "ip": ip, "request_id": rid,
    }})


def init_app(app: Flask) -> None:
    if app.config.get("JSON_LOGS", app.config["ENV_NAME"] == "production"):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        app.logger.handlers[:] = [handler]
        app.logger.setLevel(logging.INFO)

    @app.before_request
    def _start():
        g.request_id = request_id(request.headers.get("X-Request-ID", ""))
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if request.endpoint != "static":
            # The id from the session, not current_user: logging must never load from the database.
            log_request(request.method, request.path, response.status_code, g.get("started", time.perf_counter()),
                        session.get("_user_id"), request.remote_addr, g.get("request_id", ""))
        return response

    if app.config.get("JSON_LOGS", app.config["ENV_NAME"] == "production"):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        access.handlers[:] = [handler]
        access.setLevel(logging.INFO)
        access.propagate = False
