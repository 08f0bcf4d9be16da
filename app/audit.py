"""The audit trail: an append-only, hash-chained record of who changed what.

Each entry's hash covers its own content and the previous entry's hash, so editing or deleting any row
breaks the chain from that point on; ``flask audit verify`` finds the first broken link.

Writing and chaining are two steps, so that writers never wait for one another:

- **Written with the change.** ``record`` collects an entry; when the session commits, the changes are
  flushed and the collected entries inserted in the same transaction (``_write_pending``), so an entry exists
  exactly when its change does. Entries recorded inside a savepoint that is rolled back are dropped with it.
  A new entry has no ``seq`` and no hash yet: it is *waiting to be sealed*. The judges' mark save, the
  busiest write, inserts its entry itself, in the same statement as the mark on PostgreSQL
  (``scoring.services.save_mark``), from the same ``values``.
- **Sealed in order.** ``seal`` locks the one-row ``audit_head`` (a row lock on PostgreSQL, the write lock on
  SQLite), numbers the waiting entries in the order they were written (by id), chains their hashes and moves
  the head. Two sealers queue on that lock, so the chain stays a single line without in-process locks.

Chaining inside every request made the head row the one point every write in the system passed through,
holding its lock until COMMIT: under 200 judges saving at once, mark saves queued there (bench_load.py).
Now the job worker seals once a minute (``certificates.jobs.seal_audit_trail``), and ``flask audit seal``,
``flask audit verify`` and a contest export seal first. The price: an entry is tamper-evident from its
sealing, not from its commit: at most a minute later while the worker runs.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import ForeignKey, String, Text, event, insert, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.extensions import db
from app.text import Msg
from app.timeutil import utcnow

GENESIS = "0" * 64


class AuditHead(db.Model):
    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS)


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int | None] = mapped_column(unique=True)  # None: written, waiting to be sealed
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    username: Mapped[str] = mapped_column(String(64), default="")
    role: Mapped[str] = mapped_column(String(20), default="")
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[str] = mapped_column(String(40), default="")
    before: Mapped[str] = mapped_column(Text, default="")
    after: Mapped[str] = mapped_column(Text, default="")
    ip: Mapped[str] = mapped_column(String(45), default="")
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))

    def content(self) -> dict[str, Any]:
        return _content({column: getattr(self, column) for column in COLUMNS}, self.seq)


def _content(values, seq: int | None) -> dict[str, Any]:
    """What an entry's hash covers: its number and everything it says."""
    return {"seq": seq, "at": values["at"].isoformat(timespec="microseconds"),
            **{column: values[column] for column in COLUMNS if column != "at"}}


def entry_hash(content: dict[str, Any], prev_hash: str) -> str:
    payload = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + "\n" + payload).encode()).hexdigest()


def _dump(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def values(action: str, obj: Any = None, *, before: Any = None, after: Any = None,
           object_type: str = "", object_id: Any = "", user: Any = None) -> dict[str, Any]:
    """An entry's columns: who (the given user, else the logged-in one), from where, what, before and after."""
    if obj is not None:
        object_type = object_type or type(obj).__name__
        object_id = object_id or getattr(obj, "id", "")
    if user is None and has_request_context() and current_user and current_user.is_authenticated:
        user = current_user
    return {
        "at": utcnow(),
        "user_id": getattr(user, "id", None),
        "username": getattr(user, "username", "") or "",
        "role": getattr(user, "role", "") or "",
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id or ""),
        "before": _dump(before),
        "after": _dump(after),
        "ip": (request.remote_addr or "") if has_request_context() else "",
    }


def record(action: str, obj: Any = None, *, before: Any = None, after: Any = None,
           object_type: str = "", object_id: Any = "", user: Any = None) -> AuditEntry:
    """Add an audit entry to the current transaction: written when it commits, gone if it rolls back."""
    entry = AuditEntry(**values(action, obj, before=before, after=after, object_type=object_type,
                                object_id=object_id, user=user))
    session = db.session()
    transaction = session.get_nested_transaction() or session.get_transaction() or session.begin()
    # A new object has its id only after the flush at commit: keep it to read the id then.
    session.info.setdefault(_PENDING, []).append((entry, transaction, obj if not entry.object_id else None))
    return entry


