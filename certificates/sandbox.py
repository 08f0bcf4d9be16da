"""Sandboxed Jinja rendering of certificate templates written by organisers.

* :class:`jinja2.sandbox.ImmutableSandboxedEnvironment` with autoescape and strict undefined values, so
  ``{{ ''.__class__ }}`` raises a :class:`~jinja2.exceptions.SecurityError` which is turned into a
  :class:`CertificateTemplateError` with a Chinese message;
* the render context must consist of plain values only (see :func:`check_plain_context`);
* each template source is compiled once and cached by its SHA-256 (never once per certificate);
* ``range`` is capped, string/list repetition and powers are bounded, and the output size is limited.
"""

from __future__ import annotations

import hashlib
import operator
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal

from jinja2 import StrictUndefined, meta, nodes
from jinja2.exceptions import SecurityError, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from app.text import Msg
from certificates.chinese_date import chinese_date, chinese_date_arabic
from certificates.errors import CertificateTemplateError, ContextValueError, message_of
from certificates.textfit import fit_font_size

MAX_RANGE = 1000  # longest loop a template may run
MAX_REPEAT = 10_000  # longest 'x' * n
MAX_OUTPUT_CHARS = 2_000_000  # per rendered certificate
MAX_SOURCE_CHARS = 200_000
MAX_DEPTH = 8  # nesting of lists/dicts in a context
_CACHE_SIZE = 128

#: Exact types allowed as context values (subclasses are refused: a str subclass could carry methods).
PLAIN_TYPES: tuple[type, ...] = (str, int, float, bool, Decimal, date, datetime, type(None))


#: str methods that can build huge strings from a small call ('x'.center(10**9), '{:>999999999}'.format(1)).
_UNSAFE_STR_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs", "format", "format_map"})

#: Filters a certificate template may use. Left out: ``safe`` (would turn data into markup), ``attr``,
#: ``format``/``center``/``indent``/``wordwrap`` (huge strings from a small call), ``tojson``, ``urlize``,
#: ``pprint``, ``xmlattr``.
ALLOWED_FILTERS = frozenset(
    {
        "abs", "batch", "capitalize", "count", "d", "default", "dictsort", "e", "escape", "first", "float",
        "forceescape", "groupby", "int", "items", "join", "last", "length", "list", "lower", "map", "max",
        "min", "reject", "rejectattr", "replace", "reverse", "round", "select", "selectattr", "slice",
        "sort", "string", "striptags", "sum", "title", "trim", "truncate", "unique", "upper", "wordcount",
    }
)  # fmt: skip


class _CertificateEnvironment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "%"})

    def is_safe_callable(self, obj) -> bool:
        if getattr(obj, "__self__", None).__class__ is str and getattr(obj, "__name__", "") in _UNSAFE_STR_METHODS:
            return False
        return super().is_safe_callable(obj)

    def wrap_str_format(self, value):
        # The sandbox lets str.format through a safe formatter, but "{:>999999999}" still builds 1 GB.
        if getattr(value, "__name__", "") in ("format", "format_map") and isinstance(
            getattr(value, "__self__", None), str
        ):

            def refuse(*args, **kwargs):
                raise SecurityError(Msg("方法 {name}", name="format"))

            return refuse
        return super().wrap_str_format(value)

    def call_binop(self, context, op, left, right):
        if op == "%":
            if isinstance(left, str):
                raise SecurityError(Msg("不支持用 % 格式化文字"))
            return operator.mod(left, right)
        if op == "**":
            if isinstance(right, int | float) and abs(right) > 64:
                raise SecurityError(Msg("幂运算的指数太大"))
            return operator.pow(left, right)
        if op == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(n, int) and len(seq) * n > MAX_REPEAT:
                    raise SecurityError(Msg("重复生成的文字太长"))
            return operator.mul(left, right)
        return super().call_binop(context, op, left, right)


def _safe_range(*args: int) -> range:
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise SecurityError(Msg("range() 最多 {max} 次", max=MAX_RANGE))
    return rng


def _safe_replace(value, old, new, count=None):
    text = str(value)
    result = text.replace(str(old), str(new)) if count is None else text.replace(str(old), str(new), int(count))
    if len(result) > MAX_REPEAT * 10 and len(result) > 2 * len(text):
        raise SecurityError(Msg("替换后的文字太长"))
    return result


