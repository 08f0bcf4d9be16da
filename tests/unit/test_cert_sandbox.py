from datetime import date
from decimal import Decimal

import pytest

from certificates import sandbox
from certificates.errors import CertificateTemplateError, ContextValueError
from certificates.sandbox import check_plain_context, compile_template, find_unknown_placeholders, render_html

ALLOWED = ["name", "event", "award", "issue_date", "issue_date.year", "schedule", "schedule.time"]


def test_renders_with_autoescape():
    html = render_html("<p>{{ name }}</p>", {"name": "<b>张三</b>"})
    assert html == "<p>&lt;b&gt;张三&lt;/b&gt;</p>"


def test_chinese_date_filters():
    src = "{{ d|chinese_date }} / {{ d|chinese_date_arabic }}"
    assert render_html(src, {"d": date(2020, 8, 13)}) == "二〇二〇年八月十三日 / 2020年8月13日"


def test_fit_font_size_filter():
    assert render_html("{{ n|fit_font_size(150, 30) }}", {"n": "张三"}) == "30pt"
    small = render_html("{{ n|fit_font_size(150, 30) }}", {"n": "阿卜杜热合曼·买买提·艾合买提江·吐尔逊"})
    assert float(small.removesuffix("pt")) < 30


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__ }}",
        "{{ name.__class__.__mro__[1].__subclasses__() }}",
        "{{ name.upper.__globals__ }}",
        "{{ ().__class__.__base__.__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ '{0.__class__}'.format(name) }}",
        "{{ '{0.__class__}'|attr('format')(name) }}",  # CVE-2025-27516 shape
    ],
)
def test_sandbox_escapes_are_refused_with_a_chinese_message(source):
    with pytest.raises(CertificateTemplateError) as info:
        render_html(source, {"name": "张三"})
    message = str(info.value)
    assert "证书模板" in message
    assert "<class" not in message and "object" not in message.split("（")[0]


def test_class_access_message_is_clear():
    with pytest.raises(CertificateTemplateError, match="试图访问不允许的内容"):
        render_html("{{ ''.__class__ }}", {})


def test_lists_are_immutable():
    with pytest.raises(CertificateTemplateError):
        render_html("{{ items.append(1) }}", {"items": [1]})


def test_missing_value_is_reported():
    with pytest.raises(CertificateTemplateError, match=r"占位符没有值：\{\{ nme \}\}"):
        render_html("{{ nme }}", {"name": "张三"})


def test_syntax_error_has_line_number():
    with pytest.raises(CertificateTemplateError, match="第 2 行"):
        render_html("<p>\n{% if name %}</p>", {"name": "x"})


@pytest.mark.parametrize(
    ("source", "needle"),
    [
        ("{% for i in range(100000) %}{% endfor %}", "不允许"),
        ("{{ 'x' * 100000000 }}", "不允许"),
        ("{{ 9 ** 9999999 }}", "不允许"),
    ],
)
def test_resource_exhaustion_refused(source, needle):
    with pytest.raises(CertificateTemplateError, match=needle):
        render_html(source, {})


def test_output_size_limited(monkeypatch):
    monkeypatch.setattr(sandbox, "MAX_OUTPUT_CHARS", 1000)
    with pytest.raises(CertificateTemplateError, match="太长"):
        render_html("{% for i in range(500) %}{{ name }}{% endfor %}", {"name": "张三张三"})


# --- context must be plain values -------------------------------------------------------------------


def test_plain_values_accepted():
    check_plain_context(
        {
            "s": "x",
            "i": 1,
            "f": 1.5,
            "b": True,
            "n": None,
            "d": Decimal("9.5"),
            "dt": date(2020, 1, 1),
            "l": [1, "a", {"time": "8:00"}],
            "t": ("a",),
            "m": {"k": [date(2020, 1, 1)]},
        }
    )


class Contestant:  # e.g. a SQLAlchemy model leaking into a template
    name = "张三"


class MyStr(str):
    pass


@pytest.mark.parametrize(
    "value",
    [Contestant(), MyStr("x"), {1, 2}, b"bytes", object(), lambda: 1, {"nested": [Contestant()]}, {1: "x"}],
)
def test_non_plain_values_rejected(value):
    with pytest.raises(TypeError) as info:
        render_html("{{ v }}", {"v": value})
    assert isinstance(info.value, ContextValueError)
    assert "证书数据" in str(info.value)


