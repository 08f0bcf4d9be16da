"""The organiser's certificate pages: editing a template (sandbox and URL refusals shown next to the form,
a seal that is not an image refused, an unsaved preview), revoke and reissue, and who sees what."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.extensions import db
from certificates import kinds, services
from certificates.models import CertificateTemplateRecord, IssuedCertificate
from tests.integration.test_certificates_service import (
    certificates_app,
    contest,
    issue_awards,
    publish,
    scored,
)
from tests.support.web import csrf_token, login, post_form


@pytest.fixture
def cert_app(demo):
    yield from certificates_app(demo)

EDIT = "/certificates/manage/FP2020/template/award"


def form_values(**over) -> dict:
    default = kinds.default_template("award")
    values = {"name": "获奖证书", "html": default.html, "css": default.css, "page_size": "A4 landscape",
              "serial_pattern": "{year}-{contest}-{event}-{seq:04}", "issuer": "组委会", "action": "save"}
    values.update(over)
    return values


def organiser_client(app):
    client = app.test_client()
    login(client, "organiser")
    return client


def test_template_refusals_are_shown_and_nothing_is_saved(cert_app):
    client = organiser_client(cert_app)
    assert client.get(EDIT).status_code == 200
    cases = {
        "<p>{{ ''.__class__ }}</p>": "__class__",
        "<p>{{ name.__class__.__mro__ }}</p>": "下划线",
        '<img src="file:///etc/passwd">': "不能引用外部或本地文件：file:///etc/passwd",
        "<p>{{ name }} {{ nickname }}</p>": "未知的占位符",
        '<link rel="stylesheet" href="http://evil.example/x.css">': "http://evil.example/x.css",
    }
    for html, message in cases.items():
        r = post_form(client, EDIT, form_values(html=html))
        page = r.get_data(as_text=True)
        assert r.status_code == 200 and "模板有问题，未保存" in page and message in page, html
    css = post_form(client, EDIT, form_values(css="@import url(file:///etc/passwd);"))
    assert "file:///etc/passwd" in css.get_data(as_text=True)
    rec = db.session.scalar(select(CertificateTemplateRecord).where(CertificateTemplateRecord.kind == "award"))
    assert rec.version == 1 and "__class__" not in rec.html


def test_seal_upload_must_be_an_image(cert_app):
    client = organiser_client(cert_app)
    client.get(EDIT)
    token = csrf_token(client, EDIT)
    bad = client.post(EDIT, data={**form_values(), "csrf_token": token,
                                  "seal": (io.BytesIO(b"MZ this is not a picture"), "seal.png")},
                      content_type="multipart/form-data")
    assert "不是有效的图片文件" in bad.get_data(as_text=True)
    good = client.post(EDIT, data={**form_values(), "csrf_token": token,
                                   "seal": (io.BytesIO(kinds.demo_seal_png()), "seal.png")},
                       content_type="multipart/form-data")
    assert good.status_code == 302
    rec = services.template_for(contest(), "award")
    assert rec.seal == kinds.demo_seal_png() and rec.version == 2 and rec.seal_filename == "seal.png"


def test_save_and_preview(cert_app, needs_pdf):
    client = organiser_client(cert_app)
    client.get(EDIT)
    html = kinds.default_template("award").html.replace("荣誉证书", "获奖证书（新版）")
    preview = post_form(client, EDIT, form_values(html=html, action="preview"))
    assert 'src="data:image/png;base64,' in preview.get_data(as_text=True)
    assert services.template_for(contest(), "award").version == 1
    saved = post_form(client, EDIT, form_values(html=html), follow_redirects=True)
    assert "已保存（第 2 版）" in saved.get_data(as_text=True)
    assert "获奖证书（新版）" in services.template_for(contest(), "award").html
    reset = post_form(client, f"{EDIT}/reset", {}, form_page=EDIT)
    assert reset.status_code == 302 and "荣誉证书" in services.template_for(contest(), "award").html


def test_revoke_and_reissue_through_the_pages(cert_app):
    scored()
    publish()
    cert = issue_awards()[0]
    client = organiser_client(cert_app)
    page = f"/certificates/{cert.id}"
    assert cert.serial in client.get(page).get_data(as_text=True)
    empty = post_form(client, f"{page}/revoke", {"reason": ""}, form_page=page, follow_redirects=True)
    assert "请填写撤销原因" in empty.get_data(as_text=True)
    r = post_form(client, f"{page}/reissue", {"reason": "照片有误"}, form_page=page)
    assert r.status_code == 302
    db.session.expire_all()
    old = db.session.get(IssuedCertificate, cert.id)
    assert old.revoked_at is not None and old.replaced_by is not None
    verify = cert_app.test_client().get(f"/certificates/verify/{old.serial}").get_data(as_text=True)
    assert "已撤销" in verify and "照片有误" in verify and old.replaced_by.serial in verify
    listing = client.get("/certificates/manage/FP2020/issued?kind=award").get_data(as_text=True)
    assert old.serial in listing and old.replaced_by.serial in listing


def test_pages_are_scoped_to_the_organisers_contest(cert_app):
    other = cert_app.test_client()
    login(other, "sq-organiser")
    assert other.get("/certificates/manage/FP2020").status_code == 403
    assert other.get("/certificates/").status_code == 302
    scored()
    publish()
    cert = issue_awards()[0]
    assert other.get(f"/certificates/{cert.id}").status_code == 403
    assert other.get(f"/certificates/download/{cert.serial}.pdf").status_code == 404
    manage = organiser_client(cert_app).get("/certificates/manage/FP2020").get_data(as_text=True)
    assert "批量生成" in manage and "获奖证书" in manage


def test_contestant_sees_their_certificates_and_card(cert_app):
    scored()
    publish()
    issue_awards()
    client = cert_app.test_client()
    login(client, "contestant")
    page = client.get("/certificates/mine").get_data(as_text=True)
    assert "下载参赛证" in page
