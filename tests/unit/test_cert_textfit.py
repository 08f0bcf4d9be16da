import pytest

from certificates.textfit import PT_PER_MM, char_width_em, fit_font_size, fit_font_size_pt, text_width_em


def test_char_widths():
    assert char_width_em("张") == 1.0
    assert char_width_em("·") == 1.0  # full width in Noto CJK SC
    assert char_width_em("（") == 1.0
    assert char_width_em("a") == 0.7
    assert char_width_em("W") == 0.95


def test_short_names_keep_the_maximum():
    assert fit_font_size_pt("张三", 150, 30) == 30
    assert fit_font_size("欧阳娜娜", 150, 30) == "30pt"


@pytest.mark.parametrize(
    "name",
    [
        "阿卜杜热合曼·买买提",
        "古丽娜尔·艾合买提江·吐尔逊",
        "阿卜杜热合曼·买买提·艾合买提江·吐尔逊·阿不都克里木",
        "Maximilian Alexander Wolfgang Schwarzenegger",
    ],
)
def test_long_names_shrink_to_fit(name):
    width_mm = 150
    size = fit_font_size_pt(name, width_mm, 30)
    assert size <= 30
    assert text_width_em(name) * size <= width_mm * PT_PER_MM


def test_longer_name_never_larger():
    sizes = [fit_font_size_pt("阿" * n, 100, 30) for n in range(1, 40)]
    assert sizes == sorted(sizes, reverse=True)


def test_letter_spacing_counts():
    assert fit_font_size_pt("张三丰", 30, 40, letter_spacing_em=0.5) < fit_font_size_pt("张三丰", 30, 40)
