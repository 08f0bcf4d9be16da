"""Languages: Simplified Chinese by default, English when chosen. Dates the Chinese way."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app, has_request_context, request, session
from flask import flash as _flash
from flask_babel import format_date, format_datetime, get_locale, gettext

from app.extensions import babel
from app.text import Msg

LANG_COOKIE = "lang"


def select_locale() -> str:
    chosen = request.cookies.get(LANG_COOKIE) if has_request_context() else None
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def translate(value):
    """A pure module's :class:`~app.text.Msg` in the reader's language; anything else unchanged."""
    if isinstance(value, Msg):
        params = {key: translate(v) for key, v in value.params.items()}
        text = gettext(value.template) if has_request_context() else value.template
        if not params:
            return text
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):  # a broken translation: the Chinese beats an error page
            return value.template.format(**params)
    return value


FLASH_LIMIT = 20  # more than one page ever shows at once (a contest-wide step: one line per event refused)


def flash(message, category: str = "message") -> None:
    """``flask.flash`` that translates first: the session stores plain text, not the message's template.

    Only the last few messages are kept: a client that never opens the page they were meant for (a script,
    a phone that lost the connection after each save) would otherwise grow its session cookie until the
    browser drops it, and with it the login.
    """
    message = translate(message)
    _flash(message if isinstance(message, str) else str(message), category)  # a lazy_gettext value too
    waiting = session.get("_flashes", [])
    if len(waiting) > FLASH_LIMIT:
        session["_flashes"] = waiting[-FLASH_LIMIT:]


def cn_date(value: date | datetime | None) -> str:
    """2020年8月11日 in Chinese, August 11, 2020 in English."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return format_date(value, "long")


def cn_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return format_datetime(value, "yyyy-MM-dd HH:mm" if str(get_locale()).startswith("en") else "yyyy年M月d日 HH:mm")


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, default_translation_directories="translations")
    # Every value a template prints passes through here, so a Msg from the rules core is translated
    # wherever it lands: field errors, tables of import problems, reasons.
    app.jinja_env.finalize = translate
    app.jinja_env.filters["cn_date"] = cn_date
    app.jinja_env.filters["cn_datetime"] = cn_datetime
    from contests.idnumber import mask_id, mask_phone

    app.jinja_env.filters["mask_id"] = mask_id
    app.jinja_env.filters["mask_phone"] = mask_phone
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
