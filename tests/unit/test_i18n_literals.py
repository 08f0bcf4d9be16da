"""A lint: no Chinese text reaches a user without passing through the catalogue.

In the modules that word messages for people, every string literal holding Chinese must be the message of a
translation call (``_()``, ``_l()``, ``gettext``, ``lazy_gettext``, ``ngettext``, ``Msg()``) or a docstring.
What is Chinese on purpose (the Excel template's headers, data tables, documents of record) is listed below,
each with its reason. Calls inside f-strings are refused too: ``pybabel extract`` does not see them.

The lint itself lives in ``tests/support/i18n_lint.py`` (shared with test_i18n_results.py and
test_i18n_scoring_certs.py); its self-test is the last test here.
"""

from __future__ import annotations

import pytest

from contests.excel import COLUMNS, DELEGATION_COLUMN
from tests.support.i18n_lint import (
    Allowed,
    problems,
    unextractable_calls,
    untranslated_template_lines,
    unwrapped_chinese,
)

MODULES = [
    "contests/idnumber.py",
    "contests/names.py",
    "contests/eligibility.py",
    "contests/registration.py",
    "contests/statistics.py",
    "contests/uploads.py",
    "contests/excel.py",
    "contests/ethnic.py",
    "contests/regions.py",
    "contests/importing.py",
    "contests/services.py",
    "contests/choices.py",
    "contests/views.py",
    "contests/draw.py",
    "contests/draw_views.py",
    "app/api.py",
    "app/errors.py",
    "app/main.py",
    "app/forms.py",
    "app/i18n.py",
    "app/text.py",
]

# The import template's column headers: the import finds its columns by these words, and a problem names
# the column as the person sees it in the file.
TEMPLATE_HEADERS = {h for h, _k, _r in COLUMNS} | {DELEGATION_COLUMN}

# Per module: ``scopes`` are top-level functions or assigned names whose Chinese is allowed as a whole,
# ``literals`` single strings allowed wherever they appear in the module.
ALLOWED: dict[str, Allowed] = {
    "contests/excel.py": {
        "scopes": {
            "COLUMNS", "DELEGATION_COLUMN",  # the template's headers, read back by the import
            "YES", "NO",  # the template's 是/否 cell values, read back by the import
            "template",  # writes the Chinese template: sheet names, drop-down values, Excel's own prompts, guide
            "EXPORT_HEADERS", "export_registrations",  # the roster export, a Chinese document of record
        },
        # parse() reads the template: its sheet name, its headers and its 男/女 drop-down values.
        "literals": TEMPLATE_HEADERS | {"报名表", "男", "女"},
    },
    "contests/importing.py": {
        "scopes": {"HEADER_OF"},  # field -> template header, to name the column of a problem
        "literals": TEMPLATE_HEADERS | {
            "Excel导入",  # stored as the step's reason (data, like a reviewer's written reason)
        },
    },
    "contests/idnumber.py": {"scopes": {"_SEX_WORDS"}},  # accepts 男/女 typed as input
    "contests/eligibility.py": {"literals": {"代表团", "队"}},  # suffixes matched in delegation names (data)
    "contests/registration.py": {"scopes": {"SKILL_LEVELS"}},  # stored values and the template's drop-down
    "contests/statistics.py": {"scopes": {"as_sheets"}},  # the statistics workbook, a Chinese report of record
    # the 56 names of GB/T 3304, and the 族 a lookup adds to a short name ('维吾尔' -> '维吾尔族'): data
    "contests/ethnic.py": {"scopes": {"_NAMES"}, "literals": {"族"}},
    "contests/regions.py": {"scopes": {"_PLACEHOLDER_CITY_NAMES"}},  # names in the GB/T 2260 table: data
    "app/i18n.py": {"scopes": {"cn_datetime"}},  # the CLDR date pattern for Chinese, not a message
}


@pytest.mark.parametrize("path", MODULES)
def test_no_untranslatable_chinese(path):
    assert problems(path, allowed=ALLOWED.get(path)) == []


def test_the_guard_catches_what_it_should():
    """The shared lint, for every guard that uses it: what it flags, what it lets through, what it never excuses."""
    source = '''
"""模块说明 (a docstring: fine)."""
from app.text import Msg
A = _("好")
B = Msg("第{row}行", row=1)
C = "不好"
D = f"也不好{A}"
E = Msg("参数", what="不好的参数")
F = f"{_('看不见')}"
G = _(f"看不见{A}")
H = ngettext("一个", "多个", 2)
I = flask_babel.gettext("也好")
def h():
    raise ValueError(f"分数 {A} 超出范围")
'''
    found = problems("x.py", source)
    assert len(found) == 8, found  # C, D, E's parameter, F and G (twice: the call and its text), h's two pieces
    assert any("'不好'" in f for f in found) and any("也不好" in f for f in found)
    assert any("不好的参数" in f for f in found) and any("超出范围" in f for f in found)
    assert sum("not extractable" in f for f in found) == 2
    assert found[0].startswith("x.py:6: ")  # in line order, each naming its file and line
    # the pieces behind the report: each unwrapped literal with its line, each call pybabel cannot see
    assert unwrapped_chinese(source) == [(6, "不好"), (7, "也不好"), (8, "不好的参数"), (10, "看不见"),
                                         (14, "分数 "), (14, " 超出范围")]
    assert [line for line, _problem in unextractable_calls(source)] == [9, 10]
    # an allowed scope excuses its Chinese, never a translation call that pybabel cannot see
    excused = problems("x.py", source, {"scopes": {"C", "D", "E", "F", "G", "h"}})
    assert len(excused) == 2 and all("not extractable" in f for f in excused)
    # an allowed literal is excused wherever it stands, and only that exact text
    assert problems("x.py", 'X = "不好"\ndef f():\n    return "不好"\n', {"literals": {"不好"}}) == []
    assert problems("x.py", 'X = "不好吗"', {"literals": {"不好"}}) == ["x.py:1: '不好吗'"]
    # templates: Chinese only inside _("...")
    template = '<h1>{{ _("成绩") }}</h1>\n<p>{{ _(\'说 "好"\') }}</p>\n<td>未公布</td>\n'
    assert untranslated_template_lines(template) == ["<td>未公布</td>"]