def seal(connection=None) -> int:
    """Chain every entry waiting to be sealed, in the order written; returns how many. The head stays locked
    until the caller commits."""
    connection = connection or db.session.connection()
    head = connection.execute(_LOCK_HEAD).one_or_none()
    if head is None:  # first seal ever: create the head row
        connection.execute(insert(AuditHead).values(id=1, seq=0, last_hash=GENESIS))
        head = connection.execute(_LOCK_HEAD).one()
    seq, last_hash = head
    sealed = 0
    while waiting := connection.execute(_WAITING).mappings().all():
        links = []
        for row in waiting:
            seq += 1
            digest = entry_hash(_content(row, seq), last_hash)
            links.append({"entry_id": row["id"], "seq": seq, "prev_hash": last_hash, "hash": digest})
            last_hash = digest
        connection.execute(_SEAL_ENTRY, links)
        sealed += len(links)
    if sealed:
        connection.execute(_MOVE_HEAD, {"seq": seq, "hash": last_hash})
    return sealed


def append(entries: list[AuditEntry], connection) -> tuple[int, int]:
    """Write these entries (one or more) and seal the chain now (a contest import); returns the seqs the first
    and the last entry got."""
    rows = [{column: getattr(entry, column) for column in COLUMNS} for entry in entries]
    ids = connection.execute(insert(AuditEntry).returning(AuditEntry.id, sort_by_parameter_order=True),
                             rows).scalars().all()
    seal(connection)
    seqs = connection.execute(select(AuditEntry.seq).where(AuditEntry.id.in_([ids[0], ids[-1]]))
                              .order_by(AuditEntry.id)).scalars().all()
    return seqs[0], seqs[-1]


_PENDING = "saiwu_audit_pending"


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint is released: its entries wait for the real commit
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.flush()  # the changes first: a new object's entry names its id
        for entry, _transaction, obj in pending:
            if obj is not None:
                entry.object_id = str(getattr(obj, "id", "") or "")
        rows = [{column: getattr(entry, column) for column in COLUMNS} for entry, _transaction, _obj in pending]
        session.connection().execute(insert(AuditEntry), rows)


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction) -> None:
    pending = session.info.get(_PENDING)
    if not pending:
        return

    def inside(transaction) -> bool:
        while transaction is not None:
            if transaction is previous_transaction:
                return True
            transaction = transaction.parent
        return False

    session.info[_PENDING] = [(e, t, o) for e, t, o in pending if not inside(t)]


@event.listens_for(Session, "after_transaction_end")
def _forget_at_the_end(session: Session, transaction) -> None:
    if transaction.parent is None:  # the whole transaction is over: committed (written) or not (dropped)
        session.info.pop(_PENDING, None)


_LOCK_HEAD = text("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, last_hash")
_MOVE_HEAD = text("UPDATE audit_head SET seq = :seq, last_hash = :hash WHERE id = 1")
_WAITING = select(AuditEntry.__table__).where(AuditEntry.seq.is_(None)).order_by(AuditEntry.id).limit(1000)
_SEAL_ENTRY = text("UPDATE audit_entry SET seq = :seq, prev_hash = :prev_hash, hash = :hash WHERE id = :entry_id")
COLUMNS = ("at", "user_id", "username", "role", "action", "object_type", "object_id", "before", "after", "ip")


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None  # seq of the first entry whose link does not hold
    problem: str

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify() -> ChainReport:
    """Seal what is waiting, then walk the chain in order; report the first entry that was edited, removed or
    inserted. The caller commits (the sealing)."""
    seal()
    prev, expected_seq, checked = GENESIS, 1, 0
    rows = db.session.execute(select(AuditEntry.__table__).where(AuditEntry.seq.is_not(None))
                              .order_by(AuditEntry.seq),
                              execution_options={"yield_per": 1000}).mappings()
    for row in rows:
        seq = row["seq"]
        if seq != expected_seq:
            return ChainReport(checked, expected_seq, Msg("第 {n} 条记录缺失（被删除）", n=expected_seq))
        if row["prev_hash"] != prev:
            return ChainReport(checked, seq, Msg("第 {n} 条记录与前一条的链接不符", n=seq))
        if entry_hash(_content(row, seq), prev) != row["hash"]:
            return ChainReport(checked, seq, Msg("第 {n} 条记录的内容被修改", n=seq))
        prev, expected_seq, checked = row["hash"], expected_seq + 1, checked + 1
    head = db.session.execute(select(AuditHead.seq, AuditHead.last_hash).where(AuditHead.id == 1)).one_or_none()
    if head is not None and (head.seq != checked or head.last_hash != prev):
        return ChainReport(checked, checked + 1, Msg("第 {n} 条及以后的记录缺失（被删除）", n=checked + 1))
    return ChainReport(checked, None, "")
