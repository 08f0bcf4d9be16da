"""The foundation as a person meets it: logging in, errors in Chinese, cookies and headers, languages."""

import re

import pytest

from app.extensions import db
from app.models import User
from tests.support.web import csrf_token, login, post_form


@pytest.fixture
def user(app):
    u = User(username="organiser", display_name="组委会", role="organiser")
    u.set_password("Datong-2020-ok")
    db.session.add(u)
    db.session.commit()
    return u


def test_health_and_readiness(client):
    assert client.get("/healthz").json == {"status": "ok"}
    assert client.get("/readyz").json == {"status": "ok", "database": "ok"}


def test_login_page_in_chinese(client):
    html = client.get("/login").get_data(as_text=True)
    assert "<h1>登录</h1>" in html and 'lang="zh-CN"' in html


def test_login_and_home(client, user):
    r = login(client, "organiser", "Datong-2020-ok")
    assert r.status_code == 302 and r.headers["Location"].endswith("/home")
    assert "组委会工作台" in client.get("/home").get_data(as_text=True)


@pytest.mark.parametrize("username,password", [("organiser", "wrong-password-1"), ("nobody", "whatever-123")])
def test_wrong_password_and_unknown_user_get_one_message(client, user, username, password):
    r = login(client, username, password)
    assert r.status_code == 200
    assert "用户名或密码不正确" in r.get_data(as_text=True)


def test_empty_login_fields_get_messages(client):
    r = client.post("/login", data={"csrf_token": csrf_token(client)})
    html = r.get_data(as_text=True)
    assert "请输入用户名" in html and "请输入密码" in html


def test_missing_csrf_token_is_refused_in_chinese(client, user):
    r = client.post("/login", data={"username": "organiser", "password": "Datong-2020-ok"})
    assert r.status_code == 400
    assert "缺少安全令牌" in r.get_data(as_text=True)


def test_login_is_throttled(client, user):
    token = csrf_token(client)
    codes = [client.post("/login", data={"username": "organiser", "password": "bad", "csrf_token": token})
             .status_code for _ in range(11)]
    assert codes[:10] == [200] * 10
    assert codes[10] == 429
    assert "尝试次数太多" in client.post("/login", data={"csrf_token": token}).get_data(as_text=True)


def test_session_rotated_on_login(client, user):
    client.get("/login")
    with client.session_transaction() as s:
        s["planted"] = "by-an-attacker"
    login(client, "organiser", "Datong-2020-ok")
    with client.session_transaction() as s:
        assert "planted" not in s
        assert s["_user_id"].startswith(f"{user.id}:")


def test_password_change_ends_other_sessions(app, user):
    phone, tablet = app.test_client(), app.test_client()
    login(phone, "organiser", "Datong-2020-ok")
    login(tablet, "organiser", "Datong-2020-ok")
    new = {"current": "Datong-2020-ok", "new": "Kunming-2019-ok", "repeat": "Kunming-2019-ok"}
    r = post_form(phone, "/password", new)
    assert r.status_code == 302
    assert phone.get("/home").status_code == 200
    assert tablet.get("/home").status_code == 302  # the old session no longer counts


@pytest.mark.parametrize("weak,message", [("12345678", "至少需要10个字符"), ("1234567890", "太常见"),
                                          ("abcdefghijk", "同时包含字母和数字"), ("aaaaaaaaa1", "不同的字符太少")])
def test_weak_passwords_are_refused(client, user, weak, message):
    login(client, "organiser", "Datong-2020-ok")
    r = post_form(client, "/password", {"current": "Datong-2020-ok", "new": weak, "repeat": weak})
    assert r.status_code == 200 and message in r.get_data(as_text=True)
    assert db.session.get(User, user.id).check_password("Datong-2020-ok")


def test_expired_or_forged_session_means_logging_in_again(client, user):
    client.set_cookie("session", "forged.cookie.value")
    r = client.get("/home")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_next_only_goes_to_local_pages(client, user):
    token = csrf_token(client)
    r = client.post("/login?next=//evil.example/steal", data={"username": "organiser", "password": "Datong-2020-ok",
                                                            "csrf_token": token})
    assert r.headers["Location"].endswith("/home")


def test_security_headers(client):
    r = client.get("/login")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    html = r.get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script found"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler found"


