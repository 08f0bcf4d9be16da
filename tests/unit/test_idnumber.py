from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contests import regions
from contests.idnumber import (
    age_on,
    birth_date,
    check_digit,
    check_id_number,
    check_mobile,
    make_id_number,
    mask_id,
    mask_phone,
    normalize_id,
    normalize_mobile,
    sex_of,
)

# The worked example of GB 11643-1999: a woman born 31 Dec 1949 in 北京市朝阳区.
EXAMPLE = "11010519491231002X"
FAR_FUTURE = date(2100, 1, 1)  # "today" for tests that are not about future birth dates


def codes(problems):
    return [p.code for p in problems]


def with_check(first17: str) -> str:
    return first17 + check_digit(first17)


def test_standard_example_is_valid():
    assert check_digit(EXAMPLE[:17]) == "X"
    assert check_id_number(EXAMPLE) == []
    assert birth_date(EXAMPLE) == date(1949, 12, 31)
    assert sex_of(EXAMPLE) == "F"


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231002x",
        " 110105 19491231 002X ",
        "１１０１０５１９４９１２３１００２Ｘ",
        "１１０１０５１９４９１２３１００２ｘ",
        "110105\u300019491231002X",  # ideographic space
    ],
)
def test_normalisation(raw):
    assert normalize_id(raw) == EXAMPLE
    assert check_id_number(raw) == []


def test_empty():
    assert codes(check_id_number("  ")) == ["empty"]


def test_old_15_digit_number_has_its_own_message():
    [p] = check_id_number("110105491231002")
    assert (p.code, p.message) == ("old_15", "这是15位旧身份证号码，请填写18位新号码")


def test_wrong_length_says_how_long_it_is():
    [p] = check_id_number("1101051949123100")
    assert p.code == "length"
    assert p.message == "身份证号码应为18位（现为16位），最后一位可以是数字或X"


@pytest.mark.parametrize("raw", ["1101051949123100A2", "X10105194912310021", "11010519491231002Y"])
def test_wrong_characters(raw):
    assert codes(check_id_number(raw)) == ["characters"]


def test_non_ascii_digits_are_refused():
    # Arabic-Indic digits are digits to Python but not to anyone reading an ID card.
    assert codes(check_id_number("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X")) == ["characters"]


def test_wrong_check_digit():
    [p] = check_id_number("110105194912310021")
    assert (p.code, p.message) == ("check_digit", "身份证号码校验位不正确，请核对")


def test_impossible_birth_date():
    [p] = check_id_number(with_check("11010520210230002"))
    assert p.code == "birth_date"
    assert p.message == "身份证号码中的出生日期 2021年2月30日 不存在"
    assert birth_date(with_check("11010520211301002")) is None


def test_birth_date_in_the_future():
    number = make_id_number("110105", date(2031, 5, 1), 3, "M")
    [p] = check_id_number(number, today=date(2030, 1, 1))
    assert p.code == "birth_future"
    assert "2031年5月1日" in p.message


def test_birth_year_before_1900():
    assert codes(check_id_number(with_check("11010518991231002"))) == ["birth_too_early"]


def test_unknown_province_prefix():
    [p] = check_id_number(make_id_number("990105", date(1990, 1, 1), 1, "M"))
    assert p.code == "region" and "99" in p.message


def test_region_callback_gives_a_warning_only():
    # 533321 was 泸水县 until 2016; people born there keep that code, the 2023 table does not have it.
    old = make_id_number("533321", date(1990, 1, 1), 1, "M")
    [p] = check_id_number(old, region_exists=regions.county_exists)
    assert p.code == "region_unknown" and p.warning
    assert (
        check_id_number(
            make_id_number("533301", date(1990, 1, 1), 1, "M"), region_exists=regions.county_exists
        )
        == []
    )


def test_sex_mismatch():
    man = make_id_number("110105", date(1990, 1, 1), 7, "M")
    [p] = check_id_number(man, sex="F")
    assert (p.code, p.message) == ("sex_mismatch", "性别与身份证号码不一致（第17位表示男）")
    assert check_id_number(man, sex="M") == []
    assert check_id_number(man, sex="男") == []
    [p] = check_id_number(EXAMPLE, sex="M")
    assert p.message == "性别与身份证号码不一致（第17位表示女）"


def test_day_before_and_day_of_16th_birthday():
    number = make_id_number("110105", date(2004, 8, 12), 1, "F")
    [p] = check_id_number(number, on=date(2020, 8, 11), min_age=16)
    assert (p.code, p.message) == ("too_young", "比赛当日年龄为15周岁，低于最低年龄16周岁")
    assert check_id_number(number, on=date(2020, 8, 12), min_age=16) == []


def test_maximum_age():
    number = make_id_number("110105", date(1994, 8, 11), 1, "F")
    [p] = check_id_number(number, on=date(2020, 8, 11), max_age=25)
    assert p.message == "比赛当日年龄为26周岁，超过最高年龄25周岁"
    assert check_id_number(number, on=date(2020, 8, 10), max_age=25) == []


