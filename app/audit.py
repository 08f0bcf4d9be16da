"""The audit trail: an append-only, hash-chained record of who changed what.

Each entry's hash covers its own content and the previous entry's hash, so editing or deleting any row
breaks the chain from that point on; ``flask audit verify`` finds the first broken link.

Entries are numbered through a one-row ``audit_head`` table that every writer updates first. The UPDATE
takes a row lock (PostgreSQL) or the write lock (SQLite), so two requests can never chain to the same
predecessor: the chain stays a single line under concurrency, without in-process locks.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import ForeignKey, String, Text, bindparam, insert, select, text, update
from sqlalchemy.orm import Mapped, mapped_column

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
    """Add an audit entry to the current transaction; it commits (or rolls back) with the change it records.

    The head row stays locked from its update to the commit: call this last, right before committing.
    Written with Core statements (two round trips on PostgreSQL, three on SQLite), not the ORM's unit of work.
    """
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
    connection = db.session.connection()  # Core statements on the session's transaction
    head = connection.execute(_NEXT).one_or_none()  # takes the head row's lock until the commit
    if head is None:  # first entry ever: create the head row
        db.session.add(AuditHead(id=1, seq=1, last_hash=GENESIS))
        db.session.flush()
        seq, prev = 1, GENESIS
    else:
        seq, prev = head
    entry.seq, entry.prev_hash = seq, prev
    entry.hash = entry_hash(entry.content(), prev)
    values = {f"v_{column}": getattr(entry, column) for column in _COLUMNS}
    if connection.dialect.name == "postgresql":  # the entry and the head's new hash in one statement
        connection.execute(_write_postgresql(), values)
    else:
        connection.execute(_write_entry(), values)
        connection.execute(_SET_HASH, {"hash": entry.hash})  # SQLite: the write lock is held already
    return entry


_NEXT = text("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, last_hash")
_SET_HASH = text("UPDATE audit_head SET last_hash = :hash WHERE id = 1")
_COLUMNS = ("seq", "at", "user_id", "username", "role", "action", "object_type", "object_id", "before", "after",
            "ip", "prev_hash", "hash")


@lru_cache(maxsize=1)
def _write_entry():
    return insert(AuditEntry).values({column: bindparam(f"v_{column}") for column in _COLUMNS})


@lru_cache(maxsize=1)
def _write_postgresql():
    written = _write_entry().returning(AuditEntry.hash).cte("written")
    return update(AuditHead).where(AuditHead.id == 1).values(last_hash=select(written.c.hash).scalar_subquery())


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
