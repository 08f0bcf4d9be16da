"""Pages that only read run without a transaction on PostgreSQL.

psycopg 3 forgets every prepared statement of a connection when a transaction on it is rolled back, and a
request that does not commit ends with a rollback. A judge's tablet reads its sheet after each flush of saved
marks, so the saves that followed found their statements unprepared and had them planned afresh (about
+1.2 ms a save: ``bench/bench_sheet_cycle.py``). A GET of an endpoint declared here uses its connection in
autocommit: no BEGIN, no ROLLBACK, the prepared statements stay. Under READ COMMITTED a transaction gives
a page of reads nothing more than autocommit does: each statement sees what was committed when it ran.

Only endpoints that never write may be declared: ``tests/integration/test_read_only.py`` calls each one and
fails on any INSERT, UPDATE or DELETE. The connection goes back to the pool with autocommit reset
(SQLAlchemy resets an isolation level set per connection), so the next request's writes are one transaction.
"""

from __future__ import annotations

from flask import Flask, request

from app.extensions import db

READ_ONLY: set[str] = set()


def declare(*endpoints: str) -> None:
    READ_ONLY.update(endpoints)


def init_app(app: Flask) -> None:
    """Register before the access check: signing the user in is the request's first query."""
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
    if not postgres:  # SQLite: rolling back costs nothing there
        return

    @app.before_request
    def _autocommit_reads():
        if request.method in ("GET", "HEAD") and request.endpoint in READ_ONLY:
            db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