def _date_filter(func):
    def filt(value):
        if value is None or value == "":
            return ""
        if not isinstance(value, date):
            raise CertificateTemplateError(Msg("日期过滤器只能用于日期，得到：{value}", value=repr(value)))
        return func(value)

    filt.__name__ = func.__name__
    return filt


def _make_env() -> _CertificateEnvironment:
    env = _CertificateEnvironment(
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        cache_size=0,  # we cache compiled templates ourselves, by hash
    )
    env.globals = {"range": _safe_range}
    env.filters = {name: func for name, func in env.filters.items() if name in ALLOWED_FILTERS}
    env.filters["replace"] = _safe_replace
    env.filters["chinese_date"] = _date_filter(chinese_date)
    env.filters["chinese_date_arabic"] = _date_filter(chinese_date_arabic)
    env.filters["fit_font_size"] = fit_font_size
    return env


ENV = _make_env()
_cache: OrderedDict[str, object] = OrderedDict()
_cache_lock = threading.Lock()
compile_count = 0  # how many times a source was actually compiled (tests check the cache works)


def source_hash(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def _line_hint(exc: TemplateSyntaxError) -> str:
    return Msg("（第 {line} 行）", line=exc.lineno) if getattr(exc, "lineno", None) else ""


def _syntax_message(exc: TemplateSyntaxError) -> str:
    m = _NO_FILTER_RE.search(exc.message or "")
    if m:
        what = Msg("过滤器") if m.group(1) == "filter" else Msg("测试")
        return Msg("证书模板中使用了不可用的{what}：{name}{line}。", what=what, name=m.group(2), line=_line_hint(exc))
    # Jinja's own description of the error is English; it is shown as it is.
    return Msg("证书模板语法错误{line}：{error}", line=_line_hint(exc), error=exc.message or "")


def compile_template(source: str):
    """Compile (or fetch from the cache) a template; raises :class:`CertificateTemplateError`."""
    global compile_count
    if not isinstance(source, str):
        raise CertificateTemplateError(Msg("证书模板必须是文字。"))
    if len(source) > MAX_SOURCE_CHARS:
        raise CertificateTemplateError(
            Msg("证书模板太长（{n} 个字符），最多 {max} 个。", n=len(source), max=MAX_SOURCE_CHARS)
        )
    key = source_hash(source)
    with _cache_lock:
        tpl = _cache.get(key)
        if tpl is not None:
            _cache.move_to_end(key)
            return tpl
    try:
        ast = ENV.parse(source)
        _refuse_loading(ast)
        tpl = ENV.from_string(ast)
    except TemplateSyntaxError as exc:
        raise CertificateTemplateError(_syntax_message(exc)) from None
    except TemplateError as exc:
        raise CertificateTemplateError(Msg("证书模板有错误：{error}", error=str(exc))) from None
    with _cache_lock:
        compile_count += 1
        _cache[key] = tpl
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return tpl


_LOADING_NODES = (nodes.Include, nodes.Extends, nodes.Import, nodes.FromImport)
MAX_LOOP_NESTING = 2  # with range() capped at 1000: at most a million iterations


def _refuse_loading(ast: nodes.Template) -> None:
    """Statically refuse what a certificate never needs and that could hang a batch or read other files."""
    if any(True for _ in ast.find_all(_LOADING_NODES)):
        raise CertificateTemplateError(Msg("证书模板不能引用其他模板或文件（include、extends、import）。"))
    if any(True for _ in ast.find_all((nodes.Macro, nodes.CallBlock))):
        raise CertificateTemplateError(Msg("证书模板中不能定义宏（macro、call）。"))
    for loop in ast.find_all(nodes.For):
        if loop.recursive:
            raise CertificateTemplateError(Msg("证书模板中不能使用递归循环（recursive）。"))
        if _loop_depth(loop) > MAX_LOOP_NESTING:
            raise CertificateTemplateError(Msg("证书模板中的循环最多嵌套 {max} 层。", max=MAX_LOOP_NESTING))


def _loop_depth(node: nodes.Node) -> int:
    inner = [_loop_depth(child) for child in node.iter_child_nodes()]
    return (1 if isinstance(node, nodes.For) else 0) + max(inner, default=0)


def check_plain_context(context: Mapping, _path: str = "", _depth: int = 0) -> None:
    """Raise :class:`ContextValueError` (a ``TypeError``) unless ``context`` holds plain values only:
    str, int, float, bool, Decimal, date, datetime, None, and lists/tuples/dicts (str keys) of those."""
    if _depth > MAX_DEPTH:
        raise ContextValueError(Msg("证书数据嵌套太深：{path}", path=_path))
    if type(context) is not dict:
        raise ContextValueError(
            Msg("证书数据必须是字典（dict），{path}是 {type}", path=_path or Msg("顶层"), type=type(context).__name__)
        )
    for key, value in context.items():
        if type(key) is not str:
            raise ContextValueError(Msg("证书数据的键必须是文字，得到：{key}", key=repr(key)))
        path = f"{_path}.{key}" if _path else key
        _check_value(value, path, _depth)


def _check_value(value, path: str, depth: int) -> None:
    t = type(value)
    if t in PLAIN_TYPES:
        return
    if t is dict:
        check_plain_context(value, path, depth + 1)
        return
    if t in (list, tuple):
        if depth + 1 > MAX_DEPTH:
            raise ContextValueError(Msg("证书数据嵌套太深：{path}", path=path))
        for i, item in enumerate(value):
            _check_value(item, f"{path}[{i}]", depth + 1)
        return
    raise ContextValueError(
        Msg("证书数据“{path}”的类型 {type} 不允许；只能传入文字、数字、日期及其列表或字典（不能传入数据库对象）。",
            path=path, type=f"{t.__module__}.{t.__qualname__}")
    )


_UNSAFE_ATTR_RE = re.compile(r"attribute '([^']+)'")
_UNSAFE_METHOD_RE = re.compile(r"method (\w+) of")
_NO_FILTER_RE = re.compile(r"No (filter|test) named '([^']+)'")


def _attribute(name: str) -> Msg:
    return Msg("属性 {name}", name=name)


def _security_message(exc: Exception | None = None, detail: str | None = None) -> str:
    """The refusal of a sandbox violation: Jinja's SecurityError (attribute or method named in English), one of
    our own (a Msg: range, repetition …), or ``detail`` given directly."""
    if detail is None:
        text = str(exc)
        m = _UNSAFE_ATTR_RE.search(text)
        m2 = _UNSAFE_METHOD_RE.search(text)
        if m:
            detail = _attribute(m.group(1))
        elif m2:
            detail = Msg("方法 {name}", name=m2.group(1))
        elif isinstance(message_of(exc), Msg):
            detail = message_of(exc)  # our own reasons (range, repetition …)
        else:
            detail = Msg("不安全的操作")
    return Msg("证书模板试图访问不允许的内容（{detail}），已被拒绝。模板中只能使用提供的占位符和过滤器。",
               detail=detail)


def render_html(source: str, context: Mapping) -> str:
    """Render ``source`` with ``context`` (plain values only) in the sandbox; returns HTML text.

    Raises :class:`ContextValueError` (TypeError) for non-plain context values and
    :class:`CertificateTemplateError` for template errors, sandbox violations and missing values."""
    check_plain_context(context)
    tpl = compile_template(source)
    return _render_compiled(tpl, context)


def _render_compiled(tpl, context: Mapping) -> str:
    try:
        parts: list[str] = []
        size = 0
        for chunk in tpl.generate(context):
            size += len(chunk)
            if size > MAX_OUTPUT_CHARS:
                raise CertificateTemplateError(
                    Msg("证书模板生成的内容太长（超过 {max} 个字符）。", max=MAX_OUTPUT_CHARS)
                )
            parts.append(chunk)
        return "".join(parts)
    except SecurityError as exc:
        raise CertificateTemplateError(_security_message(exc)) from None
    except UndefinedError as exc:
        raise CertificateTemplateError(_undefined_message(exc)) from None
    except CertificateTemplateError:
        raise
    except TemplateError as exc:
        raise CertificateTemplateError(Msg("证书模板出错：{error}", error=str(exc))) from None
    except RecursionError:
        raise CertificateTemplateError(Msg("证书模板递归太深。")) from None
    except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as exc:
        raise CertificateTemplateError(
            Msg("证书模板计算出错：{error}", error=f"{type(exc).__name__}: {message_of(exc)}")
        ) from None


_UNDEFINED_NAME_RE = re.compile(r"^'([^']+)' is undefined$")
_NO_ATTR_RE = re.compile(r"^.* has no (?:attribute|element) '?([^']+?)'?$")


def _undefined_message(exc: UndefinedError) -> str:
    msg = str(exc)
    m = _UNDEFINED_NAME_RE.match(msg)
    if m:
        return Msg("证书模板中的占位符没有值：{placeholder}", placeholder=f"{{{{ {m.group(1)} }}}}")
    m = _NO_ATTR_RE.match(msg)
    if m:
        attr = m.group(1)
        if attr.startswith("_"):
            return _security_message(detail=_attribute(attr))
        return Msg("证书模板中使用了不存在的属性或项目：{name}", name=attr)
    return Msg("证书模板中的占位符没有值（{error}）", error=msg)


# --------------------------------------------------------------------------------------------------
# Static checks (before generating anything)


def _dotted(node: nodes.Node) -> str | None:
    """'a.b.c' for Name/Getattr/Getitem-with-constant chains, else None."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        base = _dotted(node.node)
        return f"{base}.{node.attr}" if base else None
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
        base = _dotted(node.node)
        return f"{base}.{node.arg.value}" if base else None
    return None


def find_unknown_placeholders(template_source: str, allowed_names: Iterable[str]) -> list[str]:
    """Chinese messages for everything in the template that will not render: syntax errors, unknown
    filters, placeholders not in ``allowed_names``, attributes not declared, and any ``_private``
    attribute. ``allowed_names`` may contain dotted names (``issue_date.year``) to allow attributes; a name
    without dotted entries is a plain value and attribute access on it is reported.
    An empty list means the template is fine."""
    allowed = set(allowed_names)
    top_allowed = {a.split(".", 1)[0] for a in allowed}
    messages: list[str] = []
    try:
        ast = ENV.parse(template_source)
    except TemplateSyntaxError as exc:
        return [_syntax_message(exc)]
    try:
        _refuse_loading(ast)
    except CertificateTemplateError as exc:
        messages.append(exc.message)
    try:
        ENV.compile(ast)  # unknown filters/tests are only detected when compiling
    except TemplateSyntaxError as exc:  # TemplateAssertionError is one
        messages.append(_syntax_message(exc))
    except TemplateError as exc:
        messages.append(Msg("证书模板有错误：{error}", error=str(getattr(exc, "message", None) or exc)))

    try:
        undeclared = meta.find_undeclared_variables(ast)
    except TemplateError:
        return messages  # already reported by the compile step above
    unknown = sorted(n for n in undeclared if n not in top_allowed and n not in ENV.globals)
    if unknown:
        shown = "、".join(f"{{{{ {n} }}}}" for n in unknown)
        messages.append(Msg("模板中有未知的占位符：{unknown}。可用的占位符有：{allowed}。", unknown=shown,
                            allowed="、".join(sorted(top_allowed))))

    private: list[str] = []
    bad_attrs: list[str] = []
    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        attr = node.attr if isinstance(node, nodes.Getattr) else None
        if attr is None and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            attr = node.arg.value
        if attr is not None and attr.startswith("_"):
            private.append(attr)
            continue
        dotted = _dotted(node)
        if not dotted:
            continue
        root = dotted.split(".", 1)[0]
        if root not in undeclared or root not in top_allowed:
            continue  # loop variables / unknown names are handled elsewhere
        prefixes = {a for a in allowed if "." in a and a.startswith(root + ".")}
        if not prefixes:
            bad_attrs.append(dotted)
        elif dotted not in allowed and not any(a.startswith(dotted + ".") for a in allowed):
            bad_attrs.append(dotted)
    if private:
        shown = "、".join(dict.fromkeys(private))
        messages.append(Msg("模板中不允许访问以下划线开头的属性：{names}。", names=shown))
    if bad_attrs:
        shown = "、".join(f"{{{{ {d} }}}}" for d in dict.fromkeys(bad_attrs))
        messages.append(Msg("模板中有未知的占位符属性：{names}。", names=shown))
    return messages
