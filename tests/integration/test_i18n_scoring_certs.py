"""Judging and certificates in the reader's language: a judge or organiser who chose English (the ``lang``
cookie) reads the refusals in English — the score sheet's JSON errors, the marking scheme's checks, the
certificate pages' flashes, refusals and kind names, a failed batch's reason — while Chinese stays the default
and the certificates themselves stay Chinese documents."""

from __future__ import annotations

import io

import pytest

from app.extensions import db
from certificates import jobs, services
from certificates.models import CertificateBatch
from tests.integration.test_certificates_pdf import pdftotext
from tests.integration.test_certificates_service import (
    certificates_app,
    event,
    issue_awards,
    organiser,
    publish,
    scored,
)
from tests.integration.test_judging_scheme import _xlsx
from tests.support import judging as J
from tests.support.web import csrf_token, login, post_form

MANAGE = "/certificates/manage/FP2020"


def reader(app, lang: str | None, username: str | None = None):
    """A browser with the language chosen (None: never chosen), logged in as ``username``."""
    client = app.test_client()
    if lang:
        client.set_cookie("lang", lang)
    if username:
        assert login(client, username).status_code == 302
    return client


@pytest.fixture
def dg(demo):
    J.load_judging()
    return J.event("DG")


@pytest.fixture
def cert_app(demo):
    yield from certificates_app(demo)


# ---------------------------------------------------------------- the tablet score sheet


@pytest.mark.parametrize("lang,out_of_range,off_step", [
    (None, "评分项 A1.1：分数 10.5 超出范围 0–10", "评分项 A1.1：分数 7.3 不符合步长 0.5"),
    ("en", "Aspect A1.1: The mark 10.5 is out of the range 0–10",
     "Aspect A1.1: The mark 7.3 does not fit the step 0.5"),
])
def test_a_mark_out_of_range_is_refused_in_the_judges_language(app, dg, lang, out_of_range, off_step):
    client = reader(app, lang)
    token = J.tablet(client, "judge-dg-1", dg.id)
    st = J.state(client, dg.id)
    code, aspect_id = st["contestants"][0], J.aspect(st, "A1.1")["id"]
    r = J.post_mark(client, dg.id, token, code=code, aspect_id=aspect_id, value="10.5")
    assert r.status_code == 422 and r.get_json()["error"] == out_of_range
    r = J.post_mark(client, dg.id, token, code=code, aspect_id=aspect_id, value="7.3")
    assert r.status_code == 422 and r.get_json()["error"] == off_step


def test_the_offline_page_of_the_score_sheet_speaks_the_judges_language(app):
    english = reader(app, "en").get("/scoring/sw.js").get_data(as_text=True)
    assert '"message": "Offline: this page has not been saved on this device yet."' in english
    assert "离线" not in english.split("var TEXT", 1)[1].split(";", 1)[0]
    chinese = reader(app, None).get("/scoring/sw.js").get_data(as_text=True)
    assert '"message": "离线：这个页面还没有保存在本机。"' in chinese


# ---------------------------------------------------------------- the marking scheme


def test_scheme_checks_are_shown_in_the_organisers_language(app, dg):
    qg = J.event("QG")
    page = f"/scoring/scheme/{qg.id}"
    bad = _xlsx([["A", "A1", "A1.1", "M", "x", 60, ""]])
    for lang, problem in (("en", "Practical: the full marks of its aspects add up to 60; they should add up to 100"),
                          (None, "实操 各评分项满分合计 60，应为 100")):
        client = reader(app, lang, "organiser")
        token = csrf_token(client, page)
        r = client.post(f"{page}/import", data={"csrf_token": token, "file": (io.BytesIO(bad), "qg.xlsx")},
                        content_type="multipart/form-data", follow_redirects=True)
        assert problem in r.get_data(as_text=True)  # the scheme page lists what stops it
        r = client.post(f"{page}/activate", data={"csrf_token": token}, follow_redirects=True)
        shown = r.get_data(as_text=True)
        assert shown.count(problem) >= 2, shown  # the refused activation's flash, and the list
        if lang == "en":
            assert "各评分项满分合计" not in shown and "应为 100" not in shown


# ---------------------------------------------------------------- certificates


