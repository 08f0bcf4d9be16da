"""The PDFs the app hands out, checked with the tools a person would use: pdftotext finds the Chinese text,
pdffonts an embedded CJK font, zbarimg reads the QR code as the verification address; the verification page
says valid or revoked; names that look like markup or template code print literally; admission cards."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import User
from certificates import services
from certificates.cli import register_certificates_cli
from certificates.models import IssuedCertificate
from contests.models import Registration
from tests.integration.test_certificates_service import (
    JINJA_NAME,
    SCRIPT_NAME,
    certificates_app,
    event,
    issue_awards,
    organiser,
    publish,
    scored,
)
from tests.support.web import login, post_form


@pytest.fixture
def cert_app(demo):
    yield from certificates_app(demo)

BASE = "https://saiwu.example.cn"


def pdftotext(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,  # noqa: S603,S607
                          check=True).stdout


def pdffonts(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "f.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout  # noqa: S603,S607


def qr_codes(pdf: bytes, tmp_path: Path, page: int = 1) -> list[str]:
    path = tmp_path / "q.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", str(page), "-l", str(page), "-singlefile", str(path),  # noqa: S603,S607
                    str(tmp_path / "q")], check=True)
    out = subprocess.run(["zbarimg", "--quiet", "--raw", str(tmp_path / "q.png")], capture_output=True,  # noqa: S603,S607
                         text=True).stdout
    return [line for line in out.splitlines() if line]


def test_award_certificate_text_font_and_qr(cert_app, needs_pdf, tmp_path):
    regs = scored(names=("阿卜杜热依木·艾买提",))
    publish()
    cert = next(c for c in issue_awards() if c.registration_id == regs[0].id)
    pdf = services.certificate_pdf(cert)
    assert pdf.startswith(b"%PDF")
    text = pdftotext(pdf, tmp_path)
    squeezed = "".join(text.split())
    assert "阿卜杜热依木·艾买提" in squeezed and "电工" in squeezed and "金牌" in squeezed
    assert cert.serial in squeezed and "荣誉证书" in squeezed and "二〇二〇年八月十三日" in squeezed
    fonts = pdffonts(pdf, tmp_path)
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk and all(" yes " in line for line in cjk), fonts  # embedded (emb = yes)
    expected = f"{BASE}/certificates/verify/{cert.serial}"
    assert qr_codes(pdf, tmp_path) == [expected]
    client = cert_app.test_client()
    page = client.get(expected.removeprefix(BASE))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "有效" in html and "阿卜杜热依木·艾买提" in html and "金牌" in html
    assert regs[0].id_number not in html and regs[0].mobile not in html


def test_revoked_certificate_page_says_revoked_with_date_and_reason(cert_app, needs_pdf):
    scored()
    publish()
    cert = issue_awards()[1]
    services.revoke(cert, "成绩复核后更正", organiser())
    db.session.commit()
    client = cert_app.test_client()
    html = client.get(f"/certificates/verify/{cert.serial}").get_data(as_text=True)
    assert "已撤销" in html and "成绩复核后更正" in html and "年" in html and "真实有效" not in html
    search = client.get(f"/certificates/verify?serial={cert.serial}")
    assert search.status_code == 302 and search.headers["Location"].endswith(f"/certificates/verify/{cert.serial}")
    missing = client.get("/certificates/verify?serial=NO-SUCH-0001")
    assert missing.status_code == 404 and "没有找到" in missing.get_data(as_text=True)


def test_markup_and_template_code_in_names_print_literally(cert_app, needs_pdf, tmp_path):
    regs = scored(names=(SCRIPT_NAME, JINJA_NAME))
    publish()
    certs = {c.registration_id: c for c in issue_awards()}
    for reg in regs[:2]:
        text = pdftotext(services.certificate_pdf(certs[reg.id]), tmp_path)
        assert reg.name in text, text
    assert "49" not in pdftotext(services.certificate_pdf(certs[regs[1].id]), tmp_path).replace(
        certs[regs[1].id].serial, "")
    html = cert_app.test_client().get(f"/certificates/verify/{certs[regs[0].id].serial}").get_data(as_text=True)
    assert "&lt;script&gt;" in html and SCRIPT_NAME not in html


def test_single_download_is_a_pdf_and_only_for_the_people_concerned(cert_app, needs_pdf):
    # Its speed (< 400 ms) is measured by bench/bench_certificates.py, not here: timings in tests are noise.
    regs = scored()
    publish()
    certs = {c.registration_id: c for c in issue_awards()}
    client = cert_app.test_client()
    login(client, "organiser")
    url = f"/certificates/download/{certs[regs[0].id].serial}.pdf"
    r = client.get(url)
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data.startswith(b"%PDF")
    # A contestant reaches only their own, a delegation only its own.
    other = cert_app.test_client()
    login(other, "contestant")
    assert other.get(url).status_code == 404
    deleg = cert_app.test_client()
    code = db.session.get(Registration, regs[0].id).delegation.code
    if db.session.scalar(select(User.id).where(User.username == f"deleg-{code}")):
        login(deleg, f"deleg-{code}")
        assert deleg.get(url).status_code == 200


def _contestant_registration() -> Registration:
    user_id = db.session.scalar(select(User.id).where(User.username == "contestant"))
    return db.session.scalar(select(Registration).where(Registration.user_id == user_id))


def test_admission_card_photo_station_and_no_sealed_code(cert_app, needs_pdf, tmp_path):
    from contests import uploads
    from contests.judging_models import DrawResult
    from tests.support.registration import photo_bytes

    reg = _contestant_registration()
    reg.photo = uploads.store(cert_app.config["UPLOAD_FOLDER"], "photos", photo_bytes(), "jpg")
    draw = db.session.scalar(select(DrawResult).where(DrawResult.registration_id == reg.id))
    db.session.commit()
    client = cert_app.test_client()
    login(client, "contestant")
    r = client.get(f"/certificates/admission/{reg.id}.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = "".join(pdftotext(r.data, tmp_path).split())
    assert reg.name in text and reg.event.name in text and "参赛证" in text
    assert draw is not None and draw.station and draw.code
    assert f"工位号{draw.station}" in text and draw.code not in text
    images = subprocess.run(["pdfimages", "-list", str(tmp_path / "c.pdf")], capture_output=True, text=True).stdout  # noqa: S603,S607
    assert len(images.strip().splitlines()) >= 4  # header lines + photo + QR
    codes = qr_codes(r.data, tmp_path)
    assert len(codes) == 1 and codes[0].startswith(f"{BASE}/certificates/checkin/{reg.id}/")
    # Someone else's card: not found.
    other = db.session.scalar(select(Registration).where(Registration.id != reg.id,
                                                         Registration.status == "confirmed"))
    assert client.get(f"/certificates/admission/{other.id}.pdf").status_code == 404
    # The check-in address opens the card's facts for the organiser at the door.
    org = cert_app.test_client()
    login(org, "organiser")
    page = org.get(codes[0].removeprefix(BASE)).get_data(as_text=True)
    assert reg.name in page and draw.station in page
    assert org.get(f"/certificates/checkin/{reg.id}/{'0' * 16}").status_code == 404


def test_delegation_prints_its_admission_cards_in_one_pdf(cert_app, needs_pdf, tmp_path):
    client = cert_app.test_client()
    login(client, "deleg-45")
    user = db.session.scalar(select(User).where(User.username == "deleg-45"))
    n = db.session.scalar(select(db.func.count(Registration.id)).where(
        Registration.delegation_id == user.delegation_id, Registration.status == "confirmed"))
    r = client.get("/certificates/admission/delegation.pdf")
    assert r.status_code == 200
    (tmp_path / "d.pdf").write_bytes(r.data)
    info = subprocess.run(["pdfinfo", str(tmp_path / "d.pdf")], capture_output=True, text=True).stdout  # noqa: S603,S607
    assert f"Pages:           {n}" in info
    assert "打印本代表队全部参赛证" in client.get("/certificates/mine").get_data(as_text=True)


def test_cli_renders_a_contest_event_to_one_pdf(cert_app, needs_pdf, tmp_path):
    regs = scored()
    publish()
    register_certificates_cli(cert_app)
    out = tmp_path / "dg.pdf"
    result = cert_app.test_cli_runner().invoke(args=["certificates", "render", "--contest", "FP2020", "--event", "DG",
                                                     "--out", str(out), "--processes", "1"])
    assert result.exit_code == 0, result.output
    text = "".join(pdftotext(out.read_bytes(), tmp_path).split())
    for reg in regs:
        assert reg.name in text
    serials = db.session.scalars(select(IssuedCertificate.serial).order_by(IssuedCertificate.id)).all()
    assert len(serials) == 3
    again = cert_app.test_cli_runner().invoke(args=["certificates", "render", "--contest", "FP2020", "--event",
                                                    "DG", "--out", str(out), "--processes", "1"])
    assert again.exit_code == 0
    assert db.session.scalars(select(IssuedCertificate.serial).order_by(IssuedCertificate.id)).all() == serials
    refused = cert_app.test_cli_runner().invoke(args=["certificates", "render", "--contest", "FP2020", "--event",
                                                      "QG", "--out", str(out)])
    assert refused.exit_code == 1 and "尚未公布" in refused.output


def test_judge_letter_and_participation_certificate(cert_app, needs_pdf, tmp_path):
    c = event().contest
    for kind, words in (("judge", ["聘书", "裁判长", "电工"]), ("participation", ["电工"])):
        scope = services.Scope(c, kind, event=event())
        cert = services.issue(scope, services.subjects(scope), organiser())[0]
        db.session.commit()
        text = "".join(pdftotext(services.certificate_pdf(cert), tmp_path).split())
        assert cert.name in text and all(w in text for w in words), text
    client = cert_app.test_client()
    login(client, "organiser")
    r = post_form(client, "/certificates/manage/FP2020/batch", {"kind": "award", "event_id": event().id,
                                                                 "delegation_id": 0, "format": "pdf"},
                  form_page="/certificates/manage/FP2020")
    assert r.status_code == 422 and "尚未公布" in r.get_data(as_text=True)


@pytest.mark.parametrize("kind", ["award", "participation", "judge", "admission"])
def test_template_previews(cert_app, needs_pdf, kind):
    client = cert_app.test_client()
    login(client, "organiser")
    pdf = client.get(f"/certificates/manage/FP2020/template/{kind}/preview.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    png = client.get(f"/certificates/manage/FP2020/template/{kind}/preview.png")
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG")
