"""What people will try: markup and template syntax in what they type, forged requests, fuzzed forms,
and a database that goes away in the middle of a write."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from app.extensions import db
from contests.models import Registration
from tests.support.registration import form_values, gx
from tests.support.web import csrf_token, login, post_form

NASTY = ["<script>alert(1)</script>", "{{7*7}}", "{% for x in () %}", "=1+1", "@SUM(A1)", "' OR 1=1 --"]


def test_markup_in_a_display_name_appears_literally(demo, client):
    r = post_form(client, "/contests/signup", {"mobile": "13907720101", "display_name": "<script>alert(1)</script>",
                                               "password": "Liuzhou-2027", "repeat": "Liuzhou-2027"})
    assert r.status_code == 302
    page = client.get("/contests/").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


def test_template_syntax_is_not_evaluated(demo, client):
    post_form(client, "/contests/signup", {"mobile": "13907720102", "display_name": "{{7*7}}",
                                           "password": "Liuzhou-2027", "repeat": "Liuzhou-2027"})
    page = client.get("/home").get_data(as_text=True)
    assert "{{7*7}}" in page and ">49<" not in page


def test_export_keeps_nasty_text_literal(demo, client):
    reg = db.session.scalars(select(Registration).where(Registration.contest_id == gx().id)).first()
    reg.employer = "=HYPERLINK(\"http://evil.example\",\"点我\")"
    reg.status_reason = "@SUM(1+1)*cmd|' /C calc'!A0"
    db.session.commit()
    login(client, "gx-organiser")
    ws = load_workbook(io.BytesIO(client.get("/contests/GX2027/registrations.xlsx").data)).active
    texts = [c for row in ws.iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)
    for cell in texts:
        assert not cell.value.startswith(("=", "+", "-", "@"))


def test_post_without_csrf_is_refused_everywhere(demo, client):
    login(client, "gx-deleg-4502")
    for path in ("/contests/delegation/approve", "/contests/delegation/import", "/password", "/logout"):
        r = client.post(path, data={"ids": ["1"]})
        assert r.status_code == 400, path
        assert "安全令牌" in r.get_data(as_text=True)


text = st.one_of(st.text(max_size=40), st.sampled_from(NASTY), st.just(""),
                 st.text(alphabet="0123456789Xx", max_size=20))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.fixed_dictionaries({
    "name": text, "id_number": text, "sex": st.sampled_from(["M", "F", "", "X", "男"]), "ethnic": text,
    "mobile": text, "province": text, "city": text, "county_code": text, "employer": text,
    "skill_level": text, "category": st.sampled_from(["employee", "student", "", "admin"]),
    "event_group": st.one_of(text, st.just("1:1"), st.just("999:999")), "delegation": text,
    "household_number": text, "poor_household": st.sampled_from(["y", "", "on"]),
}))
def test_fuzzed_registration_form_never_fails_the_server(demo, data):
    client = demo.extensions.get("fuzz_client")
    if client is None:  # one contestant for every example (signing up is rate limited, as it should be)
        client = demo.extensions["fuzz_client"] = demo.test_client()
        post_form(client, "/contests/signup", {"mobile": "13907720103", "display_name": "模糊测试",
                                               "password": "Liuzhou-2027", "repeat": "Liuzhou-2027"})
    token = csrf_token(client, "/contests/GX2027/register")
    r = client.post("/contests/GX2027/register", data={**data, "submit": "1", "csrf_token": token})
    assert r.status_code in (200, 302, 400, 422), r.status_code
    assert "系统出错" not in r.get_data(as_text=True)


def test_database_failure_mid_write_leaves_nothing_half_written(demo, client, monkeypatch):
    """The database goes away after the registration row is flushed: a 503 page, and afterwards no trace."""
    from app import audit

    post_form(client, "/contests/signup", {"mobile": "13907720104", "display_name": "覃海燕",
                                           "password": "Liuzhou-2027", "repeat": "Liuzhou-2027"})
    before = db.session.scalar(select(func.count()).select_from(Registration))
    real_record = audit.record

    def failing_record(action, *args, **kwargs):
        if action == "registration_saved":
            raise OperationalError("INSERT", {}, Exception("server closed the connection unexpectedly"))
        return real_record(action, *args, **kwargs)

    monkeypatch.setattr(audit, "record", failing_record)
    token = csrf_token(client, "/contests/GX2027/register")
    r = client.post("/contests/GX2027/register", data={**form_values(mobile="13907720104"), "submit": "1",
                                                        "csrf_token": token})
    assert r.status_code == 503 and "数据库暂时无法连接" in r.get_data(as_text=True)
    monkeypatch.setattr(audit, "record", real_record)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Registration)) == before
    # and when the database is back, the same submission goes through once
    token = csrf_token(client, "/contests/GX2027/register")
    r = client.post("/contests/GX2027/register", data={**form_values(mobile="13907720104"), "submit": "1",
                                                        "csrf_token": token})
    assert r.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Registration)) == before + 1


def test_values_the_database_cannot_hold_are_refused_plainly(demo, client):
    """NUL characters and numbers past the column's range come back as a 400 in Chinese, never a 500."""
    post_form(client, "/contests/signup", {"mobile": "13907720105", "display_name": "覃海燕",
                                           "password": "Liuzhou-2027", "repeat": "Liuzhou-2027"})
    token = csrf_token(client, "/contests/GX2027/register")
    r = client.post("/contests/GX2027/register", data={**form_values(mobile="13907720105", employer="单位\x00名称",
                                                                     delegation="99999999999999999999"),
                                                        "submit": "1", "csrf_token": token})
    assert r.status_code == 422 and "工作单位" in r.get_data(as_text=True)
    r = client.get("/contests/delegation?q=%00")
    assert r.status_code in (400, 403)
