"""Saiwu's application factory: plain, in the manner of CTFd's ``create_app``.

Flask and SQLAlchemy are imported inside the functions, so the pure modules of the rules core can use
``app.text`` without pulling the web framework in (``tests/unit/test_purity.py`` checks it).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict | None = None, config_name: str | None = None) -> Flask:
    from flask import Flask
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from werkzeug.middleware.proxy_fix import ProxyFix

    from config import load_config

    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)
    app = Flask(__name__, instance_path=str(ROOT / "instance"), instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(load_config(Path(app.instance_path), config_name, overrides))
    Path(app.config["UPLOAD_FOLDER"]).mkdir(parents=True, exist_ok=True)

    _init_extensions(app)
    _register_blueprints(app)
    from scoring.public_pages import PublicPages

    app.wsgi_app = PublicPages(app, app.wsgi_app)  # results day: cached public pages before Flask is entered
    if app.config.get("PROXY_FIX") or app.config["ENV_NAME"] == "production":
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    from app import access, errors, logs, readonly, security

    logs.init_app(app)  # first: every later hook and log line has the request id
    readonly.init_app(app)  # before the access check, whose sign-in is the first query
    app.before_request(access.enforce)
    security.init_app(app)
    errors.init_app(app)

    from app.cli import register_cli

    register_cli(app)
    _fresh_connections_after_fork(app)
    _ping_when_idle(app)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    return app


def _init_extensions(app: Flask) -> None:
    from app import i18n
    from app.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            _sqlite_transactions(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the login page itself says why
    login_manager.session_protection = "strong"

    # Every model module, so the metadata (and migrations' autogenerate) sees every table.
    import app.audit  # noqa: F401
    import app.models  # noqa: F401
    import certificates.models  # noqa: F401
    import contests.judging_models  # noqa: F401
    import contests.models  # noqa: F401
    import scoring.models  # noqa: F401
    import scoring.results_models  # noqa: F401
    from app import auth  # noqa: F401  (registers the user loader)


def _register_blueprints(app: Flask) -> None:
    from app.api import bp as api_bp
    from app.auth import bp as auth_bp
    from app.main import bp as main_bp
    from certificates.views import bp as certificates_bp
    from contests.draw_views import bp as draw_bp
    from contests.judges_views import bp as judges_bp
    from contests.setup_views import bp as setup_bp
    from contests.team_views import bp as teams_bp
    from contests.views import bp as contests_bp
    from scoring.results_views import bp as results_bp
    from scoring.views import bp as scoring_bp

    for bp in (main_bp, auth_bp, api_bp, contests_bp, setup_bp, teams_bp, draw_bp, judges_bp, scoring_bp,
               results_bp, certificates_bp):
        app.register_blueprint(bp)


def _fresh_connections_after_fork(app: Flask) -> None:
    """A process forked from this one (gunicorn's ``preload_app`` workers) opens its own database connections:
    two processes on one connection would interleave their statements. SQLAlchemy's documented recipe."""
    import os

    from app.extensions import db

    with app.app_context():
        engines = list(db.engines.values())
    os.register_at_fork(after_in_child=lambda: [engine.dispose(close=False) for engine in engines])


def _ping_when_idle(app: Flask) -> None:
    """Test a pooled connection before use only when it has sat unused for a while.

    ``pool_pre_ping`` pings on every checkout: one more round trip on every request, some 4% of a mark save's
    CPU under load. A connection in steady use cannot have been dropped unnoticed for long: if the database
    went away a moment ago, the statement fails, SQLAlchemy throws the whole pool away, and the request answers
    with the 503 page having written nothing. After a quiet spell (a restart overnight, a proxy's idle
    timeout) the ping finds the dead connection and the pool opens a fresh one. SQLAlchemy's documented
    "pessimistic, custom" recipe: raising DisconnectionError at checkout makes the pool try again.
    """
    import time

    from sqlalchemy import event
    from sqlalchemy.exc import DisconnectionError

    from app.extensions import db

    idle = app.config["DB_PING_AFTER_IDLE"]
    with app.app_context():
        engines = list(db.engines.values())
    for engine in engines:
        dialect = engine.dialect

        @event.listens_for(engine, "checkout")
        def _checkout(dbapi_connection, record, _proxy, dialect=dialect):
            now = time.monotonic()
            if now - record.info.get("saiwu_used", now) > idle:
                try:
                    dialect.do_ping(dbapi_connection)
                except Exception as err:  # noqa: BLE001 — any failure: this connection is not to be used
                    raise DisconnectionError("the connection did not answer") from err
            record.info["saiwu_used"] = now


def _sqlite_transactions(engine) -> None:
    """Take SQLite's write lock at BEGIN for requests that write.

    pysqlite starts transactions lazily, so a request that reads and then writes can find, at its first
    write, that another request committed in between: SQLite then fails at once (SQLITE_BUSY_SNAPSHOT)
    instead of waiting. ``BEGIN IMMEDIATE`` on POST/PUT/PATCH/DELETE makes writers queue (up to the busy
    timeout) and read-then-write checks such as quotas and the audit chain see the latest data.
    This is SQLAlchemy's documented recipe for pysqlite's transaction handling.
    """
    from flask import has_request_context, request
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _no_implicit_begin(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn):
        writes = has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def _sqlite_pragmas(dbapi_connection, _record):
    # psycopg prepares a statement on its fifth use and keeps 100: Saiwu has more distinct statements than
    # that, so at the default the cache was thrown away (DEALLOCATE ALL) and rebuilt again and again.
    if type(dbapi_connection).__module__.startswith("psycopg"):
        dbapi_connection.prepared_max = 1000
        return
    # WAL lets readers go on while one request writes; foreign keys are off by default in SQLite;
    # the busy timeout makes a second writer wait instead of failing at once.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=5000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()
