"""A lint for the results part of ``scoring``: no Chinese text reaches a user without the catalogue.

Every string literal holding Chinese in these modules must be the message of a translation call (``_()``,
``_l()``, ``gettext``, ``lazy_gettext``, ``ngettext``, ``Msg()``) or a docstring; what is Chinese on purpose
(records written to the audit trail or the database, file names, input keywords, a Chinese report) is listed
below with its reason. A translation call inside an f-string is refused too: ``pybabel extract`` does not
see it. The templates print Chinese only through ``_()``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHINESE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
WRAPPERS = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext", "Msg"}

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


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _is_wrapper(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in WRAPPERS


def unwrapped_chinese(path: str) -> list[tuple[int, str]]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    wrapped: set[int] = set()
    for node in ast.walk(tree):
        if _is_wrapper(node) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant):
                wrapped.add(id(first))
    docs = _docstrings(tree)
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and CHINESE.search(node.value)
            and id(node) not in wrapped and id(node) not in docs]


def calls_in_fstrings(path: str) -> list[int]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return [inner.lineno for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
            for inner in ast.walk(node) if _is_wrapper(inner)]


@pytest.mark.parametrize("path", MODULES)
def test_no_unwrapped_chinese(path):
    allowed = ALLOWED.get(path, set())
    found = [(line, text) for line, text in unwrapped_chinese(path) if text not in allowed]
    assert found == [], f"wrap these in Msg() or _() (or allow them here with a reason): {found}"


@pytest.mark.parametrize("path", MODULES)
def test_no_translation_call_inside_an_fstring(path):
    assert calls_in_fstrings(path) == []


def test_the_allow_list_is_still_needed():
    """An entry nobody uses any more is removed, so the list says only what is true."""
    for path, allowed in ALLOWED.items():
        present = {text for _line, text in unwrapped_chinese(path)}
        assert allowed <= present, f"{path}: no longer present: {allowed - present}"


TRANSLATED = re.compile(r"""_\(\s*(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_templates_print_chinese_only_through_the_catalogue(template):
    text = TRANSLATED.sub("_(", (TEMPLATES / template).read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines() if CHINESE.search(line)]
    assert lines == []


def test_the_guard_sees_a_plain_literal(tmp_path, monkeypatch):
    """The lint itself: a bare Chinese literal is found, a wrapped one and a docstring are not."""
    module = tmp_path / "m.py"
    module.write_text('"""文档"""\nA = "裸露的中文"\nB = Msg("包好的 {x}", x=1)\nC = f"{_(\'内\')}"\n',
                      encoding="utf-8")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert unwrapped_chinese("m.py") == [(2, "裸露的中文")]
    assert calls_in_fstrings("m.py") == [4]


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
