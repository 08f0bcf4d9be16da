"""Marking schemes, score sheets and marks.

Marks are never updated in place: every entry is a new ``Mark`` row (a version) pointing at the version it
follows; the current mark of (registration, aspect, judge) is the one with the highest version. Two devices
saving at once are kept apart by the database, not by locks: ``(registration, aspect, judge, version)`` and
the client's idempotency key are both UNIQUE, so a race ends in one IntegrityError that the caller retries
(see ``scoring.marks``), and a replayed key can never make a second row.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

# Aspect kinds, as the rules core names them (scoring.rules.scheme).
KINDS = ("measurement", "pass_fail", "deduction", "judgement", "panel")


class MarkingScheme(db.Model):
    """An event's marking scheme (评分标准): component weights, panel settings and the criteria tree."""

    __tablename__ = "marking_scheme"
    __table_args__ = (CheckConstraint("status IN ('draft','active')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    theory_weight: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(20))
    practical_weight: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(80))
    theory_total: Mapped[Decimal] = mapped_column(Numeric(7, 2), default=Decimal(100))
    practical_total: Mapped[Decimal] = mapped_column(Numeric(7, 2), default=Decimal(100))
    # Panel scoring (裁判组评分): N judges, drop the highest and lowest `panel_drop`, range and step.
    panel_judges: Mapped[int] = mapped_column(default=5)
    panel_drop: Mapped[int] = mapped_column(default=1)
    panel_min: Mapped[Decimal] = mapped_column(Numeric(7, 2), default=Decimal(0))
    panel_step: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    # Judgement levels further apart than this are flagged to the team and the chief judge.
    judgement_gap: Mapped[int] = mapped_column(default=1)
    # Recheck (复核): every sheet of the top N, plus at least P% of the rest; full recheck above E% errors.
    recheck_top: Mapped[int] = mapped_column(default=10)
    recheck_share: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(15))
    recheck_error_limit: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(5))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="scheme", order_by="Criterion.position", cascade="all, delete-orphan"
    )


class Criterion(db.Model):
    """A module / criterion (模块) of the practical, e.g. A 安装与接线."""

    __tablename__ = "scheme_criterion"
    __table_args__ = (UniqueConstraint("scheme_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("marking_scheme.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100), default="")
    position: Mapped[int] = mapped_column(default=0)

    scheme: Mapped[MarkingScheme] = relationship(back_populates="criteria")
    subs: Mapped[list[SubCriterion]] = relationship(
        back_populates="criterion", order_by="SubCriterion.position", cascade="all, delete-orphan"
    )


class SubCriterion(db.Model):
    __tablename__ = "scheme_sub_criterion"
    __table_args__ = (UniqueConstraint("criterion_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("scheme_criterion.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100), default="")
    position: Mapped[int] = mapped_column(default=0)

    criterion: Mapped[Criterion] = relationship(back_populates="subs")
    aspects: Mapped[list[Aspect]] = relationship(
        back_populates="sub", order_by="Aspect.position", cascade="all, delete-orphan"
    )


