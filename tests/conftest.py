"""Test fixtures: a fresh, migrated database for every test, on SQLite or (with DATABASE_URL) PostgreSQL.

SQLite: migrations run once per session into a template file; each test gets its own copy.
PostgreSQL: migrations run once per session into a schema of its own; each test truncates every table
afterwards, and the schema is dropped at the end. Tests never see each other's data.
"""

from __future__ import annotations

import contextvars
import os
import shutil
import uuid
from pathlib import Path

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from tests.support import system

PG_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = PG_URL.startswith("postgres")


def _pg_url(schema: str) -> str:
    from config import database_url

    os.environ["DATABASE_URL"] = PG_URL
    base = database_url(Path("."))
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


class IsolatedClient(FlaskClient):
    """Each request runs in its own context, as in production.

    Tests hold an app context open (to use ``db.session``); without this, requests would reuse it and
    share ``g`` (Flask-Login's cached user, the CSRF token) between requests and even between clients.
    The test's own session is committed first, so the request sees the test's data and the test sees the
    request's changes afterwards.
    """

    def open(self, *args, **kwargs):
        from app.extensions import db

        if has_app_context():
            db.session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """Migrate once; yield what each test needs to get a database of its own."""
    from flask_migrate import upgrade

    from app import create_app

    if ON_POSTGRES:
        schema = f"t_{uuid.uuid4().hex[:10]}"
        url = _pg_url(schema)
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        app = create_app({"SQLALCHEMY_DATABASE_URI": url}, config_name="testing")
        with app.app_context():
            upgrade()
        yield {"url": url, "schema": schema}
        engine.dispose()
        with create_engine(url).begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}, config_name="testing")
        with app.app_context():
            upgrade()
            from app.extensions import db

            db.engine.dispose()
        yield {"path": path}


@pytest.fixture
def app(database_template, tmp_path):
    from app import create_app
    from app.extensions import db

    if ON_POSTGRES:
        url = database_template["url"]
    else:
        path = tmp_path / "saiwu.db"
        shutil.copy(database_template["path"], path)
        url = f"sqlite:///{path}"
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": str(tmp_path / "uploads"), "SERVER_NAME": None},
        config_name="testing",
    )
    app.test_client_class = IsolatedClient
    from scoring.publication import forget_local_cache

    forget_local_cache()  # each test's database starts its results versions again: no page of the last one
    with app.app_context():
        yield app
        db.session.remove()
        if ON_POSTGRES:
            _truncate_all(db)
        db.engine.dispose()


def _truncate_all(db) -> None:
    tables = [t.name for t in db.metadata.sorted_tables]
    with db.engine.begin() as conn:
        conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        conn.execute(text("INSERT INTO audit_head (id, seq, last_hash) VALUES (1, 0, :h)"), {"h": "0" * 64})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def nocsrf(app):
    """For tests about something other than CSRF (which has its own tests)."""
    app.config["WTF_CSRF_ENABLED"] = False
    return app


@pytest.fixture
def demo(app):
    """The demo contests, loaded through the same code as ``flask demo``."""
    from app.demo import load_demo
    from app.extensions import db

    load_demo()
    db.session.commit()
    return app


@pytest.fixture
def needs_chromium():
    system.require_chromium()


@pytest.fixture
def needs_pdf():
    system.require_pdf_stack()