def test_kind_names_on_the_organisers_certificates_page(cert_app):
    english = reader(cert_app, "en", "organiser").get(MANAGE).get_data(as_text=True)
    for name in ("Award certificate", "Certificate of participation", "Judge appointment letter", "Admission card"):
        assert f"<td>{name}</td>" in english and f">{name}</option>" in english  # the table and the form
    assert "获奖证书" not in english and "裁判员聘书" not in english
    chinese = reader(cert_app, None, "organiser").get(MANAGE).get_data(as_text=True)
    assert "<td>获奖证书</td>" in chinese and ">参赛证</option>" in chinese and "Award certificate" not in chinese
    # The template editor: its title, what each placeholder holds, the fields of a serial number.
    editor = reader(cert_app, "en", "organiser").get(f"{MANAGE}/template/award").get_data(as_text=True)
    assert "Group (e.g. employee group, student group)" in editor
    assert "{year} (year), {contest} (contest code)" in editor
    assert "Award certificate" in editor and "组别（如" not in editor and "（年份）" not in editor


def test_a_refused_batch_and_a_template_check_in_english(cert_app):
    scored()
    form = {"kind": "award", "event_id": event().id, "delegation_id": 0, "format": "pdf"}
    client = reader(cert_app, "en", "organiser")
    r = post_form(client, f"{MANAGE}/batch", form, form_page=MANAGE)
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "The results of “电工” have not been announced (current state: Internal)" in page
    assert "Award certificate: nothing was made." in page and "尚未公布" not in page
    chinese = post_form(reader(cert_app, None, "organiser"), f"{MANAGE}/batch", form, form_page=MANAGE)
    assert "“电工”的成绩尚未公布（当前状态：内部）" in chinese.get_data(as_text=True)

    edit = f"{MANAGE}/template/award"
    rec = services.template_for(event().contest, "award")
    db.session.commit()
    values = {"name": "获奖证书", "html": "<p>{{ ''.__class__ }}</p>", "css": rec.css, "page_size": "A4 landscape",
              "serial_pattern": "{year}-{contest}", "issuer": "组委会", "action": "save"}
    page = post_form(client, edit, values).get_data(as_text=True)
    assert "The template has problems and was not saved" in page
    assert "The template may not use attributes starting with an underscore: __class__." in page
    assert "must contain the sequence number {seq} (for example {seq:04})" in page


def test_a_refusal_flashed_on_a_certificate_page_is_in_english(cert_app):
    scored()
    publish()
    cert = issue_awards()[0]
    services.revoke(cert, "成绩复核后更正", organiser())
    db.session.commit()
    detail = f"/certificates/{cert.id}"
    client = reader(cert_app, "en", "organiser")
    r = post_form(client, f"{detail}/revoke", {"reason": "again"}, form_page=detail, follow_redirects=True)
    page = r.get_data(as_text=True)
    assert f"Certificate {cert.serial} was already revoked (" in page and "cannot be revoked again" in page
    assert "不能再次撤销" not in page
    r = post_form(reader(cert_app, None, "organiser"), f"{detail}/revoke", {"reason": "再次"}, form_page=detail,
                  follow_redirects=True)
    assert f"证书 {cert.serial} 已撤销（" in r.get_data(as_text=True)


def test_a_failed_batch_tells_why_in_the_readers_language(cert_app, needs_pdf):
    scored()
    publish()
    contest = event().contest
    rec = services.template_for(contest, "award")
    rec.html = "{{ ''.__class__ }}"
    batch = CertificateBatch(contest_id=contest.id, kind="award", event_id=event().id, format="pdf",
                             scope="test", base_url="https://x.example")
    db.session.add(batch)
    db.session.commit()
    jobs.run_batch(batch.id)  # in a worker: no request, no language; the page chooses later
    db.session.refresh(batch)
    assert batch.status == "failed" and "不允许访问以下划线开头的属性：__class__" in batch.error
    english = reader(cert_app, "en", "organiser")
    status = english.get(f"/certificates/batch/{batch.id}/status").get_json()
    assert "may not use attributes starting with an underscore: __class__" in status["error"]
    page = english.get(f"/certificates/batch/{batch.id}").get_data(as_text=True)
    assert "may not use attributes starting with an underscore" in page and "Award certificate" in page
    assert '<span id="cert-batch-text">Failed</span>' in page
    assert "&#34;failed&#34;: &#34;Failed&#34;" in page  # the progress script's words, in the page's language
    chinese = reader(cert_app, None, "organiser").get(f"/certificates/batch/{batch.id}/status").get_json()
    assert "模板中不允许访问以下划线开头的属性：__class__" in chinese["error"]


def test_the_certificate_itself_stays_chinese_for_an_english_reader(cert_app, needs_pdf, tmp_path):
    scored()
    publish()
    cert = issue_awards()[0]
    r = reader(cert_app, "en", "organiser").get(f"/certificates/download/{cert.serial}.pdf")
    assert r.status_code == 200
    text = "".join(pdftotext(r.data, tmp_path).split())
    assert "金牌" in text and "二〇二〇年八月十三日" in text and "荣誉证书" in text
    assert "Gold" not in text and "Award" not in text
    assert cert.context["award"] == "金牌"
