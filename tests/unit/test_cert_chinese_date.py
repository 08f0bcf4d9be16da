from datetime import date, datetime, timedelta

import pytest

from certificates.chinese_date import chinese_date, chinese_date_arabic, chinese_small_number, chinese_year

# Written out by hand (not computed) so the test does not mirror the implementation.
DAYS = [
    "一",
    "二",
    "三",
    "四",
    "五",
    "六",
    "七",
    "八",
    "九",
    "十",
    "十一",
    "十二",
    "十三",
    "十四",
    "十五",
    "十六",
    "十七",
    "十八",
    "十九",
    "二十",
    "二十一",
    "二十二",
    "二十三",
    "二十四",
    "二十五",
    "二十六",
    "二十七",
    "二十八",
    "二十九",
    "三十",
    "三十一",
]
MONTHS = DAYS[:12]


def test_the_example():
    assert chinese_date(date(2020, 8, 13)) == "二〇二〇年八月十三日"
    assert chinese_date_arabic(date(2020, 8, 13)) == "2020年8月13日"


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2020, 1, 1), "二〇二〇年一月一日"),
        (date(2020, 10, 10), "二〇二〇年十月十日"),
        (date(2021, 11, 20), "二〇二一年十一月二十日"),
        (date(2019, 12, 31), "二〇一九年十二月三十一日"),
        (date(2000, 2, 29), "二〇〇〇年二月二十九日"),
        (date(1999, 9, 9), "一九九九年九月九日"),
        (date(2008, 8, 8), "二〇〇八年八月八日"),
    ],
)
def test_known_dates(d, expected):
    assert chinese_date(d) == expected


def test_every_day_of_three_decades():
    d = date(2000, 1, 1)
    seen = 0
    while d <= date(2030, 12, 31):
        expected_year = "".join("〇一二三四五六七八九"[int(c)] for c in str(d.year))
        assert chinese_date(d) == f"{expected_year}年{MONTHS[d.month - 1]}月{DAYS[d.day - 1]}日"
        assert chinese_date_arabic(d) == f"{d.year}年{d.month}月{d.day}日"
        d += timedelta(days=1)
        seen += 1
    assert seen == 11323  # 31 years including 8 leap days


def test_no_zero_or_digit_leaks_into_month_and_day():
    for day in range(1, 32):
        text = chinese_small_number(day)
        assert "〇" not in text and "零" not in text and not any(c.isdigit() for c in text)


def test_datetime_is_a_date():
    assert chinese_date(datetime(2020, 8, 13, 9, 30)) == "二〇二〇年八月十三日"


def test_year_digits_read_one_by_one():
    assert chinese_year(2020) == "二〇二〇"
    assert chinese_year(1949) == "一九四九"


@pytest.mark.parametrize("bad", ["2020-08-13", 20200813, None])
def test_not_a_date(bad):
    with pytest.raises(TypeError):
        chinese_date(bad)
    with pytest.raises(TypeError):
        chinese_date_arabic(bad)


@pytest.mark.parametrize("n", [0, 100, -1])
def test_small_number_range(n):
    with pytest.raises(ValueError):
        chinese_small_number(n)
