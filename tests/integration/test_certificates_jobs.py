"""Batches as huey jobs: progress moves from 0 to 100 % and is read back from the JSON status (so a reloaded page
shows it), the result downloads as one PDF or a ZIP of single PDFs, regenerating keeps the serial numbers,
and a refused batch issues nothing."""

from __future__ import annotations

import io
import subprocess
import zipfile

import pytest
from sqlalchemy import func, select

from app.extensions import db
from certificates import jobs
from certificates.models import CertificateBatch, IssuedCertificate
from tests.integration.test_certificates_service import (
    MISSING_GLYPH,
    certificates_app,
    event,
    publish,
    scored,
)
from tests.support.web import login, post_form


@pytest.fixture
def cert_app(demo):
    yield from certificates_app(demo)

MANAGE = "/certificates/manage/FP2020"


def start(client, **values):
    data = {"kind": "award", "event_id": 0, "delegation_id": 0, "format": "pdf", **values}
    return post_form(client, f"{MANAGE}/batch", data, form_page=MANAGE)


def test_job_progress_moves_from_0_to_100_percent(cert_app, needs_pdf, tmp_path):
    cert_app.config.update(CERTIFICATE_CHUNK_SIZE=1, CERTIFICATE_PROCESSES=2)  # a real pool, one page per chunk
    scored(totals=(95, 90, 85, 80, 75))
    publish()
    seen: list[tuple[int, int]] = []
    jobs.progress_hook = lambda done, total: seen.append((done, total))
    jobs.PROGRESS_INTERVAL, interval = 0.0, jobs.PROGRESS_INTERVAL
    try:
        client = cert_app.test_client()
        login(client, "organiser")
        r = start(client)
    finally:
        jobs.PROGRESS_INTERVAL = interval
    assert r.status_code == 302 and "/certificates/batch/" in r.headers["Location"]
    total = seen[-1][1]
    assert total >= 3  # gold, silver, bronze at least
    percents = [done * 100 // total for done, _ in seen]
    assert percents[0] == 0 and percents[-1] == 100 and percents == sorted(percents)
    assert len(set(percents)) >= 3, seen  # it moved through intermediate steps
    batch = db.session.scalar(select(CertificateBatch))
    status = client.get(f"/certificates/batch/{batch.id}/status").get_json()
    assert status["status"] == "done" and status["percent"] == 100 and status["done"] == status["total"] == total
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert 'value="100"' in page and "batch.js" in page and "<script>" not in page.replace(
        "<script src=", "")
    pdf = client.get(status["download_url"])
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    (tmp_path / "b.pdf").write_bytes(pdf.data)
    info = subprocess.run(["pdfinfo", str(tmp_path / "b.pdf")], capture_output=True, text=True).stdout  # noqa: S603,S607
    assert f"Pages:           {total}" in info


def test_regenerating_keeps_the_serials_and_zip_has_one_pdf_each(cert_app, needs_pdf):
    scored()
    publish()
    client = cert_app.test_client()
    login(client, "organiser")
    start(client, event_id=event().id)
    serials = sorted(db.session.scalars(select(IssuedCertificate.serial)).all())
    r = start(client, event_id=event().id, format="zip")
    assert sorted(db.session.scalars(select(IssuedCertificate.serial)).all()) == serials
    status = client.get(r.headers["Location"] + "/status").get_json()
    assert status["status"] == "done"
    data = client.get(status["download_url"]).data
    names = sorted(zipfile.ZipFile(io.BytesIO(data)).namelist())
    assert names == sorted(f"{s}.pdf" for s in serials)


def test_refused_batches_issue_nothing_and_say_why(cert_app, needs_pdf):
    scored(names=(f"王{MISSING_GLYPH}明",))
    client = cert_app.test_client()
    login(client, "organiser")
    r = start(client, event_id=event().id)
    assert r.status_code == 422 and "尚未公布" in r.get_data(as_text=True)
    publish()
    r = start(client, event_id=event().id)
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "U+3134A" in page and "方框" in page
    assert db.session.scalar(select(func.count(IssuedCertificate.id))) == 0
    assert db.session.scalar(select(func.count(CertificateBatch.id))) == 0
    r = start(client, event_id=event().id, allow_unprintable="y")
    assert r.status_code == 302
    assert db.session.scalar(select(func.count(IssuedCertificate.id))) == 3
    check = post_form(client, f"{MANAGE}/check", {"kind": "award", "event_id": event().id, "delegation_id": 0,
                                                  "format": "pdf"}, form_page=MANAGE)
    assert "U+3134A" in check.get_data(as_text=True)


def test_a_failing_job_records_its_error(cert_app, needs_pdf):
    scored()
    publish()
    batch = CertificateBatch(contest_id=event().contest_id, kind="award", event_id=event().id, format="pdf",
                             scope="test", base_url="https://x.example")
    db.session.add(batch)
    db.session.commit()
    rec = __import__("certificates.services", fromlist=["x"]).template_for(event().contest, "award")
    rec.html = "{{ ''.__class__ }}"
    db.session.commit()
    jobs.run_batch(batch.id)
    db.session.refresh(batch)
    assert batch.status == "failed" and "__class__" in batch.error
    assert db.session.scalar(select(func.count(IssuedCertificate.id))) == 0


def test_the_worker_task_runs_in_immediate_mode(cert_app, needs_pdf):
    scored()
    publish()
    batch = CertificateBatch(contest_id=event().contest_id, kind="award", event_id=event().id, format="pdf",
                             scope="test", base_url="https://x.example")
    db.session.add(batch)
    db.session.commit()
    assert jobs.huey.immediate
    jobs.render_batch_task(batch.id)
    db.session.refresh(batch)
    assert batch.status == "done" and batch.percent == 100 and batch.output_path.endswith(".pdf")