def test_context_must_be_a_dict():
    with pytest.raises(TypeError):
        render_html("x", [("a", 1)])


# --- compile cache ----------------------------------------------------------------------------------


def test_compiled_once_per_source():
    source = "<p>{{ name }} 缓存测试 4c1f</p>"
    before = sandbox.compile_count
    for i in range(50):
        render_html(source, {"name": f"张{i}"})
    assert sandbox.compile_count == before + 1
    assert compile_template(source) is compile_template(source)


# --- static placeholder check -----------------------------------------------------------------------


def test_known_placeholders_are_fine():
    src = (
        "{{ name }}{{ event }}{{ award }}{{ issue_date|chinese_date }}{{ issue_date.year }}"
        "{% for row in schedule %}{{ row.time }}{% endfor %}{% set x = 1 %}{{ x }}"
    )
    assert find_unknown_placeholders(src, ALLOWED) == []


def test_unknown_placeholders_are_listed():
    messages = find_unknown_placeholders("{{ name }}{{ nmae }}{{ score }}", ALLOWED)
    assert len(messages) == 1
    assert "模板中有未知的占位符" in messages[0]
    assert "{{ nmae }}" in messages[0] and "{{ score }}" in messages[0]
    assert "name" in messages[0].split("可用的占位符有")[1]


def test_unknown_attributes_are_listed():
    messages = find_unknown_placeholders("{{ name.first }}{{ issue_date.month }}{{ issue_date.year }}", ALLOWED)
    joined = "".join(messages)
    assert "{{ name.first }}" in joined
    assert "{{ issue_date.month }}" in joined
    assert "issue_date.year" not in joined


def test_private_attributes_are_reported():
    messages = find_unknown_placeholders("{{ name.__class__ }}{{ ''.__class__.__mro__ }}", ALLOWED)
    joined = "".join(messages)
    assert "下划线" in joined and "__class__" in joined and "__mro__" in joined


def test_syntax_and_unknown_filter_reported():
    assert "语法错误" in find_unknown_placeholders("{% if %}", ALLOWED)[0]
    messages = find_unknown_placeholders("{{ name|nosuchfilter }}", ALLOWED)
    assert messages and "nosuchfilter" in messages[0]


@pytest.mark.parametrize(
    "source",
    ["{% include '/etc/passwd' %}", "{% extends 'base.html' %}", "{% import 'macros.html' as m %}{{ m.x }}"],
)
def test_no_template_loading(source):
    with pytest.raises(CertificateTemplateError, match="不能引用其他模板"):
        render_html(source, {})
    assert any("不能引用其他模板" in m for m in find_unknown_placeholders(source, ALLOWED))


@pytest.mark.parametrize(
    ("source", "needle"),
    [
        ("{{ 'x'.center(1000000000) }}", "方法 center"),
        ("{{ name.ljust(1000000000) }}", "方法 ljust"),
        ("{{ '{:>999999999}'.format(1) }}", "方法 format"),
        ("{{ '%999999999d' % 1 }}", "% 格式化"),
        ("{{ ('a' * 10000)|replace('a', 'a' * 10000) }}", "太长"),
        ("{{ name|center(1000000000) }}", "不可用的过滤器：center"),
        ("{{ name|safe }}", "不可用的过滤器：safe"),
        ("{{ name|format(1) }}", "不可用的过滤器：format"),
        ("{% macro m(x) %}{{ m(x) }}{{ m(x) }}{% endmacro %}{{ m(1) }}", "不能定义宏"),
        ("{% for a in [1] recursive %}{{ loop(a) }}{% endfor %}", "递归"),
        (
            "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}"
            "{% endfor %}{% endfor %}{% endfor %}",
            "嵌套",
        ),
    ],
)
def test_denial_of_service_shapes_refused_before_rendering(source, needle):
    with pytest.raises(CertificateTemplateError, match=needle):
        render_html(source, {"name": "张三"})


def test_safe_filters_still_work():
    src = "{{ name|upper }}|{{ name|replace('张', '李') }}|{{ items|join('、') }}|{{ 7 % 3 }}|{{ name|length }}"
    assert render_html(src, {"name": "张abc", "items": ["甲", "乙"]}) == "张ABC|李abc|甲、乙|1|4"


def test_data_cannot_become_markup():
    html = render_html("<p>{{ name }}</p>", {"name": '<img src="file:///etc/passwd">'})
    assert "<img" not in html
