"""The audit trail: append-only, hash-chained, and ``flask audit verify`` finds the first broken link.

Entries are written with their change and chained ("sealed") afterwards, so writers never queue on the chain.
"""

from sqlalchemy import text

from app import audit
from app.extensions import db


def _entries(n):
    for i in range(n):
        audit.record("mark_saved", object_type="Mark", object_id=i, before={"value": i}, after={"value": i + 1})
    db.session.commit()
    audit.seal()
    db.session.commit()


def _verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def test_intact_chain_verifies(app):
    _entries(5)
    report = audit.verify()
    assert report.ok and report.checked == 5
    result = _verify(app)
    assert result.exit_code == 0
    assert "共 5 条记录" in result.output


def test_edited_row_is_found(app):
    _entries(5)
    db.session.execute(text("UPDATE audit_entry SET after = '{\"value\": 99}' WHERE seq = 3"))
    db.session.commit()
    report = audit.verify()
    assert report.broken_at == 3
    result = _verify(app)
    assert result.exit_code == 1
    assert "第 3 条记录的内容被修改" in result.output


def test_deleted_row_is_found(app):
    _entries(5)
    db.session.execute(text("DELETE FROM audit_entry WHERE seq = 2"))
    db.session.commit()
    assert audit.verify().broken_at == 2
    assert "第 2 条记录缺失" in _verify(app).output


def test_deleting_the_last_row_is_found(app):
    _entries(4)
    db.session.execute(text("DELETE FROM audit_entry WHERE seq = 4"))
    db.session.commit()
    assert audit.verify().broken_at == 4


def test_rehashed_row_still_breaks_the_next_link(app):
    """Someone who edits a row and recomputes its own hash still breaks the link of the row after it."""
    _entries(4)
    row = db.session.execute(text("SELECT * FROM audit_entry WHERE seq = 2")).mappings().one()
    entry = db.session.get(audit.AuditEntry, row["id"])
    entry.after = '{"value": 42}'
    entry.hash = audit.entry_hash(entry.content(), entry.prev_hash)
    db.session.commit()
    report = audit.verify()
    assert report.broken_at == 3
    assert "链接不符" in report.problem


def test_entry_records_who_and_where(app, client):
    from app.demo import load_demo
    from tests.support.web import login

    load_demo()
    db.session.commit()
    login(client, "organiser")
    entry = db.session.scalars(db.select(audit.AuditEntry).order_by(audit.AuditEntry.id.desc())).first()
    assert entry.action == "login"
    assert entry.username == "organiser" and entry.role == "organiser"
    assert entry.ip == "127.0.0.1"
    assert audit.verify().ok


def test_entries_are_written_at_commit_and_dropped_with_their_savepoint(app):
    """``record`` collects; the commit writes; an entry recorded inside a savepoint that rolls back is gone with
    the change it described."""
    from sqlalchemy import func, select

    audit.record("kept", object_type="Test", object_id=1)
    try:
        with db.session.begin_nested():
            audit.record("undone", object_type="Test", object_id=2)
            raise RuntimeError("the change inside the savepoint fails")
    except RuntimeError:
        pass
    with db.session.begin_nested():
        audit.record("released", object_type="Test", object_id=3)
    assert db.session.scalar(select(func.count()).select_from(audit.AuditEntry)) == 0  # nothing before COMMIT
    db.session.commit()
    actions = db.session.scalars(select(audit.AuditEntry.action).order_by(audit.AuditEntry.id)).all()
    assert actions == ["kept", "released"]
    audit.record("rolled back", object_type="Test", object_id=4)
    db.session.rollback()
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(audit.AuditEntry)) == 2
    assert audit.verify().ok


def test_entries_wait_unsealed_until_the_sealer_chains_them_in_the_order_written(app):
    from sqlalchemy import select

    for action in ("first", "second", "third"):
        audit.record(action, object_type="Test", object_id=1)
        db.session.commit()
    waiting = db.session.execute(select(audit.AuditEntry.seq, audit.AuditEntry.hash)).all()
    assert waiting == [(None, None)] * 3  # written, no writer touched the chain's head
    assert audit.seal() == 3
    db.session.commit()
    assert audit.seal() == 0
    rows = db.session.execute(select(audit.AuditEntry.action, audit.AuditEntry.seq)
                              .order_by(audit.AuditEntry.seq)).all()
    assert rows == [("first", 1), ("second", 2), ("third", 3)]
    audit.record("fourth", object_type="Test", object_id=1)
    db.session.commit()
    report = audit.verify()  # seals the fourth before walking
    db.session.commit()
    assert report.ok and report.checked == 4


def test_the_job_worker_and_the_command_line_seal(app):
    from certificates.jobs import seal_audit_trail

    audit.record("waiting", object_type="Test", object_id=1)
    db.session.commit()
    seal_audit_trail.call_local()
    assert audit.verify().checked == 1
    audit.record("waiting too", object_type="Test", object_id=2)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "seal"])
    assert "已封存 1 条记录" in result.output
    assert "共 2 条记录" in _verify(app).output


def test_the_audit_page_shows_entries_waiting_to_be_sealed(app, client):
    from app.demo import load_demo
    from tests.support.web import login

    load_demo()
    db.session.commit()
    audit.seal()
    db.session.commit()
    login(client, "organiser")  # written, not yet sealed
    page = client.get("/audit").get_data(as_text=True)
    assert "待封存" in page and "login" in page
