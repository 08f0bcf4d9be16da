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


def init_app(app: Flask) -> None:
    if app.config.get("JSON_LOGS", app.config["ENV_NAME"] == "production"):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        app.logger.handlers[:] = [handler]
        app.logger.setLevel(logging.INFO)
    access = logging.getLogger("saiwu.access")

    def _loggable(path: str) -> str:
        # A login card's token is a password until it is used: never write it to the logs.
        return SECRET_PATH.sub(r"\1…", path)

    @app.before_request
    def _start():
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if request.endpoint != "static":
            # The id from the session, not current_user: logging must never load from the database.
            user = session.get("_user_id")
            access.info("request", extra={"fields": {
                "method": request.method, "path": _loggable(request.path), "status": response.status_code,
                "ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1),
                "user": user, "ip": request.remote_addr,
            }})
        return response

    if app.config.get("JSON_LOGS", app.config["ENV_NAME"] == "production"):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        access.handlers[:] = [handler]
        access.setLevel(logging.INFO)
        access.propagate = False
