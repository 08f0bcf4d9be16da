"""The audit trail: an append-only, hash-chained record of who changed what.

Each entry's hash covers its own content and the previous entry's hash, so editing or deleting any row
breaks the chain from that point on; ``flask audit verify`` finds the first broken link.

Entries are numbered through a one-row ``audit_head`` table that every writer updates. The UPDATE takes a
row lock (PostgreSQL) or the write lock (SQLite), so two requests can never chain to the same predecessor:
the chain stays a single line under concurrency, without in-process locks.

That lock is held until the transaction commits, so it is taken as late as possible: ``record`` only
collects the entry; when the session commits, the changes are flushed first and then the collected entries
are chained and written, right before COMMIT (``_write_pending``). Every request then holds the chain for
two statements and the commit, wherever in its work it recorded. Entries recorded inside a savepoint that is
rolled back are dropped with it.
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
    seq: Mapped[int] = mapped_column(unique=True)
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
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    def content(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at.isoformat(timespec="microseconds"),
            "user_id": self.user_id,
            "username": self.username,
            "role": self.role,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "before": self.before,
            "after": self.after,
            "ip": self.ip,
        }


def entry_hash(content: dict[str, Any], prev_hash: str) -> str:
    payload = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + "\n" + payload).encode()).hexdigest()


def _dump(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def record(action: str, obj: Any = None, *, before: Any = None, after: Any = None,
           object_type: str = "", object_id: Any = "", user: Any = None) -> AuditEntry:
    """Add an audit entry to the current transaction: written, chained, when it commits; gone if it rolls back."""
    if obj is not None:
        object_type = object_type or type(obj).__name__
        object_id = object_id or getattr(obj, "id", "")
    if user is None and has_request_context() and current_user and current_user.is_authenticated:
        user = current_user
    entry = AuditEntry(
        at=utcnow(),
        user_id=getattr(user, "id", None),
        username=getattr(user, "username", "") or "",
        role=getattr(user, "role", "") or "",
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        before=_dump(before),
        after=_dump(after),
        ip=(request.remote_addr or "") if has_request_context() else "",
    )
    session = db.session()
    transaction = session.get_nested_transaction() or session.get_transaction() or session.begin()
    # A new object has its id only after the flush at commit: keep it to read the id then.
    session.info.setdefault(_PENDING, []).append((entry, transaction, obj if not entry.object_id else None))
    return entry


def append(entries: list[AuditEntry], connection) -> tuple[int, int]:
    """Chain these entries after the head and write them (head locked until the commit); returns their seqs."""
    head = connection.execute(_NEXT, {"n": len(entries)}).one_or_none()
    if head is None:  # first entry ever: create the head row
        connection.execute(insert(AuditHead).values(id=1, seq=0, last_hash=GENESIS))
        head = connection.execute(_NEXT, {"n": len(entries)}).one()
    last, prev = head
    first = last - len(entries) + 1
    for seq, entry in enumerate(entries, first):
        entry.seq, entry.prev_hash = seq, prev
        entry.hash = prev = entry_hash(entry.content(), prev)
    rows = [{column: getattr(entry, column) for column in _COLUMNS} for entry in entries]
    for i in range(0, len(rows), 1000):
        connection.execute(insert(AuditEntry), rows[i:i + 1000])
    connection.execute(_SET_HASH, {"hash": prev})
    return first, last


_PENDING = "saiwu_audit_pending"


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint is released: its entries wait for the real commit
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.flush()  # the changes first: the chain's lock is taken at the very end
        for entry, _transaction, obj in pending:
            if obj is not None:
                entry.object_id = str(getattr(obj, "id", "") or "")
        append([entry for entry, _transaction, _obj in pending], session.connection())


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


_NEXT = text("UPDATE audit_head SET seq = seq + :n WHERE id = 1 RETURNING seq, last_hash")
_SET_HASH = text("UPDATE audit_head SET last_hash = :hash WHERE id = 1")
_COLUMNS = ("seq", "at", "user_id", "username", "role", "action", "object_type", "object_id", "before", "after",
            "ip", "prev_hash", "hash")


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None  # seq of the first entry whose link does not hold
    problem: str

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify() -> ChainReport:
    """Walk the chain in order; report the first entry that was edited, removed or inserted."""
    prev, expected_seq, checked = GENESIS, 1, 0
    for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(1000):
        if entry.seq != expected_seq:
            return ChainReport(checked, expected_seq, Msg("第 {n} 条记录缺失（被删除）", n=expected_seq))
        if entry.prev_hash != prev:
            return ChainReport(checked, entry.seq, Msg("第 {n} 条记录与前一条的链接不符", n=entry.seq))
        if entry_hash(entry.content(), prev) != entry.hash:
            return ChainReport(checked, entry.seq, Msg("第 {n} 条记录的内容被修改", n=entry.seq))
        prev, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    head = db.session.get(AuditHead, 1)
    if head is not None and (head.seq != checked or head.last_hash != prev):
        return ChainReport(checked, checked + 1, Msg("第 {n} 条及以后的记录缺失（被删除）", n=checked + 1))
    return ChainReport(checked, None, "")
