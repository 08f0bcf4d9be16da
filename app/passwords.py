"""Password strength: refuse the forms people guess first."""

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
