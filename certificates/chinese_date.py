"""Chinese-style dates as printed on certificates (always Chinese: a certificate is a Chinese document;
only the error messages are :class:`~app.text.Msg`, translated when the web layer shows them).

>>> from datetime import date
>>> chinese_date(date(2020, 8, 13))
'二〇二〇年八月十三日'
>>> chinese_date_arabic(date(2020, 8, 13))
'2020年8月13日'
"""

from __future__ import annotations

from datetime import date

from app.text import Msg

_DIGITS = "〇一二三四五六七八九"


def chinese_small_number(n: int) -> str:
    """1..99 in Chinese numerals as used for months and days: 十, 十一, 二十, 三十一."""
    if not 0 < n < 100:
        raise ValueError(Msg("只支持 1 到 99 之间的数：{n}", n=n))
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    head = "" if tens == 1 else _DIGITS[tens]
    return head + "十" + (_DIGITS[ones] if ones else "")


def chinese_year(year: int) -> str:
    """Digits of the year read one by one: 2020 → 二〇二〇."""
    if year < 1:
        raise ValueError(Msg("年份不正确：{year}", year=year))
    return "".join(_DIGITS[int(c)] for c in str(year))


def chinese_date(d: date) -> str:
    """``date(2020, 8, 13)`` → ``'二〇二〇年八月十三日'`` (the form used on official certificates)."""
    if not isinstance(d, date):
        raise TypeError(Msg("需要日期（date），得到 {type}", type=type(d).__name__))
    return f"{chinese_year(d.year)}年{chinese_small_number(d.month)}月{chinese_small_number(d.day)}日"


def chinese_date_arabic(d: date) -> str:
    """``date(2020, 8, 13)`` → ``'2020年8月13日'`` (no leading zeros)."""
    if not isinstance(d, date):
        raise TypeError(Msg("需要日期（date），得到 {type}", type=type(d).__name__))
    return f"{d.year}年{d.month}月{d.day}日"
