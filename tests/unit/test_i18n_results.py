"""A lint for the results part of ``scoring``: no Chinese text reaches a user without the catalogue.

Every string literal holding Chinese in these modules must be the message of a translation call (``_()``,
``_l()``, ``gettext``, ``lazy_gettext``, ``ngettext``, ``Msg()``) or a docstring; what is Chinese on purpose
(records written to the audit trail or the database, file names, input keywords, a Chinese report) is listed
below with its reason. A translation call inside an f-string is refused too: ``pybabel extract`` does not
see it. The templates print Chinese only through ``_()``. The lint is ``tests/support/i18n_lint.py``.
"""

from __future__ import annotations

import pytest

from tests.support.i18n_lint import ROOT, read, unextractable_calls, untranslated_template_lines, unwrapped_chinese

MODULES = [
    "scoring/results.py",
    "scoring/results_policy.py",
    "scoring/publication.py",
    "scoring/appeals.py",
    "scoring/charts.py",
    "scoring/results_forward.py",
    "scoring/results_standings.py",
    "scoring/results_views.py",
    "scoring/results_marks.py",
    "scoring/results_export.py",
    "scoring/results_forms.py",
]
TEMPLATES = ROOT / "scoring/templates/scoring/results"

# Per module, the Chinese literals allowed, each with its reason.
ALLOWED: dict[str, set[str]] = {
    "scoring/results.py": {
        # reasons of a recomputation: written to the audit entry (a record, kept in Chinese)
        "重新计算", "计算规则修改", "裁判长确认成绩", "评分修改", "仲裁并列名次",
        "存在",  # a missing row in the list of differences: audit entry and `flask results verify` (CLI)
    },
    "scoring/appeals.py": {
        "理论",  # THEORY_WORDS: a correction line may start with 理论 (input read back, not text shown)
        "申诉 ", " 仲裁更正评分",  # the recomputation's reason in the audit entry (a record)
    },
    "scoring/results_forward.py": {
        "由", "推荐",  # the forwarded registration's step reason, stored in its history (data)
    },
    "scoring/results_views.py": {
        "组委会重新计算",  # the recomputation's reason in the audit entry (a record)
        "-成绩.xlsx", "-参赛获奖统计.xlsx",  # download file names: the documents' names, kept Chinese
    },
    "scoring/results_export.py": {
        # statistics_workbook: its first sheet joins the sheets of contests.statistics.as_sheets, a Chinese
        # report of record, so the whole workbook stays Chinese
        "按代表团", "代表团", "参赛人数", "其中建档立卡贫困户", "获奖人数", "获奖者中贫困户", "获奖率",
        "参赛", "获奖",
    },
}


@pytest.mark.parametrize("path", MODULES)
def test_no_unwrapped_chinese(path):
    allowed = ALLOWED.get(path, set())
    found = [(line, text) for line, text in unwrapped_chinese(read(path)) if text not in allowed]
    assert found == [], f"wrap these in Msg() or _() (or allow them here with a reason): {found}"


@pytest.mark.parametrize("path", MODULES)
def test_no_translation_call_inside_an_fstring(path):
    assert unextractable_calls(read(path)) == []


def test_the_allow_list_is_still_needed():
    """An entry nobody uses any more is removed, so the list says only what is true."""
    for path, allowed in ALLOWED.items():
        present = {text for _line, text in unwrapped_chinese(read(path))}
        assert allowed <= present, f"{path}: no longer present: {allowed - present}"


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_templates_print_chinese_only_through_the_catalogue(template):
    assert untranslated_template_lines((TEMPLATES / template).read_text(encoding="utf-8")) == []


# -- the messages themselves --------------------------------------------------------------------------


def test_policy_errors_are_messages_that_keep_their_chinese_text():
    from app.text import Msg
    from scoring.results_policy import PolicyError, parse_award_policy

    with pytest.raises(PolicyError) as err:
        parse_award_policy({"bands": [{"award": "gold", "share": "lots"}, {"award": "tin", "count": 1}]})
    first, second = err.value.problems
    assert isinstance(first, Msg) and isinstance(second, Msg)
    assert first == "第 1 个奖项档 的比例“lots”无法识别，请写成 10%、1/2 或 0.1"
    assert first.template == "{label} 的比例“{raw}”无法识别，请写成 10%、1/2 或 0.1"
    assert isinstance(first.params["label"], Msg)  # "第 {index} 个奖项档" is translated too
    assert str(err.value) == f"{first}；{second}"


def test_labels_are_messages():
    from app.text import Msg
    from scoring.publication import STATE_LABELS
    from scoring.results import FIELD_LABELS
    from scoring.results_policy import METRIC_LABELS, PRESETS, ROUNDING_MODES

    for labels in (STATE_LABELS, FIELD_LABELS, METRIC_LABELS, ROUNDING_MODES):
        assert all(isinstance(v, Msg) for v in labels.values())
    assert all(isinstance(description, Msg) for description, _policy in PRESETS.values())
    assert STATE_LABELS["announced"] == "已公布"
