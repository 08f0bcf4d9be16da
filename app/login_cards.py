"""One-time login cards: the organiser prints a card per judge; the judge scans its QR code (or types its code).

Security, in short:

- Each card carries two secrets: a URL token of 144 random bits (``secrets.token_urlsafe``) in the QR code,
  and an 8-character typed code (about 40 bits, from an alphabet without 0/O, 1/I/L) for when the camera
  fails. Only hashes are stored: SHA-256 of the token, and SHA-256 keyed with the app's ``SECRET_KEY``
  (HMAC) of the code, so a copy of the database does not let anyone try the short codes offline. The
  secrets exist once, on the printed page; they are never logged or audited.
- A card logs in once: ``consume`` sets ``used_at`` with one conditional ``UPDATE … WHERE used_at IS NULL
  AND revoked_at IS NULL AND expires_at > now`` and checks the row count. The database decides which of two
  tablets scanning at once wins (PostgreSQL re-checks the WHERE after the winner commits; SQLite serialises
  the writers), not a lock in this process.
- Opening the card's URL (GET) only looks (``peek``): link previews and prefetchers cannot burn a card.
- Cards expire (end of the contest day, or after ``LOGIN_CARD_HOURS``, default 24 h); printing new cards
  for a judge revokes that judge's unused earlier cards; the organiser can revoke all cards of an event.
- Only judge-type accounts (judge, chief judge) assigned to the event get cards: never the organiser, the
  encryption judge or the supervisor, whose accounts hold decryption and approval powers.

Services: they check, write and audit in the caller's transaction, and never commit.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import segno
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from app import audit
from app.extensions import db
from app.models import LoginCard, User
from app.roles import JUDGING, Role
from app.timeutil import utcnow
from contests.models import Contest, Event, JudgeAssignment

BEIJING = ZoneInfo("Asia/Shanghai")
TOKEN_BYTES = 18  # 144 bits; token_urlsafe gives 24 characters
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read off paper and typed on a tablet
CODE_LENGTH = 8
MAX_TOKEN_LENGTH = 100
VALIDITY_DAY, VALIDITY_HOURS = "day", "hours"


class CardRefused(Exception):
    """A card that does not log in, or cards that may not be issued; the message is for the person."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class IssuedCard:
    """A card just issued, with its secrets: only for the printed page, never stored."""

    card: LoginCard
    user: User
    is_chief: bool
    token: str
    code: str  # grouped, ABCD-EFGH


# -- secrets ---------------------------------------------------------------------------------------------

def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_code(text: str | None) -> str | None:
    """The typed code as stored (8 letters and digits, no separators), or None if it cannot be one."""
    text = unicodedata.normalize("NFKC", text or "").upper()
    raw = "".join(ch for ch in text if ch not in " -_—–·.")
    if len(raw) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in raw):
        return None
    return raw


def code_hash(code: str) -> str:
    """Keyed (HMAC-SHA-256 with the app's secret key): short codes cannot be tried offline from a dump."""
    raw = normalise_code(code) or ""
    key = ("saiwu-login-card:" + str(current_app.config["SECRET_KEY"])).encode()
    return hmac.new(key, raw.encode(), hashlib.sha256).hexdigest()


def qr_data_uri(url: str) -> str:
    """The QR code as a PNG ``data:`` URI (the CSP allows ``img-src data:``), 8 px per module, quiet zone 4."""
    return segno.make(url, error="m", micro=False, boost_error=True).png_data_uri(scale=8, border=4)


# -- expiry ----------------------------------------------------------------------------------------------

def _beijing_today(now: datetime) -> date:
    return now.replace(tzinfo=UTC).astimezone(BEIJING).date()


def contest_day_end(contest: Contest, now: datetime | None = None) -> datetime | None:
    """The end (23:59:59 Beijing time, as naive UTC) of the contest day the cards are for: today during the
    contest, or the first day when printed on its eve. None when no contest day is that close."""
    now = now or utcnow()
    today = _beijing_today(now)
    if today > contest.ends_on:
        return None
    day = max(today, contest.starts_on)
    if (day - today).days > 1:
        return None
    end = datetime.combine(day, time(23, 59, 59), tzinfo=BEIJING)
    return end.astimezone(UTC).replace(tzinfo=None)


def validity_hours() -> int:
    return int(current_app.config.get("LOGIN_CARD_HOURS", 24))


