import pytest

from certificates import fonts
from certificates.fonts import (
    FIX_COMMAND,
    check_environment,
    describe_unprintable,
    find_font,
    missing_characters,
    names_that_would_not_print,
)

# U+31350 is in CJK Extension G (Unicode 13), which Noto CJK 2.x does not cover.
RARE = "\U00031350"


@pytest.fixture
def cjk_font(needs_pdf):
    font = find_font("Noto Sans CJK SC")
    assert font is not None
    return font


def test_environment_is_fine_here(needs_pdf):
    assert check_environment() == []


def test_font_lookup_is_exact(cjk_font):
    assert cjk_font.path.endswith(".ttc")
    assert cjk_font.family == "Noto Sans CJK SC"
    # fc-match answers every query with *some* font: a made-up family must not count as installed.
    assert find_font("Saiwu No Such Font 123") is None


def test_missing_cjk_font_is_reported_with_the_fix(monkeypatch, needs_pdf):
    monkeypatch.setattr(fonts, "find_font", lambda family: None)
    problems = check_environment()
    assert len(problems) == 1
    assert "没有安装证书所需的中文字体" in problems[0]
    assert FIX_COMMAND in problems[0]


def test_missing_harfbuzz_is_reported_with_the_fix(monkeypatch, needs_pdf):
    monkeypatch.setattr(fonts, "harfbuzz_subset_available", lambda: False)
    problems = check_environment()
    assert len(problems) == 1 and "HarfBuzz" in problems[0] and FIX_COMMAND in problems[0]


def test_harfbuzz_subset_found(needs_pdf):
    assert fonts.harfbuzz_subset_available() is True


def test_common_and_minority_names_print(cjk_font):
    names = ["张三", "阿卜杜热合曼·买买提", "次仁卓玛", "欧阳娜娜", "刘䶮", "John Smith", "王〇"]
    assert names_that_would_not_print(names) == []


def test_character_missing_from_the_font_is_reported(cjk_font):
    assert missing_characters(f"王{RARE}明") == [RARE]
    result = names_that_would_not_print(["张三", f"王{RARE}明", f"{RARE}{RARE}"])
    assert result == [(f"王{RARE}明", [RARE]), (f"{RARE}{RARE}", [RARE])]
    message = describe_unprintable(result)[0]
    assert "U+31350" in message and "空白方框" in message


def test_spaces_and_controls_are_not_missing(cjk_font):
    assert missing_characters("张 三\n\t\u200b") == []


def test_cmap_read_once(cjk_font):
    fonts._cmap.cache_clear()
    for _ in range(20):
        missing_characters("张三")
    info = fonts._cmap.cache_info()
    assert info.misses == 1 and info.hits == 19


def test_collection_face_index_is_used(cjk_font):
    # The SC face is not the first face in the .ttc collection; fontconfig tells us which one.
    assert cjk_font.index == 2 or cjk_font.path.endswith(".otf")
    cmap = fonts.covered_codepoints(cjk_font.path, cjk_font.index)
    assert ord("张") in cmap and ord("·") in cmap