def test_age_on_birthday_boundaries():
    birth = date(2004, 8, 12)
    assert age_on(birth, date(2020, 8, 11)) == 15
    assert age_on(birth, date(2020, 8, 12)) == 16
    assert age_on(birth, birth) == 0
    assert age_on(birth, date(2004, 8, 11)) == -1


def test_age_on_29_february_birthday():
    birth = date(2004, 2, 29)
    assert age_on(birth, date(2020, 2, 28)) == 15
    assert age_on(birth, date(2020, 2, 29)) == 16  # leap year: the birthday itself
    assert age_on(birth, date(2021, 2, 28)) == 16  # non-leap year: not yet
    assert age_on(birth, date(2021, 3, 1)) == 17  # the birthday counts from 1 March


def test_29_february_id_number():
    number = make_id_number("513431", date(2004, 2, 29), 1, "M")
    assert birth_date(number) == date(2004, 2, 29)
    assert codes(check_id_number(number, on=date(2020, 2, 28), min_age=16)) == ["too_young"]
    assert check_id_number(number, on=date(2020, 2, 29), min_age=16) == []
    assert codes(check_id_number(with_check("51343120050229001"))) == ["birth_date"]


def test_several_problems_are_all_reported():
    man = make_id_number("110105", date(2010, 1, 1), 1, "M")
    broken = man[:17] + ("0" if man[17] != "0" else "1")
    assert codes(check_id_number(broken, sex="F", on=date(2020, 8, 11), min_age=16)) == [
        "check_digit",
        "too_young",
        "sex_mismatch",
    ]


def test_make_id_number_sex_and_bounds():
    assert make_id_number("110105", date(1949, 12, 31), 0, "M")[14:17] == "001"
    assert make_id_number("110105", date(1949, 12, 31), 0, "F")[14:17] == "002"
    assert make_id_number("110105", date(1949, 12, 31), 498, "F")[14:17] == "998"
    for bad in [("11010", 1, "M"), ("110105", 499, "M"), ("110105", -1, "M"), ("110105", 1, "男")]:
        with pytest.raises(ValueError):
            make_id_number(bad[0], date(1990, 1, 1), bad[1], bad[2])


def test_masks():
    assert mask_id(EXAMPLE) == "110105********002X"
    assert mask_id("11010519491231002x") == "110105********002X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138-1234-5678") == "138****5678"
    assert mask_phone("123") == "***"


@pytest.mark.parametrize(
    "raw", ["13812345678", "19912345678", "138 1234 5678", "+8613812345678", "１３８１２３４５６７８"]
)
def test_valid_mobiles(raw):
    assert check_mobile(raw) is None
    assert len(normalize_mobile(raw)) == 11


@pytest.mark.parametrize("raw", ["1381234567", "138123456789", "12812345678", "23812345678", "1381234567a"])
def test_invalid_mobiles(raw):
    assert check_mobile(raw) == "手机号码应为11位数字，以1开头，第二位是3至9，例如13812345678"


def test_empty_mobile():
    assert check_mobile("") == "请填写手机号码"


# --- property tests --------------------------------------------------------------------------------

COUNTY_CODES = sorted(c for c in regions.unlifted_52_codes()) + ["110105", "540102", "653125", "513422"]

valid_parts = st.tuples(
    st.sampled_from(COUNTY_CODES),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)),
    st.integers(min_value=0, max_value=498),
    st.sampled_from("MF"),
)


@given(valid_parts)
def test_every_generated_number_passes(parts):
    region, birth, seq, sex = parts
    number = make_id_number(region, birth, seq, sex)
    assert check_id_number(number, sex=sex, region_exists=regions.county_exists, today=FAR_FUTURE) == []
    assert birth_date(number) == birth
    assert sex_of(number) == sex


@given(valid_parts, st.integers(min_value=0, max_value=17), st.sampled_from("0123456789X"))
def test_any_one_character_change_fails(parts, position, char):
    number = make_id_number(*parts)
    if number[position] == char:
        char = "0" if char != "0" else "1"
    changed = number[:position] + char + number[position + 1 :]
    problems = codes(check_id_number(changed, today=FAR_FUTURE))
    assert problems, changed
    # MOD 11-2 detects every single substitution, so a digit change always trips the check digit.
    if position == 17 or char != "X":
        assert "check_digit" in problems


@given(valid_parts)
def test_full_width_input_passes(parts):
    number = make_id_number(*parts)
    full = "".join(chr(ord(ch) + 0xFEE0) for ch in number.lower())
    assert check_id_number(full, today=FAR_FUTURE) == []


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2080, 12, 31)), st.integers(min_value=1, max_value=60)
)
def test_day_before_and_day_of_any_birthday(birth, years):
    try:
        birthday = birth.replace(year=birth.year + years)
    except ValueError:  # born 29 Feb, non-leap target year: the birthday is 1 March
        birthday = date(birth.year + years, 3, 1)
    assert age_on(birth, birthday) == years
    assert age_on(birth, birthday - timedelta(days=1)) == years - 1
