"""Tables of results: per-event settings and publication state, stored results, arbitration of ties, appeals,
entry inputs that are not judges' marks (theory exam, completion time), forwarding, and the cache version.

Stored results are a *copy* computed from the marks (``scoring.results.recompute_event``): the marks stay the
source of truth, and ``flask results verify`` recomputes and compares.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

INTERNAL, ANNOUNCED, PUBLIC_DISPLAY, FINAL = "internal", "announced", "public_display", "final"
PUBLICATION_STATES = (INTERNAL, ANNOUNCED, PUBLIC_DISPLAY, FINAL)
PUBLISHED = (ANNOUNCED, PUBLIC_DISPLAY, FINAL)


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


class ResultSettings(db.Model):
    """How one event's results are computed and where their publication stands."""

    __tablename__ = "result_settings"
    __table_args__ = (
        CheckConstraint("publication IN ('internal','announced','public_display','final')", name="publication"),
        CheckConstraint("appeal_window_hours >= 0", name="appeal_window"),
        CheckConstraint("rounding_places BETWEEN 0 AND 4", name="rounding_places"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), unique=True)
    # Ranking: ordered tie-break chain [{"metric": "practical", "better": "higher", "label": "实操成绩"}, ...]
    tie_breaks_json: Mapped[str] = mapped_column(Text, default="[]")
    shared_ranks: Mapped[bool] = mapped_column(default=True)
    award_policy_json: Mapped[str] = mapped_column(Text, default="{}")  # see scoring.results_policy
    rounding_places: Mapped[int] = mapped_column(default=2)
    rounding_mode: Mapped[str] = mapped_column(String(20), default="ROUND_HALF_UP")
    standardise: Mapped[bool] = mapped_column(default=False)
    appeal_window_hours: Mapped[int] = mapped_column(default=2)
    event_ends_at: Mapped[datetime | None]  # naive UTC; None: the contest's last day, 18:00 Beijing time
    # Publication: internal → announced → public display (公示, until public_until) → final.
    publication: Mapped[str] = mapped_column(String(16), default=INTERNAL)
    public_until: Mapped[date | None]
    announced_at: Mapped[datetime | None]
    final_at: Mapped[datetime | None]
    # The last recompute: when, and what stopped it (marks missing or wrong), one message per line.
    computed_at: Mapped[datetime | None]
    problems: Mapped[str] = mapped_column(Text, default="")

    @property
    def tie_breaks(self) -> list[dict]:
        return json.loads(self.tie_breaks_json or "[]")

    @tie_breaks.setter
    def tie_breaks(self, value: list[dict]) -> None:
        self.tie_breaks_json = _json_text(list(value))

    @property
    def award_policy(self) -> dict:
        return json.loads(self.award_policy_json or "{}")

    @award_policy.setter
    def award_policy(self, value: dict) -> None:
        self.award_policy_json = _json_text(dict(value))

    @property
    def published(self) -> bool:
        return self.publication in PUBLISHED


class StoredResult(db.Model):
    """One registration's result in its event, as last computed from the marks."""

    __tablename__ = "event_result"
    __table_args__ = (CheckConstraint("rank >= 1", name="rank"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id"), unique=True)
    group_code: Mapped[str] = mapped_column(String(16))
    theory: Mapped[Decimal | None] = mapped_column(Numeric(9, 4))
    practical: Mapped[Decimal | None] = mapped_column(Numeric(9, 4))
    total: Mapped[Decimal] = mapped_column(Numeric(9, 4))
    scale_score: Mapped[Decimal | None] = mapped_column(Numeric(9, 4))
    rank: Mapped[int]
    settled: Mapped[bool] = mapped_column(default=True)  # False while a tie waits for arbitration
    award: Mapped[str] = mapped_column(String(16), default="")
    title: Mapped[str] = mapped_column(String(30), default="")
    promotion: Mapped[int] = mapped_column(default=0)
    special_json: Mapped[str] = mapped_column(Text, default="[]")
    without_award: Mapped[bool] = mapped_column(default=False)
    modules_json: Mapped[str] = mapped_column(Text, default="{}")  # module code → published mark
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def special(self) -> list[str]:
        return json.loads(self.special_json or "[]")


class TieDecision(db.Model):
    """The arbitration group's order for entries the tie-break chain could not separate (选手排名不并列)."""

    __tablename__ = "tie_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    group_code: Mapped[str] = mapped_column(String(16))
    order_json: Mapped[str] = mapped_column(Text)  # registration ids, best first
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[int] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def order(self) -> list[int]:
        return [int(x) for x in json.loads(self.order_json)]


class EntryInput(db.Model):
    """Figures of an entry that are not judges' marks: the theory exam score and the completion time."""

    __tablename__ = "result_entry_input"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id"), unique=True)
    theory: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    time_seconds: Mapped[int | None]
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


APPEAL_STATES = ("filed", "upheld", "rejected")


class Appeal(db.Model):
    """A written appeal (申诉) about one registration's result, and the arbitration group's decision."""

    __tablename__ = "appeal"
    __table_args__ = (CheckConstraint("status IN ('filed','upheld','rejected')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    filed_by: Mapped[int] = mapped_column(ForeignKey("user.id"))
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="filed")
    decision: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
    marks_changed: Mapped[int] = mapped_column(default=0)  # how many marks the decision corrected

    registration = relationship("Registration")


class Forwarding(db.Model):
    """A provincial contest's result forwarded to a national contest as a pre-filled registration."""

    __tablename__ = "result_forwarding"
    __table_args__ = (UniqueConstraint("from_registration_id", "to_contest_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    from_registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id"), index=True)
    to_contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"), index=True)
    to_registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id"), unique=True)
    by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ResultsVersion(db.Model):
    """One counter per contest, bumped by every write that changes what results pages show.

    Stored in the database so that every app process sees the bump: page caches are keyed by it.
    """

    __tablename__ = "results_version"

    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"), primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(default=1)
