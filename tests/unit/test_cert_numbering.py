import pytest

from certificates.errors import SerialPatternError
from certificates.numbering import (
    DEFAULT_SERIAL_PATTERN,
    SERIAL_FIELDS,
    format_serial,
    serial_pattern_fields,
    validate_serial_pattern,
)

VALUES = {"year": 2020, "contest": "FP", "event": "DG", "group": "ZG", "kind": "HJ"}


def test_default_pattern():
    assert validate_serial_pattern(DEFAULT_SERIAL_PATTERN) == []
    assert format_serial(DEFAULT_SERIAL_PATTERN, seq=7, **VALUES) == "2020-FP-DG-0007"


@pytest.mark.parametrize(
    ("pattern", "seq", "expected"),
    [
        ("{year}-{contest}-{event}-{seq:04}", 1, "2020-FP-DG-0001"),
        ("{year}-{contest}-{event}-{seq:04}", 12345, "2020-FP-DG-12345"),
        ("{kind}{year}{seq:06d}", 42, "HJ2020000042"),
        ("赛务{year}第{seq}号", 3, "赛务2020第3号"),
        ("{contest}-{group}-{seq:03}", 5, "FP-ZG-005"),
        ("{{{seq:02}}}", 9, "{09}"),
        ("{seq}", 1, "1"),
    ],
)
def test_format(pattern, seq, expected):
    assert validate_serial_pattern(pattern) == []
    assert format_serial(pattern, seq=seq, **VALUES) == expected


def test_known_fields_are_exactly_these():
    assert set(SERIAL_FIELDS) == {"year", "contest", "event", "group", "kind", "seq"}


def test_unknown_fields_are_listed_in_chinese():
    errors = validate_serial_pattern("{year}-{province}-{name}-{seq:04}")
    assert len(errors) == 1
    assert "未知的字段" in errors[0]
    assert "{province}" in errors[0] and "{name}" in errors[0]
    assert "{seq}（流水号）" in errors[0]  # the help lists what is allowed


def test_seq_is_required():
    errors = validate_serial_pattern("{year}-{contest}")
    assert any("必须包含流水号 {seq}" in e for e in errors)


@pytest.mark.parametrize(
    "pattern",
    [
        "{year.__class__}-{seq}",  # attribute access: the classic str.format escape
        "{year[0]}-{seq}",
        "{seq.__init__.__globals__}",
    ],
)
def test_attribute_and_index_access_refused(pattern):
    errors = validate_serial_pattern(pattern)
    assert errors and "未知的字段" in errors[0]
    with pytest.raises(SerialPatternError):
        format_serial(pattern, seq=1, **VALUES)


@pytest.mark.parametrize(
    ("pattern", "needle"),
    [
        ("", "不能为空"),
        ("{year-{seq}", "花括号不成对"),
        ("{}-{seq}", "空的或编号式"),
        ("{0}-{seq}", "空的或编号式"),
        ("{seq!r}", "转换"),
        ("{seq:>10}", "格式说明不正确"),
        ("{seq:x}", "格式说明不正确"),
        ("{seq:3}", "格式说明不正确"),  # would pad with spaces
        ("{contest:>5}-{seq}", "文字代码"),
        ("{year}/{seq}", "不能使用这些字符"),
        ("{seq}" + "x" * 90, "太长"),
    ],
)
def test_bad_patterns(pattern, needle):
    errors = validate_serial_pattern(pattern)
    assert any(needle in e for e in errors), errors
    with pytest.raises(SerialPatternError):
        format_serial(pattern, seq=1, **VALUES)


def test_missing_value_is_reported():
    with pytest.raises(SerialPatternError, match="组别代码"):
        format_serial("{group}-{seq}", seq=1)


@pytest.mark.parametrize("seq", [0, -1, True, "7", 1.0])
def test_seq_must_be_a_positive_int(seq):
    with pytest.raises(SerialPatternError, match="流水号"):
        format_serial("{seq}", seq=seq)


def test_value_with_path_separator_refused():
    with pytest.raises(SerialPatternError, match="不能用于编号"):
        format_serial("{event}-{seq}", seq=1, event="../x")


def test_fields_of_a_pattern():
    assert serial_pattern_fields("{year}-{event}-{seq:04}") == {"year", "event", "seq"}
    with pytest.raises(SerialPatternError):
        serial_pattern_fields("{nope}")
