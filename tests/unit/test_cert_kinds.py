import re

import pytest

from certificates.errors import CertificateTemplateError
from certificates.kinds import (
    ALLOWED_PLACEHOLDERS,
    DEFAULT_PAGE_SIZES,
    KIND_LABELS,
    REQUIRED_FIELDS,
    SAMPLE_CONTEXT,
    CertificateTemplate,
    default_template,
    demo_seal_png,
    page_size_mm,
    sample_context,
)
from certificates.render import check_context, find_forbidden_urls
from certificates.sandbox import find_unknown_placeholders

KINDS = list(KIND_LABELS)


def test_four_kinds():
    assert KIND_LABELS == {
        "award": "获奖证书",
        "participation": "参赛证明",
        "judge": "裁判员聘书",
        "admission": "参赛证",
    }


@pytest.mark.parametrize("kind", KINDS)
def test_default_templates_use_only_allowed_placeholders(kind):
    template = default_template(kind)
    assert find_unknown_placeholders(template.html, ALLOWED_PLACEHOLDERS[kind]) == []
    assert find_forbidden_urls(template) == []


@pytest.mark.parametrize("kind", KINDS)
def test_sample_context_is_complete_and_plain(kind):
    check_context(default_template(kind), sample_context(kind))
    assert set(SAMPLE_CONTEXT[kind]) <= set(ALLOWED_PLACEHOLDERS[kind])
    assert set(REQUIRED_FIELDS[kind]) <= set(SAMPLE_CONTEXT[kind])


def test_sample_context_is_a_copy():
    sample_context("admission")["schedule"].clear()
    assert SAMPLE_CONTEXT["admission"]["schedule"]


CJK = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"


@pytest.mark.parametrize("kind", KINDS)
def test_no_line_break_inside_chinese_text(kind):
    """A newline inside Chinese text prints as a space: keep each sentence on one line."""
    html = default_template(kind).html
    for text in re.findall(r">([^<]*)<", html):
        stripped = text.strip()
        assert "\n" not in stripped or not re.search(CJK, stripped), repr(text)


@pytest.mark.parametrize(
    ("size", "mm"),
    [
        ("A4 landscape", (297, 210)),
        ("A4", (210, 297)),
        ("a4 portrait", (210, 297)),
        ("A5 portrait", (148, 210)),
        ("A6", (105, 148)),
        ("210mm 297mm", (210, 297)),
    ],
)
def test_page_sizes(size, mm):
    assert page_size_mm(size) == mm


@pytest.mark.parametrize("size", ["A4; } body { display:none", "A9", "", "10mm 10mm", None])
def test_bad_page_sizes(size):
    with pytest.raises(CertificateTemplateError, match="纸张大小"):
        page_size_mm(size)


def test_default_page_sizes():
    assert DEFAULT_PAGE_SIZES["award"] == "A4 landscape"
    assert DEFAULT_PAGE_SIZES["admission"] == "A5 portrait"
    assert default_template("admission").page_size == "A5 portrait"
    assert default_template("award", page_size="A4 portrait").page_size == "A4 portrait"


def test_template_checks_kind_and_size():
    with pytest.raises(CertificateTemplateError):
        CertificateTemplate("diploma", "<p></p>")
    with pytest.raises(CertificateTemplateError):
        CertificateTemplate("award", "<p></p>", page_size="huge")


def test_demo_seal_is_a_png():
    assert demo_seal_png().startswith(b"\x89PNG")
    assert default_template("award", seal=demo_seal_png()).assets["seal"] == demo_seal_png()
    assert default_template("award").assets == {}