def test_session_cookie_flags(client, user):
    r = login(client, "organiser", "Datong-2020-ok")
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_session_cookie_secure_over_https(app, user):
    client = app.test_client()
    html = client.get("/login", base_url="https://localhost").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    r = client.post("/login", base_url="https://localhost",
                    data={"username": "organiser", "password": "Datong-2020-ok", "csrf_token": token},
                    headers={"Referer": "https://localhost/login"})
    assert "Secure" in r.headers["Set-Cookie"]
    assert "Strict-Transport-Security" in r.headers


@pytest.mark.parametrize("path,code,text", [("/no-such-page", 404, "页面不存在"), ("/audit", 302, None)])
def test_error_pages(client, path, code, text):
    r = client.get(path)
    assert r.status_code == code
    if text:
        assert text in r.get_data(as_text=True)


def test_forbidden_page_is_chinese(client):
    u = User(username="judge1", display_name="裁判", role="judge")
    u.set_password("Datong-2020-ok")
    db.session.add(u)
    db.session.commit()
    login(client, "judge1", "Datong-2020-ok")
    r = client.get("/audit")
    assert r.status_code == 403 and "没有权限" in r.get_data(as_text=True)


def test_oversize_request_is_refused_in_chinese(client):
    r = client.post("/login", data={"username": "x" * (13 * 1024 * 1024)})
    assert r.status_code == 413
    assert "上传内容太大" in r.get_data(as_text=True)


def test_wrong_method_is_refused_in_chinese(client):
    r = client.post("/healthz")
    assert r.status_code == 405 and "请求方式不正确" in r.get_data(as_text=True)


def test_api_errors_are_json(client):
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.json["status"] == 404 and r.json["message"]


def test_database_down_gives_503(app, client, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def fail(*a, **k):
        raise OperationalError("SELECT 1", {}, Exception("could not connect to server: Connection refused"))

    monkeypatch.setattr(db.session, "execute", fail)
    assert client.get("/readyz").status_code == 503
    monkeypatch.setattr(db.session, "get", fail)
    client.set_cookie("session", "x")
    r = client.get("/login?next=/home")
    assert r.status_code in (200, 503)


def test_english_is_selectable(client):
    html = client.get("/results/").get_data(as_text=True)
    assert 'href="/language?lang=en&amp;next=/results/?"' in html  # a plain link on every page
    r = client.get("/language?lang=en&next=/login")
    assert r.status_code == 302 and r.headers["Location"] == "/login"
    html = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in html and "Log in" in html and "中文" in html
    r = client.get("/language?lang=zh_Hans_CN&next=https://evil.example/")
    assert r.headers["Location"] == "/"  # never sent to another site
    assert "登录" in client.get("/login").get_data(as_text=True)


def test_chinese_dates(app):
    from datetime import date

    from app.i18n import cn_date

    with app.test_request_context():
        assert cn_date(date(2020, 8, 11)) == "2020年8月11日"


def test_only_the_last_messages_wait_in_the_session(app):
    """A client that never opens the page its messages were for must not grow its cookie without end."""
    from flask import session

    from app.i18n import FLASH_LIMIT, flash

    with app.test_request_context("/"):
        for i in range(FLASH_LIMIT + 3):
            flash(f"第 {i} 条", "success")
        assert [m for _c, m in session["_flashes"]] == [f"第 {i} 条" for i in range(3, FLASH_LIMIT + 3)]


def test_a_pooled_connection_is_tested_only_after_sitting_idle(app, client, monkeypatch):
    """No ping round trip on a connection in steady use; after the idle limit, a ping that fails makes the
    pool open a fresh connection and the work goes through."""
    import time

    from sqlalchemy import text

    from app.extensions import db

    db.session.remove()
    dialect = db.engine.dialect
    pings = []
    real_ping = dialect.do_ping

    def ping(dbapi_connection):
        pings.append(1)
        if len(pings) == 1:
            raise ConnectionError("server closed the connection unexpectedly")
        return real_ping(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", ping)
    for _ in range(3):
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar() == 1
    assert pings == []  # in steady use: never pinged
    later = time.monotonic() + app.config["DB_PING_AFTER_IDLE"] + 1
    monkeypatch.setattr(time, "monotonic", lambda: later)
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1
    assert pings == [1]  # the idle connection was tested, found dead and replaced; a new one is not tested
    assert client.get("/readyz").get_json()["database"] == "ok"
