"""Languages: Simplified Chinese by default, English when chosen. Dates the Chinese way."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app, has_request_context, request
from flask_babel import format_date, format_datetime, get_locale

from app.extensions import babel

LANG_COOKIE = "lang"


def select_locale() -> str:
    chosen = request.cookies.get(LANG_COOKIE) if has_request_context() else None
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


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
    app.jinja_env.filters["cn_date"] = cn_date
    app.jinja_env.filters["cn_datetime"] = cn_datetime
    from contests.idnumber import mask_id, mask_phone

    app.jinja_env.filters["mask_id"] = mask_id
    app.jinja_env.filters["mask_phone"] = mask_phone
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