def validity_choices(contest: Contest, now: datetime | None = None) -> list[tuple[str, str]]:
    """(value, label) for the print form; the first is the default."""
    from app.i18n import cn_datetime

    hours = (VALIDITY_HOURS, _("%(n)d 小时", n=validity_hours()))
    end = contest_day_end(contest, now)
    if end is None:
        return [hours]
    return [(VALIDITY_DAY, _("至比赛日结束（%(at)s）", at=cn_datetime(end))), hours]


def expiry_for(contest: Contest, choice: str, now: datetime | None = None) -> datetime:
    now = now or utcnow()
    if choice == VALIDITY_DAY:
        end = contest_day_end(contest, now)
        if end is not None:
            return end
    return now + timedelta(hours=validity_hours())


# -- issuing and revoking --------------------------------------------------------------------------------

def _assignments(event: Event) -> dict[int, JudgeAssignment]:
    rows = db.session.scalars(select(JudgeAssignment).where(JudgeAssignment.event_id == event.id))
    return {a.user_id: a for a in rows}


def may_have_card(user: User | None, event: Event, assignment: JudgeAssignment | None) -> bool:
    """Judge-type accounts of the event's contest, active and assigned to the event. Never organisers,
    encryption judges or supervisors: their accounts can decrypt and approve, and must use a password."""
    return (user is not None and user.active and user.role in JUDGING and user.contest_id == event.contest_id
            and assignment is not None)


