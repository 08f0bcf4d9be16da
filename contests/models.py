"""Contests, their events and groups, delegations, registrations and judges."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

LEVELS = ("national", "provincial", "prefectural")


class Contest(db.Model):
    __tablename__ = "contest"
    __table_args__ = (CheckConstraint("level IN ('national','provincial','prefectural')", name="level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(16))
    organiser_name: Mapped[str] = mapped_column(String(120))  # issuing body printed on certificates
    region_scope: Mapped[str] = mapped_column(String(6), default="")  # "" national, else a division code
    venue: Mapped[str] = mapped_column(String(120), default="")
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    registration_opens: Mapped[datetime | None]
    registration_closes: Mapped[datetime | None]
    # Eligibility rules (../shared/domain.md); events may narrow the age limits.
    min_age: Mapped[int] = mapped_column(default=16)
    max_age: Mapped[int | None]
    poverty_required: Mapped[bool] = mapped_column(default=False)
    delegation_quota: Mapped[int | None]  # contestants per delegation across the whole contest
    min_field_size: Mapped[int] = mapped_column(default=0)  # warn below this per event/group
    title_holders_without_award: Mapped[bool] = mapped_column(default=True)
    same_delegation_recusal: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    events: Mapped[list[Event]] = relationship(back_populates="contest", order_by="Event.position")
    delegations: Mapped[list[Delegation]] = relationship(back_populates="contest", order_by="Delegation.code")


class Event(db.Model):
    """A 项目 of a contest, e.g. 电工."""

    __tablename__ = "event"
    __table_args__ = (
        UniqueConstraint("contest_id", "code"),
        CheckConstraint("team_size BETWEEN 1 AND 3", name="team_size"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(default=0)
    team_size: Mapped[int] = mapped_column(default=1)
    min_age: Mapped[int | None]  # None: the contest's limit
    max_age: Mapped[int | None]
    must_work_in_occupation: Mapped[bool] = mapped_column(default=False)

    contest: Mapped[Contest] = relationship(back_populates="events")
    groups: Mapped[list[EventGroup]] = relationship(back_populates="event", order_by="EventGroup.position")

    @property
    def effective_min_age(self) -> int:
        return self.min_age if self.min_age is not None else self.contest.min_age

    @property
    def effective_max_age(self) -> int | None:
        return self.max_age if self.max_age is not None else self.contest.max_age


class EventGroup(db.Model):
    """职工组 / 学生组, or a single 不分组 group."""

    __tablename__ = "event_group"
    __table_args__ = (UniqueConstraint("event_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    code: Mapped[str] = mapped_column(String(16))  # employee / student / open
    name: Mapped[str] = mapped_column(String(30))
    position: Mapped[int] = mapped_column(default=0)
    quota_per_delegation: Mapped[int | None]
    min_field_size: Mapped[int | None]  # None: the contest's

    event: Mapped[Event] = relationship(back_populates="groups")


class Delegation(db.Model):
    """A province's (or unit's) team, led by a delegation organiser."""

    __tablename__ = "delegation"
    __table_args__ = (UniqueConstraint("contest_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"), index=True)
    code: Mapped[str] = mapped_column(String(16))  # province division code, or another short code
    name: Mapped[str] = mapped_column(String(60))
    quota: Mapped[int | None]  # None: the contest's delegation_quota

    contest: Mapped[Contest] = relationship(back_populates="delegations")


class Team(db.Model):
    """Two or three registrations of one delegation entering a team event together (团体项目).

    A team is one entry: it draws one code, is marked and ranked once, and each member gets the team's
    result. The entry is carried by the member with the lowest registration id (``contests.teams``).
    """

    __tablename__ = "team"
    __table_args__ = (UniqueConstraint("event_id", "delegation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("event_group.id"))
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegation.id"), index=True)
    number: Mapped[int]  # 1, 2 … within the delegation's entries of this event: "广西代表团 2 队"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[Registration]] = relationship(back_populates="team", order_by="Registration.id")


REGISTRATION_STATES = ("draft", "submitted", "approved", "confirmed", "returned", "rejected", "withdrawn")


class Registration(db.Model):
    """One person's entry in one event of one contest."""

    __tablename__ = "registration"
    __table_args__ = (
        # A person registers at most once per contest and event, whatever two requests race.
        UniqueConstraint("contest_id", "event_id", "id_number"),
        CheckConstraint(
            "status IN ('draft','submitted','approved','confirmed','returned','rejected','withdrawn')",
            name="status",
        ),
        CheckConstraint("sex IN ('M','F')", name="sex"),
        CheckConstraint("category IN ('employee','student')", name="category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("event_group.id"), index=True)
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegation.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)  # team events only
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(String(30))
    id_number: Mapped[str] = mapped_column(String(18))
    sex: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[date]
    ethnic_code: Mapped[str] = mapped_column(String(2))
    mobile: Mapped[str] = mapped_column(String(11))
    county_code: Mapped[str] = mapped_column(String(6))
    category: Mapped[str] = mapped_column(String(10), default="employee")  # employee 职工 / student 学生
    employer: Mapped[str] = mapped_column(String(100), default="")  # or school, for students
    skill_level: Mapped[str] = mapped_column(String(20), default="")
    works_in_occupation: Mapped[bool] = mapped_column(default=True)
    poor_household: Mapped[bool] = mapped_column(default=False)
    household_number: Mapped[str] = mapped_column(String(40), default="")
    poverty_proof: Mapped[str | None] = mapped_column(String(80))  # stored file name under uploads/
    photo: Mapped[str | None] = mapped_column(String(80))
    previous_title_holder: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    status_reason: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(12), default="self")  # self / import / forwarded
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    contest: Mapped[Contest] = relationship()
    event: Mapped[Event] = relationship()
    group: Mapped[EventGroup] = relationship()
    delegation: Mapped[Delegation] = relationship()
    team: Mapped[Team | None] = relationship(back_populates="members")
    steps: Mapped[list[RegistrationStep]] = relationship(
        back_populates="registration", order_by="RegistrationStep.id"
    )


class RegistrationStep(db.Model):
    """Each move of a registration through the review workflow, with its reason: what the contestant sees."""

    __tablename__ = "registration_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    from_status: Mapped[str] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(Text, default="")

    registration: Mapped[Registration] = relationship(back_populates="steps")


class JudgeProfile(db.Model):
    """A judge's standing facts, used for recusal."""

    __tablename__ = "judge_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), unique=True)
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegation.id"))
    unit: Mapped[str] = mapped_column(String(100), default="")
    qualifications: Mapped[str] = mapped_column(String(200), default="")


class JudgeAssignment(db.Model):
    """A judge (or chief judge) assigned to an event."""

    __tablename__ = "judge_assignment"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    is_chief: Mapped[bool] = mapped_column(default=False)

    event: Mapped[Event] = relationship()
