import pytest

from contests.ethnic import ETHNIC_GROUPS, check_ethnic_group, find_ethnic_group
from contests.names import MIDDLE_DOT, check_name, normalize_name

# --- names -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "张三",
        "欧阳娜娜",
        "阿卜杜热依木·艾买提",
        "扎西次仁",
        "阿牛木呷",
        "𠮷田",  # 𠮷 U+20BB7, CJK Extension B
        "刘䶮",  # 䶮 U+4DAE, Extension A
        "赵孟𫖯",  # 𫖯 U+2B5AF, Extension C
        "王〇",
        "买买提·吐尔逊·艾力",
    ],
)
def test_accepted(name):
    assert check_name(name) is None


@pytest.mark.parametrize("dot", ["•", "・", "．", "･", "."])
def test_middle_dot_look_alikes_are_normalised(dot):
    typed = f"阿卜杜热依木{dot}艾买提"
    assert normalize_name(typed) == "阿卜杜热依木·艾买提"
    assert normalize_name(typed)[6] == MIDDLE_DOT == "\u00b7"
    assert check_name(typed) is None


def test_surrounding_spaces_are_trimmed():
    assert normalize_name("  张三 ") == "张三"
    assert check_name("  张三 ") is None


def test_compatibility_ideograph_is_folded():
    assert normalize_name("\uf900") == "\u8c48"  # CJK COMPATIBILITY IDEOGRAPH-F900 -> 豈


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "请填写姓名"),
        ("   ", "请填写姓名"),
        ("·艾买提", "姓名的开头和结尾不能是间隔号“·”"),
        ("艾买提·", "姓名的开头和结尾不能是间隔号“·”"),
        ("阿卜杜热依木··艾买提", "姓名中不能有连续的间隔号“·”"),
        ("阿卜杜热依木•・艾买提", "姓名中不能有连续的间隔号“·”"),
        ("张3", "姓名中不能有数字"),
        ("张３", "姓名中不能有数字"),
        ("张 三", "姓名中不能有空格，少数民族姓名请用间隔号“·”分隔"),
        ("Zhang San", "姓名请填写身份证上的汉字姓名，不能有英文字母"),
        ("张\u200b三", "姓名中有看不见的特殊字符（如零宽空格），请删除后重新填写"),
        ("张", "姓名至少2个字，请填写身份证上的完整姓名"),
    ],
)
def test_refused_with_message(name, message):
    assert check_name(name) == message


@pytest.mark.parametrize("name", ["<script>", "张三<b>", "{{7*7}}", "${7*7}", "张三'; DROP TABLE"])
def test_markup_and_template_injection_refused(name):
    message = check_name(name)
    assert message is not None and message.startswith("姓名中不能有")


def test_length_limit_30():
    assert check_name("阿" * 30) is None
    assert check_name("阿" * 31) == "姓名最多30个字（现为31个字）"
    # A character outside the BMP counts as one character, not two UTF-16 units.
    assert check_name("𠮷" * 30) is None


def test_other_symbols_refused():
    assert check_name("张三★") == "姓名中不能有“★”，请只填写汉字，少数民族姓名可用间隔号“·”"
    assert check_name("김철수") is not None  # Hangul is not on a Chinese ID card


# --- ethnic groups ---------------------------------------------------------------------------------


def test_56_groups_in_gb_3304_order():
    assert len(ETHNIC_GROUPS) == 56
    assert [g.code for g in ETHNIC_GROUPS] == [f"{i:02d}" for i in range(1, 57)]
    assert ETHNIC_GROUPS[0].name == "汉族"
    assert ETHNIC_GROUPS[4].name == "维吾尔族"
    assert ETHNIC_GROUPS[-1].name == "基诺族"
    assert len({g.name for g in ETHNIC_GROUPS}) == 56


@pytest.mark.parametrize("text", ["维吾尔族", "维吾尔", "05", "5", " 维吾尔族 "])
def test_find_ethnic_group(text):
    assert find_ethnic_group(text).name == "维吾尔族"


def test_check_ethnic_group():
    assert check_ethnic_group("汉族") is None
    assert check_ethnic_group("汉") is None
    assert check_ethnic_group("") == "请选择民族"
    assert check_ethnic_group("火星族") == "“火星族”不是56个民族之一，请从列表中选择（例如：汉族、维吾尔族）"
    assert find_ethnic_group("57") is None