def issue(event: Event, by: User, expires_at: datetime, user_id: int | None = None) -> list[IssuedCard]:
    """New cards for one judge of the event (``user_id``), or for every assigned judge and chief judge.

    Each judge's unused earlier cards (of any event) are revoked: only the newest printed card works.
    """
    assigned = _assignments(event)
    if user_id is not None:
        user = db.session.get(User, user_id)
        if not may_have_card(user, event, assigned.get(user_id)):
            raise CardRefused(_("只能为分配到本项目的裁判员和裁判长打印登录卡"))
        users = [user]
    else:
        users = [u for u in db.session.scalars(select(User).where(User.id.in_(assigned)).order_by(User.username))
                 if may_have_card(u, event, assigned[u.id])]
        users.sort(key=lambda u: (not assigned[u.id].is_chief, u.username))
        if not users:
            raise CardRefused(_("本项目尚未分配裁判，无法打印登录卡"))
    now = utcnow()
    if expires_at <= now:
        raise CardRefused(_("有效期必须晚于现在"))
    revoked = db.session.execute(
        update(LoginCard)
        .where(LoginCard.user_id.in_([u.id for u in users]), LoginCard.used_at.is_(None),
               LoginCard.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(synchronize_session=False)
    ).rowcount
    out = []
    for user in users:
        token, code = new_token(), _unused_code()
        card = LoginCard(user_id=user.id, event_id=event.id, token_hash=token_hash(token), code_hash=code_hash(code),
                         created_by=by.id, created_at=now, expires_at=expires_at, used_ip="")
        db.session.add(card)
        out.append(IssuedCard(card=card, user=user, is_chief=assigned[user.id].is_chief, token=token, code=code))
    db.session.flush()
    for item in out:
        audit.record("login_card_issued", item.card, after={
            "event": event.code, "judge": item.user.username, "expires_at": expires_at.isoformat(timespec="seconds"),
        })
    if revoked:
        audit.record("login_cards_revoked", event, object_type="Event", after={
            "event": event.code, "judges": [u.username for u in users], "count": revoked, "reason": "reissued",
        })
    return out


def _unused_code() -> str:
    """A typed code no card has had (the column is unique; with 31⁸ codes a clash is rare, but possible)."""
    for _attempt in range(20):
        code = new_code()
        if db.session.scalar(select(LoginCard.id).where(LoginCard.code_hash == code_hash(code))) is None:
            return code
    raise RuntimeError("no unused login card code found")  # pragma: no cover


def revoke(event: Event, by: User, user_id: int | None = None) -> int:
    """Revoke the event's unused, unexpired cards (of one judge, or all). Returns how many."""
    now = utcnow()
    q = (update(LoginCard)
         .where(LoginCard.event_id == event.id, LoginCard.used_at.is_(None), LoginCard.revoked_at.is_(None),
                LoginCard.expires_at > now))
    if user_id is not None:
        q = q.where(LoginCard.user_id == user_id)
    count = db.session.execute(q.values(revoked_at=now).execution_options(synchronize_session=False)).rowcount
    audit.record("login_cards_revoked", event, object_type="Event", user=by,
                 after={"event": event.code, "judge_id": user_id, "count": count, "reason": "organiser"})
    return count


@dataclass
class CardState:
    user: User
    is_chief: bool
    latest: LoginCard | None
    live: int  # unused, unrevoked, unexpired cards


def overview(event: Event) -> list[CardState]:
    """The event's judges and their cards, for the organiser's page."""
    assigned = _assignments(event)
    users = sorted(db.session.scalars(select(User).where(User.id.in_(assigned))),
                   key=lambda u: (not assigned[u.id].is_chief, u.username))
    cards: dict[int, list[LoginCard]] = {}
    for card in db.session.scalars(select(LoginCard).where(LoginCard.user_id.in_(assigned))
                                   .order_by(LoginCard.created_at.desc(), LoginCard.id.desc())):
        cards.setdefault(card.user_id, []).append(card)
    now = utcnow()
    return [CardState(user=u, is_chief=assigned[u.id].is_chief, latest=(cards.get(u.id) or [None])[0],
                      live=sum(status(c, now) == "valid" for c in cards.get(u.id, [])))
            for u in users]


# -- logging in ------------------------------------------------------------------------------------------

def status(card: LoginCard, now: datetime | None = None) -> str:
    """valid, used, revoked or expired (in that order of precedence: a used card says so first)."""
    now = now or utcnow()
    if card.used_at is not None:
        return "used"
    if card.revoked_at is not None:
        return "revoked"
    if card.expires_at <= now:
        return "expired"
    return "valid"


def _refusal(kind: str) -> CardRefused:
    messages = {
        "unknown": (_("登录卡无效，请检查二维码或登录码是否完整"), 400),
        "malformed": (_("登录码应为 8 位字母和数字，例如 ABCD-EFGH"), 400),
        "used": (_("此登录卡已使用，请向组织方申请新卡"), 410),
        "revoked": (_("此登录卡已作废，请使用最新打印的登录卡，或向组织方申请新卡"), 410),
        "expired": (_("此登录卡已过期，请向组织方申请新卡"), 410),
        "account": (_("此登录卡对应的账号已停用或不能用登录卡登录，请联系组织方"), 410),
        "unassigned": (_("此登录卡对应的裁判已不再分配到该项目，请向组织方申请新卡"), 410),
    }
    message, code = messages[kind]
    return CardRefused(message, code)


def _where(token: str | None, code: str | None):
    if token is not None:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise _refusal("unknown")
        return LoginCard.token_hash == token_hash(token)
    if normalise_code(code) is None:
        raise _refusal("malformed")
    return LoginCard.code_hash == code_hash(code)


def _find(condition) -> LoginCard | None:
    return db.session.scalar(select(LoginCard).where(condition).execution_options(populate_existing=True))


def _check_holder(card: LoginCard) -> User:
    user = db.session.get(User, card.user_id)
    if user is None or not user.active or user.role not in JUDGING:
        raise _refusal("account")
    if card.event_id is not None:
        assigned = db.session.scalar(select(JudgeAssignment.id).where(JudgeAssignment.user_id == user.id,
                                                                      JudgeAssignment.event_id == card.event_id))
        if assigned is None:
            raise _refusal("unassigned")
    return user


def peek(token: str) -> tuple[LoginCard, User]:
    """The card behind a scanned URL, if it would log in now. Writes nothing (a GET must not burn a card)."""
    card = _find(_where(token, None))
    if card is None:
        raise _refusal("unknown")
    state = status(card)
    if state != "valid":
        raise _refusal(state)
    return card, _check_holder(card)


def consume(*, token: str | None = None, code: str | None = None, ip: str = "") -> tuple[LoginCard, User]:
    """Use a card (by its QR token or its typed code) once. Raises ``CardRefused``; the caller then rolls
    back, so a card of an account that may no longer log in stays as it was.

    The one conditional UPDATE is the guarantee: of two requests with the same card, one sets ``used_at``
    and the other updates no row and is told the card is used.
    """
    condition = _where(token, code)
    now = utcnow()
    taken = db.session.execute(
        update(LoginCard)
        .where(condition, LoginCard.used_at.is_(None), LoginCard.revoked_at.is_(None), LoginCard.expires_at > now)
        .values(used_at=now, used_ip=(ip or "")[:45]).execution_options(synchronize_session=False)
    ).rowcount
    card = _find(condition)
    if card is None:
        raise _refusal("unknown")
    if taken != 1:
        state = status(card, now)
        raise _refusal(state if state != "valid" else "used")
    user = _check_holder(card)
    audit.record("login_card_used", card, user=user, after={
        "judge": user.username, "event_id": card.event_id, "entered": "qr" if token is not None else "code",
    })
    return card, user


def role_label(is_chief: bool) -> str:
    return Role.CHIEF_JUDGE.label if is_chief else Role.JUDGE.label
