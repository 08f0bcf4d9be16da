"""A lint: no Chinese text reaches a user without passing through the catalogue.

In the modules that word messages for people, every string literal holding Chinese must be the message of a
translation call (``_()``, ``_l()``, ``gettext``, ``lazy_gettext``, ``ngettext``, ``Msg()``) or a docstring.
What is Chinese on purpose (the Excel template's headers, data tables, documents of record) is listed below,
each with its reason. Calls inside f-strings are refused too: ``pybabel extract`` does not see them.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from contests.excel import COLUMNS, DELEGATION_COLUMN

ROOT = Path(__file__).resolve().parents[2]
CHINESE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
WRAPPERS = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext", "Msg"}

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
ALLOWED: dict[str, dict[str, set[str]]] = {
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


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _scope_names(node: ast.stmt) -> set[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    targets = node.targets if isinstance(node, ast.Assign) else \
        [node.target] if isinstance(node, ast.AnnAssign | ast.AugAssign) else []
    names = set()
    for target in targets:
        for sub in ast.walk(target):
            if isinstance(sub, ast.Name):
                names.add(sub.id)
    return names


def problems(path: str, source: str, allowed: dict[str, set[str]]) -> list[str]:
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    parents: dict[int, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    top: dict[int, set[str]] = {}
    for stmt in tree.body:
        names = _scope_names(stmt)
        for sub in ast.walk(stmt):
            top[id(sub)] = names

    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node.func) in WRAPPERS:
            if node.args and isinstance(node.args[0], ast.JoinedStr):
                found.append(f"{path}:{node.lineno}: f-string given to {_name(node.func)}(): not extractable")
            parent = parents.get(id(node))
            while parent is not None:
                if isinstance(parent, ast.JoinedStr):
                    found.append(f"{path}:{node.lineno}: {_name(node.func)}() inside an f-string: not extractable")
                    break
                parent = parents.get(id(parent))
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str) and CHINESE.search(node.value)):
            continue
        if id(node) in docstrings or node.value in allowed.get("literals", set()):
            continue
        if top.get(id(node), set()) & allowed.get("scopes", set()):
            continue
        parent = parents.get(id(node))
        if isinstance(parent, ast.Call) and _name(parent.func) in WRAPPERS and parent.args[:1] == [node]:
            continue
        if isinstance(parent, ast.Call) and _name(parent.func) in {"ngettext", "lazy_ngettext"} \
                and node in parent.args[:2]:
            continue
        found.append(f"{path}:{node.lineno}: {node.value!r}")
    return found


@pytest.mark.parametrize("path", MODULES)
def test_no_untranslatable_chinese(path):
    source = (ROOT / path).read_text(encoding="utf-8")
    assert problems(path, source, ALLOWED.get(path, {})) == []


def test_the_guard_catches_what_it_should():
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
'''
    found = problems("x.py", source, {})
    assert len(found) == 6, found
    assert any("'不好'" in f for f in found) and any("也不好" in f for f in found)
    assert any("不好的参数" in f for f in found)
    assert sum("not extractable" in f for f in found) == 2
    # An allowed scope lets Chinese data through, never a translation call that extraction cannot see.
    assert [f for f in problems("x.py", source, {"scopes": {"C", "D", "E", "F", "G"}})
            if "not extractable" not in f] == []
