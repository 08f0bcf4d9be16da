"""Certificate batches as background jobs, on huey.

Storage: Redis when ``REDIS_URL`` is set (workers on several machines), else SQLite in ``instance/huey.db``
(``HUEY_SQLITE_PATH`` overrides it) — one machine, nothing to install. Start the worker with::

    .venv/bin/huey_consumer certificates.jobs.huey -w 2 -k thread

Thread workers (not ``-k process``): huey's process workers are daemonic and may not start children, so the
renderer would use one core; from a thread it spreads each batch over ``CERTIFICATE_PROCESSES`` (default 2)
processes. The job keeps its state in the ``certificate_batch`` row (status, done/total, output file, error),
so the progress bar survives a page reload and any app process can answer the status request.

Tests run huey in immediate mode (``huey.immediate = True``) or call ``run_batch`` directly.
"""

from __future__ import annotations

import logging
import os
import time
from contextlib import contextmanager
from pathlib import Path

from flask import current_app, has_app_context
from huey import RedisHuey, SqliteHuey, crontab
from sqlalchemy import update

from app.extensions import db
from app.text import Msg
from app.timeutil import utcnow

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent
PROGRESS_INTERVAL = 0.5  # seconds between progress commits (the last one is always written)


def _make_huey():
    url = os.environ.get("REDIS_URL", "").strip()
    if url:
        return RedisHuey("saiwu-certificates", url=url)
    path = Path(os.environ.get("HUEY_SQLITE_PATH") or ROOT / "instance" / "huey.db")
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("saiwu-certificates", filename=str(path))


huey = _make_huey()
_worker_app = None
progress_hook = None  # tests: called with (done, total) after each progress write


@contextmanager
def _app_context():
    """Inside the web app (immediate mode, tests, CLI): its context. In the worker: one app per process."""
    global _worker_app
    if has_app_context():
        yield current_app
        return
    if _worker_app is None:
        from app import create_app

        _worker_app = create_app()
    with _worker_app.app_context():
        try:
            yield _worker_app
        finally:
            db.session.remove()


@huey.task()
def render_batch_task(batch_id: int) -> None:
    with _app_context():
        run_batch(batch_id)


@huey.periodic_task(crontab(minute="*"))
def seal_audit_trail() -> None:
    """Chain the audit entries written since the last minute (``app.audit``: writers never wait for the
    chain). This is the app's one job queue, so the audit trail's chore runs here beside the certificates."""
    from app import audit

    with _app_context():
        sealed = audit.seal()
        db.session.commit()
        if sealed:
            log.info("sealed %s audit entries", sealed)


def enqueue(batch_id: int) -> None:
    """Queue the batch (the caller has committed its row). ``CERTIFICATE_JOBS_INLINE`` runs it at once."""
    if current_app.config.get("CERTIFICATE_JOBS_INLINE"):
        run_batch(batch_id)
    else:
        render_batch_task(batch_id)


def run_batch(batch_id: int) -> None:
    """Issue (or find) the certificates of the batch's scope and render them; progress and the outcome go to
    the batch row, committed as they happen."""
    from app.models import User
    from certificates import render, services
    from certificates.errors import CertificateError
    from certificates.models import CertificateBatch
    from contests.models import Contest, Delegation, Event

    batch = db.session.get(CertificateBatch, batch_id)
    if batch is None or batch.status == "done":
        return
    batch.status, batch.started_at, batch.done, batch.error = "running", utcnow(), 0, ""
    db.session.commit()
    try:
        contest = db.session.get(Contest, batch.contest_id)
        scope = services.Scope(
            contest,
            batch.kind,
            event=db.session.get(Event, batch.event_id) if batch.event_id else None,
            delegation=db.session.get(Delegation, batch.delegation_id) if batch.delegation_id else None,
        )
        user = db.session.get(User, batch.created_by) if batch.created_by else None
        rec = services.template_for(contest, batch.kind)
        found = services.subjects(scope, rec)
        problems = services.check(scope, rec, found, allow_unprintable=batch.allow_unprintable)
        if problems:
            raise services.CertificatesRefused(problems)
        base = batch.base_url or services.public_base_url()
        if batch.kind == "admission":
            contexts = services.admission_contexts(found, base)
        else:
            certs = services.issue_with_retry(scope, found, user)
            contexts = [services.render_context(c, base) for c in certs]
        batch.total = len(contexts)
        db.session.commit()
        data = _render(render, services, rec, contexts, batch)
        out = services.output_folder() / f"batch-{batch.id}.{batch.format}"
        tmp = out.with_suffix(out.suffix + ".part")
        tmp.write_bytes(data)
        tmp.replace(out)
        batch = db.session.get(CertificateBatch, batch_id)
        batch.output_path = str(out)
        batch.status, batch.done, batch.finished_at = "done", batch.total, utcnow()
        db.session.commit()
        _hook(batch.total, batch.total)
    except services.CertificatesRefused as exc:
        _fail(batch_id, exc.messages)
    except CertificateError as exc:
        _fail(batch_id, [exc.message])
    except Exception:
        log.exception("certificate batch %s failed", batch_id)
        _fail(batch_id, [Msg("生成证书时出现内部错误，请重试；如果反复出现，请联系技术人员（详情见服务器日志）。")])


def _render(render, services, rec, contexts, batch) -> bytes:
    tpl = services.to_template(rec)
    last = [0.0]

    def on_progress(done: int, total: int) -> None:
        now = time.monotonic()
        if done not in (0, total) and now - last[0] < PROGRESS_INTERVAL:
            return
        last[0] = now
        db.session.execute(update(type(batch)).where(type(batch).id == batch.id).values(done=done, total=total))
        db.session.commit()
        _hook(done, total)

    chunk = int(current_app.config.get("CERTIFICATE_CHUNK_SIZE", render.DEFAULT_CHUNK_SIZE))
    kwargs = {"processes": services.processes(), "on_progress": on_progress, "allowed_dirs": services.allowed_dirs()}
    if batch.format == "zip":
        return render.render_zip(tpl, contexts, group_size=min(chunk, render.DEFAULT_ZIP_GROUP), **kwargs)
    return render.render_batch(tpl, contexts, chunk_size=chunk, **kwargs)


def _hook(done: int, total: int) -> None:
    if progress_hook is not None:
        progress_hook(done, total)


def _fail(batch_id: int, messages: list[str]) -> None:
    """The batch failed: its messages are kept with their templates, so the page shows them in the reader's
    language (the job runs outside any request: nothing is translated here)."""
    from certificates.errors import store_messages
    from certificates.models import CertificateBatch

    db.session.rollback()
    batch = db.session.get(CertificateBatch, batch_id)
    batch.status, batch.error, batch.finished_at = "failed", store_messages(messages), utcnow()
    db.session.commit()
