"""End-to-end fixtures: the app served on a loopback port with the demo loaded, and the system Chromium."""

from __future__ import annotations

import shutil
import threading

import pytest
from werkzeug.serving import make_server

from tests.conftest import ON_POSTGRES, _truncate_all
from tests.support import system

PHONE = {"width": 375, "height": 667}
TABLET = {"width": 1024, "height": 768}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def live_app(database_template, tmp_path_factory):
    from app import create_app
    from app.demo import load_demo
    from app.extensions import db

    tmp = tmp_path_factory.mktemp("live")
    if ON_POSTGRES:
        url = database_template["url"]
    else:
        shutil.copy(database_template["path"], tmp / "saiwu.db")
        url = f"sqlite:///{tmp / 'saiwu.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": str(tmp / "uploads")}, config_name="testing")
    from scoring.publication import forget_local_cache

    forget_local_cache()  # a page cached for another module's database must not be served here
    with app.app_context():
        load_demo()
        db.session.commit()
    yield app
    with app.app_context():
        if ON_POSTGRES:
            _truncate_all(db)
        db.engine.dispose()


@pytest.fixture(scope="module")
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    system.require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=system.CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def tablet(browser):
    context = browser.new_context(viewport=TABLET, locale="zh-CN")
    yield context.new_page()
    context.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()
