"""Certificate templates, issued certificates, serial counters and batch jobs.

* ``CertificateTemplateRecord`` — one per contest and kind (award, participation, judge letter, admission card):
  the organiser's HTML/CSS, page size, serial pattern, seal image and issuing body; ``version`` goes up on
  every save.
* ``IssuedCertificate`` — one printed certificate: its serial (UNIQUE), who it is for, a JSON snapshot of
  what it says (so a reprint says exactly the same), and its revocation. ``current_key`` names the subject
  (``award:reg:12``) while the certificate is valid and is NULL once revoked: a UNIQUE column, so the database
  itself keeps one valid certificate per subject and kind, whatever two batches race.
* ``SerialCounter`` — the last sequence number handed out per serial prefix. It only goes up: a revoked
  certificate's number is never handed out again.
* ``CertificateBatch`` — a background job printing many certificates as one PDF or a ZIP.

Admission cards (参赛证) are not issued certificates: they carry no serial and are rendered from the current
registration and draw data each time.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow
from certificates.errors import read_messages

KINDS = ("award", "participation", "judge", "admission")
ISSUED_KINDS = ("award", "participation", "judge")
BATCH_STATES = ("queued", "running", "done", "failed")
BATCH_FORMATS = ("pdf", "zip")


class CertificateTemplateRecord(db.Model):
    __tablename__ = "certificate_template"
    __table_args__ = (
        UniqueConstraint("contest_id", "kind"),
        CheckConstraint("kind IN ('award','participation','judge','admission')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(60))
    html: Mapped[str] = mapped_column(Text)
    css: Mapped[str] = mapped_column(Text, default="")
    page_size: Mapped[str] = mapped_column(String(30), default="A4 landscape")
    serial_pattern: Mapped[str] = mapped_column(String(80), default="")
    issuer: Mapped[str] = mapped_column(String(120), default="")  # issuing body printed on the certificate
    issue_date: Mapped[date | None]  # None: the contest's last day (judge letters: its first day)
    seal: Mapped[bytes | None] = mapped_column(LargeBinary)  # PNG/JPEG, checked with Pillow on upload
    seal_filename: Mapped[str] = mapped_column(String(120), default="")
    schedule: Mapped[str] = mapped_column(Text, default="")  # admission cards: "time | item | place" per line
    notes: Mapped[str] = mapped_column(Text, default="")  # admission cards: one note per line
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class SerialCounter(db.Model):
    """The last sequence number used for one serial prefix (pattern and its filled-in fields)."""

    __tablename__ = "certificate_serial_counter"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class IssuedCertificate(db.Model):
    __tablename__ = "issued_certificate"
    __table_args__ = (
        CheckConstraint("kind IN ('award','participation','judge')", name="kind"),
        CheckConstraint("revoked_at IS NULL OR current_key IS NULL", name="revoked_not_current"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id"), index=True)
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegation.id"), index=True)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registration.id"), index=True)
    judge_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("certificate_template.id"))
    template_version: Mapped[int] = mapped_column(default=1)
    award: Mapped[str] = mapped_column(String(30), default="")
    title: Mapped[str] = mapped_column(String(30), default="")
    rank: Mapped[int | None]
    name: Mapped[str] = mapped_column(String(60))  # also in the snapshot; a column for lists and search
    context_json: Mapped[str] = mapped_column(Text)
    current_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    revoke_reason: Mapped[str] = mapped_column(Text, default="")
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("issued_certificate.id"))

    replaced_by: Mapped[IssuedCertificate | None] = relationship(remote_side=[id])

    @property
    def context(self) -> dict[str, Any]:
        return json.loads(self.context_json)

    @property
    def valid(self) -> bool:
        return self.revoked_at is None


class CertificateBatch(db.Model):
    """A background job: all certificates of one kind for a contest, one event or one delegation."""

    __tablename__ = "certificate_batch"
    __table_args__ = (
        CheckConstraint("status IN ('queued','running','done','failed')", name="status"),
        CheckConstraint("format IN ('pdf','zip')", name="format"),
        CheckConstraint("kind IN ('award','participation','judge','admission')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id"))
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegation.id"))
    format: Mapped[str] = mapped_column(String(4), default="pdf")
    scope: Mapped[str] = mapped_column(String(200), default="")  # what it covers, in words
    base_url: Mapped[str] = mapped_column(String(200), default="")  # for the verification QR codes
    allow_unprintable: Mapped[bool] = mapped_column(default=False)  # print names with missing glyphs anyway
    status: Mapped[str] = mapped_column(String(10), default="queued")
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    output_path: Mapped[str] = mapped_column(String(255), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def error_message(self) -> str:
        """Why the batch failed, as a message shown in the reader's language (``error`` holds its Chinese text
        and, for translation, its template: ``certificates.errors.store_messages``)."""
        return read_messages(self.error)