class Aspect(db.Model):
    """The smallest thing a judge marks (评分项)."""

    __tablename__ = "scheme_aspect"
    __table_args__ = (
        UniqueConstraint("scheme_id", "code"),
        CheckConstraint("kind IN ('measurement','pass_fail','deduction','judgement','panel')", name="kind"),
        CheckConstraint("maximum > 0", name="maximum"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("marking_scheme.id", ondelete="CASCADE"), index=True)
    sub_id: Mapped[int] = mapped_column(ForeignKey("scheme_sub_criterion.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(24))
    kind: Mapped[str] = mapped_column(String(12))
    description: Mapped[str] = mapped_column(Text, default="")
    levels_json: Mapped[str] = mapped_column(Text, default="")  # judgement: descriptors of levels 0..3
    maximum: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    step: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    team: Mapped[str] = mapped_column(String(40), default="")  # the marking team's name; "" = every judge
    marking_day: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)

    sub: Mapped[SubCriterion] = relationship(back_populates="aspects")

    @property
    def levels(self) -> list[str]:
        return json.loads(self.levels_json) if self.levels_json else []

    @levels.setter
    def levels(self, value: list[str]) -> None:
        self.levels_json = json.dumps(list(value), ensure_ascii=False) if any(value) else ""


class ScoreSheet(db.Model):
    """One judge's sheet for one contestant and one module; signed sheets are locked."""

    __tablename__ = "score_sheet"
    __table_args__ = (
        UniqueConstraint("registration_id", "judge_id", "criterion_id"),
        CheckConstraint("status IN ('open','signed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("scheme_criterion.id"), index=True)
    status: Mapped[str] = mapped_column(String(8), default="open")
    signed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SheetUnlock(db.Model):
    """The chief judge reopened a signed sheet, with a written reason."""

    __tablename__ = "score_sheet_unlock"

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("score_sheet.id"), index=True)
    by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Mark(db.Model):
    """One version of one judge's mark for one aspect of one contestant. Never updated in place."""

    __tablename__ = "mark"
    __table_args__ = (
        UniqueConstraint("registration_id", "aspect_id", "judge_id", "version"),
        CheckConstraint("version >= 1", name="version"),
        CheckConstraint("source IN ('tablet','paper')", name="source"),
        Index("ix_mark_registration_aspect", "registration_id", "aspect_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id"))
    aspect_id: Mapped[int] = mapped_column(ForeignKey("scheme_aspect.id"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    version: Mapped[int]
    value: Mapped[Decimal] = mapped_column(Numeric(9, 3))
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("mark.id"))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    device: Mapped[str] = mapped_column(String(64), default="")
    ip: Mapped[str] = mapped_column(String(45), default="")
    source: Mapped[str] = mapped_column(String(8), default="tablet")
    entered_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # the judge, or the 2nd paper clerk
    base_version: Mapped[int | None]  # the version the device saw when the judge typed this
    conflict: Mapped[bool] = mapped_column(default=False)  # another device had saved since that version
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ModuleConfirmation(db.Model):
    """The chief judge confirmed every score of one module."""

    __tablename__ = "module_confirmation"

    id: Mapped[int] = mapped_column(primary_key=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("scheme_criterion.id"), unique=True)
    by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class EventConfirmation(db.Model):
    """The chief judge confirmed the event's scores: the condition for decryption."""

    __tablename__ = "event_confirmation"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), unique=True)
    by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class RecheckItem(db.Model):
    """A sheet drawn for recheck (复核) and what the recheck found."""

    __tablename__ = "recheck_item"
    __table_args__ = (
        CheckConstraint("reason IN ('top','drawn','full')", name="reason"),
        CheckConstraint("result IS NULL OR result IN ('ok','error')", name="result"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("score_sheet.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(8))
    drawn_at: Mapped[datetime] = mapped_column(default=utcnow)
    result: Mapped[str | None] = mapped_column(String(8))
    finding: Mapped[str] = mapped_column(Text, default="")
    checked_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    checked_at: Mapped[datetime | None]


class PaperEntry(db.Model):
    """One clerk's typing of one value from a signed paper sheet. Two different clerks must agree."""

    __tablename__ = "paper_entry"
    __table_args__ = (
        CheckConstraint("status IN ('pending','matched','mismatch','void')", name="status"),
        Index("ix_paper_entry_target", "registration_id", "aspect_id", "judge_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id"))
    aspect_id: Mapped[int] = mapped_column(ForeignKey("scheme_aspect.id"))
    judge_id: Mapped[int] = mapped_column(ForeignKey("user.id"))  # whose paper sheet
    clerk_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    value: Mapped[Decimal] = mapped_column(Numeric(9, 3))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("paper_entry.id"))  # the other clerk's entry
    mark_id: Mapped[int | None] = mapped_column(ForeignKey("mark.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
