"""Passwords: refuse the forms people guess first; let staff set a new one for someone who forgot theirs."""

from flask_babel import gettext as _

COMMON = {
    "12345678", "123456789", "1234567890", "password", "password1", "qwerty123", "11111111", "88888888",
    "abc12345", "a1234567", "iloveyou", "woaini1314", "admin123", "saiwu123", "00000000", "66666666",
}


def weakness(password: str) -> str | None:
    """A Chinese message saying why the password is too weak, or None."""
    if len(password) < 10:
        return _("密码至少需要10个字符")
    if password.lower() in COMMON:
        return _("这个密码太常见，请换一个")
    if password.isdigit() or password.isalpha():
        return _("密码需要同时包含字母和数字或符号")
    if len(set(password)) < 5:
        return _("密码中不同的字符太少")
    return None


def reset(user, password: str, by) -> None:
    """Staff set a new password for ``user`` (who forgot theirs; there is no e-mail or SMS to send a link to).

    The form has checked its strength. Every session and API token of the account ends (``session_version``),
    so whoever knew the old password is out; the audit trail names who did it. The caller commits.
    """
    from app import audit

    user.set_password(password)
    user.session_version += 1
    audit.record("password_reset", user, after={"username": user.username, "role": user.role}, user=by)
