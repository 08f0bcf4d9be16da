"""Tables of the draw and of judges' relations (sealed codes, stations, declared relationships, marking teams).

The code ↔ person mapping lives in ``draw_result``; only ``contests.draw`` reads it, and only for the
encryption judge, or for anyone once the event's ``decryption`` is approved (see ``contests.draw``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import utcnow


class EventDraw(db.Model):
    """Where an event's draw stands: round one (order), round two (sealed codes), the station draw."""

    __tablename__ = "event_draw"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), unique=True)
    order_drawn_at: Mapped[datetime | None]
    order_drawn_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    codes_drawn_at: Mapped[datetime | None]
    codes_drawn_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    stations_drawn_at: Mapped[datetime | None]
    stations_drawn_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class DrawResult(db.Model):
    """One contestant's draw in one event: order (round one), code (round two, sealed) and station."""

    __tablename__ = "draw_result"
    __table_args__ = (
        UniqueConstraint("event_id", "order_no"),
        UniqueConstraint("event_id", "code"),
        UniqueConstraint("event_id", "station"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id"), unique=True)
    order_no: Mapped[int]
    code: Mapped[str | None] = mapped_column(String(16))
    station: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Decryption(db.Model):
    """Opening an event's sealed codes: asked by the encryption judge, approved by a supervisor (two people)."""

    __tablename__ = "decryption"
    __table_args__ = (
        CheckConstraint("approved_by IS NULL OR approved_by <> requested_by", name="two_people"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), unique=True)
    requested_by: Mapped[int] = mapped_column(ForeignKey("user.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    approved_at: Mapped[datetime | None]


class JudgeRelationship(db.Model):
    """A declared relationship between a judge and a contestant (teacher, relative, colleague): recusal."""

    __tablename__ = "judge_relationship"
    __table_args__ = (UniqueConstraint("judge_id", "registration_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id"), index=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    declared_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)


class MarkingTeam(db.Model):
    """A marking team of an event; the scheme's aspects name the team that marks them."""

    __tablename__ = "marking_team"
    __table_args__ = (UniqueConstraint("event_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))


class MarkingTeamMember(db.Model):
    __tablename__ = "marking_team_member"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("marking_team.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
