"""Resident ID numbers (居民身份证号码, GB 11643-1999) and mobile numbers.

Pure functions: no database, no web framework. Messages are :class:`~app.text.Msg` values: Simplified Chinese
(they are shown to contestants as they type, mostly on phones), translated when a page shows them in English.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from app.text import Msg

# ISO 7064 MOD 11-2: weight of position i (0-based, left to right) is 2**(17-i) mod 11.
_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_CHECK_CHARS = "10X98765432"  # index = weighted sum mod 11

# First two digits: the 31 mainland provincial units of GB/T 2260, plus 81-83 used by the residence permits
# for Hong Kong, Macao and Taiwan residents (港澳台居民居住证), which follow GB 11643 too.
PROVINCE_PREFIXES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 "
    "81 82 83".split()
)

# Registration of the 1999 numbering started long after 1900; earlier years are almost certainly typos.
_EARLIEST_BIRTH_YEAR = 1900

_ID_RE = re.compile(r"\d{17}[\dX]")
_MOBILE_RE = re.compile(r"1[3-9]\d{9}")


@dataclass(frozen=True)
class IdProblem:
    """One thing wrong with an ID number. `warning` problems should be shown but need not block saving."""

    code: str
    message: str
    warning: bool = False


def _half_width(raw: str) -> str:
    # NFKC turns full-width digits and letters (common with Chinese input methods) into ASCII, and the
    # ideographic space U+3000 into a plain space; then drop every kind of whitespace.
    text = unicodedata.normalize("NFKC", raw or "")
    return "".join(ch for ch in text if not ch.isspace())


def normalize_id(raw: str) -> str:
    """Strip spaces, convert full-width characters, upper-case the final x."""
    return _half_width(raw).upper()


def check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("need 17 digits")
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def _fmt(d: date) -> str:
    return _ymd(d.year, d.month, d.day)


def _ymd(year: int, month: int, day: int) -> str:
    return Msg("{year}年{month}月{day}日", year=year, month=month, day=day)


def birth_date(id_number: str) -> date | None:
    """Birth date encoded in digits 7-14, or None when those digits are not a real date."""
    n = normalize_id(id_number)
    try:
        return date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    except ValueError:
        return None


def sex_of(id_number: str) -> str:
    """'M' or 'F' from the 17th digit: odd means male."""
    return "M" if int(normalize_id(id_number)[16]) % 2 else "F"


def age_on(birth: date, day: date) -> int:
    """Age in whole years (周岁) on `day`; negative if `day` is before the birth.

    The age goes up on the birthday itself, so on the 16th birthday the person is 16. Someone born on
    29 February turns a year older on 1 March in non-leap years (on 28 February they have not yet reached
    the birthday), which is how Chinese civil practice counts the age of people born on a leap day.
    """
    years = day.year - birth.year
    if (day.month, day.day) < (birth.month, birth.day):
        years -= 1
    return years


_SEX_WORDS = {"M": "M", "F": "F", "男": "M", "女": "F"}


def check_id_number(
    raw: str,
    *,
    on: date | None = None,
    sex: str | None = None,
    min_age: int | None = None,
    max_age: int | None = None,
    region_exists: Callable[[str], bool] | None = None,
    today: date | None = None,
) -> list[IdProblem]:
    """Every problem with an ID number; an empty list means it is acceptable.

    `on` is the contest date used for the age limits (today when not given); `sex` is 'M'/'F' (or 男/女)
    as entered on the form. `region_exists` checks the first 6 digits; problems it reports are warnings,
    because an ID keeps the code of a county that may since have been renamed or abolished.
    """
    n = normalize_id(raw)
    if not n:
        return [IdProblem("empty", Msg("请填写身份证号码"))]
    if len(n) == 15 and n.isdigit():
        return [IdProblem("old_15", Msg("这是15位旧身份证号码，请填写18位新号码"))]
    if len(n) != 18:
        return [IdProblem("length", Msg("身份证号码应为18位（现为{length}位），最后一位可以是数字或X", length=len(n)))]
    if not _ID_RE.fullmatch(n) or not n.isascii():
        return [IdProblem("characters", Msg("身份证号码应为18位，前17位是数字，最后一位可以是数字或X"))]

    problems: list[IdProblem] = []
    # Keep checking after a bad check digit: the other messages help the person find the mistyped digit.
    if check_digit(n[:17]) != n[17]:
        problems.append(IdProblem("check_digit", Msg("身份证号码校验位不正确，请核对")))
    if n[:2] not in PROVINCE_PREFIXES:
        problems.append(IdProblem("region", Msg("身份证号码前两位 {code} 不是有效的省级代码", code=n[:2])))
    elif region_exists is not None and not region_exists(n[:6]):
        message = Msg("身份证号码前6位 {code} 不在现行行政区划代码表中，请核对", code=n[:6])
        problems.append(IdProblem("region_unknown", message, warning=True))
    problems.extend(_birth_problems(n, on=on, min_age=min_age, max_age=max_age, today=today))
    wanted = _SEX_WORDS.get(sex or "")
    if wanted is not None and wanted != sex_of(n):
        said = Msg("男") if sex_of(n) == "M" else Msg("女")
        problems.append(IdProblem("sex_mismatch", Msg("性别与身份证号码不一致（第17位表示{sex}）", sex=said)))
    return problems


def _birth_problems(
    n: str, *, on: date | None, min_age: int | None, max_age: int | None, today: date | None
) -> list[IdProblem]:
    birth = birth_date(n)
    if birth is None:
        y, m, d = int(n[6:10]), int(n[10:12]), int(n[12:14])
        return [IdProblem("birth_date", Msg("身份证号码中的出生日期 {date} 不存在", date=_ymd(y, m, d)))]
    today = today or date.today()
    if birth > today:
        return [IdProblem("birth_future", Msg("身份证号码中的出生日期 {date} 晚于今天，请核对", date=_fmt(birth)))]
    if birth.year < _EARLIEST_BIRTH_YEAR:
        return [IdProblem("birth_too_early", Msg("身份证号码中的出生日期 {date} 不合理，请核对", date=_fmt(birth)))]
    age = age_on(birth, on if on is not None else today)
    # One whole sentence per case, so each language can word it its own way.
    if min_age is not None and age < min_age:
        if on is not None:
            return [IdProblem("too_young", Msg("比赛当日年龄为{age}周岁，低于最低年龄{min_age}周岁",
                                               age=age, min_age=min_age))]
        return [IdProblem("too_young", Msg("今天年龄为{age}周岁，低于最低年龄{min_age}周岁", age=age, min_age=min_age))]
    if max_age is not None and age > max_age:
        if on is not None:
            return [IdProblem("too_old", Msg("比赛当日年龄为{age}周岁，超过最高年龄{max_age}周岁",
                                             age=age, max_age=max_age))]
        return [IdProblem("too_old", Msg("今天年龄为{age}周岁，超过最高年龄{max_age}周岁", age=age, max_age=max_age))]
    return []


def make_id_number(region_code6: str, birth: date, seq: int, sex: str) -> str:
    """A valid 18-character number, for demo data and tests.

    `seq` (0-498) numbers the people of one sex born that day in that county; the 3-digit order code is
    2*seq+1 for men (odd) and 2*seq+2 for women (even), so it never is 000 nor one of 999.
    """
    if len(region_code6) != 6 or not region_code6.isdigit():
        raise ValueError("region_code6 must be 6 digits")
    if sex not in ("M", "F"):
        raise ValueError("sex must be 'M' or 'F'")
    if not 0 <= seq <= 498:
        raise ValueError("seq must be in 0..498")
    order = 2 * seq + (1 if sex == "M" else 2)
    first17 = f"{region_code6}{birth:%Y%m%d}{order:03d}"
    return first17 + check_digit(first17)


def mask_id(id_number: str) -> str:
    """'110105********002X': the region and the last four stay readable, the birth date is hidden."""
    n = normalize_id(id_number)
    if len(n) < 11:
        return "*" * len(n)
    return n[:6] + "*" * (len(n) - 10) + n[-4:]


def normalize_mobile(raw: str) -> str:
    """Half-width digits only, without spaces, dashes or a leading +86 / 86 country code."""
    text = _half_width(raw).replace("-", "")
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    return text


def check_mobile(raw: str) -> str | None:
    """A message (Chinese, translatable) when the text is not a mainland mobile number, else None."""
    n = normalize_mobile(raw)
    if not n:
        return Msg("请填写手机号码")
    if not (n.isascii() and _MOBILE_RE.fullmatch(n)):
        return Msg("手机号码应为11位数字，以1开头，第二位是3至9，例如13812345678")
    return None


def mask_phone(phone: str) -> str:
    """'138****5678'."""
    n = normalize_mobile(phone)
    if len(n) < 8:
        return "*" * len(n)
    return n[:3] + "*" * (len(n) - 7) + n[-4:]
