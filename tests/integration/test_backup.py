"""``flask backup`` copies the SQLite database consistently, even while it is being written."""

import sqlite3
import threading

from app import audit
from app.extensions import db
from tests.conftest import ON_POSTGRES


def test_backup_while_writing(app, tmp_path):
    if ON_POSTGRES:  # the command is for SQLite and says what to use instead
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "copy.db")])
        assert result.exit_code != 0 and "pg_dump" in result.output
        return
    stop = threading.Event()

    def writer():
        with app.app_context():
            while not stop.is_set():
                audit.record("tick", object_type="Bench")
                db.session.commit()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "copy.db")])
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    assert "已备份到" in result.output
    copy = sqlite3.connect(tmp_path / "copy.db")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    seqs = [r[0] for r in copy.execute("SELECT seq FROM audit_entry ORDER BY seq")]
    assert seqs == list(range(1, len(seqs) + 1))  # a consistent prefix of the chain, no torn rows
