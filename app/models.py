"""Accounts. One account has one role, scoped to a contest and, for delegations, to one delegation.

Judges may also log in with a one-time login card (``LoginCard``, see ``app.login_cards``)."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.roles import Role
from app.timeutil import utcnow


class Account(UserMixin):
    """What Flask-Login and the access matrix read of an account, from its columns: ``User`` and the API's
    ``TokenUser`` (the same columns, read without the ORM) share it."""

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login: the id in the cookie carries the session version
        return f"{self.id}:{self.session_version}"

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


class User(Account, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    contest_id: Mapped[int | None] = mapped_column(ForeignKey("contest.id"), index=True)
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegation.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on password change / forced logout so old session cookies stop working (Flask-Login id).
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    def set_password(self, password: str) -> None:
        # Werkzeug's default is scrypt with a random salt.
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class LoginCard(db.Model):
    """A printed one-time login card for a judge: a QR code (the token) and a typed fallback code.

    Only hashes are stored: the secrets exist once, on the printed page. A card logs in once
    (``used_at`` is set by one conditional UPDATE), until ``expires_at``, unless ``revoked_at``.
    """

    __tablename__ = "login_card"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the QR's secret
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)  # keyed sha256 of the typed code
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_ip: Mapped[str] = mapped_column(String(45), default="")
    revoked_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<LoginCard {self.id} user={self.user_id}>"
