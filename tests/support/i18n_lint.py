"""The i18n lint shared by the guard tests: Chinese text that does not pass through the message catalogue.

A guard test lists the modules that word messages for people and, per module, what is Chinese on purpose, then
asks :func:`problems` what is left. In a Python module, every string literal holding Chinese must be

* the message of a translation call (see ``WRAPPERS``; ``ngettext``'s singular and plural both count),
* a docstring, or
* allowed: an ``Allowed`` entry names single ``literals`` (allowed wherever they appear in the module) and
  ``scopes``, top-level functions, classes or assigned names whose Chinese is allowed as a whole.

Translation calls that ``pybabel extract`` cannot see are refused wherever they are, allowed or not: a call
given an f-string (``_(f"...")``) and a call inside an f-string (``f"{_('...')}"``).

For Jinja templates, :func:`untranslated_template_lines` gives the lines that print Chinese outside ``_()``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TypedDict

ROOT = Path(__file__).resolve().parents[2]
CHINESE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
WRAPPERS = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext", "Msg"}
PLURAL_WRAPPERS = {"ngettext", "lazy_ngettext"}

# ``_("...")`` or ``_('...')`` in a template, its message included (escaped quotes allowed).
TEMPLATE_MESSAGE = re.compile(r"""_\(\s*(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")


class Allowed(TypedDict, total=False):
    """What one module may keep Chinese: ``literals`` anywhere, and everything under the top-level ``scopes``."""

    literals: set[str]
    scopes: set[str]


def problems(path: str, source: str | None = None, allowed: Allowed | None = None) -> list[str]:
    """Everything wrong with one module, one readable line each (``path:line: ...``); ``[]`` when clean.

    ``source`` defaults to the file ``path`` under the repository root. ``allowed`` excuses Chinese literals
    (see the module's docstring); it never excuses a translation call that pybabel cannot extract.
    """
    if source is None:
        source = read(path)
    allowed = allowed or {}
    literals = allowed.get("literals", set())
    found = [(line, f"{path}:{line}: {problem}") for line, problem in unextractable_calls(source)]
    found += [(line, f"{path}:{line}: {text!r}")
              for line, text in unwrapped_chinese(source, allowed.get("scopes", ())) if text not in literals]
    return [message for _line, message in sorted(found, key=lambda pair: pair[0])]


def unwrapped_chinese(source: str, scopes: Iterable[str] = ()) -> list[tuple[int, str]]:
    """``(line, text)`` of each Chinese literal that is neither a translation call's message nor a docstring.

    In the order of the source; literals under one of the top-level ``scopes`` are left out. The pieces of an
    f-string count one by one.
    """
    tree = ast.parse(source)
    parents = _parents(tree)
    docstrings = _docstrings(tree)
    excused = {id(sub) for stmt in tree.body if _scope_names(stmt) & set(scopes) for sub in ast.walk(stmt)}
    found = [node for node in ast.walk(tree)
             if isinstance(node, ast.Constant) and isinstance(node.value, str) and CHINESE.search(node.value)
             and id(node) not in docstrings and id(node) not in excused
             and not _is_message(node, parents.get(id(node)))]
    return [(node.lineno, node.value) for node in sorted(found, key=_position)]


def unextractable_calls(source: str) -> list[tuple[int, str]]:
    """``(line, problem)`` of each translation call given an f-string or made inside one, in source order."""
    tree = ast.parse(source)
    parents = _parents(tree)
    found = []
    for node in sorted((n for n in ast.walk(tree) if isinstance(n, ast.Call)), key=_position):
        if _name(node.func) not in WRAPPERS:
            continue
        name = _name(node.func)
        if node.args and isinstance(node.args[0], ast.JoinedStr):
            found.append((node.lineno, f"f-string given to {name}(): not extractable"))
        parent = parents.get(id(node))
        while parent is not None and not isinstance(parent, ast.JoinedStr):
            parent = parents.get(id(parent))
        if parent is not None:
            found.append((node.lineno, f"{name}() inside an f-string: not extractable"))
    return found


def untranslated_template_lines(text: str) -> list[str]:
    """The (stripped) lines of a Jinja template that still hold Chinese once every ``_("...")`` is taken out."""
    text = TEMPLATE_MESSAGE.sub("_(", text)
    return [line.strip() for line in text.splitlines() if CHINESE.search(line)]


def read(path: str) -> str:
    """The text of ``path``, relative to the repository root."""
    return (ROOT / path).read_text(encoding="utf-8")


# -- helpers ------------------------------------------------------------------------------------------


def _parents(tree: ast.AST) -> dict[int, ast.AST]:
    return {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _position(node: ast.AST) -> tuple[int, int]:
    return node.lineno, node.col_offset


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _name(func: ast.expr) -> str:
    """The called name: ``_`` for ``_(...)``, ``gettext`` for ``flask_babel.gettext(...)``."""
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _is_message(node: ast.Constant, parent: ast.AST | None) -> bool:
    """Whether ``node`` is what pybabel extracts: a wrapper's first argument, or ngettext's plural."""
    if not (isinstance(parent, ast.Call) and _name(parent.func) in WRAPPERS):
        return False
    count = 2 if _name(parent.func) in PLURAL_WRAPPERS else 1
    return any(arg is node for arg in parent.args[:count])


def _scope_names(node: ast.stmt) -> set[str]:
    """The names a top-level statement defines: a function's or class's name, an assignment's targets."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign | ast.AugAssign):
        targets = [node.target]
    else:
        targets = []
    return {sub.id for target in targets for sub in ast.walk(target) if isinstance(sub, ast.Name)}
