"""A certificate batch in the browser: the progress bar follows the job through the JSON status (a script file,
no inline script under the CSP), keeps its place after a reload, and offers the download when done; and the
real worker command (huey_consumer) runs a batch queued by the web app."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.demo import DEMO_PASSWORD
from app.extensions import db
from certificates.models import CertificateBatch
from contests.models import Contest

ROOT = Path(__file__).resolve().parents[2]


def _login(page, base: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("用户名").fill("organiser")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/home")


def _batch(app, **values) -> int:
    with app.app_context():
        contest = db.session.scalar(select(Contest).where(Contest.code == "FP2020"))
        batch = CertificateBatch(contest_id=contest.id, kind="award", format="pdf", scope="测试批次",
                                 base_url="http://x.example", **values)
        db.session.add(batch)
        db.session.commit()
        return batch.id


def _update(app, batch_id: int, **values) -> None:
    with app.app_context():
        batch = db.session.get(CertificateBatch, batch_id)
        for key, value in values.items():
            setattr(batch, key, value)
        db.session.commit()


def test_progress_bar_follows_the_job_and_survives_a_reload(live_app, live_server, tablet, tmp_path):
    errors = []
    tablet.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _login(tablet, live_server)
    batch_id = _batch(live_app, status="running", done=1, total=4)
    tablet.goto(f"{live_server}/certificates/batch/{batch_id}")
    progress = tablet.locator("#cert-batch-progress")
    assert progress.get_attribute("value") == "25"
    _update(live_app, batch_id, done=3)
    expect(tablet.locator("#cert-batch-percent")).to_have_text("75", timeout=5000)
    assert progress.evaluate("p => p.value") == 75
    tablet.reload()
    assert tablet.locator("#cert-batch-percent").inner_text() == "75"
    assert tablet.locator("#cert-batch-download").is_hidden()
    out = tmp_path / "b.pdf"
    out.write_bytes(b"%PDF-1.7\n%%EOF\n")
    _update(live_app, batch_id, done=4, status="done", output_path=str(out))
    expect(tablet.locator("#cert-batch-percent")).to_have_text("100", timeout=5000)
    assert progress.evaluate("p => p.value") == 100
    assert tablet.locator("#cert-batch-download").is_visible()
    assert tablet.locator("#cert-batch-text").inner_text() == "完成"
    assert errors == [], errors


@pytest.mark.skipif(sys.platform != "linux", reason="worker subprocess test is for Linux")
def test_the_worker_command_runs_a_batch_queued_by_the_app(live_app, tmp_path, needs_pdf):
    from huey.storage import SqliteStorage

    from certificates import jobs
    from tests.integration.test_certificates_service import publish, scored

    queue = tmp_path / "huey.db"
    saved = jobs.huey.storage
    jobs.huey.storage = SqliteStorage("saiwu-certificates", filename=str(queue))
    env = {**os.environ, "HUEY_SQLITE_PATH": str(queue), "DATABASE_URL": live_app.config["SQLALCHEMY_DATABASE_URI"],
           "UPLOAD_FOLDER": live_app.config["UPLOAD_FOLDER"], "SAIWU_ENV": "testing"}
    env.pop("REDIS_URL", None)
    worker = subprocess.Popen(  # noqa: S603 - the documented worker command
        [str(Path(sys.executable).parent / "huey_consumer"), "certificates.jobs.huey", "-w", "1", "-k", "thread"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        with live_app.app_context():
            scored()
            publish()
            batch_id = _batch(live_app)
            jobs.render_batch_task(batch_id)  # enqueue: huey is not in immediate mode here
        deadline = time.monotonic() + 60
        status = "queued"
        while time.monotonic() < deadline and status in ("queued", "running"):
            time.sleep(0.3)
            with live_app.app_context():
                status = db.session.get(CertificateBatch, batch_id).status
        with live_app.app_context():
            batch = db.session.get(CertificateBatch, batch_id)
            assert batch.status == "done", batch.error
            assert batch.done == batch.total == 3 and Path(batch.output_path).read_bytes().startswith(b"%PDF")
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
        jobs.huey.storage = saved
